// A usage record with fixed values, for the metering tests.
import type { UsageRecord } from "./usage.ts";

export const sampleRecord = (over: Partial<UsageRecord> = {}): UsageRecord => ({
  requestId: "run-7:call.1",
  completionId: "chatcmpl-abc",
  caller: "agents",
  createdAt: "2026-01-02T03:04:05.000Z",
  endpoint: "chat.completions",
  model: "tiny:alpha",
  baseModel: "tiny",
  adapters: [{ id: "ab".repeat(32), weight: 0.5 }],
  promptTokens: 12,
  completionTokens: 7,
  latencyMs: 10.25,
  ttftMs: null,
  worker: "worker-0",
  attempts: 1,
  stream: false,
  finishReason: "length",
  status: "ok",
  error: null,
  ...over,
});
