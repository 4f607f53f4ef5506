// One usage record per request, written by the pool process itself (never by a worker), so a
// worker crash cannot lose it. Later issues build attribution receipts on these records.
import { open } from "node:fs/promises";
import type { AdapterWeight } from "../engine/protocol.ts";

export interface UsageRecord {
  requestId: string;
  createdAt: string;
  endpoint: "completions" | "chat.completions";
  model: string;
  baseModel: string;
  adapters: AdapterWeight[];
  payer: string | null;
  agent: string | null;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  ttftMs: number | null;
  worker: string | null;
  /** The worker attempts it took: more than 1 when a worker died before streaming a token. */
  attempts: number;
  stream: boolean;
  finishReason: string | null;
  status: "ok" | "error" | "cancelled";
  error: { code: string; message: string } | null;
}

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
