import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { createJsonlUsageSink, type UsageRecord } from "./index.ts";

const record = (i: number): UsageRecord => ({
  requestId: `cmpl-${i}`,
  createdAt: new Date(0).toISOString(),
  endpoint: "completions",
  model: "tiny:alpha",
  baseModel: "tiny",
  adapters: [{ id: "ab".repeat(32), weight: 1 }],
  payer: null,
  agent: null,
  promptTokens: 3,
  completionTokens: i,
  latencyMs: 1,
  ttftMs: 0.5,
  worker: "worker-0",
  attempts: 1,
  stream: false,
  finishReason: "length",
  status: "ok",
  error: null,
});

it("appends one durable JSON line per record, in order, across reopenings", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "tributary-usage-"));
  const file = path.join(dir, "usage.jsonl");
  try {
    const sink = await createJsonlUsageSink(file);
    await Promise.all([1, 2, 3].map((i) => sink.record(record(i))));
    await sink.close();
    const again = await createJsonlUsageSink(file);
    await again.record(record(4));
    await again.close();
    const lines = (await readFile(file, "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.completionTokens)).toEqual([1, 2, 3, 4]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
