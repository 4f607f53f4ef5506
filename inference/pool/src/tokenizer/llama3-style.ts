// A Llama-3-style tokenizer for tests, in the real Hugging Face file format: a byte-level BPE
// (trained here on a fixed text, no download) behind Llama-3's split regex, special tokens after
// the ordinary vocabulary, a post-processor that adds `<|begin_of_text|>`, and Meta's Llama-3
// Instruct chat template, which writes `{{ bos_token }}` itself. Tokenizing its rendered prompt
// with special tokens added is what used to give a second BOS.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { bpeModel, specialToken } from "./files.ts";
import { trainByteLevelBpe } from "./train-bpe.ts";

export const LLAMA3_SPECIAL = {
  bos: "<|begin_of_text|>",
  end: "<|end_of_text|>",
  startHeader: "<|start_header_id|>",
  endHeader: "<|end_header_id|>",
  eot: "<|eot_id|>",
} as const;

/** Meta-Llama-3-8B-Instruct's `chat_template`, verbatim. */
export const LLAMA3_CHAT_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

const LLAMA3_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const CORPUS = [
  "A LoRA adapter adds a low-rank update to the frozen weights of a base model.",
  "Agents compose weighted ensembles of adapters and retrieve from Datanets.",
  "The pool signs its usage records; settlement splits each fee by the receipt.",
  "Stakers delegate to agents, and payers sign vouchers against their escrow.",
  "You are a helpful assistant. What is an adapter? Explain staking briefly.",
];

/**
 * Writes `tokenizer.json`, `tokenizer_config.json` and `generation_config.json` into `dir`:
 * `ordinary` BPE tokens (ids 0…ordinary-1), then the five special tokens. The total must fit
 * the model's `vocab_size`.
 */
export async function writeLlama3StyleTokenizer(
  dir: string,
  ordinary = 400,
): Promise<{ ids: Record<keyof typeof LLAMA3_SPECIAL, number>; vocabSize: number }> {
  const trained = trainByteLevelBpe(Array(20).fill(CORPUS).flat(), {
    vocabSize: ordinary,
    specialTokens: [],
  });
  const vocab = Object.fromEntries(trained.vocab);
  const base = trained.vocab.size;
  const specials = Object.values(LLAMA3_SPECIAL).map((content, i) => ({ id: base + i, content }));
  const ids = Object.fromEntries(
    Object.keys(LLAMA3_SPECIAL).map((name, i) => [name, base + i]),
  ) as Record<keyof typeof LLAMA3_SPECIAL, number>;
  const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: false };
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials.map(({ id, content }) => specialToken(content, id)),
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: LLAMA3_SPLIT }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", ...byteLevel },
      ],
    },
    post_processor: {
      type: "Sequence",
      processors: [
        { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
        {
          type: "TemplateProcessing",
          single: [
            { SpecialToken: { id: LLAMA3_SPECIAL.bos, type_id: 0 } },
            { Sequence: { id: "A", type_id: 0 } },
          ],
          pair: [
            { SpecialToken: { id: LLAMA3_SPECIAL.bos, type_id: 0 } },
            { Sequence: { id: "A", type_id: 0 } },
            { SpecialToken: { id: LLAMA3_SPECIAL.bos, type_id: 1 } },
            { Sequence: { id: "B", type_id: 1 } },
          ],
          special_tokens: {
            [LLAMA3_SPECIAL.bos]: {
              id: LLAMA3_SPECIAL.bos,
              ids: [ids.bos],
              tokens: [LLAMA3_SPECIAL.bos],
            },
          },
        },
      ],
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: bpeModel(
      vocab,
      trained.merges.map(([l, r]) => `${l} ${r}`),
      true,
    ),
  };
  const config = {
    added_tokens_decoder: Object.fromEntries(
      tokenizer.added_tokens.map(({ id, ...rest }) => [String(id), rest]),
    ),
    bos_token: LLAMA3_SPECIAL.bos,
    chat_template: LLAMA3_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: true,
    eos_token: LLAMA3_SPECIAL.eot,
    model_input_names: ["input_ids", "attention_mask"],
    model_max_length: 1_000_000,
    tokenizer_class: "PreTrainedTokenizerFast",
  };
  await writeFile(path.join(dir, "tokenizer.json"), `${JSON.stringify(tokenizer)}\n`);
  await writeFile(path.join(dir, "tokenizer_config.json"), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(
    path.join(dir, "generation_config.json"),
    `${JSON.stringify({ bos_token_id: ids.bos, eos_token_id: [ids.end, ids.eot] }, null, 2)}\n`,
  );
  return { ids, vocabSize: base + specials.length };
}
