// What the Model Factory suites share: the stack's real tiny base model (the engine's generator
// with the demo tokenizer), the demo Datanets' content, and GraphQL helpers for training jobs.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { DevnetRole } from "@tributary/contracts";
import { DEFAULT_TRAIN_BINARY, writeDemoTokenizer } from "@tributary/pool";
import { parseEther } from "viem";
import { expect } from "vitest";
import { seedDemoContent } from "../src/rag/seed-content.ts";
import { sessionFor } from "./helpers.ts";
import type { Stack } from "./stack.ts";

const run = promisify(execFile);
const GENERATOR = path.join(path.dirname(DEFAULT_TRAIN_BINARY), "tributary-gen");

export function requireEngineBuild() {
  if (!existsSync(DEFAULT_TRAIN_BINARY) || !existsSync(GENERATOR))
    throw new Error(`no ${DEFAULT_TRAIN_BINARY}: run \`npm run build:engine\` first`);
}

/**
 * A `tributary-train` that dies, as a crash would, when it is asked to evaluate: a script that
 * passes frames to the real worker and exits at the first `evaluate` frame.
 */
export function crashingOnEvaluate(dir: string): string {
  const file = path.join(dir, "crash-on-evaluate.mjs");
  writeFileSync(
    file,
    `#!/usr/bin/env node
import { spawn } from "node:child_process";
const worker = spawn(${JSON.stringify(DEFAULT_TRAIN_BINARY)}, [], { stdio: ["pipe", "inherit", "inherit"] });
let input = Buffer.alloc(0);
process.stdin.on("data", (chunk) => {
  input = Buffer.concat([input, chunk]);
  while (input.length >= 4 && input.length >= 4 + input.readUInt32BE(0)) {
    const frame = input.subarray(0, 4 + input.readUInt32BE(0));
    input = input.subarray(frame.length);
    if (JSON.parse(frame.subarray(4).toString()).op === "evaluate") {
      worker.kill("SIGKILL");
      process.exit(134);
    }
    worker.stdin.write(frame);
  }
});
process.stdin.on("end", () => worker.stdin.end());
worker.on("exit", (code) => process.exit(code ?? 1));
`,
    { mode: 0o755 },
  );
  return file;
}

/** The tiny base model (real files) and two placeholder adapters, registered, never served. */
export async function tinyModels(workDir: string) {
  const base = path.join(workDir, "tiny");
  await run(GENERATOR, ["model", "--preset", "tiny", "--seed", "3", "--out", base]);
  await writeDemoTokenizer(base);
  const adapters = ["alpha", "beta"].map((name, i) => {
    const dir = path.join(workDir, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "adapter_config.json"), `{"r":${i}}`);
    writeFileSync(path.join(dir, "adapter_model.safetensors"), name);
    return {
      name,
      dir,
      files: ["adapter_config.json", "adapter_model.safetensors"] as const,
      uri: `file:${name}`,
      rank: 8,
      datanets: ["lora-notes"],
      pricePerCall: parseEther("0.01"),
      pricePer1kTokens: parseEther("0.001"),
    };
  });
  const files = ["config.json", "model.safetensors"] as const;
  return { baseModel: { name: "tiny", dir: base, files, uri: `file://${base}` }, adapters };
}

export const demoContent = (s: Stack, apiUrl = s.api.url) => ({
  apiUrl,
  chainId: s.anvil.chainId,
  demoDir: path.resolve(import.meta.dirname, "..", "..", "demo"),
  datanets: s.seed.datanets,
  publicUrl: "https://tributary.test",
});

/** The demo Datanets' content, uploaded by its contributors and ingested. */
export async function seedContent(s: Stack) {
  await seedDemoContent(demoContent(s));
  await s.api.services.rag.drain();
}

export const EVALUATION_FIELDS = `adapterId step sampleTokens evaluatedAt
  datanets { datanet { datanetId name } examples tokens lossBefore lossAfter perplexityBefore perplexityAfter }
  samples { datanet { datanetId } contributionId prompt answerBefore answerAfter }`;
export const JOB_FIELDS = `id status step totalSteps resumedFromStep loss evalLoss errorCode error dataBlock manifest manifestHash
  datasetSha256 checkpoint { path step adapterId } hyperParameters { seed totalSteps targetModules }
  evaluation { ${EVALUATION_FIELDS} } evaluationSkipped`;
