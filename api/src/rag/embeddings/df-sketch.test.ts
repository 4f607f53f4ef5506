import { describe, expect, it } from "vitest";
import { createDfSketch, DfSketchFormatError, dfSketchFromBuffer } from "./df-sketch.ts";
import { hashFeature } from "./features.ts";

const word = (w: string) => hashFeature(`w:${w}`);

describe("document-frequency sketch", () => {
  it("gives uniform IDF 1 when empty", () => {
    const sketch = createDfSketch();
    expect(sketch.documents).toBe(0);
    expect(sketch.idf(word("anything"))).toBe(1);
  });

  it("counts each distinct feature once per document, and forgets", () => {
    const sketch = createDfSketch(1024);
    sketch.observe("river river river delta");
    sketch.observe("river basin");
    expect(sketch.documents).toBe(2);
    expect(sketch.df(word("river"))).toBe(2);
    expect(sketch.df(word("delta"))).toBeGreaterThanOrEqual(1);
    expect(sketch.idf(word("river"))).toBeCloseTo(Math.log(3 / 3) + 1);
    expect(sketch.idf(word("river"))).toBeLessThan(sketch.idf(word("basin")));
    sketch.forget("river basin");
    expect(sketch.documents).toBe(1);
    expect(sketch.df(word("river"))).toBe(1);
    // Forgetting what was never observed floors at zero.
    sketch.forget("river basin");
    sketch.forget("river basin");
    expect(sketch.documents).toBe(0);
    expect(sketch.df(word("basin"))).toBe(0);
  });

  it("round-trips through a buffer", () => {
    const sketch = createDfSketch(4096);
    for (const text of ["alpha beta", "beta gamma", "gamma delta épée 日本語"])
      sketch.observe(text);
    const bytes = sketch.toBuffer();
    expect(bytes.byteLength).toBe(16 + 4096 * 4);
    const back = dfSketchFromBuffer(new Uint8Array(bytes));
    expect(back.buckets).toBe(4096);
    expect(back.documents).toBe(3);
    for (const w of ["alpha", "beta", "gamma", "épée", "日本語", "absent"]) {
      expect(back.idf(word(w))).toBe(sketch.idf(word(w)));
    }
    expect(Buffer.compare(back.toBuffer(), bytes)).toBe(0);
    // The copy is independent of the original.
    back.observe("alpha");
    expect(sketch.df(word("alpha"))).toBe(1);
  });

  it("refuses bytes that are not a sketch of this feature version", () => {
    const bytes = createDfSketch(8).toBuffer();
    expect(() => dfSketchFromBuffer(bytes.subarray(0, 20))).toThrow(DfSketchFormatError);
    const otherVersion = Buffer.from(bytes);
    otherVersion.writeUInt32LE(99, 4);
    expect(() => dfSketchFromBuffer(otherVersion)).toThrow(/feature version 99/);
    expect(() => dfSketchFromBuffer(Buffer.alloc(48))).toThrow(/bad magic/);
  });
});
