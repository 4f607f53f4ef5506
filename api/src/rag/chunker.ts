import { createHash } from "node:crypto";
import { MarkdownTextSplitter, RecursiveCharacterTextSplitter } from "@langchain/textsplitters";

/** Content types the chunker understands; `application/x-ndjson` is JSON Lines. */
export type MediaType = "text/plain" | "text/markdown" | "application/x-ndjson";

const MEDIA_TYPES: readonly MediaType[] = ["text/plain", "text/markdown", "application/x-ndjson"];

/**
 * One chunk of a content. `startOffset`/`endOffset` are UTF-8 BYTE offsets into the content,
 * so any language can check a chunk against the hashed bytes without knowing JavaScript's
 * UTF-16 strings: `text` is exactly `Buffer.from(content).subarray(startOffset, endOffset)`
 * decoded, and `chunkHash` is `0x` + the sha256 hex of those bytes.
 */
export interface Chunk {
  index: number;
  text: string;
  startOffset: number;
  endOffset: number;
  chunkHash: string;
}

/** Chunk sizes in characters (UTF-16 code units, as the splitter counts them). */
export interface ChunkOptions {
  /** Largest chunk (default 1000). */
  chunkSize?: number;
  /** Characters consecutive chunks may share (default 150). */
  overlap?: number;
}

/** Why content was refused; matches the API's `ContentRefusal` reasons. */
export type ContentProblem =
  | "EMPTY"
  | "BINARY"
  | "INVALID_TEXT"
  | "INVALID_JSONL"
  | "UNSUPPORTED_MEDIA_TYPE";

/** Content that cannot be chunked; `line` (1-based) and `byteOffset` locate the problem. */
export class ChunkingError extends Error {
  override readonly name = "ChunkingError";
  constructor(
    readonly reason: ContentProblem,
    message: string,
    readonly line?: number,
    readonly byteOffset?: number,
  ) {
    super(message);
  }
}

