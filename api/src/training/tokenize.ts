// Examples as the worker reads them: token ids from the base model's own tokenizer and chat
// template, and a loss mask (1 = a target). Plain text trains on every token; conversations on
// the assistant's turns only. Anything longer than the model's context is cut into windows.
import type { ChatMessage, ModelTokenizer } from "@tributary/pool";
import { TrainingDatasetError } from "./errors.ts";
import type { RawExample } from "./examples.ts";

export interface TokenizedExample {
  tokens: number[];
  lossMask: number[];
}

interface Segment {
  text: string;
  trained: boolean;
}

/**
 * The conversation rendered turn by turn: the text up to each assistant turn (with the
 * template's generation prompt, as at inference) is not trained on; the assistant's turn, up
 * to the template's end-of-turn, is. Needs a template that renders conversations as prefixes
 * of their continuations, as chat templates do.
 */
function chatSegments(tokenizer: ModelTokenizer, messages: ChatMessage[]): Segment[] {
  const segments: Segment[] = [];
  let rendered = "";
  for (const [i, message] of messages.entries()) {
    if (message.role !== "assistant") continue;
    const prompt = tokenizer.applyChatTemplate(messages.slice(0, i), { addGenerationPrompt: true });
    const turn = tokenizer.applyChatTemplate(messages.slice(0, i + 1), {
      addGenerationPrompt: false,
    });
    if (!prompt.startsWith(rendered) || !turn.startsWith(prompt))
      throw new TrainingDatasetError(
        "INVALID_JSONL",
        "The base model's chat template does not render conversations turn by turn; its chat data cannot be masked",
      );
    segments.push({ text: prompt.slice(rendered.length), trained: false });
    segments.push({ text: turn.slice(prompt.length), trained: true });
    rendered = turn;
  }
  return segments;
}

function encodeSegments(tokenizer: ModelTokenizer, segments: Segment[]): TokenizedExample {
  const tokens: number[] = [];
  const lossMask: number[] = [];
  for (const { text, trained } of segments) {
    if (!text) continue;
    // The template writes the special tokens itself (BOS included), as apply_chat_template.
    const ids = tokenizer.encode(text, { addSpecialTokens: false });
    tokens.push(...ids);
    lossMask.push(...ids.map(() => (trained ? 1 : 0)));
  }
  return { tokens, lossMask };
}

/**
 * Windows of at most `maxTokens`. The worker never trains on a window's first token (nothing
 * precedes it), so the mask says so, and a window left without a target is dropped.
 */
export function windows(example: TokenizedExample, maxTokens: number): TokenizedExample[] {
  const out: TokenizedExample[] = [];
  for (let start = 0; start < example.tokens.length; start += maxTokens) {
    const tokens = example.tokens.slice(start, start + maxTokens);
    const lossMask = example.lossMask.slice(start, start + maxTokens);
    lossMask[0] = 0;
    if (tokens.length >= 2 && lossMask.includes(1)) out.push({ tokens, lossMask });
  }
  return out;
}

export function tokenizeExample(
  tokenizer: ModelTokenizer,
  example: RawExample,
  maxTokens: number,
): TokenizedExample[] {
  if (example.kind === "text") {
    const tokens = tokenizer.encode(example.text, { addSpecialTokens: true });
    return windows({ tokens, lossMask: tokens.map(() => 1) }, maxTokens);
  }
  return windows(encodeSegments(tokenizer, chatSegments(tokenizer, example.messages)), maxTokens);
}
