// GPT-2's byte-level alphabet: every byte maps to a printable character, so any UTF-8 text is
// a string over 256 symbols and a byte-level BPE never needs an unknown token.
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  }
  return table;
})();

/** GPT-2's pre-tokenization pattern, the one a `ByteLevel` pre-tokenizer with `use_regex` uses. */
export const GPT2_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function toByteLevel(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) out += BYTE_TO_CHAR[byte];
  return out;
}
