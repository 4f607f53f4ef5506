import type { Address, Hex } from "viem";
import { describe, expect, it } from "vitest";
import type { ReceiptAdapter, ReceiptRetrieval } from "../receipt/receipt.ts";
import { apportion } from "./apportion.ts";
import { policyHash, UnknownPolicyError } from "./policy.ts";
import { type SplitInput, splitReceipt, type TrainingAttribution } from "./split.ts";

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const [TREASURY, OPERATOR, OWNER, A, B, PAYER] = [1, 2, 3, 4, 5, 6].map(addr) as [
  Address,
  Address,
  Address,
  Address,
  Address,
  Address,
];
const ZERO = `0x${"0".repeat(64)}` as Hex;
const MANIFEST = `0x${"ab".repeat(32)}` as Hex;
const noTraining: TrainingAttribution = () => null;

const adapter = (owner: Address, weightPpm = 1_000_000, manifest = ZERO): ReceiptAdapter => ({
  adapterId: 7n,
  weightPpm,
  owner,
  trainingManifestHash: manifest,
});
const chunk = (contributor: Address, scorePpm: number, cited = false): ReceiptRetrieval => ({
  chunkHash: ZERO,
  contributionId: 1n,
  contributor,
  scorePpm,
  cited,
});

function input(over: Partial<SplitInput> = {}): SplitInput {
  return {
    agentId: 9n,
    payer: PAYER,
    price: 10_000n,
    policyVersion: 1,
    adapters: [adapter(OWNER)],
    retrieval: [chunk(A, 800_000, true), chunk(B, 200_000)],
    citations: [{ chunkHash: ZERO, contributionId: 1n, contributor: A, start: 0, end: 3 }],
    spans: [{ contributionId: 1n, contributor: A, start: 0, end: 10 }],
    protocol: TREASURY,
    operator: OPERATOR,
    ...over,
  };
}

const total = (s: ReturnType<typeof splitReceipt>) =>
  s.shares.reduce((sum, x) => sum + x.amount, 0n) + s.stakers.amount;

describe("apportion (largest remainder)", () => {
  it("floors each part and gives the leftover units to the largest remainders, earlier first", () => {
    expect(apportion(10n, [1n, 1n, 1n])).toEqual([4n, 3n, 3n]);
    expect(apportion(7n, [1n, 2n])).toEqual([2n, 5n]);
    expect(apportion(5n, [0n, 1n])).toEqual([0n, 5n]);
    expect(apportion(0n, [3n, 1n])).toEqual([0n, 0n]);
  });
  it("refuses weights that would lose the amount", () => {
    expect(() => apportion(5n, [0n, 0n])).toThrow(RangeError);
    expect(() => apportion(5n, [])).toThrow(RangeError);
    expect(() => apportion(5n, [-1n, 2n])).toThrow(RangeError);
  });
});

