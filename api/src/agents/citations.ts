// The agents runtime's citation check: RAG's checker stops at the first bad marker; an answer
// returned with its failures should name each one. Each failing marker group is blanked out
// (ASCII in, ASCII spaces out, so byte offsets hold) and the rest checked again.
import type { CitationFailure, CitationOutcome, RetrievedHit } from "@tributary/agents";
import { checkCitations } from "../rag/citations.ts";

const MAX_FAILURES = 64;
const GROUP_AT = /^\[\s*\d+(?:\s*,\s*\d+)*\s*\]/;

export function checkAnswerCitations(
  answer: string,
  hits: readonly RetrievedHit[],
): CitationOutcome {
  const failures: CitationFailure[] = [];
  let text = answer;
  while (failures.length < MAX_FAILURES) {
    const check = checkCitations(text, hits);
    if (check.ok) {
      if (failures.length > 0) return { ok: false, failures };
      return {
        ok: true,
        citations: check.citations.map((c) => ({
          marker: c.marker,
          answerStart: c.answerStart,
          answerEnd: c.answerEnd,
          hit: c.hit,
        })),
      };
    }
    const { kind, marker, position, message } = check.error;
    failures.push({ kind, marker, position, message });
    if (position === null) break;
    const index = Buffer.from(text, "utf8").subarray(0, position).toString("utf8").length;
    const group = GROUP_AT.exec(text.slice(index))?.[0];
    if (!group) break;
    text = text.slice(0, index) + " ".repeat(group.length) + text.slice(index + group.length);
  }
  return { ok: false, failures };
}
