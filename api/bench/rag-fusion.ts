// A held-out study of how the two single modes are fused (RAG_FUSION=1 in rag.ts). Each query's
// top 40 of VECTOR and of FULLTEXT (production `search`) are fetched once; fusion rules are then
// scored offline. The queries are split in two by index parity: a rule's weight is chosen on
// the even ("tuning") half by nDCG@10, and every figure reported is on the odd ("test") half, so
// no weight is chosen on the queries it is judged by.
//
// Rules: RRF (k = 60) with the vector list weighted w (w = 1 was production until 2026-12-05),
// and score fusion (each list's scores min-max normalised per query, w · vector + (1 − w) · text;
// production HYBRID since, at the w that rag-embedder.ts chose on the tuning half).
import {
  HYBRID_VECTOR_WEIGHT,
  type SearchDeps,
  type SearchHit,
  search,
} from "../src/rag/search.ts";
import type { CorpusQuery } from "./rag-corpus.ts";

const DEPTH = 40;
const WEIGHTS = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1];

export interface Lists {
  vector: SearchHit[];
  text: SearchHit[];
}

interface Measures {
  recall5: number;
  mrr10: number;
  ndcg10: number;
}

const keyOf = (hit: SearchHit) => `${hit.citation.contributionId}:${hit.citation.startOffset}`;

export function measure(ranked: SearchHit[][], queries: CorpusQuery[]): Measures {
  const m = { recall5: 0, mrr10: 0, ndcg10: 0 };
  queries.forEach((q, i) => {
    const rank =
      (ranked[i] ?? [])
        .slice(0, 10)
        .findIndex((h) => h.citation.contributionId === BigInt(q.relevant)) + 1;
    if (rank === 0) return;
    if (rank <= 5) m.recall5 += 1;
    m.mrr10 += 1 / rank;
    m.ndcg10 += 1 / Math.log2(rank + 1);
  });
  const n = Math.max(1, queries.length);
  return { recall5: m.recall5 / n, mrr10: m.mrr10 / n, ndcg10: m.ndcg10 / n };
}

type Rule = (lists: Lists, w: number) => SearchHit[];

const rrf: Rule = ({ vector, text }, w) => {
  const fused = new Map<string, { hit: SearchHit; score: number }>();
  const add = (list: SearchHit[], weight: number) =>
    list.forEach((hit, i) => {
      const entry = fused.get(keyOf(hit)) ?? { hit, score: 0 };
      entry.score += weight / (60 + i + 1);
      fused.set(keyOf(hit), entry);
    });
  add(vector, w);
  add(text, 1);
  return [...fused.values()].sort((a, b) => b.score - a.score).map((e) => e.hit);
};

const scoreFusion: Rule = ({ vector, text }, w) => {
  const normalised = (list: SearchHit[]) => {
    const scores = list.map((h) => h.score);
    const lo = Math.min(...scores);
    const span = Math.max(...scores) - lo || 1;
    return new Map(list.map((h) => [keyOf(h), { hit: h, s: (h.score - lo) / span }]));
  };
  const v = normalised(vector);
  const t = normalised(text);
  const keys = new Set([...v.keys(), ...t.keys()]);
  return [...keys]
    .map((key) => ({
      hit: (v.get(key) ?? t.get(key))?.hit as SearchHit,
      score: w * (v.get(key)?.s ?? 0) + (1 - w) * (t.get(key)?.s ?? 0),
    }))
    .sort((a, b) => b.score - a.score)
    .map((e) => e.hit);
};

/** The fusion rules studied, by name (the vector list's weight is their second argument). */
export const rules = { "weighted RRF": rrf, "min-max score fusion": scoreFusion } as const;

const f3 = (x: number) => x.toFixed(3);

/** The study's Markdown lines. */
export async function fusionStudy(deps: SearchDeps, queries: CorpusQuery[]): Promise<string[]> {
  const lists: Lists[] = [];
  for (const q of queries) {
    const ask = (mode: "VECTOR" | "FULLTEXT") =>
      search(deps, {
        text: q.text,
        datanets: null,
        contributor: null,
        k: DEPTH,
        minScore: null,
        mode,
      });
    lists.push({ vector: await ask("VECTOR"), text: await ask("FULLTEXT") });
  }
  const half = (parity: number) => {
    const idx = queries.map((_, i) => i).filter((i) => i % 2 === parity);
    return {
      queries: idx.map((i) => queries[i] as CorpusQuery),
      lists: idx.map((i) => lists[i] as Lists),
    };
  };
  const tune = half(0);
  const test = half(1);
  const on = (set: ReturnType<typeof half>, f: (l: Lists) => SearchHit[]) =>
    measure(set.lists.map(f), set.queries);
  const lines = [
    `Fusion study (\`api/bench/rag-fusion.ts\`): ${tune.queries.length} tuning queries (even index) choose each rule's vector weight w by nDCG@10; the figures are on the ${test.queries.length} held-out test queries (odd index).`,
    "",
    "| Rule | w (tuned) | recall@5 | MRR@10 | nDCG@10 |",
    "|---|---:|---:|---:|---:|",
  ];
  const row = (label: string, w: string, m: Measures) =>
    lines.push(`| ${label} | ${w} | ${f3(m.recall5)} | ${f3(m.mrr10)} | ${f3(m.ndcg10)} |`);
  row(
    "FULLTEXT",
    "–",
    on(test, (l) => l.text),
  );
  row(
    "VECTOR",
    "–",
    on(test, (l) => l.vector),
  );
  row(
    "equal-weight RRF (k = 60; production HYBRID until 2026-12-05)",
    "1",
    on(test, (l) => rrf(l, 1)),
  );
  row(
    "HYBRID, production (min-max score fusion)",
    String(HYBRID_VECTOR_WEIGHT),
    on(test, (l) => scoreFusion(l, HYBRID_VECTOR_WEIGHT)),
  );
  const sweep: string[] = [];
  for (const [label, rule] of [
    ["RRF, vector weighted", rrf],
    ["score fusion (min-max)", scoreFusion],
  ] as const) {
    let best = { w: 0, ndcg: -1 };
    for (const w of WEIGHTS) {
      const ndcg = on(tune, (l) => rule(l, w)).ndcg10;
      sweep.push(`${label} w ${w}: tuning nDCG ${f3(ndcg)}`);
      if (ndcg > best.ndcg) best = { w, ndcg };
    }
    row(
      label,
      String(best.w),
      on(test, (l) => rule(l, best.w)),
    );
  }
  lines.push("", `Tuning sweep: ${sweep.join("; ")}.`);
  return lines;
}
