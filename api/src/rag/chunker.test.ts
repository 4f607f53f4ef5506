import { createHash } from "node:crypto";
import { MarkdownTextSplitter, RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import { describe, expect, it } from "vitest";
import { type Chunk, ChunkingError, chunkContent, hashChunk, validateContent } from "./chunker.ts";

/** Every chunk is the exact byte slice of the content it claims, with that slice's hash. */
function expectVerbatim(content: string, chunks: Chunk[]) {
  const bytes = Buffer.from(content, "utf8");
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    const slice = bytes.subarray(chunk.startOffset, chunk.endOffset);
    expect(chunk.text).toBe(slice.toString("utf8"));
    expect(Buffer.compare(Buffer.from(chunk.text, "utf8"), slice)).toBe(0);
    expect(chunk.chunkHash).toBe(hashChunk(chunk.text));
    expect(chunk.chunkHash).toMatch(/^0x[0-9a-f]{64}$/);
  });
}

const words = (n: number, make: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => make(i)).join(" ");

describe("chunkContent", () => {
  it("keeps a short text whole, trimmed, with byte offsets", async () => {
    const content = "  \nCafé au lait ☕ 日本語.\n\n";
    const chunks = await chunkContent(content, "text/plain");
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ text: "Café au lait ☕ 日本語.", startOffset: 3 });
    // é 2 bytes, ☕ 3, each kanji 3: 19 characters, 27 bytes.
    expect(chunks[0]?.endOffset).toBe(3 + Buffer.byteLength("Café au lait ☕ 日本語."));
    expect(chunks[0]?.chunkHash).toBe(
      `0x${createHash("sha256").update(Buffer.from("Café au lait ☕ 日本語.")).digest("hex")}`,
    );
    expectVerbatim(content, chunks);
  });

  it("splits long multi-byte text into overlapping verbatim chunks", async () => {
    const content = words(400, (i) => `mot${i} élan 日本語${i % 7} 🚀`);
    const chunks = await chunkContent(content, "text/plain", { chunkSize: 200, overlap: 60 });
    expect(chunks.length).toBeGreaterThan(10);
    expectVerbatim(content, chunks);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(200);
    for (let i = 1; i < chunks.length; i += 1) {
      const [prev, next] = [chunks[i - 1] as Chunk, chunks[i] as Chunk];
      expect(next.startOffset).toBeGreaterThan(prev.startOffset);
      expect(next.startOffset).toBeLessThan(prev.endOffset); // they overlap
    }
    expect(chunks[chunks.length - 1]?.endOffset).toBe(Buffer.byteLength(content));
  });

  it("never cuts an emoji or CJK run in half, even without any spaces", async () => {
    const content = "😀日本語🎉".repeat(120); // no separator at all: the splitter cuts anywhere
    const chunks = await chunkContent(content, "text/plain", { chunkSize: 101, overlap: 13 });
    expect(chunks.length).toBeGreaterThan(3);
    expectVerbatim(content, chunks);
    for (const chunk of chunks) expect(chunk.text).not.toMatch(/\p{Cs}/u);
    expect(chunks[0]?.startOffset).toBe(0);
    expect(chunks[chunks.length - 1]?.endOffset).toBe(Buffer.byteLength(content));
  });

  it("locates repeated text at successive places", async () => {
    const content = Array.from({ length: 30 }, () => "same words again").join("\n\n");
    const chunks = await chunkContent(content, "text/plain", { chunkSize: 40, overlap: 0 });
    expectVerbatim(content, chunks);
    const starts = chunks.map((c) => c.startOffset);
    expect(new Set(starts).size).toBe(starts.length);
    expect(chunks[chunks.length - 1]?.endOffset).toBe(Buffer.byteLength(content));
  });

  it("covers every non-space character, for seeded random texts of every type", async () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const vocabulary = ["the", "data", "é", "日本語", "🚀", "naïve", "x", "ab", "## H", "- item"];
    const gaps = [" ", " ", " ", "\n", "\n\n", "  ", "\t"];
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T;
    for (let round = 0; round < 12; round += 1) {
      const parts: string[] = [];
      for (let i = 0; i < 300; i += 1) parts.push(pick(vocabulary), pick(gaps));
      const text = parts.join("");
      const jsonl = text
        .split("\n")
        .map((line) => (line.trim() ? JSON.stringify({ line }) : line))
        .join("\n");
      const chunkSize = 20 + Math.floor(random() * 200);
      const overlap = Math.floor(random() * (chunkSize / 2));
      for (const [content, type] of [
        [text, "text/plain"],
        [text, "text/markdown"],
        [jsonl, "application/x-ndjson"],
      ] as const) {
        const chunks = await chunkContent(content, type, { chunkSize, overlap });
        expectVerbatim(content, chunks);
        const covered = new Uint8Array(Buffer.byteLength(content));
        for (const c of chunks) covered.fill(1, c.startOffset, c.endOffset);
        // A Markdown piece of separator characters only ("---") may sit at any of its copies.
        const free = type === "text/markdown" ? " \n\t\r#`*-_" : " \n\t\r";
        Buffer.from(content).forEach((b, i) => {
          if (!free.includes(String.fromCharCode(b))) expect(covered[i]).toBe(1);
        });
      }
    }
  });

  it("chunks exactly as LangChain's splitters do, only located", async () => {
    const content = words(
      600,
      (i) => ["the", "data\n", "é", "## H\n\n", "x", "日本語"][i % 6] ?? "",
    );
    for (const [type, splitter] of [
      ["text/plain", new RecursiveCharacterTextSplitter({ chunkSize: 90, chunkOverlap: 30 })],
      ["text/markdown", new MarkdownTextSplitter({ chunkSize: 90, chunkOverlap: 30 })],
    ] as const) {
      const expected = await splitter.splitText(content);
      const chunks = await chunkContent(content, type, { chunkSize: 90, overlap: 30 });
      expect(chunks.map((c) => c.text)).toEqual(expected);
    }
  });

  it("splits Markdown on headings first", async () => {
    const section = (title: string) =>
      `## ${title}\n\n${words(30, (i) => `${title.toLowerCase()}${i} — ünïcödé`)}\n`;
    const content = `# Guide\n\nIntro ✨ text.\n\n${section("Alpha")}\n${section("Beta")}\n${section("Gamma")}`;
    const chunks = await chunkContent(content, "text/markdown", { chunkSize: 500, overlap: 50 });
    expectVerbatim(content, chunks);
    const headed = chunks.filter((c) => c.text.startsWith("## "));
    expect(headed.map((c) => c.text.split("\n")[0])).toEqual(["## Alpha", "## Beta", "## Gamma"]);
  });

  it("packs whole JSON lines up to chunkSize, splitting only long lines", async () => {
    const long = JSON.stringify({ text: words(80, (i) => `donnée${i}`) });
    const content = `{"a":"é"}\r\n\n  {"b":[1,2,"日本"]}  \n${long}\n`;
    const chunks = await chunkContent(content, "application/x-ndjson", {
      chunkSize: 120,
      overlap: 20,
    });
    expectVerbatim(content, chunks);
    expect(chunks[0]?.text).toBe('{"a":"é"}\r\n\n  {"b":[1,2,"日本"]}');
    const rest = chunks.slice(1);
    expect(rest.length).toBeGreaterThan(3);
    expect(rest[0]?.text.startsWith('{"text":"donnée0')).toBe(true);
    expect(rest[rest.length - 1]?.text.endsWith('"}')).toBe(true);
  });

  it("does not turn many tiny records into as many chunks", async () => {
    const content = `${Array.from({ length: 5000 }, (_, i) => `{"i":${i}}`).join("\n")}\n`;
    const chunks = await chunkContent(content, "application/x-ndjson");
    expectVerbatim(content, chunks);
    expect(chunks.length).toBeLessThan(Buffer.byteLength(content) / 900);
    for (const chunk of chunks) for (const line of chunk.text.split(/\r?\n/)) JSON.parse(line);
  });

  it("refuses invalid JSON Lines naming the line", async () => {
    const error = await chunkContent('{"ok":1}\n\n{"broken":\n', "application/x-ndjson").catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChunkingError);
    expect(error).toMatchObject({ reason: "INVALID_JSONL", line: 3, byteOffset: 10 });
    expect((error as Error).message).toMatch(/^Line 3: Not valid JSON/);
  });

  it("refuses bad options", async () => {
    await expect(chunkContent("x", "text/plain", { chunkSize: 100, overlap: 100 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe("validateContent", () => {
  it("accepts text with tabs, CRLF, a BOM and any script", () => {
    expect(validateContent("\uFEFFa\tb\r\nc 日本語 😀", "text/plain")).toBeNull();
    expect(validateContent('\uFEFF{"a":1}\n\n[2]\n', "application/x-ndjson")).toBeNull();
  });

  it.each([
    ["", "EMPTY"],
    [" \n\t\r\n ", "EMPTY"],
    ["abc\u0000def", "BINARY"],
    ["ok\n\u001b[31mred", "BINARY"],
    ["c1 \u0085 control", "BINARY"],
    ["lone \ud83d surrogate", "INVALID_TEXT"],
    ["swapped \ude00\ud83d", "INVALID_TEXT"],
  ])("refuses %j as %s", (content, reason) => {
    expect(validateContent(content, "text/plain")?.reason).toBe(reason);
  });

  it("locates the problem by line and UTF-8 byte offset", () => {
    const problem = validateContent("é\n日本\u0007", "text/markdown");
    expect(problem).toMatchObject({ reason: "BINARY", line: 2, byteOffset: 9 });
    expect(problem?.message).toContain("U+0007");
    expect(validateContent("x", "text/html" as never)?.reason).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(validateContent("[1]\nnot json", "application/x-ndjson")).toMatchObject({
      reason: "INVALID_JSONL",
      line: 2,
    });
  });
});
