// A model whose chat template writes BOS and whose tokenizer adds BOS too (Llama-3): the pool
// must hand the engine a chat prompt with one BOS, and a plain completion prompt with one.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LLAMA3_CHAT_TEMPLATE, writeLlama3StyleTokenizer } from "../src/tokenizer/llama3-style.ts";
import { makeTinyFixture, startTestPool, type TinyFixture } from "./fixtures.ts";

let fixture: TinyFixture;
let pool: Awaited<ReturnType<typeof startTestPool>>;
let client: OpenAI;
let bos: number;
let reference: Tokenizer;

beforeAll(async () => {
  fixture = await makeTinyFixture();
  ({ bos } = (await writeLlama3StyleTokenizer(fixture.modelDir)).ids);
  const read = async (file: string) =>
    JSON.parse(await readFile(path.join(fixture.modelDir, file), "utf8"));
  reference = new Tokenizer(await read("tokenizer.json"), await read("tokenizer_config.json"));
  pool = await startTestPool(fixture, { workers: 1 });
  client = new OpenAI({ baseURL: pool.baseURL, apiKey: pool.apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await pool?.stop();
  await fixture?.cleanup();
});

it("sends a Llama-3 chat prompt with exactly one BOS", async () => {
  const rendered =
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is staking?<|eot_id|>" +
    "<|start_header_id|>assistant<|end_header_id|>\n\n";
  expect(LLAMA3_CHAT_TEMPLATE).toContain("bos_token");
  // With the tokenizer's own special tokens added on top, the prompt would start BOS BOS.
  const doubled = reference.encode(rendered, { add_special_tokens: true }).ids;
  expect(doubled.slice(0, 2)).toEqual([bos, bos]);
  const reply = await client.chat.completions.create({
    model: "tiny",
    messages: [{ role: "user", content: "What is staking?" }],
    max_tokens: 2,
    temperature: 0,
    logprobs: true,
  });
  expect(reply.usage?.prompt_tokens).toBe(doubled.length - 1);
});

it("still adds the one BOS the tokenizer adds to a plain completion prompt", async () => {
  const reply = await client.completions.create({
    model: "tiny",
    prompt: "What is staking?",
    max_tokens: 2,
    temperature: 0,
  });
  const plain = reference.encode("What is staking?", { add_special_tokens: false }).ids;
  expect(reply.usage?.prompt_tokens).toBe(plain.length + 1);
});
