// Runs one completion through the engine pool and answers it the OpenAI way: a JSON body, or
// an SSE stream of chunks ending in `data: [DONE]`. Either way exactly one usage record is
// written, whatever happens to the worker or the client.
import { randomUUID } from "node:crypto";
import type { AdapterWeight, DoneEvent, TokenEvent } from "../engine/protocol.ts";
import { type EnginePool, GenerationFailure } from "../engine-pool.ts";
import { PoolError, toPoolError } from "../errors.ts";
import type { UsageRecord, UsageSink } from "../metering/index.ts";
import type { UsageLedger } from "../metering/ledger.ts";
import type { PoolMetrics } from "../metrics.ts";
import type { ModelTokenizer } from "../tokenizer/index.ts";
import type { SamplingParams } from "./params.ts";
import { createStopMatcher } from "./stop.ts";

export interface CompletionContext {
  pool: EnginePool;
  tokenizer: ModelTokenizer | null;
  sink: UsageSink;
  ledger: UsageLedger;
  metrics: PoolMetrics;
  requestTimeoutMs: number;
  log: (level: "info" | "warn" | "error", fields: object, message: string) => void;
}

export interface CompletionJob {
  endpoint: UsageRecord["endpoint"];
  model: string;
  baseModel: string;
  adapters: AdapterWeight[];
  promptTokens: number[];
  maxTokens: number;
  sampling: SamplingParams;
  /** The authenticated caller's name and its (reserved) request id. */
  caller: string;
  requestId: string;
  clientSignal: AbortSignal;
}

interface TokenLogprob {
  token: string;
  logprob: number;
}

const encoder = new TextEncoder();
const sse = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);

