// Model Factory's end: a few-step job on a demo Datanet, its progress over graphql-ws (with an
// evaluation), `publishTrainingJob` relayed through `relayTransaction`, the registration indexed,
// `deployAdapter`, and the pool (real engine, CPU backend) answering the official `openai` client
// under the new adapter's name. Every refusal is a typed error that changes nothing. The
// registered manifest carries the training attribution the settlement splits by.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { splitReceipt } from "@tributary/agents";
import {
  canonicalJsonHash,
  type DevnetRole,
  devnetAccount,
  findFreePort,
} from "@tributary/contracts";
import { DEFAULT_ENGINE_BINARY } from "@tributary/pool";
import { startPool } from "@tributary/pool/launcher";
import OpenAI from "openai";
import { getAddress, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainingJob } from "../src/db/schema.ts";
import { loadTrainingAttribution } from "../src/settlement/training-attribution.ts";
import { until, wsSubscribe } from "./helpers.ts";
import { type Stack, startStack } from "./stack.ts";
import {
  PROGRESS,
  requireEngineBuild,
  seedContent,
  tinyModels,
  trainingClient,
} from "./training-stack.ts";

const CALLER_KEY = "tpk_publish-suite-caller-key-0123456789";
const ADMIN_KEY = "tpa_publish-suite-admin-key-0123456789";

let s: Stack;
let pool: Awaited<ReturnType<typeof startPool>> | undefined;
let datanetId: string;
let filesUrl: string;
const { session, relay, create, job } = trainingClient(
  () => s,
  () => datanetId,
);

beforeAll(async () => {
  requireEngineBuild();
  // The registered URI must reach this API: its port is chosen before it starts.
  const port = await findFreePort("127.0.0.1");
  filesUrl = `http://127.0.0.1:${port}`;
  s = await startStack(
    "embedded",
    { port, adapterFilesUrl: filesUrl, training: { threadsPerJob: 1, maxJobsPerBuilder: 3 } },
    {
      models: tinyModels as never,
      async beforeApi({ workDir, indexerUrl }) {
        pool = await startPool({
          modelDir: path.join(workDir, "tiny"),
          modelName: "tiny",
          engineBinary: process.env.TRIBUTARY_ENGINE_BIN ?? DEFAULT_ENGINE_BINARY,
          registry: { indexerUrl },
          workers: 1,
          host: "127.0.0.1",
          port: 0,
          callerKeys: { agents: CALLER_KEY },
          adminKey: ADMIN_KEY,
          usage: path.join(workDir, "usage.jsonl"),
          onLog: () => {},
        });
        const operators = [devnetAccount("operator").address];
        return {
          api: { pool: { url: pool.url, callerKey: CALLER_KEY, adminKey: ADMIN_KEY, operators } },
          stop: () => pool?.stop() ?? Promise.resolve(),
        };
      },
    },
  );
  await seedContent(s);
  datanetId = s.seed.datanets["lora-notes"]?.id.toString() as string;
}, 240_000);
afterAll(async () => {
  await s?.stop();
});

const PUBLISH = `mutation($id: ID!, $name: String!, $call: TokenAmount!, $tokens: TokenAmount!) {
  publishTrainingJob(jobId: $id, name: $name, pricePerCall: $call, pricePer1kTokens: $tokens) {
    __typename
    ... on MutationPublishTrainingJobSuccess { data {
      job { id publication { name contentHash uri pricePerCall adapter { modelId } } }
      transactions { from to data gasEstimate description } } }
    ... on Error { code message retryable }
    ... on InvalidInputError { field }
    ... on TrainingJobNotSucceededError { status errorCode }
    ... on TrainingJobAlreadyPublishedError { adapterId } } }`;
const PUBLICATION = `query($id: ID!) { trainingJob(id: $id) { ... on QueryTrainingJobSuccess { data {
  manifest manifestHash checkpoint { adapterId }
  attribution { contributionId contributor influence weightPpm }
  publication { name contentHash uri pricePerCall pricePer1kTokens preparedAt
    adapter { modelId name uri contentHash trainingManifestHash rank owner { address }
      baseModel { modelId } datanets { datanetId } } } } } } }`;
const DEPLOY = `mutation($id: BigInt!) { deployAdapter(adapterId: $id) { __typename
  ... on MutationDeployAdapterSuccess { data { model adapter { modelId name } } }
  ... on Error { code message retryable }
  ... on InvalidInputError { field }
  ... on AdapterFilesRefusedError { reason contentHash } } }`;
