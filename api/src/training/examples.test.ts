import { describe, expect, it } from "vitest";
import { TrainingDatasetError } from "./errors.ts";
import { looksBinary, parseContribution } from "./examples.ts";

const of = (mediaType: string, text: string) => ({
  id: 7n,
  datanetId: 1n,
  contributor: "0x07",
  mediaType,
  text,
});
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as TrainingDatasetError;
  }
  throw new Error("expected a refusal");
};

describe("contribution formats", () => {
  it("reads plain text and Markdown as one text each, and blank text as nothing", () => {
    expect(parseContribution(of("text/plain", "Low-rank updates."))).toEqual([
      { kind: "text", text: "Low-rank updates." },
    ]);
    expect(parseContribution(of("text/markdown", "# Title\n\nBody"))[0]?.kind).toBe("text");
    expect(parseContribution(of("text/plain", " \n\t"))).toEqual([]);
  });

  it("reads JSON lines of chat messages and of instruction/response pairs as conversations", () => {
    const chat = {
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
      ],
    };
    const pair = { instruction: "Define LoRA.", input: "Briefly.", response: "A low-rank update." };
    const examples = parseContribution(
      of("application/x-ndjson", `${JSON.stringify(chat)}\n\n${JSON.stringify(pair)}\n`),
    );
    expect(examples).toEqual([
      { kind: "chat", messages: chat.messages },
      {
        kind: "chat",
        messages: [
          { role: "user", content: "Define LoRA.\n\nBriefly." },
          { role: "assistant", content: "A low-rank update." },
        ],
      },
    ]);
  });

  it("refuses malformed lines, naming the contribution and the line", () => {
    const bad = [
      "not json",
      JSON.stringify({ text: "neither shape" }),
      JSON.stringify({ messages: [{ role: "user", content: "no answer" }] }),
      JSON.stringify({ messages: [{ role: "user", content: 3 }] }),
    ];
    for (const line of bad) {
      const error = refusal(() => parseContribution(of("application/x-ndjson", `\n${line}`)));
      expect(error).toBeInstanceOf(TrainingDatasetError);
      expect(error.reason).toBe("INVALID_JSONL");
      expect(error.contributionId).toBe(7n);
      expect(error.message).toContain("line 2");
    }
  });

  it("refuses binary content", () => {
    expect(looksBinary("plain\ttext\r\n")).toBe(false);
    expect(looksBinary("a\u0000b")).toBe(true);
    expect(looksBinary("\u0001\u0002\u0003 mostly control")).toBe(true);
    expect(refusal(() => parseContribution(of("text/plain", "\u0000\u0001"))).reason).toBe(
      "BINARY",
    );
  });
});
