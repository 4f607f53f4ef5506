// One usage record per request, written by the pool process itself (never by a worker), so a
// worker crash cannot lose it; signed by the pool (usage.ts) and kept by the ledger (ledger.ts).
import { open } from "node:fs/promises";
import type { UsageRecord } from "./usage.ts";

export type { SignedUsageRecord, UsageRecord } from "./usage.ts";

export interface UsageSink {
  /** Resolves once the record is durable (as durable as the sink can make it). */
  record(record: UsageRecord): Promise<void>;
  close(): Promise<void>;
}

export function createMemoryUsageSink(): UsageSink & { records: UsageRecord[] } {
  const records: UsageRecord[] = [];
  return {
    records,
    async record(record) {
      records.push(record);
    },
    async close() {},
  };
}

/** Appends one JSON line per record and fsyncs it before `record` resolves. */
export async function createJsonlUsageSink(file: string): Promise<UsageSink> {
  const handle = await open(file, "a");
  let tail: Promise<void> = Promise.resolve();
  return {
    record(record) {
      const line = `${JSON.stringify(record)}\n`;
      tail = tail.then(async () => {
        await handle.appendFile(line, "utf8");
        await handle.datasync();
      });
      return tail;
    },
    async close() {
      await tail.catch(() => {});
      await handle.close();
    },
  };
}
