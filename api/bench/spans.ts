// `npx tsx api/bench/spans.ts`: the verbatim-span attribution index (api/src/rag/spans) over a
// seeded synthetic corpus: build time, bytes per token, attribute() latency on 256-token answers,
// incremental update costs, and process memory. Knobs: SPANS_TOKENS (corpus tokens, 10M),
// SPANS_VOCAB (50k), SPANS_QUERIES (per answer kind, 200), SPANS_SEED, SPANS_SEGMENT_TOKENS and
// SPANS_MERGE_FACTOR (index defaults), SPANS_FULL_MERGE=0 to skip the one-segment comparison.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createSpanIndex, type SpanIndexOptions } from "../src/rag/spans/index.ts";
import { createRandom, createWords, createZipf, randomInt } from "../src/rag/spans/synthetic.ts";

const TOKENS = Number(process.env.SPANS_TOKENS ?? 10_000_000);
const VOCAB = Number(process.env.SPANS_VOCAB ?? 50_000);
const QUERIES = Number(process.env.SPANS_QUERIES ?? 200);
const SEED = Number(process.env.SPANS_SEED ?? 1);
const FULL_MERGE = process.env.SPANS_FULL_MERGE !== "0";
const DATANETS = 8;
const options: SpanIndexOptions = {};
if (process.env.SPANS_SEGMENT_TOKENS)
  options.segmentTokens = Number(process.env.SPANS_SEGMENT_TOKENS);
if (process.env.SPANS_MERGE_FACTOR) options.mergeFactor = Number(process.env.SPANS_MERGE_FACTOR);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const memory = async () => {
  // Twice, a turn apart: array buffers freed by the first collection are released after it.
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, buffers: m.arrayBuffers };
};
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const ms = (x: number) => `${x.toFixed(2)} ms`;

const random = createRandom(SEED);
const words = createWords(VOCAB);
const zipf = createZipf(random, VOCAB);
/** One token of text: a Zipf word, sometimes capitalized or followed by punctuation. */
function nextTokens(out: string[]) {
  const w = words[zipf()] ?? "";
  out.push(random() < 0.05 ? w[0]?.toUpperCase() + w.slice(1) : w);
  const r = random();
  if (r < 0.06) out.push(",");
  else if (r < 0.1) out.push(".");
}
function randomTokens(n: number): string[] {
  const out: string[] = [];
  while (out.length < n) nextTokens(out);
  return out.slice(0, n);
}

const before = await memory();
const index = createSpanIndex(options);
/** Token lists of some documents, kept to plant passages from. */
const samples: { id: bigint; tokens: string[] }[] = [];
let docs = 0;
let added = 0;
const started = performance.now();
let nextProgress = 0;
let generateMs = 0;
let addMs = 0;
while (added < TOKENS) {
  let t0 = performance.now();
  const tokens = randomTokens(1000 + randomInt(random, 4001));
  const text = tokens.join(" ");
  const id = BigInt(++docs);
  const contributor = `0x${(docs % 997).toString(16).padStart(40, "0")}`;
  generateMs += performance.now() - t0;
  t0 = performance.now();
  index.add({ id, datanetId: BigInt(docs % DATANETS), contributor, text });
  addMs += performance.now() - t0;
  if (docs % 16 === 0 && samples.length < 512) samples.push({ id, tokens });
  added += tokens.length;
  if (added >= nextProgress) {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `\rspans: ${(added / 1e6).toFixed(1)}M / ${(TOKENS / 1e6).toFixed(1)}M tokens, ${index.stats().segments} segments, ${s} s`,
    );
    nextProgress += TOKENS / 50;
  }
  // Let background merges run between additions, as they would between requests.
  await tick();
}
index.flush();
await index.maintain();
// The index's share: the wall time less generating the synthetic text.
const buildSeconds = (performance.now() - started - generateMs) / 1000;
process.stderr.write("\n");
const built = index.stats();
const after = await memory();

function plantedAnswer() {
  const out: string[] = [];
  const planted: { id: bigint; text: string }[] = [];
  const passages = 2 + randomInt(random, 3);
  for (let k = 0; k < passages; k++) {
    out.push(...randomTokens(8 + randomInt(random, 30)));
    const sample = samples[randomInt(random, samples.length)];
    if (!sample) continue;
    const len = 10 + randomInt(random, 31);
    const from = randomInt(random, sample.tokens.length - len);
    const passage = sample.tokens.slice(from, from + len);
    planted.push({ id: sample.id, text: passage.join(" ") });
    out.push(...passage);
  }
  if (out.length < 256) out.push(...randomTokens(256 - out.length));
  return { text: out.join(" "), planted };
}

