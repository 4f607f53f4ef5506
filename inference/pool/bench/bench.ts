// `npm run bench:pool`: one request mix, run directly over the engine protocol and through the
// pool's HTTP API against the same kind of engine worker, in one process, alternating phases.
// Reports the pool's added latency (p50) and its throughput relative to the engine alone.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { createStaticRegistry } from "../src/adapters/registry.ts";
import type { GenerateParams } from "../src/engine/protocol.ts";
import { spawnEngineWorker } from "../src/engine/worker.ts";
import { createMemoryUsageSink } from "../src/metering/index.ts";
import { DEFAULT_ENGINE_BINARY, startPoolService } from "../src/service.ts";
import { writeDemoTokenizer } from "../src/tokenizer/demo-tokenizer.ts";

const run = promisify(execFile);
const ENGINE = process.env.TRIBUTARY_ENGINE_BIN ?? DEFAULT_ENGINE_BINARY;
const GEN = path.join(path.dirname(ENGINE), "tributary-gen");
const PRESET = process.env.BENCH_PRESET ?? "demo";
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 48);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 24);
const CONCURRENCY = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Sample {
  latencyMs: number;
  completionTokens: number;
}

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function runMix(
  mix: GenerateParams[],
  concurrency: number,
  send: (params: GenerateParams) => Promise<number>,
) {
  const samples: Sample[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < mix.length) {
        const params = mix[next++] as GenerateParams;
        const t0 = performance.now();
        const completionTokens = await send(params);
        samples.push({ latencyMs: performance.now() - t0, completionTokens });
      }
    }),
  );
  const wallS = (performance.now() - started) / 1000;
  const tokens = samples.reduce((sum, s) => sum + s.completionTokens, 0);
  return {
    p50: percentile(
      samples.map((s) => s.latencyMs),
      0.5,
    ),
    p90: percentile(
      samples.map((s) => s.latencyMs),
      0.9,
    ),
    tokensPerS: tokens / wallS,
  };
}

