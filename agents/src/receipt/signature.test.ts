import { concat, type Hex, keccak256, recoverAddress, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { evidenceSigner } from "./signature.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const word = (n: bigint) => toHex(n, { size: 32 });

describe("evidenceSigner", () => {
  it("recovers what viem recovers for the signatures wallets make", async () => {
    for (let i = 1; i <= 40; i++) {
      const account = privateKeyToAccount(keccak256(toHex(`key${i}`)));
      const hash = keccak256(toHex(`message${i}`));
      const signature = await account.sign({ hash });
      expect(await recoverAddress({ hash, signature })).toBe(account.address);
      expect(evidenceSigner(hash, signature)).toBe(account.address);
      // Another digest recovers to someone else, never to the signer.
      expect(evidenceSigner(keccak256(hash), signature)).not.toBe(account.address);
    }
  });

  it("finds no signer where ecrecover finds none: r or s zero or out of range, v not 27/28", async () => {
    const account = privateKeyToAccount(keccak256(toHex("key")));
    const hash = keccak256(toHex("message"));
    const signature = await account.sign({ hash });
    const r = `0x${signature.slice(2, 66)}` as Hex;
    const s = `0x${signature.slice(66, 130)}` as Hex;
    const v = `0x${signature.slice(130)}` as Hex;
    const bad: Hex[] = [
      concat([word(0n), s, v]),
      concat([r, word(0n), v]),
      concat([word(N), s, v]),
      concat([word(2n ** 256n - 1n), s, v]),
      concat([r, s, "0x1d"]),
      concat([r, s, "0x00"]),
      concat([r, s, v, "0x00"]),
      "0x",
    ];
    for (const b of bad) expect(evidenceSigner(hash, b), b).toBeNull();
  });
});