export const CREATE = `mutation($model: BigInt!, $datanets: [BigInt!]!, $block: BigInt, $hp: TrainingHyperParametersInput!) {
  createTrainingJob(baseModelId: $model, datanetIds: $datanets, dataBlock: $block, hyperParameters: $hp) {
    __typename ... on MutationCreateTrainingJobSuccess { data { ${JOB_FIELDS} } }
    ... on Error { code message } ... on InvalidInputError { field }
    ... on TrainingDatasetError { reason } } }`;
export const JOB = `query($id: ID!) { trainingJob(id: $id) { ... on QueryTrainingJobSuccess { data { ${JOB_FIELDS} } } } }`;
export const CANCEL = `mutation($id: ID!) { cancelTrainingJob(id: $id) { __typename
  ... on MutationCancelTrainingJobSuccess { data { id status } } ... on Error { code } } }`;
export const PROGRESS = `subscription($id: ID!) { trainingProgress(jobId: $id) {
  jobId status step totalSteps loss evalLoss tokensPerSecond etaSeconds checkpointStep
  evaluation { adapterId datanets { examples lossBefore lossAfter } samples { prompt } } evaluationSkipped } }`;

interface ManifestContribution {
  datanetId: string;
  split: string;
  examples: number;
  trainedTokens: number;
}

/**
 * What must hold of any job's evaluation, whatever the model learnt: a row per Datanet whose
 * examples and tokens are the manifest's held-out split's, finite losses, perplexity = exp(loss),
 * the final checkpoint evaluated, and `samples` rows with both answers.
 */
export function expectSoundEvaluation(
  // biome-ignore lint/suspicious/noExplicitAny: a GraphQL result
  job: any,
  samples: number,
) {
  const { evaluation, manifest } = job;
  expect(evaluation, JSON.stringify(job)).not.toBeNull();
  expect(evaluation.adapterId).toBe(job.checkpoint.adapterId);
  expect(evaluation.step).toBe(job.totalSteps);
  const held = (manifest.contributions as ManifestContribution[]).filter((c) => c.split === "eval");
  const ids = [...job.manifest.datanetIds].sort((a: string, b: string) => Number(a) - Number(b));
  expect(
    evaluation.datanets.map((d: { datanet: { datanetId: string } }) => d.datanet.datanetId),
  ).toEqual(ids);
  for (const row of evaluation.datanets) {
    const own = held.filter((c) => c.datanetId === row.datanet.datanetId);
    expect(row.examples).toBe(own.reduce((n, c) => n + c.examples, 0));
    expect(row.tokens).toBe(own.reduce((n, c) => n + c.trainedTokens, 0));
    for (const [loss, perplexity] of [
      [row.lossBefore, row.perplexityBefore],
      [row.lossAfter, row.perplexityAfter],
    ]) {
      expect(Number.isFinite(loss) && loss > 0).toBe(true);
      expect(perplexity).toBeCloseTo(Math.exp(loss), 6);
    }
  }
  expect(evaluation.samples).toHaveLength(samples);
  for (const sample of evaluation.samples) {
    expect(sample.prompt.length).toBeGreaterThan(0);
    expect(typeof sample.answerBefore).toBe("string");
    expect(typeof sample.answerAfter).toBe("string");
  }
}

/** GraphQL helpers for the stack `stack()` returns, signed in as each devnet role once. */
export function trainingClient(stack: () => Stack, datanetId: () => string) {
  const sessions: Partial<Record<DevnetRole, Record<string, string>>> = {};
  const session = async (role: DevnetRole) => (sessions[role] ??= await sessionFor(stack(), role));

  /** Runs a prepare mutation as `role`, signs and sends its transactions, waits for the indexer. */
  async function relay(role: DevnetRole, mutation: string, variables: Record<string, unknown>) {
    const s = stack();
    const result = await s.gql(mutation, variables, await session(role));
    const payload = Object.values(result.data ?? {})[0] as { data?: { transactions: never[] } };
    expect(payload?.data, JSON.stringify(result)).toBeDefined();
    for (const tx of payload.data?.transactions ?? []) {
      const signed = await s.signRawAs(role, tx);
      const hash = await s.publicClient.sendRawTransaction({ serializedTransaction: signed });
      await s.publicClient.waitForTransactionReceipt({ hash });
    }
    await s.synced();
  }

  async function create(
    hp: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    role: DevnetRole = "builder",
  ) {
    const s = stack();
    const variables = {
      model: s.seed.baseModelId.toString(),
      datanets: [datanetId()],
      hp,
      ...extra,
    };
    return (await s.gql(CREATE, variables, await session(role))).data.createTrainingJob;
  }
  const job = async (id: string, role: DevnetRole = "builder") =>
    (await stack().gql(JOB, { id }, await session(role))).data.trainingJob?.data ?? null;

  return { session, relay, create, job };
}
