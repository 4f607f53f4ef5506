// A synthetic epoch for the settlement benchmark: signed receipts shaped like the runtime's
// (an ensemble, retrieved chunks, citations, verbatim spans) over a fixed population of accounts,
// drawn from a seeded generator so that every run settles the same epoch.
import { createHash } from "node:crypto";
import { signRecoverable } from "tiny-secp256k1";
import { type Address, bytesToHex, getAddress, type Hex, hexToBytes, keccak256 } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import {
  hashAdapters,
  hashCitations,
  hashRetrieval,
  hashSpans,
  POLICY_VERSION,
  type ReceiptAdapter,
  type ReceiptCitation,
  type ReceiptMessage,
  type ReceiptRetrieval,
  type ReceiptSpan,
} from "../src/receipt/receipt.ts";
import { EPOCH_FILE_FORMAT, type EpochFile } from "../src/settlement/epoch-file.ts";
import { receiptDigest } from "../src/settlement/settle.ts";
import { policyHash } from "../src/split/policy.ts";

export interface EpochShape {
  receipts: number;
  accounts: number;
  agents: number;
  adapters: number;
  seed: number;
}

/** Seeded draws (SHA-512 in counter mode), so that every run settles the same epoch. */
function generator(seed: number) {
  let block = 0;
  let pool = Buffer.alloc(0);
  let offset = 0;
  const next32 = () => {
    if (offset + 4 > pool.length) {
      pool = createHash("sha512").update(`${seed}:${block++}`).digest();
      offset = 0;
    }
    offset += 4;
    return pool.readUInt32LE(offset - 4);
  };
  const int = (n: number) => next32() % n;
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { int, pick };
}

const word = (label: string, i: number): Hex => keccak256(new TextEncoder().encode(`${label}${i}`));

export function generateEpoch(
  shape: EpochShape,
  onProgress: (done: number) => void = () => {},
): EpochFile {
  const rng = generator(shape.seed);
  const accounts: Address[] = Array.from({ length: shape.accounts }, (_, i) =>
    getAddress(`0x${word("account", i).slice(26)}`),
  );
  const agents = Array.from({ length: shape.agents }, (_, i) => {
    const key = word("signer", i);
    return {
      id: BigInt(i + 1),
      key,
      signer: privateKeyToAddress(key),
      operator: rng.pick(accounts),
    };
  });
  const adapters = Array.from({ length: shape.adapters }, (_, i) => ({
    adapterId: BigInt(i + 1),
    owner: rng.pick(accounts),
  }));
  const file: EpochFile = {
    format: EPOCH_FILE_FORMAT,
    chainId: 31337,
    epoch: 1n,
    agentStaking: getAddress(`0x${"a".repeat(40)}`),
    settlement: getAddress(`0x${"b".repeat(40)}`),
    policies: { [String(POLICY_VERSION)]: policyHash(POLICY_VERSION) },
    receipts: [],
  };
  for (let n = 0; n < shape.receipts; n++) {
    const agent = rng.pick(agents);
    const members = 1 + rng.int(3);
    const adapterList: ReceiptAdapter[] = [];
    let left = 1_000_000;
    for (let i = 0; i < members; i++) {
      const weightPpm = i === members - 1 ? left : Math.floor(left / 2);
      left -= weightPpm;
      const a = adapters[(n + i * 7) % adapters.length] as (typeof adapters)[number];
      adapterList.push({ ...a, weightPpm, trainingManifestHash: `0x${"0".repeat(64)}` });
    }
    const retrieval: ReceiptRetrieval[] = Array.from({ length: 5 }, (_, i) => ({
      chunkHash: word(`chunk${n}-`, i),
      contributionId: BigInt(1 + rng.int(5 * shape.accounts)),
      contributor: rng.pick(accounts),
      scorePpm: 100_000 + rng.int(900_000),
      cited: i < 2,
    }));
    const citations: ReceiptCitation[] = retrieval.slice(0, 2).map((r, i) => ({
      chunkHash: r.chunkHash,
      contributionId: r.contributionId,
      contributor: r.contributor,
      start: 40 * i,
      end: 40 * i + 3,
    }));
    const spans: ReceiptSpan[] = retrieval.slice(0, rng.int(3)).map((r, i) => ({
      contributionId: r.contributionId,
      contributor: r.contributor,
      start: 100 + 60 * i,
      end: 140 + 60 * i,
    }));
    const message: ReceiptMessage = {
      requestId: word("request", n),
      agentId: agent.id,
      specHash: word("spec", Number(agent.id)),
      payer: rng.pick(accounts),
      price: 10n ** 15n + BigInt(rng.int(9_000_000)) * 10n ** 9n,
      tokensIn: 200 + rng.int(800),
      tokensOut: 20 + rng.int(200),
      policyVersion: POLICY_VERSION,
      issuedAt: 1_700_000_000n + BigInt(n),
      adaptersHash: hashAdapters(adapterList),
      retrievalHash: hashRetrieval(retrieval),
      citationsHash: hashCitations(citations),
      spansHash: hashSpans(spans),
      usageDigest: word("usage", n),
    };
    const receipt = {
      message,
      signature: "0x" as Hex,
      signer: agent.signer,
      lists: { adapters: adapterList, retrieval, citations, spans },
      operator: agent.operator,
    };
    // tiny-secp256k1 signs as viem does (RFC 6979, low s), only faster: setup, not measured.
    const digest = hexToBytes(receiptDigest(file, receipt));
    const { signature, recoveryId } = signRecoverable(digest, hexToBytes(agent.key));
    receipt.signature = `${bytesToHex(signature)}${(27 + recoveryId).toString(16)}` as Hex;
    file.receipts.push(receipt);
    if ((n + 1) % 10_000 === 0) onProgress(n + 1);
  }
  return file;
}
