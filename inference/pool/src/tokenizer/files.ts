// Writes a trained byte-level BPE as Hugging Face `tokenizer.json` + `tokenizer_config.json`,
// ChatML-style chat template included, truncated to fit a model's `vocab_size`.
import type { TrainedBpe } from "./train-bpe.ts";

export const SPECIAL_TOKENS = {
  pad: "<|pad|>",
  bos: "<|begin_of_text|>",
  eos: "<|im_end|>",
  imStart: "<|im_start|>",
} as const;
export const SPECIAL_TOKEN_LIST = [
  SPECIAL_TOKENS.pad,
  SPECIAL_TOKENS.bos,
  SPECIAL_TOKENS.eos,
  SPECIAL_TOKENS.imStart,
];

export const CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}<|im_start|>{{ message['role'] }}\n" +
  "{{ message['content'] }}<|im_end|>\n{% endfor %}" +
  "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };

/** A special token's `added_tokens` entry in `tokenizer.json`. */
export const specialToken = (content: string, id: number) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});

/** A `tokenizer.json` BPE model section over `vocab` and "left right" merges. */
export const bpeModel = (
  vocab: Record<string, number>,
  merges: string[],
  ignoreMerges = false,
) => ({
  type: "BPE",
  dropout: null,
  unk_token: null,
  continuing_subword_prefix: null,
  end_of_word_suffix: null,
  fuse_unk: false,
  byte_fallback: false,
  ignore_merges: ignoreMerges,
  vocab,
  merges,
});

export function tokenizerFiles(trained: TrainedBpe, vocabSize: number) {
  const vocab: Record<string, number> = {};
  for (const [token, id] of trained.vocab) if (id < vocabSize) vocab[token] = id;
  const merges = trained.merges
    .filter(([l, r]) => (trained.vocab.get(l + r) ?? Number.POSITIVE_INFINITY) < vocabSize)
    .map(([l, r]) => `${l} ${r}`);
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKEN_LIST.map(specialToken),
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", ...byteLevel },
    post_processor: { type: "ByteLevel", ...byteLevel, trim_offsets: false },
    decoder: { type: "ByteLevel", ...byteLevel },
    model: bpeModel(vocab, merges),
  };
  const config = {
    tokenizer_class: "PreTrainedTokenizerFast",
    model_max_length: 1_000_000,
    bos_token: SPECIAL_TOKENS.bos,
    eos_token: SPECIAL_TOKENS.eos,
    pad_token: SPECIAL_TOKENS.pad,
    add_bos_token: false,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    chat_template: CHAT_TEMPLATE,
    added_tokens_decoder: Object.fromEntries(
      tokenizer.added_tokens.map(({ id, ...rest }) => [String(id), rest]),
    ),
  };
  return { tokenizer, config };
}