const RELAY = `mutation($t: Bytes!) { relayTransaction(signedTransaction: $t) { __typename
  ... on MutationRelayTransactionSuccess { data { hash } } ... on Error { message } } }`;

const listing = { name: "notes-lora", call: parseEther("0.02").toString(), tokens: "1000" };
const publish = async (
  id: string,
  vars: Record<string, unknown> = {},
  role: DevnetRole = "builder",
) =>
  (await s.gql(PUBLISH, { id, ...listing, ...vars }, await session(role))).data.publishTrainingJob;
const deploy = async (id: bigint | string, role: DevnetRole = "builder") =>
  (await s.gql(DEPLOY, { id: id.toString() }, await session(role))).data.deployAdapter;
const publication = async (id: string) =>
  (await s.gql(PUBLICATION, { id }, await session("builder"))).data.trainingJob.data;

/** Signs the prepared transactions as `role` and submits each through `relayTransaction`. */
async function relayPrepared(
  role: DevnetRole,
  transactions: { to: `0x${string}`; data: `0x${string}` }[],
) {
  for (const tx of transactions) {
    const signed = await s.signRawAs(role, tx);
    const relayed = (await s.gql(RELAY, { t: signed }, await session(role))).data.relayTransaction;
    expect(relayed.__typename, JSON.stringify(relayed)).toBe("MutationRelayTransactionSuccess");
    await s.publicClient.waitForTransactionReceipt({ hash: relayed.data.hash });
  }
  await s.synced();
}

let jobId: string;
let adapterId: string;

/**
 * The manifest the adapter is registered with carries the job's training attribution, served
 * by its hash; the settlement's lookup reads it, and a receipt naming the adapter pays the
 * training part to the contributors by their weights, every share summing to the price.
 */
// biome-ignore lint/suspicious/noExplicitAny: a GraphQL result
async function expectAttributionSplit(job: any) {
  const { manifest, manifestHash, attribution } = job;
  expect(manifest.version).toBe(2);
  expect(canonicalJsonHash(manifest)).toBe(manifestHash);
  const trained = manifest.contributions.filter((c: { split: string }) => c.split === "train");
  expect(manifest.attribution).toMatchObject({ method: "tracin-lora", queries: "eval" });
  expect(attribution.map((a: { contributionId: string }) => a.contributionId)).toEqual(
    trained.map((c: { id: string }) => c.id),
  );
  expect(attribution.map((a: { contributor: string }) => a.contributor.toLowerCase())).toEqual(
    trained.map((c: { contributor: string }) => c.contributor),
  );
  const weights = attribution.map((a: { weightPpm: number }) => a.weightPpm);
  expect(weights.reduce((n: number, w: number) => n + w, 0)).toBe(1_000_000);
  const served = await fetch(`${filesUrl}/training-manifests/${manifestHash.slice(2)}.json`);
  expect(canonicalJsonHash(await served.json())).toBe(manifestHash);

  const training = await loadTrainingAttribution(s.api.services.app.db, [manifestHash]);
  const price = parseEther("0.3");
  const owner = devnetAccount("builder").address;
  const split = splitReceipt(
    {
      agentId: 1n,
      payer: devnetAccount("payer").address,
      price,
      policyVersion: 1,
      adapters: [
        { adapterId: 1n, weightPpm: 1_000_000, owner, trainingManifestHash: manifestHash },
      ],
      retrieval: [],
      citations: [],
      spans: [],
      protocol: devnetAccount("deployer").address,
      operator: devnetAccount("operator").address,
    },
    training,
  );
  const credited = split.shares.filter((sh) => sh.role === "training");
  const helped = new Set(
    attribution
      .filter((a: { weightPpm: number }) => a.weightPpm > 0)
      .map((a: { contributor: string }) => getAddress(a.contributor)),
  );
  expect(new Set(credited.map((sh) => getAddress(sh.account)))).toEqual(helped);
  expect(credited.every((sh) => sh.amount > 0n)).toBe(true);
  expect(split.shares.reduce((n, sh) => n + sh.amount, 0n) + split.stakers.amount).toBe(price);
}

