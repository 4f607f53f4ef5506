import { extractFeatures, FEATURE_VERSION } from "./features.ts";

/**
 * Document frequencies of hashed lexical features, for query-side IDF in the hashing
 * embedder. It is a sketch: features whose hashes share a bucket add up, so a df can only be
 * over-counted (an IDF slightly too low), never under-counted.
 */
export interface DfSketch {
  /** Number of counters; a feature hash `h` counts in bucket `h % buckets`. */
  readonly buckets: number;
  /** Number of documents observed and not forgotten. */
  readonly documents: number;
  /** Counts each distinct feature of one document (chunk) once. */
  observe(text: string): void;
  /** Undoes `observe` for the same text, e.g. for content taken down. */
  forget(text: string): void;
  /** How many observed documents have a feature hashing to this bucket. */
  df(featureHash: number): number;
  /** Smoothed IDF, `ln((N + 1) / (df + 1)) + 1`: exactly 1 for every feature of an empty sketch. */
  idf(featureHash: number): number;
  /** Serialises the sketch (little-endian, versioned) for one bytea row. */
  toBuffer(): Buffer;
}

/** A sketch that could not be read back from bytes. */
export class DfSketchFormatError extends Error {
  override readonly name = "DfSketchFormatError";
}

const MAGIC = 0x31464454; // "TDF1" read as a little-endian u32
const HEADER_BYTES = 16; // magic, feature version, buckets, documents: u32 each

/** An empty sketch of `buckets` counters (default 2^18, 1 MiB serialised). */
export function createDfSketch(buckets = 2 ** 18): DfSketch {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 2 ** 28) {
    throw new RangeError(`DF sketch buckets must be an integer in 1..2^28, got ${buckets}`);
  }
  return sketchOver(new Int32Array(buckets), 0);
}

/** Reads a sketch written by `toBuffer`; refuses one written for another feature version. */
export function dfSketchFromBuffer(bytes: Uint8Array): DfSketch {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < HEADER_BYTES || view.getUint32(0, true) !== MAGIC) {
    throw new DfSketchFormatError("Not a DF sketch (bad magic)");
  }
  const version = view.getUint32(4, true);
  if (version !== FEATURE_VERSION) {
    // Counts of other features would silently skew IDF: rebuild the sketch instead.
    throw new DfSketchFormatError(
      `DF sketch was built for feature version ${version}, this embedder uses ${FEATURE_VERSION}`,
    );
  }
  const buckets = view.getUint32(8, true);
  if (bytes.byteLength !== HEADER_BYTES + buckets * 4) {
    throw new DfSketchFormatError(
      `DF sketch of ${buckets} buckets needs ${HEADER_BYTES + buckets * 4} bytes, got ${bytes.byteLength}`,
    );
  }
  const counts = new Int32Array(buckets);
  for (let i = 0; i < buckets; i += 1) counts[i] = view.getInt32(HEADER_BYTES + i * 4, true);
  return sketchOver(counts, view.getUint32(12, true));
}

function sketchOver(counts: Int32Array, initialDocuments: number): DfSketch {
  const buckets = counts.length;
  let documents = initialDocuments;
  // Distinct buckets, not distinct hashes: two features of one document sharing a bucket would
  // otherwise count that document twice there.
  const bucketsOf = (text: string) => {
    const set = new Set<number>();
    for (const h of extractFeatures(text).keys()) set.add(h % buckets);
    return set;
  };
  return {
    buckets,
    get documents() {
      return documents;
    },
    observe(text) {
      for (const b of bucketsOf(text)) counts[b] = (counts[b] ?? 0) + 1;
      documents += 1;
    },
    forget(text) {
      // Floors at zero: forgetting a text never observed must not drive counts negative.
      for (const b of bucketsOf(text)) counts[b] = Math.max(0, (counts[b] ?? 0) - 1);
      documents = Math.max(0, documents - 1);
    },
    df(featureHash) {
      return counts[featureHash % buckets] ?? 0;
    },
    idf(featureHash) {
      const df = Math.min(counts[featureHash % buckets] ?? 0, documents);
      return Math.log((documents + 1) / (df + 1)) + 1;
    },
    toBuffer() {
      const out = Buffer.alloc(HEADER_BYTES + buckets * 4);
      out.writeUInt32LE(MAGIC, 0);
      out.writeUInt32LE(FEATURE_VERSION, 4);
      out.writeUInt32LE(buckets, 8);
      out.writeUInt32LE(documents, 12);
      for (let i = 0; i < buckets; i += 1) out.writeInt32LE(counts[i] ?? 0, HEADER_BYTES + i * 4);
      return out;
    },
  };
}