/** `0x` + sha256 hex of the UTF-8 bytes of `text`: what a chunk records as its hash. */
export function hashChunk(text: string): string {
  return `0x${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

// C0 controls, DEL and C1 controls other than tab, line feed and carriage return: text never
// holds them, binary data nearly always does.
const CONTROL = /[^\P{Cc}\t\n\r]/u;
// With the `u` flag only UNPAIRED surrogates match: they have no UTF-8 encoding, so their
// bytes (and hash) would differ from the string.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Checks content at upload time: refuses empty or whitespace-only content, control characters
 * other than \t \n \r (binary data), lone surrogates (not encodable as UTF-8), and JSON Lines
 * with a non-empty line that is not valid JSON. Returns the problem, or null when the content
 * is fine.
 */
export function validateContent(content: string, mediaType: MediaType): ChunkingError | null {
  if (!MEDIA_TYPES.includes(mediaType)) {
    return new ChunkingError("UNSUPPORTED_MEDIA_TYPE", `Unsupported media type "${mediaType}"`);
  }
  if (content.trim() === "") return new ChunkingError("EMPTY", "Content is empty or whitespace");
  const control = CONTROL.exec(content);
  if (control) {
    const code = control[0].codePointAt(0)?.toString(16).padStart(4, "0").toUpperCase();
    return located(
      "BINARY",
      `Control character U+${code} (binary content?)`,
      content,
      control.index,
    );
  }
  const surrogate = LONE_SURROGATE.exec(content);
  if (surrogate) {
    return located("INVALID_TEXT", "Unpaired UTF-16 surrogate", content, surrogate.index);
  }
  if (mediaType === "application/x-ndjson") {
    for (const line of lines(content)) {
      // Trimmed as the chunk will be (JavaScript's trim, which also drops a BOM): JSON.parse
      // alone would refuse a UTF-8 file's leading BOM.
      const text = content.slice(line.start, line.end).trim();
      if (text === "") continue;
      try {
        JSON.parse(text);
      } catch (error) {
        const why = (error as Error).message;
        return located("INVALID_JSONL", `Not valid JSON: ${why}`, content, line.start);
      }
    }
  }
  return null;
}

function located(reason: ContentProblem, message: string, content: string, at: number) {
  const before = content.slice(0, at);
  const line = before.split("\n").length;
  const byteOffset = Buffer.byteLength(before, "utf8");
  return new ChunkingError(reason, `Line ${line}: ${message}`, line, byteOffset);
}

/** The lines of `content` as UTF-16 ranges without their `\n` or `\r\n`. */
function* lines(content: string): Generator<{ start: number; end: number }> {
  let start = 0;
  while (start <= content.length) {
    let next = content.indexOf("\n", start);
    if (next < 0) next = content.length;
    const end = next > start && content[next - 1] === "\r" ? next - 1 : next;
    yield { start, end };
    start = next + 1;
  }
}

/**
 * Splits content into overlapping chunks with LangChain's splitters: recursive on paragraphs,
 * lines, then words for text; on headings first for Markdown; for JSON Lines whole lines
 * packed up to `chunkSize` (longer lines split like text). Each chunk is then located in the content and
 * made the exact slice there (the splitters trim), so a quote from a chunk can be checked
 * against the content's bytes. Throws `ChunkingError` for content `validateContent` refuses.
 */
export async function chunkContent(
  content: string,
  mediaType: MediaType,
  options: ChunkOptions = {},
): Promise<Chunk[]> {
  const { chunkSize = 1000, overlap = 150 } = options;
  if (!Number.isInteger(chunkSize) || chunkSize < 2 || !Number.isInteger(overlap)) {
    throw new RangeError("chunkSize must be an integer >= 2 and overlap an integer");
  }
  if (overlap < 0 || overlap >= chunkSize) {
    throw new RangeError(`overlap must be in 0..chunkSize-1, got ${overlap}`);
  }
  const problem = validateContent(content, mediaType);
  if (problem) throw problem;
  const fields = { chunkSize, chunkOverlap: overlap, keepSeparator: true };
  const spans: Array<[number, number]> = [];
  if (mediaType === "application/x-ndjson") {
    const splitter = new RecursiveCharacterTextSplitter(fields);
    // Whole lines packed up to chunkSize: a file of many tiny records must not turn into as
    // many chunk rows (and embeddings) as it has lines.
    let group: [number, number] | null = null;
    for (const line of lines(content)) {
      const [start, end] = trimmed(content, line.start, line.end);
      if (start === end) continue;
      if (group && end - group[0] <= chunkSize) {
        group[1] = end;
        continue;
      }
      if (group) spans.push(group);
      group = null;
      if (end - start <= chunkSize) group = [start, end];
      else spans.push(...(await locate(splitter, content, start, end)));
    }
    if (group) spans.push(group);
  } else {
    const splitter =
      mediaType === "text/markdown"
        ? new MarkdownTextSplitter(fields)
        : new RecursiveCharacterTextSplitter(fields);
    spans.push(...(await locate(splitter, content, 0, content.length)));
  }
  const bytes = utf8Offsets(content);
  return spans.map(([start, end], index) => {
    const text = content.slice(start, end);
    return {
      index,
      text,
      startOffset: bytes[start] ?? 0,
      endOffset: bytes[end] ?? 0,
      chunkHash: hashChunk(text),
    };
  });
}

function trimmed(content: string, start: number, end: number): [number, number] {
  const text = content.slice(start, end);
  const lead = text.length - text.trimStart().length;
  if (lead === text.length) return [start, start];
  return [start + lead, end - (text.length - text.trimEnd().length)];
}

/**
 * The UTF-16 ranges, within `content[from, to)`, of the pieces the splitter returns. A piece
 * is a trimmed, contiguous slice of the region, but repeated text makes searching for it
 * ambiguous. So the splitter is run on a stand-in of the region: every character other than
 * whitespace and the splitter's separator characters is replaced by a private-use character
 * of the same UTF-16 length that encodes its position. The splitter decides only by separator
 * occurrences and lengths, so it cuts the stand-in exactly where it would cut the content, and
 * each stand-in piece occurs only at its own place.
 */
async function locate(
  splitter: RecursiveCharacterTextSplitter,
  content: string,
  from: number,
  to: number,
): Promise<Array<[number, number]>> {
  const region = standIn(content.slice(from, to), splitter.separators);
  const spans: Array<[number, number]> = [];
  let anchor = 0; // where the last position-coded piece starts
  let placed = 0; // where the last piece was placed
  for (const piece of await splitter.splitText(region)) {
    // Pieces never start before the previous one (they may start at the same place).
    let at: number;
    if (POSITION_CODED.test(piece)) {
      at = region.indexOf(piece, anchor);
      anchor = at;
    } else {
      // Only separator characters ("---", "```"): no position code, so any occurrence is
      // the same bytes; take the first in order, but never let it move the anchor.
      at = region.indexOf(piece, placed);
      if (at < 0) at = region.indexOf(piece, anchor);
    }
    if (at < 0) throw new Error("Chunker: a splitter piece is not a slice of the content");
    placed = at;
    let start = at;
    let end = at + piece.length;
    // The splitter's last resort cuts between UTF-16 units, possibly inside an emoji: widen
    // to whole code points, or the slice would not be valid UTF-8.
    if (isLowSurrogate(region, start) && isHighSurrogate(region, start - 1)) start -= 1;
    if (isHighSurrogate(region, end - 1) && isLowSurrogate(region, end)) end += 1;
    const before = spans[spans.length - 1];
    if (before && before[0] === from + start && before[1] === from + end) continue;
    spans.push([from + start, from + end]);
  }
  return spans;
}

