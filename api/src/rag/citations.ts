import { hashChunk } from "./chunker.ts";

/** Where a retrieved chunk comes from, as retrieval reported it to the model. */
export interface HitCitation {
  contributionId: bigint;
  datanetId: bigint;
  /** The contributor's address. */
  contributor: string;
  /** UTF-8 byte offsets of the chunk in the contribution's content. */
  startOffset: number;
  endOffset: number;
  /** `0x` + sha256 hex of the chunk's UTF-8 bytes. */
  chunkHash: string;
}

/** A retrieved hit, numbered 1..k by its position in the list shown to the model. */
export interface CitedHit {
  /** The chunk's text. */
  text: string;
  citation: HitCitation;
  /** The stored chunk record, when the caller has it: lets the checker catch a relabelled hit. */
  chunk?: { contributor: string; chunkHash: string };
}

export type CitationErrorKind =
  | "UNKNOWN_MARKER"
  | "QUOTE_NOT_IN_SOURCE"
  | "CONTRIBUTOR_MISMATCH"
  | "CHUNK_HASH_MISMATCH"
  | "NO_CITATIONS";

/** Why an answer's citations do not hold; `marker` and `position` are null for NO_CITATIONS. */
export class CitationError extends Error {
  override readonly name = "CitationError";
  constructor(
    readonly kind: CitationErrorKind,
    /** The offending marker's number. */
    readonly marker: number | null,
    /** UTF-8 byte offset of the offending marker's `[` in the answer. */
    readonly position: number | null,
    message: string,
  ) {
    super(message);
  }
}

/** A quoted span found verbatim (up to whitespace and curly quotes) in the cited chunk. */
export interface QuoteMatch {
  /** The chunk's own text at the match: exactly its bytes `chunkStart..chunkEnd`. */
  text: string;
  /** UTF-8 byte offsets within the chunk. */
  chunkStart: number;
  chunkEnd: number;
  /** UTF-8 byte offsets within the contribution's content (`citation.startOffset` + chunk's). */
  contentStart: number;
  contentEnd: number;
}

/** One marker number of the answer, resolved to its hit. */
export interface Citation<H extends CitedHit = CitedHit> {
  marker: number;
  /** UTF-8 byte offsets of the marker's bracket group in the answer (`[1]`, or all of `[1, 3]`). */
  answerStart: number;
  answerEnd: number;
  hit: H;
  /** Present when a quoted span stands right before the marker. */
  quote?: QuoteMatch;
}

export type CitationCheck<H extends CitedHit = CitedHit> =
  | { ok: true; citations: Citation<H>[]; uncitedHits: number[] }
  | { ok: false; error: CitationError };

export interface CitationOptions {
  /** An answer without a single marker fails with NO_CITATIONS (default false). */
  requireCitation?: boolean;
}

// `[1]`, `[1, 3]`, `[ 2 ]`; a backslash-escaped `\[1]` is literal text.
const MARKER_GROUP = /(?<!\\)\[\s*\d+(?:\s*,\s*\d+)*\s*\]/g;
// Code is not prose: `xs[0]` in a code span or fence is an index, not a citation.
const CODE = /```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)|`[^`\n]*`/g;
// What may stand between a closing quote and its marker.
const QUOTE_TO_MARKER = /[\s.,;:!?…)\-–—]{0,4}$/u;
// The quote marks that may open a quote closed by each; models mix straight and curly ones.
const OPENING_FOR: Record<string, string> = { '"': '"“', "”": '“"', "»": "«" };

