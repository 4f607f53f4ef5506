import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { createJsonlUsageSink } from "./index.ts";
import { sampleRecord } from "./test-records.ts";

const record = (i: number) => sampleRecord({ requestId: `req-${i}`, completionTokens: i });

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
