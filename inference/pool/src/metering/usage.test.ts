import { keccak256, recoverMessageAddress, stringToBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ConflictError, InvalidRequestError } from "../errors.ts";
import { createUsageLedger } from "./ledger.ts";
import { sampleRecord } from "./test-records.ts";
import { canonicalUsageJson, type UsageRecord, usageDigest, verifyUsageRecord } from "./usage.ts";

// Anvil's first well-known development key: a fixed signer for fixed vectors.
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const account = privateKeyToAccount(KEY);

const record = sampleRecord;

describe("usage digest", () => {
  it("is keccak256 of the RFC 8785 form: sorted keys, no spaces, whatever the field order", () => {
    const canonical =
      '{"adapters":[{"id":"' +
      "ab".repeat(32) +
      '","weight":0.5}],"attempts":1,"baseModel":"tiny","caller":"agents",' +
      '"completionId":"chatcmpl-abc","completionTokens":7,"createdAt":"2026-01-02T03:04:05.000Z",' +
      '"endpoint":"chat.completions","error":null,"finishReason":"length","latencyMs":10.25,' +
      '"model":"tiny:alpha","promptTokens":12,"requestId":"run-7:call.1","status":"ok",' +
      '"stream":false,"ttftMs":null,"worker":"worker-0"}';
    expect(canonicalUsageJson(record())).toBe(canonical);
    const reordered = Object.fromEntries(Object.entries(record()).reverse()) as UsageRecord;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(record()));
    expect(usageDigest(reordered)).toBe(keccak256(stringToBytes(canonical)));
  });

  it("signs EIP-191 over the digest bytes; a changed field or another signer fails", async () => {
    const ledger = createUsageLedger({ signer: account });
    ledger.reserve("agents", "run-7:call.1");
    const signed = await ledger.add(record());
    expect(signed.signer).toBe(account.address);
    expect(
      await recoverMessageAddress({ message: { raw: signed.digest }, signature: signed.signature }),
    ).toBe(account.address);
    expect(await verifyUsageRecord(signed, account.address)).toBe(true);
    const tampered = { ...signed, record: { ...signed.record, completionTokens: 8 } };
    expect(await verifyUsageRecord(tampered)).toBe(false);
    const other = privateKeyToAccount(`0x${"11".repeat(32)}`);
    expect(await verifyUsageRecord(signed, other.address)).toBe(false);
    expect(await verifyUsageRecord({ ...signed, signer: other.address })).toBe(false);
  });
});

describe("usage ledger", () => {
  it("keeps request ids unique per caller, and releases one that got no record", () => {
    const ledger = createUsageLedger({ signer: account });
    expect(ledger.reserve("agents", "r1")).toBe("r1");
    expect(() => ledger.reserve("agents", "r1")).toThrow(ConflictError);
    expect(ledger.reserve("demo", "r1")).toBe("r1");
    ledger.release("agents", "r1");
    expect(ledger.reserve("agents", "r1")).toBe("r1");
    expect(ledger.reserve("agents", undefined)).toMatch(/^req-[0-9a-f-]{36}$/);
    for (const bad of ["", "has space", "x".repeat(129), "semi;colon", "slash/"]) {
      expect(() => ledger.reserve("agents", bad)).toThrow(InvalidRequestError);
    }
  });

  it("answers only the caller that made the request, and forgets the oldest past capacity", async () => {
    const ledger = createUsageLedger({ signer: account, capacity: 3 });
    for (const id of ["a", "b", "c", "d"]) {
      ledger.reserve("agents", id);
      await ledger.add(record({ requestId: id }));
    }
    expect(ledger.size).toBe(3);
    expect(await ledger.get("agents", "a")).toBeUndefined();
    expect((await ledger.get("agents", "d"))?.record.requestId).toBe("d");
    expect(await ledger.get("demo", "d")).toBeUndefined();
    // A forgotten id may be used again; a remembered one may not.
    expect(ledger.reserve("agents", "a")).toBe("a");
    expect(() => ledger.reserve("agents", "d")).toThrow(ConflictError);
  });
});
