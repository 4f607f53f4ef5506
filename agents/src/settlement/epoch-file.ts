import canonicalize from "canonicalize";
import { type Address, getAddress, type Hex, isAddress, isHex, sha256, stringToBytes } from "viem";
import type {
  ReceiptAdapter,
  ReceiptCitation,
  ReceiptMessage,
  ReceiptRetrieval,
  ReceiptSpan,
} from "../receipt/receipt.ts";

export const EPOCH_FILE_FORMAT = "tributary-epoch/1";

/** JSON as stored: integers as decimal strings. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * One settled receipt in an epoch's file: the signed EIP-712 message, the lists behind its
 * hashes, and the agent's operator at call time (the one payee a receipt does not name).
 */
export interface EpochReceipt {
  message: ReceiptMessage;
  signature: Hex;
  signer: Address;
  lists: {
    adapters: ReceiptAdapter[];
    retrieval: ReceiptRetrieval[];
    citations: ReceiptCitation[];
    spans: ReceiptSpan[];
  };
  operator: Address;
}

/**
 * The receipts behind one root, published content-addressed at the root's `dataURI`. Leaves are
 * cumulative, so a root is recomputed from the files of every epoch up to it.
 */
export interface EpochFile {
  format: typeof EPOCH_FILE_FORMAT;
  chainId: number;
  epoch: bigint;
  agentStaking: Address;
  settlement: Address;
  /** The hash of every split policy version its receipts use. */
  policies: Record<string, Hex>;
  receipts: EpochReceipt[];
}

export class EpochFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EpochFileError";
  }
}

/** JSON with integers as decimal strings. */
function toJson(value: unknown): Json {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value as Json;
}

/** The file's bytes: RFC 8785 canonical JSON, so its sha256 names it wherever it is served. */
export function encodeEpochFile(file: EpochFile): string {
  return canonicalize(toJson(file)) as string;
}

/** `0x` + sha256 of the file's bytes: its content address. */
export const epochFileHash = (text: string): Hex => sha256(stringToBytes(text));

const big = (v: unknown, at: string): bigint => {
  if (typeof v !== "string" || !/^[0-9]{1,78}$/.test(v))
    throw new EpochFileError(`${at}: expected a decimal integer string`);
  return BigInt(v);
};
const num = (v: unknown, at: string): number => {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    throw new EpochFileError(`${at}: expected a non-negative integer`);
  return v;
};
const hex = (v: unknown, at: string, bytes?: number): Hex => {
  if (typeof v !== "string" || !isHex(v) || (bytes !== undefined && v.length !== 2 + 2 * bytes))
    throw new EpochFileError(`${at}: expected ${bytes ? `${bytes} bytes of ` : ""}hex`);
  return v.toLowerCase() as Hex;
};
const address = (v: unknown, at: string): Address => {
  if (typeof v !== "string" || !isAddress(v, { strict: false }))
    throw new EpochFileError(`${at}: expected an address`);
  return getAddress(v);
};
const record = (v: unknown, at: string): Record<string, unknown> => {
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new EpochFileError(`${at}: expected an object`);
  return v as Record<string, unknown>;
};
const list = (v: unknown, at: string): unknown[] => {
  if (!Array.isArray(v)) throw new EpochFileError(`${at}: expected an array`);
  return v;
};

