// Builds the engine and copies the committed demo models into the data directory: the base model
// (pretrained by the project's trainer on the Brown corpus: inference/models/tributary-demo, made
// by scripts/demo-model/pretrain.ts) and its adapters (fine-tuned on the demo Datanets by Model
// Factory's pieces: inference/models/demo-adapters, made by `npm run train:demo-adapters -w
// api`), so the hashes registered on-chain are those of real files the engine loads.
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { SeedAdapter, SeedModel } from "@tributary/contracts";
import { parseEther } from "viem";
import { buildEngine } from "./build-engine.ts";
import { DEMO_MODEL_DIR, DEMO_MODEL_FILES } from "./demo-model/files.ts";

export const DEMO_BASE_MODEL = "tributary-demo";
const BASE_FILES = ["config.json", "model.safetensors"] as const;
const ADAPTER_FILES = ["adapter_config.json", "adapter_model.safetensors"] as const;

/** Where the committed demo adapters are (api/bench/demo-adapters.ts writes them). */
const DEMO_ADAPTERS_DIR = path.join(path.dirname(DEMO_MODEL_DIR), "demo-adapters");

/**
 * The demo adapters: names match demo/agents/demo-agent.json's ensemble; ranks and Datanets
 * those api/bench/demo-adapters.ts trains them with.
 */
const DEMO_ADAPTERS = [
  { name: "lora-notes-expert", rank: 8, datanets: ["lora-notes"], perCall: "0.01" },
  { name: "settlement-expert", rank: 16, datanets: ["settlement-notes"], perCall: "0.02" },
  { name: "generalist", rank: 4, datanets: ["lora-notes", "settlement-notes"], perCall: "0.005" },
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
 * Copies committed files into `targetDir` where they differ (a data directory from before the
 * trained models held random weights); true when it copied any.
 */
async function copyCommitted(
  sourceDir: string,
  targetDir: string,
  files: readonly string[],
): Promise<boolean> {
  await mkdir(targetDir, { recursive: true });
  let copied = false;
  for (const file of files) {
    const source = path.join(sourceDir, file);
    const target = path.join(targetDir, file);
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
  await buildEngine();
  const dir = path.resolve(process.env.TRIBUTARY_DATA_DIR ?? path.join(root, ".data"), "models");
  const baseDir = path.join(dir, DEMO_BASE_MODEL);

  if (await copyCommitted(DEMO_MODEL_DIR, baseDir, DEMO_MODEL_FILES)) {
    log.info({ step: "copied the pretrained demo base model", dir: baseDir }, "copied demo model");
  }
  const adapters: SeedAdapter[] = [];
  for (const adapter of DEMO_ADAPTERS) {
    const adapterDir = path.join(dir, "adapters", adapter.name);
    if (await copyCommitted(path.join(DEMO_ADAPTERS_DIR, adapter.name), adapterDir, ADAPTER_FILES))
      log.info({ step: "copied a demo adapter", adapter: adapter.name }, "copied adapter");
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
