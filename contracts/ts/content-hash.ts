import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import canonicalize from "canonicalize";
import { type Hex, keccak256, stringToHex } from "viem";

/**
 * sha256 over the concatenation of `files` (in the given canonical order) inside `dir`.
 * This is the content hash the model registry stores for a base model or an adapter.
 */
export function sha256OfFiles(dir: string, files: readonly string[]): Hex {
  const hash = createHash("sha256");
  for (const file of files) hash.update(readFileSync(path.join(dir, file)));
  return `0x${hash.digest("hex")}`;
}

export function sha256OfFile(file: string): Hex {
  return `0x${createHash("sha256").update(readFileSync(file)).digest("hex")}`;
}

/** keccak256 of the RFC 8785 canonical JSON of `value`: the hash an agent spec is staked under. */
export function canonicalJsonHash(value: unknown): Hex {
  const canonical = canonicalize(value);
  if (canonical === undefined) throw new Error("value has no canonical JSON form");
  return keccak256(stringToHex(canonical));
}