/** One receipt as stored or published (JSON, integers as strings); `at` names it in errors. */
export function parseEpochReceipt(raw: unknown, at: string): EpochReceipt {
  const r = record(raw, at);
  const m = record(r.message, `${at}.message`);
  const message: ReceiptMessage = {
    requestId: hex(m.requestId, `${at}.message.requestId`, 32),
    agentId: big(m.agentId, `${at}.message.agentId`),
    specHash: hex(m.specHash, `${at}.message.specHash`, 32),
    payer: address(m.payer, `${at}.message.payer`),
    price: big(m.price, `${at}.message.price`),
    tokensIn: num(m.tokensIn, `${at}.message.tokensIn`),
    tokensOut: num(m.tokensOut, `${at}.message.tokensOut`),
    policyVersion: num(m.policyVersion, `${at}.message.policyVersion`),
    issuedAt: big(m.issuedAt, `${at}.message.issuedAt`),
    adaptersHash: hex(m.adaptersHash, `${at}.message.adaptersHash`, 32),
    retrievalHash: hex(m.retrievalHash, `${at}.message.retrievalHash`, 32),
    citationsHash: hex(m.citationsHash, `${at}.message.citationsHash`, 32),
    spansHash: hex(m.spansHash, `${at}.message.spansHash`, 32),
    usageDigest: hex(m.usageDigest, `${at}.message.usageDigest`, 32),
  };
  const l = record(r.lists, `${at}.lists`);
  const each = <T>(key: string, f: (o: Record<string, unknown>, p: string) => T): T[] =>
    list(l[key], `${at}.lists.${key}`).map((x, i) =>
      f(record(x, `${at}.lists.${key}[${i}]`), `${at}.lists.${key}[${i}]`),
    );
  return {
    message,
    signature: hex(r.signature, `${at}.signature`),
    signer: address(r.signer, `${at}.signer`),
    operator: address(r.operator, `${at}.operator`),
    lists: {
      adapters: each("adapters", (o, p) => ({
        adapterId: big(o.adapterId, `${p}.adapterId`),
        weightPpm: num(o.weightPpm, `${p}.weightPpm`),
        owner: address(o.owner, `${p}.owner`),
        trainingManifestHash: hex(o.trainingManifestHash, `${p}.trainingManifestHash`, 32),
      })),
      retrieval: each("retrieval", (o, p) => {
        if (typeof o.cited !== "boolean")
          throw new EpochFileError(`${p}.cited: expected a boolean`);
        return {
          chunkHash: hex(o.chunkHash, `${p}.chunkHash`, 32),
          contributionId: big(o.contributionId, `${p}.contributionId`),
          contributor: address(o.contributor, `${p}.contributor`),
          scorePpm: num(o.scorePpm, `${p}.scorePpm`),
          cited: o.cited,
        };
      }),
      citations: each("citations", (o, p) => ({
        chunkHash: hex(o.chunkHash, `${p}.chunkHash`, 32),
        contributionId: big(o.contributionId, `${p}.contributionId`),
        contributor: address(o.contributor, `${p}.contributor`),
        start: num(o.start, `${p}.start`),
        end: num(o.end, `${p}.end`),
      })),
      spans: each("spans", (o, p) => ({
        contributionId: big(o.contributionId, `${p}.contributionId`),
        contributor: address(o.contributor, `${p}.contributor`),
        start: num(o.start, `${p}.start`),
        end: num(o.end, `${p}.end`),
      })),
    },
  };
}

/** Parses an epoch file's text; a malformed one is refused with the JSON path at fault. */
export function parseEpochFile(text: string): EpochFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new EpochFileError("not JSON");
  }
  const f = record(raw, "$");
  if (f.format !== EPOCH_FILE_FORMAT)
    throw new EpochFileError(`$.format: expected ${EPOCH_FILE_FORMAT}`);
  const policies = record(f.policies, "$.policies");
  return {
    format: EPOCH_FILE_FORMAT,
    chainId: num(f.chainId, "$.chainId"),
    epoch: big(f.epoch, "$.epoch"),
    agentStaking: address(f.agentStaking, "$.agentStaking"),
    settlement: address(f.settlement, "$.settlement"),
    policies: Object.fromEntries(
      Object.entries(policies).map(([k, v]) => [k, hex(v, `$.policies.${k}`, 32)]),
    ),
    receipts: list(f.receipts, "$.receipts").map((r, i) =>
      parseEpochReceipt(r, `$.receipts[${i}]`),
    ),
  };
}
