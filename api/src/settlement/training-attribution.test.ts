// The settlement's training split from stored manifests: the weights of an attributed manifest,
// per contributor; nothing for a hash of no attributed job; and a refusal to answer for a hash
// the lookup was not loaded with. Then the split itself pays the training part by those weights,
// to the wei.
import { splitReceipt } from "@tributary/agents";
import { canonicalJsonHash } from "@tributary/contracts";
import { type Hex, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppDatabase, createAppDatabase } from "../db/index.ts";
import { trainingJob } from "../db/schema.ts";
import {
  addr,
  contributor,
  operator,
  other,
  owner,
  payer,
  protocol,
} from "../payouts/receipt-fixture.ts";
import { creditsOf, loadTrainingAttribution, manifestHashesOf } from "./training-attribution.ts";

const attribution = {
  method: "tracin-lora" as const,
  checkpointSteps: [3],
  projectionDim: 256,
  queries: "eval" as const,
  queryExamples: 2,
  contributions: [
    { id: "1", contributor: contributor.toLowerCase(), influence: "0.3", weightPpm: 600_000 },
    { id: "2", contributor: other.toLowerCase(), influence: "0.1", weightPpm: 200_000 },
    { id: "3", contributor: contributor.toLowerCase(), influence: "0.1", weightPpm: 200_000 },
    { id: "4", contributor: addr(0xe).toLowerCase(), influence: "-0.2", weightPpm: 0 },
  ],
};
const attributed = { version: 2, attribution };
const unattributed = { version: 2, attribution: null };
const [hash, bare] = [canonicalJsonHash(attributed), canonicalJsonHash(unattributed)];
const ZERO = `0x${"0".repeat(64)}` as Hex;

let app: AppDatabase;
beforeAll(async () => {
  app = await createAppDatabase({});
  const row = (id: string, manifest: object, manifestHash: string) => ({
    id,
    builder: payer,
    baseModelId: 1n,
    datanetIds: ["1"],
    dataBlock: 1n,
    hyperParameters: {},
    status: "SUCCEEDED",
    threads: 1,
    totalSteps: 3,
    modelDir: "/m",
    jobDir: "/j",
    hasEval: true,
    manifest: manifest as Record<string, unknown>,
    manifestHash,
    datasetSha256: "00",
    createdAt: new Date(),
  });
  await app.db
    .insert(trainingJob)
    .values([row("a", attributed, hash), row("b", unattributed, bare)]);
});
afterAll(async () => {
  await app?.close();
});

describe("training attribution for the settlement", () => {
  it("credits each contributor the sum of their contributions' weights, none for a negative one", () => {
    expect(creditsOf(attributed)).toEqual([
      { contributor, weight: 800_000n },
      { contributor: other, weight: 200_000n },
    ]);
    expect(creditsOf(unattributed)).toEqual([]);
  });

  it("answers for the hashes it loaded, and only those", async () => {
    const adapters = (h: Hex) => ({ lists: { adapters: [{ trainingManifestHash: h }] } });
    const hashes = manifestHashesOf([
      adapters(hash),
      adapters(ZERO),
      adapters(bare),
      adapters(hash),
    ]);
    expect(hashes).toEqual([hash, bare]);
    const unknown = `0x${"ab".repeat(32)}`;
    const training = await loadTrainingAttribution(app.db, [...hashes, unknown]);
    expect(training(hash)).toEqual(creditsOf(attributed));
    expect(training(hash.toUpperCase().replace("0X", "0x") as Hex)).toEqual(creditsOf(attributed));
    expect(training(bare)).toBeNull();
    expect(training(unknown as Hex)).toBeNull();
    expect(() => training(`0x${"cd".repeat(32)}`)).toThrow(/not loaded/);
  });

  it("pays the adapter's training part to the contributors by weight, summing to the price", async () => {
    const training = await loadTrainingAttribution(app.db, [hash]);
    const price = parseEther("0.123456789012345678");
    const split = splitReceipt(
      {
        agentId: 1n,
        payer,
        price,
        policyVersion: 1,
        adapters: [{ adapterId: 2n, weightPpm: 1_000_000, owner, trainingManifestHash: hash }],
        retrieval: [],
        citations: [],
        spans: [],
        protocol,
        operator,
      },
      training,
    );
    const to = (account: string, role: string) =>
      split.shares
        .filter((s) => s.account === account && s.role === role)
        .reduce((n, s) => n + s.amount, 0n);
    const [first, second] = [to(contributor, "training"), to(other, "training")];
    expect(first).toBeGreaterThan(0n);
    // 800,000 : 200,000 ppm, to within the largest remainder's one wei.
    expect(first - 4n * second).toBeGreaterThanOrEqual(-4n);
    expect(first - 4n * second).toBeLessThanOrEqual(4n);
    expect(to(addr(0xe), "training")).toBe(0n);
    expect(split.shares.reduce((n, s) => n + s.amount, 0n) + split.stakers.amount).toBe(price);
  });
});
