/** Symbol 0 ends a segment's text (the SA-IS sentinel); no token ever gets it. */
export const SENTINEL = 0;
/** Symbol 1 follows every document, so no match can run from one document into the next. */
export const SEPARATOR = 1;
/** The first id a token string can get. */
export const FIRST_TOKEN_ID = 2;

/**
 * Token strings to ids, shared by every segment of an index so that segments compare ids, not
 * strings. Ids are never reused or forgotten: a sealed segment may still hold any of them.
 */
export interface Vocabulary {
  /** The id of `term`, giving it the next free id when it is new. */
  intern(term: string): number;
  /** The id of `term`, or -1 when no document ever had it (-1 matches nothing). */
  lookup(term: string): number;
  /** Ids handed out so far plus the reserved ones: every id is below this. */
  readonly size: number;
  /** Estimated heap bytes held (strings and map entries). */
  bytes(): number;
}

/** V8 estimates: a sequential string's header, and a Map entry with its hash-table share. */
const STRING_HEADER_BYTES = 16;
const MAP_ENTRY_BYTES = 40;

/** An empty vocabulary; ids start at FIRST_TOKEN_ID. */
export function createVocabulary(): Vocabulary {
  const ids = new Map<string, number>();
  let next = FIRST_TOKEN_ID;
  let stringBytes = 0;
  return {
    intern(term) {
      const id = ids.get(term);
      if (id !== undefined) return id;
      ids.set(term, next);
      stringBytes += STRING_HEADER_BYTES + term.length * (isLatin1(term) ? 1 : 2);
      return next++;
    },
    lookup(term) {
      return ids.get(term) ?? -1;
    },
    get size() {
      return next;
    },
    bytes() {
      return stringBytes + ids.size * MAP_ENTRY_BYTES;
    },
  };
}

/** V8 stores a string of Latin-1 code units one byte per unit, any other two. */
function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}
