// Tiny real models for the tests: a `tributary-gen` checkpoint (preset tiny) with the project's
// tokenizer, a few PEFT adapters, and pools started on them with real engine processes.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { type AdapterRecord, createStaticRegistry } from "../src/adapters/registry.ts";
import { createMemoryUsageSink } from "../src/metering/index.ts";
import {
  DEFAULT_ENGINE_BINARY,
  type PoolServiceOptions,
  startPoolService,
} from "../src/service.ts";
import { writeDemoTokenizer } from "../src/tokenizer/demo-tokenizer.ts";

const run = promisify(execFile);

export const ENGINE_BINARY = process.env.TRIBUTARY_ENGINE_BIN ?? DEFAULT_ENGINE_BINARY;
export const GEN_BINARY = path.join(path.dirname(ENGINE_BINARY), "tributary-gen");

export interface TinyAdapter {
  name: string;
  id: string;
  dir: string;
}

export interface TinyFixture {
  dir: string;
  modelDir: string;
  adapters: TinyAdapter[];
  cleanup(): Promise<void>;
}

const ADAPTERS = [
  { name: "alpha", args: ["--rank", "8", "--targets", "q,v", "--seed", "1"] },
  { name: "beta", args: ["--rank", "4", "--targets", "all", "--seed", "2"] },
  { name: "gamma", args: ["--rank", "16", "--targets", "all", "--seed", "3"] },
];

export async function makeTinyFixture(): Promise<TinyFixture> {
  if (!existsSync(ENGINE_BINARY)) {
    throw new Error(`no engine at ${ENGINE_BINARY}: run \`npm run build:engine\` first`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), "tributary-pool-test-"));
  const modelDir = path.join(dir, "tiny");
  await run(GEN_BINARY, ["model", "--preset", "tiny", "--seed", "1", "--out", modelDir]);
  await writeDemoTokenizer(modelDir);
  const adapters: TinyAdapter[] = [];
  for (const adapter of ADAPTERS) {
    const adapterDir = path.join(dir, "adapters", adapter.name);
    const { stdout } = await run(GEN_BINARY, [
      "adapter",
      "--model",
      modelDir,
      "--out",
      adapterDir,
      ...adapter.args,
    ]);
    adapters.push({ name: adapter.name, id: stdout.trim().split(/\s+/)[0] ?? "", dir: adapterDir });
  }
  return { dir, modelDir, adapters, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function registryOf(adapters: TinyAdapter[]) {
  return createStaticRegistry(
    adapters.map((a): AdapterRecord => ({ id: a.id, name: a.name, uri: `file://${a.dir}` })),
  );
}

/** The test callers' keys and the admin key every test pool is started with. */
export const CALLER_KEYS = {
  test: "tpk_test-caller-key-0123456789abcdef",
  other: "tpk_other-caller-key-0123456789abcdef",
};
export const ADMIN_KEY = "tpa_test-admin-key-0123456789abcdef";
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export async function startTestPool(
  fixture: TinyFixture,
  options: Partial<PoolServiceOptions> = {},
) {
  const sink = createMemoryUsageSink();
  const service = await startPoolService({
    modelDir: fixture.modelDir,
    modelName: "tiny",
    workers: 2,
    engineBinary: ENGINE_BINARY,
    registry: registryOf(fixture.adapters),
    adapters: fixture.adapters.map((a) => ({ uri: `file://${a.dir}`, id: a.id })),
    storeDir: path.join(fixture.dir, "store"),
    port: 0,
    sink,
    logger: pino({ level: process.env.POOL_TEST_LOG ?? "silent" }),
    callerKeys: CALLER_KEYS,
    adminKey: ADMIN_KEY,
    ...options,
  });
  return {
    ...service,
    records: sink.records,
    baseURL: `${service.url}/v1`,
    /** The `test` caller's key: the one the tests' OpenAI clients use. */
    apiKey: service.callerKeys.test ?? "",
  };
}