describe("publishing and deploying a trained adapter", () => {
  it("trains a few steps, streaming progress over graphql-ws, then evaluates", async () => {
    const created = await create({
      totalSteps: 4,
      rank: 4,
      checkpointEvery: 2,
      seed: 5,
      evalFraction: 0.3,
      targetModules: ["Q", "V"],
    });
    expect(created.__typename, JSON.stringify(created)).toBe("MutationCreateTrainingJobSuccess");
    jobId = created.data.id;
    const progress = wsSubscribe(s.api.url, PROGRESS, { id: jobId }, await session("builder"));
    await until(
      () => progress.events.at(-1)?.data?.trainingProgress.status === "SUCCEEDED",
      120_000,
      "SUCCEEDED",
    );
    progress.close();
    const events = progress.events.map((e) => e.data.trainingProgress);
    expect(events.filter((e) => e.evalLoss > 0).length).toBeGreaterThan(0);
    // Evaluated before it SUCCEEDED: the held-out Datanet's losses and one sample answer.
    expect(events.some((e) => e.status === "EVALUATING")).toBe(true);
    const { evaluation } = events.at(-1);
    expect(evaluation.datanets).toHaveLength(1);
    expect(evaluation.datanets[0].lossAfter).toBeGreaterThan(0);
    expect(evaluation.samples).toHaveLength(1);
    expect((await publication(jobId)).publication).toBeNull();
  }, 180_000);

  it("refuses a job that did not succeed, another builder's, and a listing out of range, changing nothing", async () => {
    const running = await create({ totalSteps: 100_000, rank: 4, seed: 9 });
    const runningId = running.data.id as string;
    expect(await publish(runningId)).toMatchObject({ __typename: "TrainingJobNotSucceededError" });
    await s.gql(
      `mutation($id: ID!) { cancelTrainingJob(id: $id) { __typename } }`,
      { id: runningId },
      await session("builder"),
    );
    await until(async () => (await job(runningId)).status === "CANCELLED", 60_000, "the cancel");
    expect(await publish(runningId)).toMatchObject({
      __typename: "TrainingJobNotSucceededError",
      status: "CANCELLED",
      code: "TRAINING_JOB_NOT_SUCCEEDED",
    });
    // A diverged run ends FAILED with `training_diverged` (the worker's divergence is tested in
    // the engine's suite): the same job's row, as the runner leaves such a job.
    const done = await s.api.services.training.get(jobId);
    const divergedId = crypto.randomUUID();
    await s.api.services.app.db.insert(trainingJob).values({
      ...(done as NonNullable<typeof done>),
      id: divergedId,
      status: "FAILED",
      errorCode: "training_diverged",
      error: "loss is not finite",
    });
    expect(await publish(divergedId)).toMatchObject({
      __typename: "TrainingJobNotSucceededError",
      status: "FAILED",
      errorCode: "training_diverged",
    });

    expect((await publish(jobId, {}, "payer")).__typename).toBe("NotFoundError");
    const supply = (await s.publicClient.readContract({
      address: s.deployment.contracts.TributaryToken.address as `0x${string}`,
      abi: [
        {
          type: "function",
          name: "totalSupply",
          stateMutability: "view",
          inputs: [],
          outputs: [{ type: "uint256" }],
        },
      ],
      functionName: "totalSupply",
    })) as bigint;
    const refusals: [Record<string, unknown>, string][] = [
      [{ name: "" }, "name"],
      [{ name: "x".repeat(101) }, "name"],
      [{ name: " padded" }, "name"],
      [{ name: "a".repeat(64) }, "name"],
      [{ name: "alpha" }, "name"], // the seeded adapter on the same base model
      [{ call: (supply + 1n).toString() }, "pricePerCall"],
      [{ tokens: (supply + 1n).toString() }, "pricePer1kTokens"],
    ];
    for (const [vars, field] of refusals)
      expect(await publish(jobId, vars), JSON.stringify(vars)).toMatchObject({
        __typename: "InvalidInputError",
        field,
      });
    expect((await publication(jobId)).publication).toBeNull();
  }, 120_000);

  it("publishes (relayed), shows the indexed adapter, and refuses a second publication", async () => {
    const prepared = await publish(jobId);
    expect(prepared.__typename, JSON.stringify(prepared)).toBe("MutationPublishTrainingJobSuccess");
    const before = await publication(jobId);
    const sha = before.checkpoint.adapterId as string;
    expect(prepared.data.job.publication).toEqual({
      name: listing.name,
      contentHash: `0x${sha}`,
      uri: `${filesUrl}/adapters/${sha}/`,
      pricePerCall: listing.call,
      adapter: null,
    });
    expect(prepared.data.transactions.map((tx: { description: string }) => tx.description)).toEqual(
      [`Commit to registering adapter "${listing.name}"`, `Register adapter "${listing.name}"`],
    );
    // The files are served where the registration points, by content address.
    const served = await fetch(`${filesUrl}/adapters/${sha}/adapter_config.json`);
    expect(served.status).toBe(200);
    expect((await fetch(`${filesUrl}/adapters/${"0".repeat(64)}/adapter_config.json`)).status).toBe(
      404,
    );

    await relayPrepared("builder", prepared.data.transactions);
    const after = await publication(jobId);
    const adapter = after.publication.adapter;
    expect(adapter).toMatchObject({
      name: listing.name,
      uri: `${filesUrl}/adapters/${sha}/`,
      contentHash: `0x${sha}`,
      trainingManifestHash: after.manifestHash,
      rank: 4,
      owner: { address: devnetAccount("builder").address },
      baseModel: { modelId: s.seed.baseModelId.toString() },
      datanets: [{ datanetId }],
    });
    adapterId = adapter.modelId;

    await expectAttributionSplit(after);

    expect(await publish(jobId, { name: "notes-lora-2" })).toMatchObject({
      __typename: "TrainingJobAlreadyPublishedError",
      adapterId,
    });
    expect((await publication(jobId)).publication.name).toBe(listing.name);
  }, 120_000);

  it("deploys it for its owner or an operator (idempotent), and the pool answers the openai client under its name", async () => {
    expect((await deploy(adapterId, "payer")).__typename).toBe("ForbiddenError");
    expect(await deploy(9_999_999n)).toMatchObject({ __typename: "NotFoundError" });
    expect(await deploy(s.seed.baseModelId)).toMatchObject({
      __typename: "InvalidInputError",
      field: "adapterId",
    });

    const deployed = await deploy(adapterId);
    expect(deployed, JSON.stringify(deployed)).toMatchObject({
      __typename: "MutationDeployAdapterSuccess",
      data: { model: `tiny:${listing.name}`, adapter: { modelId: adapterId } },
    });
    expect(await deploy(adapterId)).toEqual(deployed);
    expect(await deploy(adapterId, "operator")).toEqual(deployed);

    const models = (await (await fetch(`${pool?.url}/v1/models`)).json()) as {
      data: { id: string; adapter_id?: string }[];
    };
    const sha = (await publication(jobId)).checkpoint.adapterId;
    expect(models.data).toContainEqual(
      expect.objectContaining({ id: `tiny:${listing.name}`, adapter_id: sha }),
    );
    const client = new OpenAI({ baseURL: `${pool?.url}/v1`, apiKey: CALLER_KEY, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: `tiny:${listing.name}`,
      messages: [{ role: "user", content: "What is a LoRA adapter?" }],
      max_tokens: 8,
      temperature: 0,
    });
    expect(answer.model).toBe(`tiny:${listing.name}`);
    expect(answer.choices[0]?.message.content).toEqual(expect.any(String));
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
  }, 120_000);

  it("refuses to deploy an adapter whose files do not hash to its registered content hash", async () => {
    const sha = (await publication(jobId)).checkpoint.adapterId;
    const forged = `0x${randomBytes(32).toString("hex")}`;
    await relay(
      "builder",
      `mutation($input: RegisterAdapterInput!) { prepareRegisterAdapter(input: $input) {
        ... on MutationPrepareRegisterAdapterSuccess { data { transactions { to data gasEstimate } } } } }`,
      {
        input: {
          baseModelId: s.seed.baseModelId.toString(),
          name: "forged-files",
          contentHash: forged,
          uri: `${filesUrl}/adapters/${sha}/`,
          rank: 4,
          pricePerCall: "0",
          pricePer1kTokens: "0",
          datanetIds: [],
        },
      },
    );
    const [forgedRow] = (
      await s.gql(
        `query($f: ModelFilter) { adapters(filter: $f, first: 1) { nodes { modelId contentHash } } }`,
        { f: { search: "forged-files" } },
      )
    ).data.adapters.nodes;
    expect(forgedRow.contentHash).toBe(forged);
    expect(await deploy(forgedRow.modelId)).toMatchObject({
      __typename: "AdapterFilesRefusedError",
      reason: "HASH_MISMATCH",
      contentHash: forged,
      code: "ADAPTER_FILES_REFUSED",
    });
    const models = (await (await fetch(`${pool?.url}/v1/models`)).json()) as {
      data: { id: string }[];
    };
    expect(models.data.map((m) => m.id)).not.toContain("tiny:forged-files");
  }, 120_000);
});
