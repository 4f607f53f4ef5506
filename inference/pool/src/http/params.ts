// Validation of OpenAI request bodies into what the pool needs. Every rejection names the
// offending parameter, as OpenAI's errors do.
import { InvalidRequestError } from "../errors.ts";
import type { ChatMessage, ModelTokenizer } from "../tokenizer/index.ts";
import { refuseUnsupported } from "./unsupported.ts";

export interface SamplingParams {
  maxTokens: number | null;
  temperature: number;
  topP: number;
  seed: number | undefined;
  stop: string[];
  logprobs: boolean;
  stream: boolean;
  includeUsage: boolean;
}

type Body = Record<string, unknown>;

function optionalNumber(body: Body, name: string, min: number, max: number, fallback: number) {
  const value = body[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidRequestError(`\`${name}\` must be a number in [${min}, ${max}]`, name);
  }
  return value;
}

function optionalInteger(body: Body, name: string, min: number, max: number) {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidRequestError(`\`${name}\` must be an integer in [${min}, ${max}]`, name);
  }
  return value;
}

export function parseSampling(body: Body, chat: boolean): SamplingParams {
  refuseUnsupported(body, chat);
  const maxName =
    chat && body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
  const maxTokens = optionalInteger(body, maxName, 1, 2 ** 31 - 1);
  const temperature = optionalNumber(body, "temperature", 0, 2, 1);
  const topP = optionalNumber(body, "top_p", Number.MIN_VALUE, 1, 1);
  const seed = optionalInteger(body, "seed", 0, Number.MAX_SAFE_INTEGER) ?? undefined;
  let stop: string[] = [];
  if (typeof body.stop === "string") stop = [body.stop];
  else if (Array.isArray(body.stop)) stop = body.stop;
  else if (body.stop != null)
    throw new InvalidRequestError("`stop` must be a string or an array", "stop");
  if (stop.length > 4 || stop.some((s) => typeof s !== "string" || s === "")) {
    throw new InvalidRequestError("`stop` takes up to 4 non-empty strings", "stop");
  }
  let logprobs = false;
  if (chat) {
    if (body.logprobs != null && typeof body.logprobs !== "boolean") {
      throw new InvalidRequestError("`logprobs` must be a boolean", "logprobs");
    }
    logprobs = body.logprobs === true;
  } else {
    logprobs = (optionalInteger(body, "logprobs", 0, 1) ?? null) !== null;
  }
  if (body.stream != null && typeof body.stream !== "boolean") {
    throw new InvalidRequestError("`stream` must be a boolean", "stream");
  }
  const streamOptions = parseStreamOptions(body.stream_options);
  return {
    maxTokens,
    temperature,
    topP,
    seed,
    stop,
    logprobs,
    stream: body.stream === true,
    includeUsage: streamOptions.includeUsage,
  };
}

function parseStreamOptions(value: unknown): { includeUsage: boolean } {
  if (value == null) return { includeUsage: false };
  const invalid = (message: string) => new InvalidRequestError(message, "stream_options");
  if (typeof value !== "object" || Array.isArray(value))
    throw invalid("`stream_options` must be an object");
  const options = value as Record<string, unknown>;
  for (const [name, option] of Object.entries(options)) {
    // `include_obfuscation` pads chunks against length side channels; the pool sends no padding,
    // which changes no token, so either value is accepted.
    if (name !== "include_usage" && name !== "include_obfuscation") {
      throw invalid(`\`stream_options.${name}\` is not supported`);
    }
    if (option != null && typeof option !== "boolean") {
      throw invalid(`\`stream_options.${name}\` must be a boolean`);
    }
  }
  return { includeUsage: options.include_usage === true };
}

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((t) => Number.isInteger(t));
}

export function completionPrompt(body: Body, tokenizer: ModelTokenizer | null): number[] {
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && !isTokenArray(prompt)) prompt = prompt[0];
  if (isTokenArray(prompt)) return prompt;
  if (typeof prompt !== "string") {
    throw new InvalidRequestError(
      "`prompt` must be a string or an array of token ids (one prompt per request)",
      "prompt",
    );
  }
  if (!tokenizer)
    throw new InvalidRequestError("this model has no tokenizer: send token ids", "prompt");
  const tokens = tokenizer.encode(prompt);
  if (tokens.length === 0) throw new InvalidRequestError("`prompt` is empty", "prompt");
  return tokens;
}

function messageText(content: unknown, index: number): string {
  if (typeof content === "string") return content;
  if (content == null) return "";
  if (Array.isArray(content)) {
    return content
      .map((part) => {
        if (part?.type === "text" && typeof part.text === "string") return part.text;
        throw new InvalidRequestError(
          `messages[${index}]: only text content parts are supported`,
          "messages",
        );
      })
      .join("");
  }
  throw new InvalidRequestError(
    `messages[${index}].content must be a string or text parts`,
    "messages",
  );
}

export function chatPrompt(body: Body, tokenizer: ModelTokenizer | null): number[] {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidRequestError("`messages` must be a non-empty array", "messages");
  }
  if (!tokenizer)
    throw new InvalidRequestError("this model has no tokenizer or chat template", "model");
  const normalized: ChatMessage[] = messages.map((m, i) => {
    if (!m || typeof m !== "object" || typeof m.role !== "string") {
      throw new InvalidRequestError(`messages[${i}] needs a string \`role\``, "messages");
    }
    for (const field of ["tool_calls", "function_call", "audio"] as const) {
      const value = m[field];
      if (value != null && !(Array.isArray(value) && value.length === 0)) {
        throw new InvalidRequestError(
          `messages[${i}].${field}: the pool does not implement tool calls or audio`,
          "messages",
          "unsupported_parameter",
        );
      }
    }
    const role = m.role === "developer" ? "system" : m.role;
    const name = typeof m.name === "string" && m.name !== "" ? { name: m.name } : {};
    return { role, content: messageText(m.content, i), ...name };
  });
  // The chat template writes every special token the model expects (BOS included, for the
  // templates that emit one); adding the tokenizer's own would double them, as in
  // Hugging Face's `apply_chat_template`, which tokenizes without special tokens.
  return tokenizer.encode(tokenizer.applyChatTemplate(normalized), { addSpecialTokens: false });
}

/** Checks prompt and completion fit the context; defaults `max_tokens` like OpenAI does. */
export function completionBudget(
  promptTokens: number,
  requested: number | null,
  maxModelLen: number,
  defaultMaxTokens: number,
): number {
  if (promptTokens >= maxModelLen) {
    throw new InvalidRequestError(
      `This model's maximum context length is ${maxModelLen} tokens, but the prompt has ${promptTokens} tokens.`,
      "messages",
      "context_length_exceeded",
    );
  }
  const maxTokens = requested ?? Math.min(defaultMaxTokens, maxModelLen - promptTokens);
  if (promptTokens + maxTokens > maxModelLen) {
    throw new InvalidRequestError(
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the prompt, ${maxTokens} for the completion). Please reduce the prompt or max_tokens.`,
      "max_tokens",
      "context_length_exceeded",
    );
  }
  return maxTokens;
}
