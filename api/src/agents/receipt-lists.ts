// The lists a receipt commits to, built from the call's final state (schema/receipt.md).
import {
  type InvocationStateType,
  type ReceiptAdapter,
  type ReceiptCitation,
  type ReceiptRetrieval,
  type ReceiptSpan,
  scorePpm,
  weightsPpm,
} from "@tributary/agents";
import type { Address, Hex } from "viem";

export interface EnsembleMember {
  adapterId: bigint;
  weight: number;
  owner: Address;
  trainingManifestHash: Hex;
}

const ZERO32 = `0x${"00".repeat(32)}` as Hex;

export function receiptLists(state: InvocationStateType, ensemble: readonly EnsembleMember[]) {
  const ppm = weightsPpm(ensemble.map((m) => m.weight));
  const adapters: ReceiptAdapter[] = ensemble.map((m, i) => ({
    adapterId: m.adapterId,
    weightPpm: ppm[i] ?? 0,
    owner: m.owner,
    trainingManifestHash: m.trainingManifestHash ?? ZERO32,
  }));
  const cited = new Set(state.citations.map((c) => c.marker));
  const retrieval: ReceiptRetrieval[] = state.hits.map((hit, i) => ({
    chunkHash: hit.citation.chunkHash as Hex,
    contributionId: hit.citation.contributionId,
    contributor: hit.citation.contributor,
    scorePpm: scorePpm(hit.score),
    cited: cited.has(i + 1),
  }));
  const citations: ReceiptCitation[] = state.citations.map((c) => ({
    chunkHash: c.hit.citation.chunkHash as Hex,
    contributionId: c.hit.citation.contributionId,
    contributor: c.hit.citation.contributor,
    start: c.answerStart,
    end: c.answerEnd,
  }));
  const spans: ReceiptSpan[] = state.spans.flatMap((span) =>
    span.contributions.map((c) => ({
      contributionId: c.id,
      contributor: c.contributor,
      start: span.start,
      end: span.end,
    })),
  );
  return { adapters, retrieval, citations, spans };
}

/** JSON-safe copy (bigints as decimal strings) for storage and the wire. */
export function jsonSafe<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
}
