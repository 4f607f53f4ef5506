// A contribution's text as training examples: plain text and Markdown are one text each; JSON
// Lines hold one conversation per line, as chat messages or an instruction/response pair.
import type { ChatMessage } from "@tributary/pool";
import { TrainingDatasetError } from "./errors.ts";

export type RawExample = { kind: "text"; text: string } | { kind: "chat"; messages: ChatMessage[] };

export interface ContributionText {
  id: bigint;
  datanetId: bigint;
  /** Who registered it (lowercase hex): whom its training attribution credits. */
  contributor: string;
  /** The chunker's media type, as stored with the document. */
  mediaType: string;
  text: string;
}

/**
 * Text whose share of control characters (other than tab, newline, carriage return) or
 * U+FFFD (undecodable bytes) says it is not text: NUL anywhere, or more than 1 in 100.
 */
export function looksBinary(text: string): boolean {
  if (text.includes("\u0000")) return true;
  let odd = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || code === 0xfffd) odd++;
  }
  return odd * 100 > text.length;
}

const isJsonLines = (mediaType: string) => /ndjson|jsonl|jsonlines/.test(mediaType);

export function parseContribution(c: ContributionText): RawExample[] {
  if (looksBinary(c.text))
    throw new TrainingDatasetError(
      "BINARY",
      `Contribution ${c.id} is not text; it cannot be trained on`,
      c.id,
    );
  if (!isJsonLines(c.mediaType)) return c.text.trim() ? [{ kind: "text", text: c.text }] : [];
  return c.text
    .split("\n")
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== "")
    .map(({ line, number }) => conversation(line, c.id, number));
}

function conversation(line: string, id: bigint, number: number): RawExample {
  const refuse = (why: string) =>
    new TrainingDatasetError("INVALID_JSONL", `Contribution ${id}, line ${number}: ${why}`, id);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw refuse("not JSON");
  }
  const record = (value ?? {}) as Record<string, unknown>;
  if (Array.isArray(record.messages)) {
    const messages = record.messages.map((m) => m as Record<string, unknown>);
    if (!messages.every((m) => typeof m?.role === "string" && typeof m.content === "string"))
      throw refuse('every message needs a string "role" and "content"');
    if (!messages.some((m) => m.role === "assistant"))
      throw refuse("a conversation needs at least one assistant message to learn from");
    return {
      kind: "chat",
      messages: messages.map((m) => ({ role: m.role as string, content: m.content as string })),
    };
  }
  if (typeof record.instruction === "string" && typeof record.response === "string") {
    const input = typeof record.input === "string" && record.input ? `\n\n${record.input}` : "";
    return {
      kind: "chat",
      messages: [
        { role: "user", content: `${record.instruction}${input}` },
        { role: "assistant", content: record.response },
      ],
    };
  }
  throw refuse('expected {"messages": [...]} or {"instruction": ..., "response": ...}');
}
