import { describe, expect, it } from "vitest";
import { createDfSketch } from "./df-sketch.ts";
import { DEFAULT_HASHING_DIMENSIONS, embedTextSync, HashingEmbeddings } from "./hashing.ts";

const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

describe("hashing embeddings", () => {
  it("is deterministic across instances and matches the sync path", async () => {
    const text = "Rivers carry sediment to the delta; café 日本語 😀";
    const [a] = await new HashingEmbeddings().embedDocuments([text]);
    const [b] = await new HashingEmbeddings().embedDocuments([text]);
    expect(a).toHaveLength(DEFAULT_HASHING_DIMENSIONS);
    expect(a).toEqual(b);
    expect(embedTextSync(text)).toEqual(a);
  });

  it("returns unit vectors of the configured dimension, zero for a text with no words", async () => {
    const embeddings = new HashingEmbeddings({ dimensions: 64 });
    const [doc] = await embeddings.embedDocuments(["one two three two"]);
    const query = await embeddings.embedQuery("two");
    expect(doc).toHaveLength(64);
    expect(norm(doc ?? [])).toBeCloseTo(1, 12);
    expect(norm(query)).toBeCloseTo(1, 12);
    expect(embedTextSync("?! …", { dimensions: 8 })).toEqual(new Array(8).fill(0));
    expect(() => new HashingEmbeddings({ dimensions: 0 })).toThrow(RangeError);
  });

  it("puts related texts closer than unrelated ones", async () => {
    const embeddings = new HashingEmbeddings();
    const [cat, kitten, revenue] = await embeddings.embedDocuments([
      "The cat sat on the warm mat by the fire.",
      "A cat was sitting on a mat near the fireplace.",
      "Quarterly revenue grew by twelve percent year over year.",
    ]);
    const query = await embeddings.embedQuery("cats sitting on mats");
    expect(dot(query, cat ?? [])).toBeGreaterThan(dot(query, revenue ?? []));
    expect(dot(cat ?? [], kitten ?? [])).toBeGreaterThan(dot(cat ?? [], revenue ?? []));
  });

  it("weighs a rare shared term above a common one once the corpus is observed", async () => {
    // Both documents share exactly one word with the query, of the same length.
    const common = "report alpha bravo";
    const rare = "zephyr gamma delta";
    const query = "report zephyr";
    const sketch = createDfSketch();
    const embeddings = new HashingEmbeddings({ dfSketch: sketch });
    const [commonVec, rareVec] = await embeddings.embedDocuments([common, rare]);
    const margin = async () => {
      const q = await embeddings.embedQuery(query);
      return dot(q, rareVec ?? []) - dot(q, commonVec ?? []);
    };
    const before = await margin();
    for (let i = 0; i < 20; i += 1) sketch.observe(`quarterly report number ${i}`);
    sketch.observe(common);
    sketch.observe(rare);
    const after = await margin();
    expect(after).toBeGreaterThan(0.1);
    expect(after).toBeGreaterThan(before + 0.1);
    // Document vectors ignore the sketch: stored vectors never go stale.
    const [again] = await embeddings.embedDocuments([common]);
    expect(again).toEqual(commonVec);
  });
});
