// Reproduces the demo base model (inference/models/tributary-demo) from its seeds: the engine's
// generator draws the starting weights, the pool's demo tokenizer tokenizes the Brown corpus,
// and the engine's trainer pretrains every weight (tributary-pretrain). Offline, once:
//   npx tsx scripts/demo-model/pretrain.ts            (about 30 minutes on 2 cores)
// pretrain.test.ts reruns the first steps and checks them against the committed training log.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { writeDemoTokenizer } from "@tributary/pool/launcher";
import { buildEngine } from "../build-engine.ts";
import { DEMO_MODEL_DIR } from "./files.ts";
import { tokenizeCorpus, writeTokenFile } from "./tokenize-corpus.ts";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const CORPUS_PATH = path.join(DEMO_MODEL_DIR, "corpus", "brown.txt.gz");
export const TRAINING_LOG = path.join(DEMO_MODEL_DIR, "training-log.txt");

/** The starting weights: `tributary-gen model` with these arguments. */
export const INIT_ARGS = ["--preset", "demo", "--seed", "1", "--dtype", "fp32"] as const;
/** The run's hyper-parameters and data-order seed (tributary-pretrain's options). */
export const PRETRAIN_ARGS = [
  ["--steps", "1000"],
  ["--warmup", "50"],
  ["--batch", "16"],
  ["--seq-len", "128"],
  ["--lr", "3e-3"],
  ["--weight-decay", "0.1"],
  ["--seed", "1"],
  ["--dtype", "bf16"],
].flat();

export interface PretrainInputs {
  initDir: string;
  tokensPath: string;
  tokenCount: number;
  tokensSha256: string;
}

/** Starting weights, tokenizer and token file under `workDir`. */
export async function preparePretrainInputs(
  buildDir: string,
  workDir: string,
): Promise<PretrainInputs> {
  const initDir = path.join(workDir, "init");
  await run(path.join(buildDir, "tributary-gen"), ["model", "--out", initDir, ...INIT_ARGS]);
  await writeDemoTokenizer(initDir);
  const tokens = await tokenizeCorpus(CORPUS_PATH, initDir);
  const tokensPath = path.join(workDir, "corpus.tokens");
  await writeTokenFile(tokens, tokensPath);
  const tokensSha256 = createHash("sha256")
    .update(await readFile(tokensPath))
    .digest("hex");
  return { initDir, tokensPath, tokenCount: tokens.length, tokensSha256 };
}

export function pretrainCommand(
  inputs: PretrainInputs,
  outDir: string,
  stopAfter?: number,
): string[] {
  const command = ["--init", inputs.initDir, "--tokens", inputs.tokensPath, ...PRETRAIN_ARGS];
  return stopAfter
    ? [...command, "--stop-after", String(stopAfter)]
    : [...command, "--out", outDir];
}

export function logHeader(inputs: PretrainInputs): string[] {
  return [
    "# tributary-demo base model: full-parameter pretraining by the engine's trainer",
    `# init: tributary-gen model ${INIT_ARGS.join(" ")}`,
    `# corpus: corpus/brown.txt.gz, ${inputs.tokenCount} tokens (token file sha256 ${inputs.tokensSha256})`,
    `# tributary-pretrain ${PRETRAIN_ARGS.join(" ")}`,
  ];
}

export interface TrainingLog {
  tokensSha256: string;
  losses: number[];
}

/** The losses of tributary-pretrain's `step N loss L …` lines, in order. */
export function parseLosses(text: string): number[] {
  return [...text.matchAll(/^step (\d+) loss ([0-9.]+)/gm)].map((m) => Number(m[2]));
}

export function parseTrainingLog(text: string): TrainingLog {
  const sha = /token file sha256 ([0-9a-f]{64})/.exec(text)?.[1];
  if (!sha) throw new Error("the training log names no token file sha256");
  return { tokensSha256: sha, losses: parseLosses(text) };
}

/** Runs tributary-pretrain; resolves with its stdout's step lines. */
export function runPretrain(buildDir: string, args: string[], threads: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(buildDir, "tributary-pretrain"), args, {
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve(stdout.split("\n").filter((line) => line.startsWith("step ")))
        : reject(new Error(`tributary-pretrain exited with ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const buildDir = await buildEngine();
  const workDir = path.join(root, ".data", "pretrain");
  await mkdir(workDir, { recursive: true });
  const inputs = await preparePretrainInputs(buildDir, workDir);
  const started = Date.now();
  const steps = await runPretrain(buildDir, pretrainCommand(inputs, DEMO_MODEL_DIR), 2);
  const seconds = Math.round((Date.now() - started) / 1000);
  const last = steps.at(-1) ?? "";
  const summary = `# ${steps.length} steps, final loss ${/loss ([0-9.]+)/.exec(last)?.[1]}, ${seconds} s`;
  await writeFile(TRAINING_LOG, `${[...logHeader(inputs), ...steps, summary].join("\n")}\n`);
  for (const file of ["tokenizer.json", "tokenizer_config.json"])
    await copyFile(path.join(inputs.initDir, file), path.join(DEMO_MODEL_DIR, file));
  console.log(`${DEMO_MODEL_DIR}: ${summary.slice(2)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
