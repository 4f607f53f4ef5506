// The pool's usage record and its signature, as `@tributary/pool/usage`: what the pool signs
// and what a verifier (the agents runtime, settlement) recomputes. The digest is keccak256 of
// the record's RFC 8785 (JCS) canonical JSON; the signature is EIP-191 over those 32 bytes
// (`signMessage({ message: { raw: digest } })`), so any secp256k1 verifier can check it.
import canonicalize from "canonicalize";
import {
  type Address,
  type Hex,
  isAddressEqual,
  keccak256,
  type LocalAccount,
  stringToBytes,
  verifyMessage,
} from "viem";
import type { AdapterWeight } from "../engine/protocol.ts";

export interface UsageRecord {
  /** The caller's `x-request-id`, or one the pool made; unique per caller. */
  requestId: string;
  /** The OpenAI response id (`chatcmpl-…`, `cmpl-…`). */
  completionId: string;
  /** The authenticated caller: the name its key has in the pool's configuration. */
  caller: string;
  createdAt: string;
  endpoint: "completions" | "chat.completions";
  model: string;
  baseModel: string;
  adapters: AdapterWeight[];
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  ttftMs: number | null;
  worker: string | null;
  /** The worker attempts it took: more than 1 when a worker died before streaming a token. */
  attempts: number;
  stream: boolean;
  finishReason: string | null;
  status: "ok" | "error" | "cancelled";
  error: { code: string; message: string } | null;
}

export interface SignedUsageRecord {
  record: UsageRecord;
  /** keccak256 of the record's RFC 8785 canonical JSON. */
  digest: Hex;
  /** EIP-191 personal-sign signature of the 32 digest bytes. */
  signature: Hex;
  /** The pool's signer address (`GET /v1/signer`). */
  signer: Address;
}

export class UsageRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageRecordError";
  }
}

export function canonicalUsageJson(record: UsageRecord): string {
  const json = canonicalize(record);
  if (json === undefined) throw new UsageRecordError("a usage record must be a JSON object");
  return json;
}

/** keccak256 of the record's RFC 8785 canonical JSON, as 0x-prefixed hex. */
export function usageDigest(record: UsageRecord): Hex {
  return keccak256(stringToBytes(canonicalUsageJson(record)));
}

export async function signUsageRecord(
  account: LocalAccount,
  record: UsageRecord,
): Promise<SignedUsageRecord> {
  const digest = usageDigest(record);
  const signature = await account.signMessage({ message: { raw: digest } });
  return { record, digest, signature, signer: account.address };
}

/**
 * True when `digest` is the record's digest and `signature` is `signer`'s over it (and, given
 * `expectedSigner`, the signer is that address: the pool's, as its `/v1/signer` says).
 */
export async function verifyUsageRecord(
  signed: SignedUsageRecord,
  expectedSigner?: Address,
): Promise<boolean> {
  if (expectedSigner && !isAddressEqual(expectedSigner, signed.signer)) return false;
  let digest: Hex;
  try {
    digest = usageDigest(signed.record);
  } catch {
    return false;
  }
  if (digest !== signed.digest.toLowerCase()) return false;
  return verifyMessage({
    address: signed.signer,
    message: { raw: signed.digest },
    signature: signed.signature,
  }).catch(() => false);
}
