// A small, deterministic byte-level BPE trainer (the algorithm of GPT-2 / HF `tokenizers`):
// count pre-tokenized words, then repeatedly merge the most frequent adjacent pair (ties: the
// lexicographically smallest), updating only the words that contain it.
import { BYTE_TO_CHAR, GPT2_SPLIT, toByteLevel } from "./byte-level.ts";

export interface TrainedBpe {
  /** Token → id: special tokens first, then the 256 byte symbols, then one token per merge. */
  vocab: Map<string, number>;
  merges: [string, string][];
}

const SEP = "\u0000";

export function trainByteLevelBpe(
  texts: Iterable<string>,
  options: { vocabSize: number; specialTokens: string[]; minFrequency?: number },
): TrainedBpe {
  const minFrequency = options.minFrequency ?? 2;
  const vocab = new Map<string, number>();
  for (const token of [...options.specialTokens, ...BYTE_TO_CHAR]) vocab.set(token, vocab.size);

  const wordCounts = new Map<string, number>();
  for (const text of texts) {
    for (const match of text.matchAll(GPT2_SPLIT)) {
      const word = toByteLevel(match[0]);
      wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
    }
  }
  const words = [...wordCounts.keys()].sort();
  const counts = words.map((w) => wordCounts.get(w) ?? 0);
  const symbols = words.map((w) => Array.from(w));

  const pairCounts = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  const addPairs = (wordIndex: number, sign: 1 | -1) => {
    const s = symbols[wordIndex] ?? [];
    const count = (counts[wordIndex] ?? 0) * sign;
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i] + SEP + s[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      if (sign > 0) {
        const set = pairWords.get(key) ?? new Set<number>();
        pairWords.set(key, set);
        set.add(wordIndex);
      }
    }
  };
  for (let i = 0; i < words.length; i++) addPairs(i, 1);

  const merges: [string, string][] = [];
  while (vocab.size < options.vocabSize) {
    let bestKey = "";
    let bestCount = minFrequency - 1;
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && count >= minFrequency && key < bestKey)) {
        bestKey = key;
        bestCount = count;
      }
    }
    if (bestKey === "") break;
    const [left = "", right = ""] = bestKey.split(SEP);
    const merged = left + right;
    merges.push([left, right]);
    if (!vocab.has(merged)) vocab.set(merged, vocab.size);
    for (const wordIndex of pairWords.get(bestKey) ?? []) {
      addPairs(wordIndex, -1);
      const s = symbols[wordIndex] ?? [];
      const next: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (s[i] === left && s[i + 1] === right) {
          next.push(merged);
          i++;
        } else next.push(s[i] ?? "");
      }
      symbols[wordIndex] = next;
      addPairs(wordIndex, 1);
    }
    pairCounts.delete(bestKey);
    pairWords.delete(bestKey);
  }
  return { vocab, merges };
}
