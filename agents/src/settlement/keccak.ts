import { createKeccak } from "hash-wasm";
import type { Hex } from "viem";

// keccak-256 compiled to WebAssembly (hash-wasm): about four times @noble/hashes (viem's) on the
// 64-byte inputs of a Merkle tree, where an epoch of 100k receipts hashes some 300k of them.
const hasher = await createKeccak(256);

/** keccak256 of the bytes the hex strings spell, concatenated (each `0x`-prefixed). */
export function keccakOfHex(...parts: readonly string[]): Hex {
  hasher.init();
  for (const part of parts) hasher.update(Buffer.from(part.slice(2), "hex"));
  return `0x${hasher.digest("hex")}`;
}
