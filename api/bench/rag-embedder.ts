// A held-out study of the hashing embedder's settings and of the fusion rule (RAG_EMBEDDER=1 in
// rag.ts). Each query's FULLTEXT top 40 (production `search`) and every chunk's text are read
// from the benchmark database once; then, for each embedder variant (WordNet concepts on or off
// and how many senses, the concept and char-gram weights, the dimension), every chunk is
// embedded in memory and each query's VECTOR top 40 is an EXACT cosine scan (what HNSW
// approximates), and the fusion rules of rag-fusion.ts combine it with the FULLTEXT list.
//
// The 500 queries are split by index parity, as in rag-fusion.ts: every choice (variant, rule,
// weight) is made on the even ("tuning") half by nDCG@10, and the figures reported for the
// choices are on the odd ("test") half, which nothing was chosen on. Query-side IDF comes from
// exact document frequencies over the chunks (production uses a 2^18-bucket sketch of them).
//
// `RAG_EMBEDDER_CACHE=<file>` writes the database reads to a JSON file; `tsx bench/rag-embedder.ts
// <file>` reruns the study from it without a database.

import { readFileSync, writeFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { ConceptOptions } from "../src/rag/embeddings/concepts.ts";
import { extractFeatures, type FeatureCount } from "../src/rag/embeddings/features.ts";
import { embedFeatures, type FeatureWeights } from "../src/rag/embeddings/hashing.ts";
import { rowsOf, type SearchDeps, type SearchHit, search } from "../src/rag/search.ts";
import type { CorpusQuery } from "./rag-corpus.ts";
import { type Lists, measure, rules } from "./rag-fusion.ts";

const DEPTH = 40;
/** RAG_EMBEDDER_DIMS: comma-separated dimensions to study (default 2000). */
const STUDY_DIMENSIONS = (process.env.RAG_EMBEDDER_DIMS ?? "2000").split(",").map(Number);
const WEIGHTS = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1];

interface ChunkRow {
  contributionId: string;
  startOffset: number;
  text: string;
}

export interface StudyInput {
  queries: CorpusQuery[];
  /** Per query, FULLTEXT's top 40 as (contribution id, start offset, score). */
  text: [string, number, number][][];
  chunks: ChunkRow[];
}

/** Reads what the study needs from the benchmark database. */
export async function studyInput(deps: SearchDeps, queries: CorpusQuery[]): Promise<StudyInput> {
  const text: StudyInput["text"] = [];
  for (const q of queries) {
    const hits = await search(deps, {
      text: q.text,
      datanets: null,
      contributor: null,
      k: DEPTH,
      minScore: null,
      mode: "FULLTEXT",
    });
    text.push(
      hits.map((h) => [h.citation.contributionId.toString(), h.citation.startOffset, h.score]),
    );
  }
  const rows = rowsOf(
    await deps.db.execute(sql`
      SELECT contribution_id, start_offset, text FROM app.chunk WHERE searchable
      ORDER BY contribution_id, index`),
  );
  const chunks = rows.map((r) => ({
    contributionId: String(r.contribution_id),
    startOffset: r.start_offset,
    text: r.text,
  }));
  return { queries, text, chunks };
}

const hitOf = (contributionId: string, startOffset: number, score: number): SearchHit => ({
  score,
  text: "",
  citation: {
    contributionId: BigInt(contributionId),
    datanetId: 0n,
    contributor: "0x0000000000000000000000000000000000000000",
    startOffset,
    endOffset: 0,
    chunkHash: "",
  },
});

interface Variant {
  label: string;
  concepts: ConceptOptions | false;
  weights: FeatureWeights;
  dimensions: number;
}

const f3 = (x: number) => x.toFixed(3);