/**
 * Checks the citations of a generated answer against the hits shown to the model.
 *
 * A marker is a bracket of digits only — `[3]`, also grouped `[1, 3]` or chained `[1][2]` —
 * outside code spans and fences; every one must resolve to a hit (1..k), so a `[2023]` beyond
 * k fails as UNKNOWN_MARKER rather than passing as a year. Letters (`[a]`, `[^1]`) are text.
 *
 * A quoted span — "…", “…” or «…» — standing right before a marker (at most a few spaces or
 * punctuation marks between) must be a substring of EVERY hit that marker group or chain
 * cites. The match is exact after normalising only whitespace runs (to one space) and curly
 * quotes (to straight ones): no case folding, no Unicode normalisation, no ellipses.
 *
 * Each cited hit must also be intact: `chunkHash` is the sha256 of its text and its offsets
 * span that many bytes, and when the stored chunk record is given, its hash and contributor
 * agree with the citation (so a hit cannot have been relabelled on the way).
 *
 * The first failure, in answer order, is returned.
 */
export function checkCitations<H extends CitedHit>(
  answer: string,
  hits: readonly H[],
  options: CitationOptions = {},
): CitationCheck<H> {
  const groups = markerGroups(answer);
  if (groups.length === 0 && options.requireCitation) {
    const error = new CitationError("NO_CITATIONS", null, null, "The answer cites no source");
    return { ok: false, error };
  }
  const byteAt = byteOffsets(answer);
  const citations: Citation<H>[] = [];
  const checked = new Set<number>();
  let previous: { end: number; quote: string | undefined } | null = null;
  for (const group of groups) {
    const answerStart = byteAt(group.start);
    const answerEnd = byteAt(group.end);
    // `"quote" [1][2]`: a chain's later groups carry the quote standing before its first.
    const chained: boolean =
      previous !== null && answer.slice(previous.end, group.start).trim() === "";
    const quote: string | undefined =
      chained && previous ? previous.quote : quoteBefore(answer, group.start);
    previous = { end: group.end, quote };
    for (const marker of group.markers) {
      const fail = (kind: CitationErrorKind, message: string) => ({
        ok: false as const,
        error: new CitationError(kind, marker, answerStart, `[${marker}] ${message}`),
      });
      const hit = Number.isSafeInteger(marker) && marker >= 1 ? hits[marker - 1] : undefined;
      if (!hit) return fail("UNKNOWN_MARKER", `cites no retrieved source (1..${hits.length})`);
      if (!checked.has(marker)) {
        const problem = integrityProblem(hit);
        if (problem) return fail(problem.kind, problem.message);
        checked.add(marker);
      }
      const citation: Citation<H> = { marker, answerStart, answerEnd, hit };
      if (quote !== undefined) {
        const match = findQuote(hit, quote);
        if (!match) return fail("QUOTE_NOT_IN_SOURCE", `does not contain the quote "${quote}"`);
        citation.quote = match;
      }
      citations.push(citation);
    }
  }
  const cited = new Set(citations.map((c) => c.marker));
  const uncitedHits = hits.map((_, i) => i + 1).filter((n) => !cited.has(n));
  return { ok: true, citations, uncitedHits };
}

interface MarkerGroup {
  start: number;
  end: number;
  markers: number[];
}

function markerGroups(answer: string): MarkerGroup[] {
  const code: Array<[number, number]> = [];
  for (const m of answer.matchAll(CODE)) code.push([m.index, m.index + m[0].length]);
  const inCode = (at: number) => code.some(([start, end]) => at >= start && at < end);
  const groups: MarkerGroup[] = [];
  for (const m of answer.matchAll(MARKER_GROUP)) {
    if (inCode(m.index)) continue;
    const markers = (m[0].match(/\d+/g) ?? []).map(Number);
    groups.push({ start: m.index, end: m.index + m[0].length, markers });
  }
  return groups;
}

/** The quoted text standing right before `at`, without its quote marks, if any. */
function quoteBefore(answer: string, at: number): string | undefined {
  const before = answer.slice(0, at);
  const close = before.length - (QUOTE_TO_MARKER.exec(before)?.[0].length ?? 0);
  const openings = OPENING_FOR[before[close - 1] ?? ""];
  if (!openings) return undefined;
  let open = close - 2;
  while (open >= 0 && !openings.includes(before[open] as string)) open -= 1;
  if (open < 0) return undefined;
  const quote = before.slice(open + 1, close - 1);
  // A straight quote opens only before a non-space, after a non-word: in `5" tall and 6"`
  // the second one closes nothing.
  if (before[open] === '"' && (/^\s/.test(quote) || /[\p{L}\p{N}]/u.test(before[open - 1] ?? ""))) {
    return undefined;
  }
  return quote.trim() === "" ? undefined : quote;
}

