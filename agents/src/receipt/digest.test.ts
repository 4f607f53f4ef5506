import { getAddress, type Hex, hashTypedData, keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { receiptDigestOf } from "./digest.ts";
import { RECEIPT_TYPES, type ReceiptMessage, receiptDomain } from "./receipt.ts";

const word = (label: string): Hex => keccak256(toHex(label));

describe("receiptDigestOf", () => {
  it("equals viem's hashTypedData for varied receipts, chains and contracts", () => {
    for (let i = 0; i < 50; i++) {
      const chainId = [1, 31337, 8453, 2 ** 31 - 1][i % 4] as number;
      const staking = getAddress(`0x${word(`staking${i % 3}`).slice(26)}`);
      const message: ReceiptMessage = {
        requestId: word(`r${i}`),
        agentId: BigInt(i) * 10n ** BigInt(i % 30),
        specHash: word(`s${i}`),
        payer: getAddress(`0x${word(`p${i}`).slice(26)}`),
        price: 2n ** BigInt(i * 5) - 1n,
        tokensIn: (i * 7919) % 2 ** 32,
        tokensOut: 2 ** 32 - 1 - i,
        policyVersion: i % 2 ** 16,
        issuedAt: 2n ** 64n - 1n - BigInt(i),
        adaptersHash: word(`a${i}`),
        retrievalHash: word(`t${i}`),
        citationsHash: word(`c${i}`),
        spansHash: word(`x${i}`),
        usageDigest: word(`u${i}`),
      };
      expect(receiptDigestOf(chainId, staking, message)).toBe(
        hashTypedData({
          domain: receiptDomain(chainId, staking),
          types: RECEIPT_TYPES,
          primaryType: "Receipt",
          message,
        }),
      );
    }
  });
});