/** Runs the study; returns its Markdown lines. `log` gets progress. */
export function embedderStudy(
  input: StudyInput,
  log: (msg: string, fields?: Record<string, unknown>) => void,
): string[] {
  const { queries, chunks } = input;
  const textLists = input.text.map((list) => list.map(([c, o, s]) => hitOf(c, o, s)));
  const featureCache = new Map<
    string,
    { docs: Map<number, FeatureCount>[]; qs: Map<number, FeatureCount>[] }
  >();
  const featuresFor = (concepts: ConceptOptions | false) => {
    const key = JSON.stringify(concepts);
    let hit = featureCache.get(key);
    if (!hit) {
      hit = {
        docs: chunks.map((c) => extractFeatures(c.text, concepts)),
        qs: queries.map((q) => extractFeatures(q.text, concepts)),
      };
      featureCache.set(key, hit);
    }
    return hit;
  };
  const dfCache = new Map<string, Map<number, number>>();
  const idfFor = (concepts: ConceptOptions | false) => {
    const key = JSON.stringify(concepts);
    let df = dfCache.get(key);
    if (!df) {
      df = new Map();
      for (const doc of featuresFor(concepts).docs)
        for (const h of doc.keys()) df.set(h, (df.get(h) ?? 0) + 1);
      dfCache.set(key, df);
    }
    const n = chunks.length;
    const table = df;
    return (h: number) => Math.log((n + 1) / ((table.get(h) ?? 0) + 1)) + 1;
  };

  /** Each query's exact top 40 for variant `v`; only the queries in `only` (others empty). */
  const vectorLists = (v: Variant, only?: Set<number>): SearchHit[][] => {
    const { docs, qs } = featuresFor(v.concepts);
    const idf = idfFor(v.concepts);
    const d = v.dimensions;
    const matrix = new Float32Array(chunks.length * d);
    docs.forEach((f, i) => {
      matrix.set(embedFeatures(f, d, v.weights), i * d);
    });
    return qs.map((f, qi) => {
      if (only && !only.has(qi)) return [];
      const q = embedFeatures(f, d, v.weights, idf);
      const nz: number[] = [];
      q.forEach((x, j) => {
        if (x !== 0) nz.push(j);
      });
      const scores = new Float64Array(chunks.length);
      for (let i = 0; i < chunks.length; i += 1) {
        let s = 0;
        const base = i * d;
        for (const j of nz) s += (matrix[base + j] as number) * (q[j] as number);
        scores[i] = s;
      }
      const order = [...scores.keys()].sort(
        (a, b) => (scores[b] as number) - (scores[a] as number),
      );
      return order.slice(0, DEPTH).map((i) => {
        const c = chunks[i] as ChunkRow;
        return hitOf(c.contributionId, c.startOffset, scores[i] as number);
      });
    });
  };

  const half = (parity: number) => queries.map((_, i) => i).filter((i) => i % 2 === parity);
  const tune = half(0);
  const test = half(1);
  const on = (idx: number[], ranked: SearchHit[][]) =>
    measure(
      idx.map((i) => ranked[i] ?? []),
      idx.map((i) => queries[i] as CorpusQuery),
    );

  const base: FeatureWeights = { word: 1, bigram: 0.7, charGram: 0.3, concept: 0 };
  const variants: Variant[] = [];
  const conceptSets: (ConceptOptions | false)[] = [
    false,
    { senses: 1, hypernyms: false },
    { senses: 1, hypernyms: true },
    { senses: 2, hypernyms: true },
  ];
  // A first pass (384-d, 1024-d; concept weights 0.5 and 1; char-gram weights 0.3 and 0.1) is
  // in BENCHMARKS.md: 384-d never beat FULLTEXT fused, concepts hurt VECTOR alone at weight 1,
  // and a lower char-gram weight hurt. This grid is what it left open.
  for (const dimensions of STUDY_DIMENSIONS) {
    for (const concepts of conceptSets) {
      for (const concept of concepts ? [0.25, 0.5] : [0]) {
        for (const charGram of [0.3, 0.6]) {
          const c = concepts
            ? `${concepts.senses} sense(s)${concepts.hypernyms ? " + hypernyms" : ""}`
            : "none";
          variants.push({
            label: `${dimensions}-d, concepts ${c}, concept weight ${concept}, char-gram weight ${charGram}`,
            concepts,
            weights: { ...base, concept, charGram },
            dimensions,
          });
        }
      }
    }
  }

  interface Scored {
    v: Variant;
    vectorTune: number;
    best: { rule: string; w: number; ndcg: number };
    lists: SearchHit[][];
  }
  const scored: Scored[] = [];
  for (const v of variants) {
    const started = performance.now();
    const lists = vectorLists(v, new Set(tune));
    const both: Lists[] = lists.map((vector, i) => ({ vector, text: textLists[i] ?? [] }));
    let best = { rule: "", w: 0, ndcg: -1 };
    for (const [rule, fuse] of Object.entries(rules)) {
      for (const w of WEIGHTS) {
        const ndcg = on(
          tune,
          both.map((l) => fuse(l, w)),
        ).ndcg10;
        if (ndcg > best.ndcg) best = { rule, w, ndcg };
      }
    }
    const vectorTune = on(tune, lists).ndcg10;
    log(`embedder study: ${v.label}`, {
      vectorTuneNdcg: f3(vectorTune),
      fusedTuneNdcg: f3(best.ndcg),
      rule: best.rule,
      w: best.w,
      ms: Math.round(performance.now() - started),
    });
    scored.push({ v, vectorTune, best, lists: [] });
  }

  const lines = [
    `Embedder study (\`api/bench/rag-embedder.ts\`): ${variants.length} variants of the hashing embedder, each query's VECTOR top ${DEPTH} by an exact cosine scan in memory, fused with production FULLTEXT's top ${DEPTH}. Every choice (variant, rule, weight) made on the ${tune.length} even-index tuning queries by nDCG@10; figures on the ${test.length} odd-index held-out queries.`,
    "",
    "Tuning half, by variant (nDCG@10 of VECTOR alone, and of the best fusion rule and weight):",
    "",
    "| Variant | VECTOR nDCG@10 (tune) | fused nDCG@10 (tune) | rule | w |",
    "|---|---:|---:|---|---:|",
  ];
  const all = [...scored].sort((a, b) => b.best.ndcg - a.best.ndcg);
  for (const s of all)
    lines.push(
      `| ${s.v.label} | ${f3(s.vectorTune)} | ${f3(s.best.ndcg)} | ${s.best.rule} | ${s.best.w} |`,
    );
  const chosen = all[0] as Scored;
  const bestVector = [...scored].sort((a, b) => b.vectorTune - a.vectorTune)[0] as Scored;
  chosen.lists = vectorLists(chosen.v);
  if (bestVector !== chosen) bestVector.lists = vectorLists(bestVector.v);
  lines.push(
    "",
    `Chosen on the tuning half: **${chosen.v.label}**, fused by ${chosen.best.rule} at w = ${chosen.best.w}. Held-out half:`,
    "",
    "| Mode (held-out queries) | recall@5 | MRR@10 | nDCG@10 |",
    "|---|---:|---:|---:|",
  );
  const row = (label: string, m: ReturnType<typeof on>) =>
    lines.push(`| ${label} | ${f3(m.recall5)} | ${f3(m.mrr10)} | ${f3(m.ndcg10)} |`);
  row("FULLTEXT", on(test, textLists));
  row(`VECTOR (exact), chosen variant`, on(test, chosen.lists));
  if (bestVector.lists.length > 0 && bestVector !== chosen)
    row(`VECTOR (exact), best variant alone: ${bestVector.v.label}`, on(test, bestVector.lists));
  const fuse = rules[chosen.best.rule as keyof typeof rules];
  row(
    `HYBRID: ${chosen.best.rule}, w = ${chosen.best.w}`,
    on(
      test,
      chosen.lists.map((vector, i) => fuse({ vector, text: textLists[i] ?? [] }, chosen.best.w)),
    ),
  );
  return lines;
}

if (process.argv[1]?.endsWith("rag-embedder.ts") && process.argv[2]) {
  const input = JSON.parse(readFileSync(process.argv[2], "utf8")) as StudyInput;
  const lines = embedderStudy(input, (msg, fields = {}) =>
    console.error(JSON.stringify({ msg, ...fields })),
  );
  console.log(lines.join("\n"));
}

export const writeStudyInput = (file: string, input: StudyInput) =>
  writeFileSync(file, JSON.stringify(input));