describe("fee split, policy 1", () => {
  it("divides a receipt as the documented formula says", () => {
    const split = splitReceipt(input(), noTraining);
    expect(split.stakers).toEqual({ agentId: 9n, amount: 1000n });
    expect(split.shares).toEqual([
      { account: TREASURY, role: "protocol", amount: 500n, voteEligible: false },
      { account: OPERATOR, role: "operator", amount: 1000n, voteEligible: false },
      { account: OWNER, role: "adapter", amount: 3000n, voteEligible: true },
      // data 4,500: citations 40% (1,800), retrieval 30% (1,350 by score 0.8 / 0.2), spans 30%.
      { account: A, role: "citation", amount: 1800n, voteEligible: true },
      { account: A, role: "retrieval", amount: 1080n, voteEligible: true },
      { account: B, role: "retrieval", amount: 270n, voteEligible: true },
      { account: A, role: "span", amount: 1350n, voteEligible: true },
    ]);
  });

  it("rolls an empty part over: no data to the adapters, no ensemble to the data, neither to the operator", () => {
    const noData = splitReceipt(input({ retrieval: [], citations: [], spans: [] }), noTraining);
    expect(noData.shares.find((s) => s.role === "adapter")?.amount).toBe(7500n);
    const noAdapters = splitReceipt(input({ adapters: [] }), noTraining);
    expect(noAdapters.shares.filter((s) => s.account === A).map((s) => s.amount)).toEqual([
      3000n,
      1800n,
      2250n,
    ]);
    const nothing = splitReceipt(
      input({ adapters: [], retrieval: [], citations: [], spans: [] }),
      noTraining,
    );
    expect(nothing.shares.find((s) => s.role === "operator")?.amount).toBe(8500n);
    // A signal with no weight (all scores zero) gives its share to the other signals.
    const zeroScores = splitReceipt(input({ retrieval: [chunk(B, 0)] }), noTraining);
    expect(zeroScores.shares.some((s) => s.role === "retrieval")).toBe(false);
    expect(total(zeroScores)).toBe(10_000n);
  });

  it("gives the training part of an adapter's share to the contributors its manifest credits", () => {
    const training: TrainingAttribution = (hash) =>
      hash === MANIFEST
        ? [
            { contributor: A, weight: 3n },
            { contributor: B, weight: 1n },
          ]
        : null;
    const split = splitReceipt(
      input({ adapters: [adapter(OWNER, 1_000_000, MANIFEST)] }),
      training,
    );
    expect(
      split.shares.filter((s) => s.role !== "protocol" && s.role !== "operator").slice(0, 3),
    ).toEqual([
      { account: OWNER, role: "adapter", amount: 1500n, voteEligible: true },
      { account: A, role: "training", amount: 1125n, voteEligible: true },
      { account: B, role: "training", amount: 375n, voteEligible: true },
    ]);
    // An adapter whose manifest is unknown keeps its whole share (the fallback).
    const unknown = splitReceipt(
      input({ adapters: [adapter(OWNER, 1_000_000, MANIFEST)] }),
      noTraining,
    );
    expect(unknown.shares.find((s) => s.role === "adapter")?.amount).toBe(3000n);
  });

  it("earns no votes for the payer's own shares, the protocol, the operator or the stakers", () => {
    const split = splitReceipt(input({ payer: A }), noTraining);
    for (const s of split.shares) {
      const expected = s.account !== A && !["protocol", "operator"].includes(s.role);
      expect(s.voteEligible, `${s.account} ${s.role}`).toBe(expected);
    }
  });

  it("refuses an unknown policy version and a negative price", () => {
    expect(() => splitReceipt(input({ policyVersion: 2 }), noTraining)).toThrow(UnknownPolicyError);
    expect(() => splitReceipt(input({ price: -1n }), noTraining)).toThrow(RangeError);
    expect(policyHash(1)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("fuzz: every split sums exactly to the price, never pays a negative amount, and is deterministic", () => {
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const people = [A, B, OWNER, OPERATOR, PAYER, addr(77)];
    const pick = () => people[rand(people.length)] as Address;
    for (let run = 0; run < 2000; run++) {
      const credited = [{ contributor: pick(), weight: BigInt(rand(3)) }];
      const training: TrainingAttribution = (hash) => (hash === MANIFEST ? credited : null);
      const members = rand(4);
      const weights = Array.from({ length: members }, () => rand(1_000_001));
      const receipt = input({
        payer: pick(),
        price: BigInt(rand(1_000_000)) * 10n ** BigInt(rand(25)) + BigInt(rand(7)),
        adapters: weights.map((w) => adapter(pick(), w, rand(2) ? MANIFEST : ZERO)),
        retrieval: Array.from({ length: rand(6) }, () =>
          chunk(pick(), rand(3) ? rand(1_000_001) : 0),
        ),
        citations: Array.from({ length: rand(4) }, () => ({
          chunkHash: ZERO,
          contributionId: 1n,
          contributor: pick(),
          start: 0,
          end: 2,
        })),
        spans: Array.from({ length: rand(4) }, () => {
          const start = rand(50);
          return { contributionId: 2n, contributor: pick(), start, end: start + rand(40) };
        }),
      });
      const split = splitReceipt(receipt, training);
      expect(total(split), `run ${run}`).toBe(receipt.price);
      expect(split.shares.every((s) => s.amount > 0n)).toBe(true);
      expect(split.stakers.amount).toBeGreaterThanOrEqual(0n);
      expect(splitReceipt(receipt, training)).toEqual(split);
    }
  });
});
