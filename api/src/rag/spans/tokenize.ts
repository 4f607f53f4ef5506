import type { Vocabulary } from "./vocabulary.ts";

/** One token of a text, with where it lies in the original (not the normalized) string. */
export interface Token {
  /** The normalized form matched: NFC, then lower-cased. */
  term: string;
  /** UTF-8 byte offsets into the original string, end exclusive. */
  start: number;
  end: number;
  /** UTF-16 code-unit offsets of the same token, for slicing the JS string. */
  charStart: number;
  charEnd: number;
}

// A word is a maximal run of letters, digits and combining marks (marks so that a decomposed
// "e\u0301" stays one word); any other non-whitespace code point is a token by itself.
// Whitespace only separates. The `u` flag makes an astral code point (an emoji) one token.
const TOKEN = /[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu;

/**
 * The matching form of a token. Matching is case-insensitive after Unicode NFC: "Café",
 * "CAFÉ" and "cafe\u0301" are the same term. Lower-casing (not full case folding) is what JS
 * offers without tables, so "ß" and "SS" stay different.
 */
export function normalizeTerm(raw: string): string {
  for (let i = 0; i < raw.length; i++) {
    // Only non-ASCII text can need composing; skipping ICU for ASCII is most of the speed.
    if (raw.charCodeAt(i) > 0x7f) return raw.normalize("NFC").toLowerCase();
  }
  return raw.toLowerCase();
}

/** UTF-8 length of `s[from, to)` (a lone surrogate counts 3 bytes, as U+FFFD would). */
export function utf8Length(s: string, from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** The tokens of `text` in order, each with its UTF-8 byte span in `text`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = new RegExp(TOKEN.source, TOKEN.flags);
  let byte = 0;
  let char = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const raw = m[0];
    byte += utf8Length(text, char, m.index);
    const size = utf8Length(raw, 0, raw.length);
    tokens.push({
      term: normalizeTerm(raw),
      start: byte,
      end: byte + size,
      charStart: m.index,
      charEnd: m.index + raw.length,
    });
    byte += size;
    char = m.index + raw.length;
  }
  return tokens;
}

let scratch = new Int32Array(1 << 16);

/**
 * The token ids of `text`, new terms added to `vocab`: the corpus path, which needs no offsets
 * and allocates only the result.
 */
export function encode(text: string, vocab: Vocabulary): Int32Array {
  const re = new RegExp(TOKEN.source, TOKEN.flags);
  let n = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (n === scratch.length) {
      const grown = new Int32Array(scratch.length * 2);
      grown.set(scratch);
      scratch = grown;
    }
    scratch[n++] = vocab.intern(normalizeTerm(m[0]));
  }
  return scratch.slice(0, n);
}