const PRIVATE_USE = 0xe000; // U+E000..U+F8FF: 6400 BMP characters
const PRIVATE_USE_SIZE = 6400;
const SUPPLEMENTARY_PRIVATE_USE = 0xf0000; // plane 15, 65534 characters
const SUPPLEMENTARY_SIZE = 65534;

/**
 * `text` with every character that is neither whitespace (what `trim` removes) nor in a
 * separator replaced by a private-use character of the same length, numbered by position:
 * a piece could only recur 6400 characters on, and the search never has to look that far
 * (consecutive chunks start less than a chunk apart, unless a chunk is over ~6000 characters
 * or a whitespace run that long separates them; even then, what it finds is the same bytes).
 */
function standIn(text: string, separators: string[]): string {
  const kept = keptUnits(separators);
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      // A pair (content has no lone surrogates): a plane-15 private-use pair for it.
      const p = SUPPLEMENTARY_PRIVATE_USE - 0x10000 + (i % SUPPLEMENTARY_SIZE);
      units[i] = 0xd800 + (p >> 10);
      units[i + 1] = 0xdc00 + (p & 0x3ff);
      i += 1;
    } else {
      units[i] = kept[c] === 1 ? c : PRIVATE_USE + (i % PRIVATE_USE_SIZE);
    }
  }
  return UTF16.decode(units);
}
// Typed arrays use the platform's byte order.
const UTF16 = new TextDecoder(
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? "utf-16le" : "utf-16be",
);

const keptTables = new Map<string, Uint8Array>();

/** 1 for each UTF-16 unit a stand-in keeps: whitespace and the separators' characters. */
function keptUnits(separators: string[]): Uint8Array {
  const key = separators.join("\u0000");
  let kept = keptTables.get(key);
  if (!kept) {
    kept = new Uint8Array(0x10000);
    for (let c = 0; c < 0x10000; c += 1) if (isWhitespace(c)) kept[c] = 1;
    for (const separator of separators) {
      for (let i = 0; i < separator.length; i += 1) kept[separator.charCodeAt(i)] = 1;
    }
    keptTables.set(key, kept);
  }
  return kept;
}

/** What JavaScript's `\s` (and so `trim`) matches: WhiteSpace and LineTerminator. */
function isWhitespace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

// A BMP private-use character or the high surrogate of a plane-15 one.
const POSITION_CODED = /[\ue000-\uf8ff\udb80-\udbbf]/;

const isHighSurrogate = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff;
};
const isLowSurrogate = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff;
};

/** `offsets[i]` = UTF-8 byte length of `content.slice(0, i)`, for every code-unit index. */
function utf8Offsets(content: string): Uint32Array {
  const offsets = new Uint32Array(content.length + 1);
  let bytes = 0;
  for (let i = 0; i < content.length; i += 1) {
    offsets[i] = bytes;
    const c = content.charCodeAt(i);
    // Each half of a surrogate pair counts 2 of the pair's 4 bytes (content has no lone ones).
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
  }
  offsets[content.length] = bytes;
  return offsets;
}
