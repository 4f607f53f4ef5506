import { describe, expect, it } from "vitest";
import { createRandom, randomInt } from "./synthetic.ts";
import { encode, normalizeTerm, tokenize, utf8Length } from "./tokenize.ts";
import { createVocabulary } from "./vocabulary.ts";

/** The bytes each token covers, decoded: must be the token's own original text. */
function slices(text: string) {
  const bytes = Buffer.from(text, "utf8");
  return tokenize(text).map((t) => bytes.subarray(t.start, t.end).toString("utf8"));
}

describe("tokenize", () => {
  it("splits words, punctuation and symbols; skips whitespace", () => {
    expect(tokenize("Hello, world! x2\tfoo-bar\n\n(ok)").map((t) => t.term)).toEqual([
      "hello",
      ",",
      "world",
      "!",
      "x2",
      "foo",
      "-",
      "bar",
      "(",
      "ok",
      ")",
    ]);
  });

  it("gives UTF-8 byte offsets into the original string (é, emoji, CJK, combining marks)", () => {
    const text = "Café 😀 déjà\u00a0vu — 日本語 e\u0301t\u00e9!";
    expect(slices(text)).toEqual([
      "Café",
      "😀",
      "déjà",
      "vu",
      "—",
      "日本語",
      "e\u0301t\u00e9",
      "!",
    ]);
    const [cafe, emoji, deja] = tokenize(text);
    expect(cafe).toMatchObject({ start: 0, end: 5, charStart: 0, charEnd: 4 });
    expect(emoji).toMatchObject({ start: 6, end: 10, charStart: 5, charEnd: 7 });
    expect(deja).toMatchObject({ start: 11, end: 17 });
  });

  it("normalizes NFC and case: composed and decomposed, upper and lower, are one term", () => {
    expect(normalizeTerm("CAFE\u0301")).toBe("café");
    expect(normalizeTerm("Café")).toBe("café");
    expect(tokenize("ÉCOLE école e\u0301cole").map((t) => t.term)).toEqual([
      "école",
      "école",
      "école",
    ]);
  });

  it("encode gives the same ids as tokenize's terms", () => {
    const vocab = createVocabulary();
    const text = "The cat, the CAT; le chat — 猫 🐈";
    const ids = Array.from(encode(text, vocab));
    expect(ids).toEqual(tokenize(text).map((t) => vocab.lookup(t.term)));
    expect(ids[0]).toBe(ids[3]);
    expect(ids[1]).toBe(ids[4]);
    expect(ids[2]).not.toBe(ids[5]);
    expect(vocab.lookup("never seen")).toBe(-1);
  });

  it("utf8Length agrees with Buffer.byteLength on random strings", () => {
    const random = createRandom(3);
    const pool = ["a", "é", "€", "😀", "日", " ", "\u0301", "\ud800"];
    for (let trial = 0; trial < 500; trial++) {
      let s = "";
      const n = randomInt(random, 20);
      for (let i = 0; i < n; i++) s += pool[randomInt(random, pool.length)];
      expect(utf8Length(s, 0, s.length)).toBe(Buffer.byteLength(s, "utf8"));
    }
  });
});
