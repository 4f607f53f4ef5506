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

export const JOB_FIELDS = `id status step totalSteps resumedFromStep loss evalLoss errorCode error dataBlock manifest manifestHash
  datasetSha256 checkpoint { path step adapterId } hyperParameters { seed totalSteps targetModules }`;
export const CREATE = `mutation($model: BigInt!, $datanets: [BigInt!]!, $block: BigInt, $hp: TrainingHyperParametersInput!) {
  createTrainingJob(baseModelId: $model, datanetIds: $datanets, dataBlock: $block, hyperParameters: $hp) {
    __typename ... on MutationCreateTrainingJobSuccess { data { ${JOB_FIELDS} } }
    ... on Error { code message } ... on InvalidInputError { field }
    ... on TrainingDatasetError { reason } } }`;
export const JOB = `query($id: ID!) { trainingJob(id: $id) { ... on QueryTrainingJobSuccess { data { ${JOB_FIELDS} } } } }`;
export const CANCEL = `mutation($id: ID!) { cancelTrainingJob(id: $id) { __typename
  ... on MutationCancelTrainingJobSuccess { data { id status } } ... on Error { code } } }`;
export const PROGRESS = `subscription($id: ID!) { trainingProgress(jobId: $id) {
  jobId status step totalSteps loss evalLoss tokensPerSecond etaSeconds checkpointStep } }`;

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
