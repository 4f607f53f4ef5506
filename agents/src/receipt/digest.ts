import {
  type Address,
  concat,
  encodeAbiParameters,
  type Hex,
  hashDomain,
  keccak256,
  stringToHex,
} from "viem";
import { RECEIPT_TYPES, type ReceiptMessage, receiptDomain } from "./receipt.ts";

const EIP712_DOMAIN = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
] as const;

const FIELDS = RECEIPT_TYPES.Receipt;
const TYPE_HASH = keccak256(
  stringToHex(`Receipt(${FIELDS.map((f) => `${f.type} ${f.name}`).join(",")})`),
);
const STRUCT = [{ type: "bytes32" }, ...FIELDS.map((f) => ({ type: f.type }))];

const separators = new Map<string, Hex>();
function domainSeparator(chainId: number, agentStaking: Address): Hex {
  const key = `${chainId}:${agentStaking.toLowerCase()}`;
  let separator = separators.get(key);
  if (!separator) {
    separator = hashDomain({
      domain: { ...receiptDomain(chainId, agentStaking), chainId: BigInt(chainId) },
      types: { EIP712Domain: EIP712_DOMAIN },
    });
    separators.set(key, separator);
  }
  return separator;
}

/**
 * A receipt's EIP-712 digest, as viem's `hashTypedData` computes it but with the domain
 * separator and type hash computed once: every field of a receipt is static, so its struct hash
 * is keccak256 of the type hash and the 14 ABI-encoded words (AgentStaking's `_hashReceipt`).
 * Settling an epoch hashes every receipt, and `hashTypedData` re-derives both per call.
 */
export function receiptDigestOf(
  chainId: number,
  agentStaking: Address,
  message: ReceiptMessage,
): Hex {
  const words = encodeAbiParameters(STRUCT, [TYPE_HASH, ...FIELDS.map((f) => message[f.name])]);
  return keccak256(concat(["0x1901", domainSeparator(chainId, agentStaking), keccak256(words)]));
}
