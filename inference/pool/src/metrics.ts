// Prometheus metrics of one pool (its own registry, so several pools can share a process).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: "pool_requests_total",
      help: "HTTP generation requests by endpoint and outcome",
      labelNames: ["endpoint", "status"] as const,
      registers,
    }),
    tokens: new Counter({
      name: "pool_tokens_total",
      help: "Tokens processed, by kind (prompt, completion); rate() gives tokens/s",
      labelNames: ["kind"] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: "pool_worker_queue_depth",
      help: "Requests in flight on each worker",
      labelNames: ["worker"] as const,
      registers,
    }),
    ttft: new Histogram({
      name: "pool_ttft_seconds",
      help: "Time from request arrival to the first token",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    duration: new Histogram({
      name: "pool_request_duration_seconds",
      help: "Time from request arrival to its last byte",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    adapterLoad: new Histogram({
      name: "pool_adapter_load_seconds",
      help: "Latency of loading an adapter into a worker's host cache",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    adapterHitRate: new Gauge({
      name: "pool_adapter_cache_hit_rate",
      help: "Engine adapter pool hit rate per worker (from the engine's stats)",
      labelNames: ["worker"] as const,
      registers,
    }),
    workerRestarts: new Counter({
      name: "pool_worker_restarts_total",
      help: "Engine workers restarted after exiting or hanging",
      labelNames: ["worker"] as const,
      registers,
    }),
    workerRetries: new Counter({
      name: "pool_request_retries_total",
      help: "Requests retried on another worker because theirs died before streaming",
      registers,
    }),
    usageRecords: new Counter({
      name: "pool_usage_records_total",
      help: "Usage records written to the sink",
      registers,
    }),
  };
}

export type PoolMetrics = ReturnType<typeof createMetrics>;
