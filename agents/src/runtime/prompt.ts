// The prompt shown to the model: the spec's system prompt, the retrieved sources numbered [1..k]
// (what `[n]` markers must resolve to) and any chain state read, then the conversation.
import type { ChainFact, ChatTurn, RetrievedHit } from "./types.ts";

const json = (value: unknown) =>
  JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));

export function buildPrompt(
  systemPrompt: string,
  hits: readonly RetrievedHit[],
  facts: readonly ChainFact[],
  messages: readonly ChatTurn[],
): ChatTurn[] {
  const parts = [systemPrompt.trim()];
  if (hits.length > 0) {
    parts.push(
      "Sources (cite them by number, as [n]):",
      ...hits.map((hit, i) => `[${i + 1}] ${hit.text.trim()}`),
    );
  }
  if (facts.length > 0) {
    parts.push(
      "On-chain state:",
      ...facts.map((fact) => `- ${fact.subject}: ${fact.state ? json(fact.state) : "not found"}`),
    );
  }
  const system = parts.filter((p) => p !== "").join("\n\n");
  return [...(system ? [{ role: "system" as const, content: system }] : []), ...messages];
}

/** The question retrieval searches for: the last user turn. */
export function lastUserTurn(messages: readonly ChatTurn[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const turn = messages[i];
    if (turn?.role === "user") return turn.content;
  }
  return "";
}
