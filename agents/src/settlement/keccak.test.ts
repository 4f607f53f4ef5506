import { concat, type Hex, keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { keccakOfHex } from "./keccak.ts";

describe("keccakOfHex", () => {
  it("equals viem's keccak256 of the concatenated bytes, for empty, short and multi-block input", () => {
    const parts: Hex[] = ["0x", "0x00", toHex("x".repeat(135)), toHex("y".repeat(300))];
    for (const a of parts)
      for (const b of parts) expect(keccakOfHex(a, b)).toBe(keccak256(concat([a, b])));
    expect(keccakOfHex()).toBe(keccak256("0x"));
  });
});