function integrityProblem(hit: CitedHit): { kind: CitationErrorKind; message: string } | null {
  const { citation, chunk } = hit;
  const hash = hashChunk(hit.text);
  if (!sameHex(hash, citation.chunkHash)) {
    return {
      kind: "CHUNK_HASH_MISMATCH",
      message: `text hashes to ${hash}, the citation says ${citation.chunkHash}`,
    };
  }
  if (chunk && !sameHex(chunk.chunkHash, citation.chunkHash)) {
    return {
      kind: "CHUNK_HASH_MISMATCH",
      message: `stored chunk hash ${chunk.chunkHash} differs from the citation's ${citation.chunkHash}`,
    };
  }
  const bytes = Buffer.byteLength(hit.text, "utf8");
  if (citation.endOffset - citation.startOffset !== bytes) {
    // Content offsets derived from such a citation would point at other bytes.
    return {
      kind: "CHUNK_HASH_MISMATCH",
      message: `offsets ${citation.startOffset}..${citation.endOffset} do not span the text's ${bytes} bytes`,
    };
  }
  if (chunk && chunk.contributor.toLowerCase() !== citation.contributor.toLowerCase()) {
    return {
      kind: "CONTRIBUTOR_MISMATCH",
      message: `cited contributor ${citation.contributor} is not the chunk's ${chunk.contributor}`,
    };
  }
  return null;
}

// Addresses and hashes are hex: checksummed or not, upper or lower case, the same value.
const sameHex = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function findQuote(hit: CitedHit, quote: string): QuoteMatch | undefined {
  const needle = normalise(quote).text.trim();
  const haystack = normalise(hit.text);
  const at = haystack.text.indexOf(needle);
  if (needle === "" || at < 0) return undefined;
  const start = haystack.starts[at] ?? 0;
  const end = haystack.ends[at + needle.length - 1] ?? start;
  const chunkStart = Buffer.byteLength(hit.text.slice(0, start), "utf8");
  const text = hit.text.slice(start, end);
  const chunkEnd = chunkStart + Buffer.byteLength(text, "utf8");
  const base = hit.citation.startOffset;
  return {
    text,
    chunkStart,
    chunkEnd,
    contentStart: base + chunkStart,
    contentEnd: base + chunkEnd,
  };
}

const CURLY: Record<string, string> = {
  "‘": "'",
  "’": "'",
  "‚": "'",
  "‛": "'",
  "“": '"',
  "”": '"',
  "„": '"',
  "‟": '"',
};

/**
 * Whitespace runs become one space and curly quotes straight ones; `starts[i]`/`ends[i]` give
 * the UTF-16 range of the original text that normalised unit `i` stands for.
 */
function normalise(text: string): { text: string; starts: number[]; ends: number[] } {
  let out = "";
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < text.length; ) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j] as string)) j += 1;
      out += " ";
      starts.push(i);
      ends.push(j);
      i = j;
    } else {
      out += CURLY[ch] ?? ch;
      starts.push(i);
      ends.push(i + 1);
      i += 1;
    }
  }
  return { text: out, starts, ends };
}

/** UTF-8 byte offset of each UTF-16 index, for indices asked in non-decreasing order. */
function byteOffsets(text: string): (index: number) => number {
  let index = 0;
  let bytes = 0;
  return (at) => {
    if (at < index) {
      index = 0;
      bytes = 0;
    }
    bytes += Buffer.byteLength(text.slice(index, at), "utf8");
    index = at;
    return bytes;
  };
}
