// `npm run bench:agents`: what the agents runtime adds over a direct pool call. One stack
// (anvil, indexer, pool with the demo-preset model on the CPU backend, API in this process),
// the demo agent invoked through GraphQL with a voucher, against the same prompt sent straight
// to the pool (the runtime's own `buildPrompt` over the same retrieved hits) with the same
// ensemble, temperature 0 and token budget. Retrieval is timed apart, in process. Then
// invocations per second with a few clients in flight. Progress on stderr, Markdown on stdout.
//
// Knobs: AGENTS_BENCH_CALLS (60), AGENTS_BENCH_TOKENS (16), AGENTS_BENCH_SECONDS (15),
// AGENTS_BENCH_CONCURRENCY (4).
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { buildPrompt, signVoucher } from "@tributary/agents";
import { devnetAccount } from "@tributary/contracts";
import { AGENTS_CALLER_KEY, startAgentsStack } from "../test/agents-stack.ts";
import { sessionFor } from "../test/helpers.ts";

const CALLS = Number(process.env.AGENTS_BENCH_CALLS ?? 60);
const TOKENS = Number(process.env.AGENTS_BENCH_TOKENS ?? 16);
const SECONDS = Number(process.env.AGENTS_BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.AGENTS_BENCH_CONCURRENCY ?? 4);
const log = (message: string) => process.stderr.write(`[bench:agents] ${message}\n`);
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const ms = (v: number) => v.toFixed(1);

const demoDir = path.resolve(import.meta.dirname, "..", "..", "demo");
const spec = JSON.parse(readFileSync(path.join(demoDir, "agents", "demo-agent.json"), "utf8"));