const dir = await mkdtemp(path.join(tmpdir(), "tributary-pool-bench-"));
try {
  const modelDir = path.join(dir, "model");
  await run(GEN, ["model", "--preset", PRESET, "--seed", "1", "--out", modelDir]);
  await writeDemoTokenizer(modelDir);
  const adapters: { id: string; dir: string }[] = [];
  for (let i = 0; i < 4; i++) {
    const adapterDir = path.join(dir, `adapter-${i}`);
    const { stdout } = await run(GEN, [
      "adapter",
      "--model",
      modelDir,
      "--out",
      adapterDir,
      "--rank",
      "8",
      "--targets",
      "all",
      "--seed",
      String(100 + i),
    ]);
    adapters.push({ id: stdout.trim().split(/\s+/)[0] ?? "", dir: adapterDir });
  }
  // The mix: base model, single adapters and two-adapter ensembles; prompts of 16–64 tokens.
  const mix: GenerateParams[] = Array.from({ length: REQUESTS }, (_, i) => {
    const prompt_tokens = Array.from(
      { length: 16 + ((i * 13) % 49) },
      (_, j) => 4 + ((i * 97 + j * 31) % 3000),
    );
    const kind = i % 4;
    const a = adapters[i % adapters.length]?.id ?? "";
    const b = adapters[(i + 1) % adapters.length]?.id ?? "";
    const selected =
      kind === 0
        ? []
        : kind === 3
          ? [
              { id: a, weight: 0.6 },
              { id: b, weight: 0.4 },
            ]
          : [{ id: a, weight: 1 }];
    return { prompt_tokens, adapters: selected, max_tokens: MAX_TOKENS, temperature: 0 };
  });

  const engineOptions = { max_num_seqs: 16 };
  const worker = spawnEngineWorker({ binary: ENGINE, name: "direct" });
  await worker.loadModel(modelDir, engineOptions);
  for (const a of adapters) await worker.request("load_adapter", { path: a.dir, adapter_id: a.id });
  // The pool adds the tokenizer's stop ids; so does the direct path, for the same work.
  const stopTokenIds = [2];
  const direct = async (params: GenerateParams) => {
    const done = await worker.generate({ ...params, stop_token_ids: stopTokenIds }, () => {}).done;
    return done.usage.completion_tokens;
  };

  const service = await startPoolService({
    modelDir,
    workers: 1,
    engineBinary: ENGINE,
    engineOptions,
    registry: createStaticRegistry(
      adapters.map((a) => ({ id: a.id, name: a.id, uri: `file://${a.dir}` })),
    ),
    adapters: adapters.map((a) => ({ uri: `file://${a.dir}`, id: a.id })),
    storeDir: path.join(dir, "store"),
    port: 0,
    sink: createMemoryUsageSink(),
    logger: pino({ level: "silent" }),
  });
  const model = path.basename(modelDir);
  const viaPool = async (params: GenerateParams) => {
    const response = await fetch(`${service.url}/v1/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${service.callerKeys.agents}`,
      },
      body: JSON.stringify({
        model,
        prompt: params.prompt_tokens,
        adapters: params.adapters,
        max_tokens: params.max_tokens,
        temperature: 0,
      }),
    });
    const body = (await response.json()) as { usage: { completion_tokens: number } };
    if (!response.ok) throw new Error(JSON.stringify(body));
    return body.usage.completion_tokens;
  };

  // Warm both paths (adapter slots, JIT) before measuring.
  await runMix(mix.slice(0, 8), 4, direct);
  await runMix(mix.slice(0, 8), 4, viaPool);

  // Added latency, paired: each request runs alone directly and through the pool back to back
  // (alternating which goes first), so load from other processes hits both sides alike.
  const directMs: number[] = [];
  const poolMs: number[] = [];
  const addedMs: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    for (const [i, params] of mix.entries()) {
      const time = async (send: typeof direct) => {
        const t0 = performance.now();
        await send(params);
        return performance.now() - t0;
      };
      const poolFirst = (i + pass) % 2 === 1;
      const p = poolFirst ? await time(viaPool) : 0;
      const d = await time(direct);
      const q = poolFirst ? p : await time(viaPool);
      directMs.push(d);
      poolMs.push(q);
      addedMs.push(q - d);
    }
  }
  // Throughput under load: the whole mix at concurrency 8, alternating rounds; ratio per round.
  const ratios: number[] = [];
  const tput = { direct: [] as number[], pool: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const d = await runMix(mix, CONCURRENCY, direct);
    const p = await runMix(mix, CONCURRENCY, viaPool);
    tput.direct.push(d.tokensPerS);
    tput.pool.push(p.tokensPerS);
    ratios.push(p.tokensPerS / d.tokensPerS);
  }
  await service.stop();
  await worker.close();

  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const f = (n: number) => n.toFixed(2);
  console.log(
    `pool bench: preset ${PRESET}, ${REQUESTS} requests x ${MAX_TOKENS} tokens (greedy; base, adapter, 2-adapter ensemble), 1 engine worker, ${os.cpus().length} x ${cpu}, load average ${os.loadavg()[0]?.toFixed(1)}, node ${process.version}`,
  );
  console.log("| measure | engine direct | through the pool | pool - engine |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| latency p50, one request at a time (ms) | ${f(percentile(directMs, 0.5))} | ${f(percentile(poolMs, 0.5))} | ${f(percentile(addedMs, 0.5))} (median of paired differences) |`,
  );
  console.log(
    `| throughput at concurrency ${CONCURRENCY} (completion tok/s, median of ${ROUNDS} rounds) | ${percentile(tput.direct, 0.5).toFixed(0)} | ${percentile(tput.pool, 0.5).toFixed(0)} | ratio ${(percentile(ratios, 0.5) * 100).toFixed(1)}% (median of per-round ratios) |`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
