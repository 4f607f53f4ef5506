// Builds the engine, copies the committed demo base model (pretrained by the project's trainer on
// the Brown corpus: inference/models/tributary-demo, made by scripts/demo-model/pretrain.ts) into
// the data directory, and generates its adapters with the engine's own generator (deterministic
// from seeds, random weights of the base model's shapes), so the hashes registered on-chain are
// those of real files the engine loads.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { SeedAdapter, SeedModel } from "@tributary/contracts";
import { parseEther } from "viem";
import { buildEngine } from "./build-engine.ts";
import { DEMO_MODEL_DIR, DEMO_MODEL_FILES } from "./demo-model/files.ts";

const run = promisify(execFile);

export const DEMO_BASE_MODEL = "tributary-demo";
const BASE_FILES = ["config.json", "model.safetensors"] as const;
const ADAPTER_FILES = ["adapter_config.json", "adapter_model.safetensors"] as const;

/** The demo adapters: names match demo/agents/demo-agent.json's ensemble. */
const DEMO_ADAPTERS = [
  { name: "lora-notes-expert", rank: 8, seed: 11, datanets: ["lora-notes"], perCall: "0.01" },
  {
    name: "settlement-expert",
    rank: 16,
    seed: 12,
    datanets: ["settlement-notes"],
    perCall: "0.02",
  },
  {
    name: "generalist",
    rank: 4,
    seed: 13,
    datanets: ["lora-notes", "settlement-notes"],
    perCall: "0.005",
  },
] as const;

export interface DemoModels {
  dir: string;
  baseModel: SeedModel;
  adapters: SeedAdapter[];
}

interface Logger {
  info(fields: object, message: string): void;
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  if (!existsSync(b)) return false;
  const [left, right] = await Promise.all([readFile(a), readFile(b)]);
  return left.equals(right);
}

/**
 * Copies the committed model's files into `baseDir` where they differ (a data directory from
 * before the pretrained model held random weights); true when it copied any.
 */
async function copyDemoModel(baseDir: string): Promise<boolean> {
  await mkdir(baseDir, { recursive: true });
  let copied = false;
  for (const file of DEMO_MODEL_FILES) {
    const source = path.join(DEMO_MODEL_DIR, file);
    const target = path.join(baseDir, file);
    if (await sameBytes(source, target)) continue;
    await copyFile(source, target);
    copied = true;
  }
  return copied;
}

export async function prepareDemoModels(options: {
  root: string;
  log: Logger;
}): Promise<DemoModels> {
  const { root, log } = options;
  log.info({ step: "building the engine (CPU backend)" }, "building the engine");
  const buildDir = await buildEngine();
  const generator = path.join(buildDir, "tributary-gen");
  const dir = path.resolve(process.env.TRIBUTARY_DATA_DIR ?? path.join(root, ".data"), "models");
  const baseDir = path.join(dir, DEMO_BASE_MODEL);

  if (await copyDemoModel(baseDir)) {
    log.info({ step: "copied the pretrained demo base model", dir: baseDir }, "copied demo model");
  }
  const adapters: SeedAdapter[] = [];
  for (const adapter of DEMO_ADAPTERS) {
    const adapterDir = path.join(dir, "adapters", adapter.name);
    if (!existsSync(path.join(adapterDir, "adapter_model.safetensors"))) {
      log.info({ step: "generating a demo adapter", adapter: adapter.name }, "generating adapter");
      await run(generator, [
        "adapter",
        "--out",
        adapterDir,
        "--model",
        baseDir,
        "--rank",
        String(adapter.rank),
        "--targets",
        "all",
        "--seed",
        String(adapter.seed),
      ]);
    }
    adapters.push({
      name: adapter.name,
      dir: adapterDir,
      files: ADAPTER_FILES,
      uri: `file://${adapterDir}`,
      rank: adapter.rank,
      datanets: adapter.datanets,
      pricePerCall: parseEther(adapter.perCall),
      pricePer1kTokens: parseEther(adapter.perCall) / 10n,
    });
  }
  return {
    dir,
    baseModel: { name: DEMO_BASE_MODEL, dir: baseDir, files: BASE_FILES, uri: `file://${baseDir}` },
    adapters,
  };
}