log("starting anvil, indexer, pool (demo-preset model, CPU) and API");
const s = await startAgentsStack("embedded");
try {
  const operator = await sessionFor(s, "operator");
  const payer = await sessionFor(s, "payer");
  await s.gql(
    `mutation($spec: JSON!) { createAgent(spec: $spec, minStake: "1") { __typename } }`,
    { spec },
    operator,
  );
  const account = devnetAccount("payer");
  const expiry = BigInt(Math.floor(Date.now() / 1000) + 86_400);
  const cap = 10n ** 24n;
  const signature = await signVoucher(account, {
    chainId: s.anvil.chainId,
    settlement: s.deployment.contracts.AttributionSettlement.address,
    cumulativeAmount: cap,
    expiry,
  });
  const voucher = {
    payer: account.address,
    cumulativeAmount: cap.toString(),
    expiry: expiry.toString(),
    signature,
  };
  const question = "How does Tributary serve many LoRA adapters at once?";
  const messages = [{ role: "user" as const, content: question }];
  let sequence = 0;
  const invoke = async () => {
    const started = performance.now();
    const response = await s.gql(
      `mutation($r: String!, $i: AgentInput!, $v: VoucherInput!) { invokeAgent(agentId: "1", requestId: $r, input: $i, voucher: $v) {
        __typename ... on MutationInvokeAgentSuccess { data { tokensOut } } ... on Error { message } } }`,
      { r: `bench-${sequence++}`, i: { messages, maxTokens: TOKENS, temperature: 0 }, v: voucher },
      payer,
    );
    const outcome = response.data?.invokeAgent;
    if (outcome?.__typename !== "MutationInvokeAgentSuccess")
      throw new Error(JSON.stringify(response));
    return { ms: performance.now() - started, tokens: outcome.data.tokensOut as number };
  };

  // The same prompt, straight to the pool: the spec's retrieval, the runtime's prompt builder.
  const rag = s.api.services.rag;
  const search = () =>
    rag.search(null, {
      text: question,
      datanets: spec.retrieval.datanets.map(BigInt),
      contributor: null,
      k: spec.retrieval.k,
      minScore: spec.retrieval.minScore,
      mode: spec.retrieval.mode,
    });
  const hits = await search();
  const prompt = buildPrompt(spec.systemPrompt, hits, [], messages);
  const models = (await (await fetch(`${s.poolUrl}/v1/models`)).json()) as {
    data: { id: string; kind: string; adapter_id?: string }[];
  };
  const base = models.data.find((m) => m.kind === "base")?.id;
  // The pool names adapters by content hash: the registry's, read through the API.
  const ensemble: { id: string; weight: number }[] = [];
  for (const member of spec.ensemble as { adapter: string; weight: number }[]) {
    const { data } = await s.gql(`query($id: BigInt!) { model(modelId: $id) { contentHash } }`, {
      id: member.adapter,
    });
    ensemble.push({ id: data.model.contentHash.replace(/^0x/, ""), weight: member.weight });
  }
  const direct = async () => {
    const started = performance.now();
    const response = await fetch(`${s.poolUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${AGENTS_CALLER_KEY}` },
      body: JSON.stringify({
        model: base,
        adapters: ensemble,
        messages: prompt,
        max_tokens: TOKENS,
        temperature: 0,
      }),
    });
    const body = (await response.json()) as { usage?: { completion_tokens: number } };
    if (!response.ok) throw new Error(JSON.stringify(body));
    return { ms: performance.now() - started, tokens: body.usage?.completion_tokens ?? 0 };
  };

  log(`warming up; then ${CALLS} sequential calls of each kind, ${TOKENS} tokens, temperature 0`);
  for (let i = 0; i < 5; i++) await Promise.all([invoke(), direct(), search()]);
  const invocations: number[] = [];
  const directs: number[] = [];
  const retrievals: number[] = [];
  const tokens = { invoked: 0, direct: 0 };
  for (let i = 0; i < CALLS; i++) {
    const a = await invoke();
    const b = await direct();
    const started = performance.now();
    await search();
    retrievals.push(performance.now() - started);
    invocations.push(a.ms);
    directs.push(b.ms);
    tokens.invoked += a.tokens;
    tokens.direct += b.tokens;
    if (i % 10 === 9) log(`${i + 1}/${CALLS}`);
  }
  const added = invocations.map((v, i) => v - (directs[i] ?? 0));
  const runtime = s.api.services.agents.runtime();
  const phases = Object.entries(runtime.phaseStats()).map(
    ([phase, { ms, calls }]) => `| ${phase} | ${(ms / calls).toFixed(2)} |`,
  );

  const throughput = async (call: () => Promise<unknown>) => {
    const deadline = performance.now() + SECONDS * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < deadline) {
          await call();
          done++;
        }
      }),
    );
    return done / SECONDS;
  };
  log(`throughput: ${CONCURRENCY} clients for ${SECONDS} s each`);
  const invokePerS = await throughput(invoke);
  const directPerS = await throughput(direct);

  const rows = [
    ["agent invocation (GraphQL mutation, end to end)", invocations],
    ["direct pool call (same prompt, ensemble, budget)", directs],
    ["added by the runtime (pairwise difference)", added],
    ["of which retrieval (hybrid search, in process)", retrievals],
  ] as const;
  process.stdout.write(
    [
      `Machine: ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores, load average ${loadavg()
        .map((v) => v.toFixed(1))
        .join(" ")} at the end; Node ${process.version}.`,
      `Command: \`npm run bench:agents\` (${CALLS} calls of each kind, ${TOKENS} output tokens, temperature 0; mean tokens: invoked ${(tokens.invoked / CALLS).toFixed(1)}, direct ${(tokens.direct / CALLS).toFixed(1)}; ${hits.length} sources in the prompt).`,
      "",
      "| latency, ms | p50 | p99 |",
      "| --- | ---: | ---: |",
      ...rows.map(
        ([name, values]) =>
          `| ${name} | ${ms(quantile([...values], 0.5))} | ${ms(quantile([...values], 0.99))} |`,
      ),
      "",
      "Where a call's time goes inside the runtime (mean ms per call over every call of the run, warm-up included; `generate` is the pool's streaming call):",
      "",
      "| phase | mean ms |",
      "| --- | ---: |",
      ...phases,
      "",
      `Throughput with ${CONCURRENCY} clients in flight for ${SECONDS} s: ${invokePerS.toFixed(2)} invocations/s through the agents runtime, ${directPerS.toFixed(2)} direct pool calls/s.`,
      "",
    ].join("\n"),
  );
} finally {
  await s.stop();
}