function measure(label: string) {
  const plantedMs: number[] = [];
  const freshMs: number[] = [];
  const filteredMs: number[] = [];
  const unfilteredMs: number[] = [];
  let found = 0;
  let total = 0;
  let freshSpans = 0;
  const timed = <T>(f: () => T): [T, number] => {
    const t0 = performance.now();
    const result = f();
    return [result, performance.now() - t0];
  };
  for (let q = 0; q < QUERIES + 20; q++) {
    const { text, planted } = plantedAnswer();
    const fresh = randomTokens(256).join(" ");
    const [spans, a] = timed(() => index.attribute(text));
    const [freshResult, b] = timed(() => index.attribute(fresh));
    const [, c] = timed(() => index.attribute(text, { datanets: [BigInt(q % DATANETS)] }));
    // minTokens below the n-gram filter's gram: every position searched in every segment.
    const [, d] = timed(() => index.attribute(text, { minTokens: 3 }));
    if (q < 20) continue; // warm-up
    plantedMs.push(a);
    freshMs.push(b);
    filteredMs.push(c);
    unfilteredMs.push(d);
    freshSpans += freshResult.length;
    for (const p of planted) {
      total++;
      if (
        spans.some((s) => s.text.includes(p.text) && s.contributions.some((x) => x.id === p.id))
      ) {
        found++;
      }
    }
  }
  const line = (name: string, xs: number[], extra = "") =>
    console.log(
      `${name.padEnd(48)} p50 ${ms(quantile(xs, 0.5))}, p99 ${ms(quantile(xs, 0.99))}${extra}`,
    );
  console.log(`\n## attribute(), 256-token answers, ${label} (${index.stats().segments} segments)`);
  line(
    "planted (2-4 passages of 10-40 tokens):",
    plantedMs,
    `; passages found and credited: ${found}/${total}`,
  );
  line("fresh random text:", freshMs, `; spans reported: ${freshSpans}`);
  line("both kinds:", [...plantedMs, ...freshMs]);
  line(`planted, one Datanet of ${DATANETS} allowed:`, filteredMs);
  line("planted, minTokens 3 (n-gram filter off):", unfilteredMs);
}

/**
 * Runs `op`, measuring its time and the longest the event loop went without a turn, in wall time
 * and in this process's CPU time over that gap (on a loaded machine wall time also counts time
 * the process waited for a core).
 */
async function withTicker(op: () => Promise<void>) {
  let longestBlock = 0;
  let longestCpu = 0;
  let ticking = true;
  const ticker = (async () => {
    let last = performance.now();
    let cpu = process.cpuUsage();
    while (ticking) {
      await tick();
      const now = performance.now();
      const used = process.cpuUsage(cpu);
      longestBlock = Math.max(longestBlock, now - last);
      longestCpu = Math.max(longestCpu, (used.user + used.system) / 1000);
      last = now;
      cpu = process.cpuUsage();
    }
  })();
  const t0 = performance.now();
  await op();
  const elapsed = performance.now() - t0;
  ticking = false;
  await ticker;
  return {
    ms: elapsed,
    block: `${ms(longestBlock)} wall (most CPU in one gap: ${ms(longestCpu)})`,
  };
}

console.log(
  `# span index bench: ${built.tokens.toLocaleString()} tokens, ${built.documents} documents, vocabulary ${built.vocabulary.toLocaleString()}, node ${process.version}`,
);
console.log(
  `build (add() of every doc, tiered merges between them, until settled; text generation excluded): ${buildSeconds.toFixed(1)} s, ${(built.tokens / buildSeconds / 1e6).toFixed(2)}M tokens/s, of which add() (tokenize, buffer, seal) ${(addMs / 1000).toFixed(1)} s; ${built.segments} segments`,
);
const perToken = (bytes: number) => (bytes / built.tokens).toFixed(2);
const m = built.memory;
console.log(
  `index bytes (stats): ${MiB(built.bytes)} = ${perToken(built.bytes)} bytes/token: segments ${perToken(m.segments)} (ids 4 + suffix array 4 + n-gram filter 1 + per-segment token tables + doc tables), vocabulary ${perToken(m.vocabulary)}, documents ${perToken(m.documents)}, buffer ${perToken(m.buffer)}`,
);
console.log(
  `process memory after build - before (after gc): heap ${MiB(after.heap - before.heap)}, array buffers ${MiB(after.buffers - before.buffers)}, together ${((after.heap + after.buffers - before.heap - before.buffers) / built.tokens).toFixed(2)} bytes/token; rss ${MiB(after.rss)}`,
);
measure("tiered segments");

// Incremental updates against the built index.
const doc = randomTokens(2000).join(" ");
let t = performance.now();
index.add({ id: 0n, datanetId: 0n, contributor: "0xnew", text: doc });
const addOneMs = performance.now() - t;
t = performance.now();
const firstHit = index.attribute(doc.split(" ").slice(100, 356).join(" "));
const firstQueryMs = performance.now() - t;
t = performance.now();
index.remove(samples.pop()?.id ?? 1n);
const removeMs = performance.now() - t;
console.log("\n## incremental updates");
console.log(
  `add one 2k-token doc: ${ms(addOneMs)}; the next attribute() (builds the buffer's suffix array): ${ms(firstQueryMs)} (found: ${firstHit.some((s) => s.contributions[0]?.id === 0n)})`,
);
console.log(`remove one doc: ${ms(removeMs)}`);

// A background merge: add documents until the policy wants a merge, then time it while a ticker
// measures the longest the event loop was blocked.
const segmentTokens = options.segmentTokens ?? 32_768;
const mergeFactor = options.mergeFactor ?? 8;
let fresh = 0;
while (fresh < segmentTokens * mergeFactor) {
  const tokens = randomTokens(2000);
  index.add({ id: BigInt(++docs), datanetId: 0n, contributor: "0xnew", text: tokens.join(" ") });
  fresh += tokens.length;
}
index.flush();
const segmentsBefore = index.stats().segments;
const tiered = await withTicker(() => index.maintain());
console.log(
  `background merge after ${mergeFactor} seals of ${segmentTokens} tokens: ${segmentsBefore} -> ${index.stats().segments} segments in ${ms(tiered.ms)}, longest event-loop block ${tiered.block}`,
);

if (FULL_MERGE) {
  const full = await withTicker(() => index.maintain({ full: true }));
  console.log(
    `\nmaintain({ full: true }) into one segment: ${(full.ms / 1000).toFixed(1)} s, longest event-loop block ${full.block}`,
  );
  const one = index.stats();
  console.log(`index bytes (stats): ${(one.bytes / one.tokens).toFixed(2)} bytes/token`);
  measure("one segment");
}
