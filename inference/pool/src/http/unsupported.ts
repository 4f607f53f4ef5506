// OpenAI request parameters the pool does not implement are refused with a 400 naming them,
// never silently ignored; their default (neutral) values are accepted, since clients such as
// LangChain's ChatOpenAI send some of them unasked. A parameter OpenAI does not define is
// refused too, as OpenAI refuses it ("Unrecognized request argument").
import { InvalidRequestError } from "../errors.ts";

type Body = Record<string, unknown>;
/** True when the value asks for nothing the pool does not do. */
type Neutral = (value: unknown) => boolean;

const absent: Neutral = (v) => v === undefined || v === null;
const emptyList: Neutral = (v) => absent(v) || (Array.isArray(v) && v.length === 0);
const emptyObject: Neutral = (v) =>
  absent(v) ||
  (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0);
const zero: Neutral = (v) => absent(v) || v === 0;
const one: Neutral = (v) => absent(v) || v === 1;
const oneOf =
  (...values: unknown[]): Neutral =>
  (v) =>
    absent(v) || values.includes(v);
/** Hints and labels that change no token (abuse-monitoring ids, prompt-cache keys). */
const anyString: Neutral = (v) => absent(v) || typeof v === "string";

/** What each unimplemented parameter accepts, and why the rest is refused. */
const UNIMPLEMENTED: Record<string, { neutral: Neutral; why: string }> = {
  tools: { neutral: emptyList, why: "the pool does not implement tool calls" },
  tool_choice: { neutral: oneOf("none"), why: "the pool does not implement tool calls" },
  parallel_tool_calls: {
    neutral: (v) => absent(v) || typeof v === "boolean",
    why: "must be a boolean",
  },
  functions: { neutral: emptyList, why: "the pool does not implement function calls" },
  function_call: { neutral: oneOf("none"), why: "the pool does not implement function calls" },
  response_format: {
    neutral: (v) => absent(v) || (v as { type?: unknown })?.type === "text",
    why: 'only `{"type": "text"}` is supported (no JSON mode or schemas)',
  },
  presence_penalty: { neutral: zero, why: "penalties are not implemented: only 0" },
  frequency_penalty: { neutral: zero, why: "penalties are not implemented: only 0" },
  logit_bias: { neutral: emptyObject, why: "logit bias is not implemented" },
  n: { neutral: one, why: "only `n` = 1 is supported" },
  best_of: { neutral: one, why: "only `best_of` = 1 is supported" },
  top_logprobs: {
    neutral: zero,
    why: "only the sampled token's log-probability is reported: `top_logprobs` must be 0",
  },
  echo: { neutral: oneOf(false), why: "`echo` is not implemented" },
  suffix: { neutral: oneOf(""), why: "`suffix` (insertion) is not implemented" },
  store: { neutral: oneOf(false), why: "the pool stores no completions" },
  metadata: {
    neutral: (v) =>
      absent(v) ||
      (typeof v === "object" &&
        !Array.isArray(v) &&
        Object.values(v as object).every((x) => typeof x === "string")),
    why: "must be an object of strings (a label for stored completions; it names no payer)",
  },
  modalities: {
    neutral: (v) => absent(v) || (Array.isArray(v) && v.every((m) => m === "text")),
    why: "only text output is supported",
  },
  audio: { neutral: absent, why: "audio output is not implemented" },
  prediction: { neutral: absent, why: "predicted outputs are not implemented" },
  reasoning_effort: { neutral: absent, why: "the model has no reasoning settings" },
  verbosity: { neutral: absent, why: "`verbosity` is not implemented" },
  web_search_options: { neutral: absent, why: "web search is not implemented" },
  service_tier: { neutral: oneOf("auto", "default"), why: "the pool has one service tier" },
  user: { neutral: anyString, why: "must be a string" },
  safety_identifier: { neutral: anyString, why: "must be a string" },
  prompt_cache_key: { neutral: anyString, why: "must be a string" },
  prompt_cache_retention: { neutral: anyString, why: "must be a string" },
};

/** What the pool implements (params.ts, models.ts), per endpoint; `adapters` is its own. */
const IMPLEMENTED = {
  common: [
    "model",
    "adapters",
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "stop",
    "stream",
    "stream_options",
    "logprobs",
  ],
  chat: ["messages", "max_completion_tokens"],
  completions: ["prompt"],
};

const CHAT_ONLY = new Set([
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "functions",
  "function_call",
  "response_format",
  "top_logprobs",
  "store",
  "metadata",
  "modalities",
  "audio",
  "prediction",
  "reasoning_effort",
  "verbosity",
  "web_search_options",
  "service_tier",
  "safety_identifier",
  "prompt_cache_key",
  "prompt_cache_retention",
]);
const COMPLETIONS_ONLY = new Set(["best_of", "echo", "suffix"]);

export function refuseUnsupported(body: Body, chat: boolean): void {
  const implemented = new Set([
    ...IMPLEMENTED.common,
    ...(chat ? IMPLEMENTED.chat : IMPLEMENTED.completions),
  ]);
  for (const [name, value] of Object.entries(body)) {
    if (implemented.has(name)) continue;
    const rule = UNIMPLEMENTED[name];
    const elsewhere = chat ? COMPLETIONS_ONLY.has(name) : CHAT_ONLY.has(name);
    if (!rule || elsewhere) {
      throw new InvalidRequestError(
        `Unrecognized request argument supplied: ${name}`,
        name,
        "unknown_parameter",
      );
    }
    if (!rule.neutral(value)) {
      throw new InvalidRequestError(
        `Unsupported parameter \`${name}\`: ${rule.why}`,
        name,
        "unsupported_parameter",
      );
    }
  }
}
