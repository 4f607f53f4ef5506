import { readFileSync } from "node:fs";
import { type Hex, hashTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  RECEIPT_TYPES,
  type ReceiptBody,
  receiptMessage,
  recoverReceiptSigner,
  signReceipt,
  weightsPpm,
} from "./receipt.ts";

const vector = JSON.parse(
  readFileSync(new URL("../../../schema/receipt-vector.json", import.meta.url), "utf8"),
);
const big = (v: string) => BigInt(v);
const body: ReceiptBody = {
  ...vector.body,
  agentId: big(vector.body.agentId),
  price: big(vector.body.price),
  issuedAt: big(vector.body.issuedAt),
  adapters: vector.body.adapters.map((a: any) => ({ ...a, adapterId: big(a.adapterId) })),
  retrieval: vector.body.retrieval.map((r: any) => ({
    ...r,
    contributionId: big(r.contributionId),
  })),
  citations: vector.body.citations.map((c: any) => ({
    ...c,
    contributionId: big(c.contributionId),
  })),
  spans: vector.body.spans.map((s: any) => ({ ...s, contributionId: big(s.contributionId) })),
};
const stringify = (v: unknown) =>
  JSON.parse(JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x)));

describe("receipt format (schema/receipt.md)", () => {
  it("reproduces the test vector's message, digest and signature", async () => {
    const message = receiptMessage(body);
    expect(stringify(message)).toEqual(vector.expected.message);
    const digest = hashTypedData({
      domain: vector.domain,
      types: RECEIPT_TYPES,
      primaryType: "Receipt",
      message,
    });
    expect(digest).toBe(vector.expected.digest);
    const signed = await signReceipt(
      privateKeyToAccount(vector.signerPrivateKey as Hex),
      vector.domain,
      message,
    );
    expect(signed.signature).toBe(vector.expected.signature);
    expect(await recoverReceiptSigner(signed)).toBe(vector.signer);
  });

  it("changes every list hash when its list changes", () => {
    const base = receiptMessage(body);
    const moved = receiptMessage({
      ...body,
      spans: body.spans.map((s) => ({ ...s, end: s.end + 1 })),
      retrieval: body.retrieval.map((r) => ({ ...r, cited: !r.cited })),
    });
    expect(moved.spansHash).not.toBe(base.spansHash);
    expect(moved.retrievalHash).not.toBe(base.retrievalHash);
    expect(moved.adaptersHash).toBe(base.adaptersHash);
  });

  it("does not recover the signer from a tampered receipt", async () => {
    const signer = privateKeyToAccount(vector.signerPrivateKey as Hex);
    const signed = await signReceipt(signer, vector.domain, receiptMessage(body));
    const tampered = {
      ...signed,
      message: { ...signed.message, price: signed.message.price + 1n },
    };
    expect(await recoverReceiptSigner(tampered)).not.toBe(signer.address);
  });
});

describe("weightsPpm", () => {
  it("sums to exactly one million for any positive weights", () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 2000; trial++) {
      const n = 1 + Math.floor(next() * 16);
      const weights = Array.from({ length: n }, () => next() * 100 + 1e-9);
      const ppm = weightsPpm(weights);
      expect(ppm.reduce((a, b) => a + b, 0)).toBe(1_000_000);
      expect(ppm.every((p) => Number.isInteger(p) && p >= 0)).toBe(true);
    }
    expect(weightsPpm([0.7, 0.3])).toEqual([700000, 300000]);
    expect(weightsPpm([1, 1, 1])).toEqual([333334, 333333, 333333]);
  });
});