export async function runCompletion(ctx: CompletionContext, job: CompletionJob): Promise<Response> {
  const chat = job.endpoint === "chat.completions";
  const id = `${chat ? "chatcmpl" : "cmpl"}-${randomUUID().replaceAll("-", "")}`;
  const created = Math.floor(Date.now() / 1000);
  const started = performance.now();
  const { sampling } = job;
  const { tokenizer } = ctx;
  const cancel = new AbortController();
  const onClientAbort = () => cancel.abort();
  job.clientSignal.addEventListener("abort", onClientAbort, { once: true });

  // Text is needed token by token only to stream it or to watch for stop strings; otherwise
  // the whole completion is decoded once at the end (less CPU taken from the engine).
  const incremental = sampling.stream || sampling.stop.length > 0;
  const decoder = incremental ? tokenizer?.streamDecoder() : undefined;
  const completionTokens: number[] = [];
  const matcher = createStopMatcher(sampling.stop);
  let stoppedByString = false;
  let text = "";
  const logprobs: TokenLogprob[] = [];
  let firstTokenAt: number | null = null;

  // Streaming plumbing: chunks go out as they are made; the Response is returned once the
  // first token (or the end) is known, so errors before it still get a proper HTTP status.
  let streamController: ReadableStreamDefaultController<Uint8Array> | null = null;
  let streamClosed = false;
  const body = sampling.stream
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          streamController = controller;
        },
        cancel() {
          streamClosed = true;
          cancel.abort();
        },
      })
    : null;
  const write = (data: unknown) => {
    if (streamClosed || !streamController) return;
    try {
      streamController.enqueue(data === "[DONE]" ? encoder.encode("data: [DONE]\n\n") : sse(data));
    } catch {
      streamClosed = true;
    }
  };
  const closeStream = () => {
    if (streamClosed || !streamController) return;
    streamClosed = true;
    try {
      streamController.close();
    } catch {}
  };

  const chunk = (choice: object, usage?: object) => ({
    id,
    object: chat ? "chat.completion.chunk" : "text_completion",
    created,
    model: job.model,
    choices: [{ index: 0, ...choice }],
    ...(usage ? { usage } : {}),
  });
  const logprobsOf = (entries: TokenLogprob[]) =>
    !sampling.logprobs
      ? null
      : chat
        ? {
            content: entries.map((e) => ({
              token: e.token,
              logprob: e.logprob,
              bytes: [...encoder.encode(e.token)],
              // `top_logprobs` > 0 is refused (params.ts): the engine reports the sampled
              // token's log-probability only.
              top_logprobs: [],
            })),
          }
        : {
            tokens: entries.map((e) => e.token),
            token_logprobs: entries.map((e) => e.logprob),
            top_logprobs: entries.map((e) => ({ [e.token]: e.logprob })),
            text_offset: [],
          };
  const emitText = (piece: string, entries: TokenLogprob[]) => {
    text += piece;
    if (!sampling.stream || (piece === "" && entries.length === 0)) return;
    if (chat) {
      write(
        chunk({ delta: { content: piece }, logprobs: logprobsOf(entries), finish_reason: null }),
      );
    } else {
      write(chunk({ text: piece, logprobs: logprobsOf(entries), finish_reason: null }));
    }
  };

  let resolveFirst: () => void = () => {};
  const firstEvent = new Promise<void>((resolve) => {
    resolveFirst = resolve;
  });

  function onToken(token: TokenEvent) {
    if (firstTokenAt === null) {
      firstTokenAt = performance.now();
      if (sampling.stream && chat) {
        write(
          chunk({ delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }),
        );
      }
      resolveFirst();
    }
    if (stoppedByString) return;
    const entry = sampling.logprobs
      ? [
          {
            token: tokenizer ? tokenizer.decode([token.token]) : String(token.token),
            logprob: token.logprob ?? 0,
          },
        ]
      : [];
    logprobs.push(...entry);
    if (!incremental) {
      completionTokens.push(token.token);
      return;
    }
    const piece = decoder ? decoder.push(token.token) : "";
    const { text: out, stopped } = matcher.push(piece);
    emitText(out, entry);
    if (stopped) {
      stoppedByString = true;
      cancel.abort();
    }
  }

  const generation = ctx.pool.generate(
    {
      prompt_tokens: job.promptTokens,
      adapters: job.adapters,
      max_tokens: job.maxTokens,
      temperature: sampling.temperature,
      top_p: sampling.topP,
      ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
      stop_token_ids: tokenizer ? [...tokenizer.stopTokenIds] : [],
      logprobs: sampling.logprobs,
      signal: cancel.signal,
      timeoutMs: ctx.requestTimeoutMs,
    },
    onToken,
  );

  const finish = generation.then(
    async (result) => {
      const done: DoneEvent = result.done;
      const clientGone = job.clientSignal.aborted || streamClosed;
      const timedOut = done.finish_reason === "cancelled" && !stoppedByString && !clientGone;
      if (!incremental && tokenizer) text = tokenizer.decode(completionTokens);
      if (!stoppedByString && decoder) emitText(matcher.push(decoder.flush()).text, []);
      if (!stoppedByString) emitText(matcher.flush(), []);
      const finishReason = stoppedByString
        ? "stop"
        : done.finish_reason === "cancelled"
          ? null
          : done.finish_reason;
      const usage = {
        prompt_tokens: done.usage.prompt_tokens,
        completion_tokens: done.usage.completion_tokens,
        total_tokens: done.usage.prompt_tokens + done.usage.completion_tokens,
      };
      void meter({
        worker: result.worker,
        attempts: result.attempts,
        promptTokens: usage.prompt_tokens,
        completionTokens: usage.completion_tokens,
        ttftMs: done.ttft_ms,
        finishReason: finishReason ?? "cancelled",
        status: timedOut || clientGone ? "cancelled" : "ok",
        error: timedOut ? { code: "request_timeout", message: "the request timed out" } : null,
      });
      ctx.metrics.tokens.inc({ kind: "prompt" }, usage.prompt_tokens);
      ctx.metrics.tokens.inc({ kind: "completion" }, usage.completion_tokens);
      if (done.ttft_ms !== null) ctx.metrics.ttft.observe(done.ttft_ms / 1000);
      if (timedOut)
        throw new PoolError("the request timed out", 504, "request_timeout", "retryable");
      return { finishReason: finishReason ?? "length", usage };
    },
    async (failure: unknown) => {
      const error = toPoolError(failure instanceof GenerationFailure ? failure.cause : failure);
      const clientGone = job.clientSignal.aborted || streamClosed;
      void meter({
        worker: failure instanceof GenerationFailure ? failure.worker : null,
        attempts: failure instanceof GenerationFailure ? failure.attempts : 1,
        promptTokens: job.promptTokens.length,
        completionTokens: failure instanceof GenerationFailure ? failure.streamed : 0,
        ttftMs: firstTokenAt === null ? null : firstTokenAt - started,
        finishReason: null,
        status: clientGone ? "cancelled" : "error",
        error: { code: error.code, message: error.message },
      });
      throw error;
    },
  );

  async function meter(
    fields: Pick<
      UsageRecord,
      | "worker"
      | "attempts"
      | "promptTokens"
      | "completionTokens"
      | "ttftMs"
      | "finishReason"
      | "status"
      | "error"
    >,
  ) {
    const record: UsageRecord = {
      requestId: job.requestId,
      completionId: id,
      caller: job.caller,
      createdAt: new Date(created * 1000).toISOString(),
      endpoint: job.endpoint,
      model: job.model,
      baseModel: job.baseModel,
      adapters: job.adapters,
      latencyMs: performance.now() - started,
      stream: sampling.stream,
      ...fields,
    };
    ctx.metrics.requests.inc({ endpoint: job.endpoint, status: record.status });
    ctx.metrics.duration.observe(record.latencyMs / 1000);
    job.clientSignal.removeEventListener("abort", onClientAbort);
    // Into the ledger before anything awaits: once the client has the answer's end, the signed
    // record can be fetched.
    ctx.ledger
      .add(record)
      .catch((error) =>
        ctx.log(
          "error",
          { requestId: job.requestId, err: String(error) },
          "usage record not signed",
        ),
      );
    try {
      await ctx.sink.record(record);
      ctx.metrics.usageRecords.inc();
    } catch (error) {
      ctx.log(
        "error",
        { requestId: job.requestId, err: String(error), record },
        "usage record not written",
      );
    }
  }

  if (!sampling.stream) {
    const { finishReason, usage } = await finish;
    const choice = chat
      ? {
          index: 0,
          message: { role: "assistant", content: text, refusal: null },
          logprobs: logprobsOf(logprobs),
          finish_reason: finishReason,
        }
      : { index: 0, text, logprobs: logprobsOf(logprobs), finish_reason: finishReason };
    return Response.json({
      id,
      object: chat ? "chat.completion" : "text_completion",
      created,
      model: job.model,
      choices: [choice],
      usage,
      system_fingerprint: null,
    });
  }

  // Errors before the first token become HTTP errors; after it, an SSE error event.
  let failedEarly: unknown = null;
  await Promise.race([
    firstEvent,
    finish.then(
      () => {},
      (error) => {
        failedEarly = error;
      },
    ),
  ]);
  if (failedEarly && firstTokenAt === null) {
    streamClosed = true;
    throw failedEarly;
  }
  finish.then(
    ({ finishReason, usage }) => {
      if (chat) write(chunk({ delta: {}, logprobs: null, finish_reason: finishReason }));
      else write(chunk({ text: "", logprobs: null, finish_reason: finishReason }));
      if (sampling.includeUsage) write({ ...chunk({}), choices: [], usage });
      write("[DONE]");
      closeStream();
    },
    (error: PoolError) => {
      write(error.toJSON());
      closeStream();
    },
  );
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
