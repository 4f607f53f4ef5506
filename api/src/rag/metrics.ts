import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface RagMetrics {
  ingested: Counter<"result">;
  chunks: Counter;
  searches: Histogram<"mode">;
  spanQueries: Histogram;
}

/** RAG's Prometheus metrics on the server's registry; gauges read their source when scraped. */
export function createRagMetrics(
  registry: Registry | undefined,
  sources: {
    queueSize: () => number;
    spanStats: () => { tokens: number; documents: number; segments: number; bytes: number };
  },
): RagMetrics {
  const registers = registry ? [registry] : [];
  new Gauge({
    name: "tributary_api_ingest_queue_size",
    help: "Uploads waiting or being ingested",
    registers,
    collect() {
      this.set(sources.queueSize());
    },
  });
  const span = (name: string, help: string, key: "tokens" | "documents" | "segments" | "bytes") =>
    new Gauge({
      name: `tributary_api_span_index_${name}`,
      help,
      registers,
      collect() {
        this.set(sources.spanStats()[key]);
      },
    });
  span("tokens", "Tokens of Accepted content in the verbatim-span index", "tokens");
  span("documents", "Contributions in the verbatim-span index", "documents");
  span("segments", "Segments of the verbatim-span index", "segments");
  span("bytes", "Memory held by the verbatim-span index", "bytes");
  return {
    ingested: new Counter({
      name: "tributary_api_ingested_documents_total",
      help: "Contribution contents ingested, by result",
      labelNames: ["result"],
      registers,
    }),
    chunks: new Counter({
      name: "tributary_api_ingested_chunks_total",
      help: "Chunks stored",
      registers,
    }),
    searches: new Histogram({
      name: "tributary_api_search_duration_seconds",
      help: "search latency by mode",
      labelNames: ["mode"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    spanQueries: new Histogram({
      name: "tributary_api_attribute_spans_duration_seconds",
      help: "attributeSpans latency",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    }),
  };
}
