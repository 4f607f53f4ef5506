// The model's own tokenizer and chat template, read from `tokenizer.json` and
// `tokenizer_config.json` with Hugging Face's JS tokenizers and Jinja implementations.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";
import { BYTE_TO_CHAR } from "./byte-level.ts";

export interface ChatMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

export interface StreamDecoder {
  /** Adds a token; returns the text it completes (empty while a UTF-8 sequence is partial). */
  push(token: number): string;
  /** The text still held back (an unfinished UTF-8 sequence) once generation has ended. */
  flush(): string;
}

export interface EncodeOptions {
  /** Add the tokenizer's special tokens (its post-processor's BOS, …); default true. */
  addSpecialTokens?: boolean;
}

export interface ChatTemplateOptions {
  /**
   * End with the assistant's turn header, for generating a reply (default true). Training
   * renders whole conversations without it.
   */
  addGenerationPrompt?: boolean;
}

export interface ModelTokenizer {
  encode(text: string, options?: EncodeOptions): number[];
  decode(tokens: readonly number[]): string;
  applyChatTemplate(messages: ChatMessage[], options?: ChatTemplateOptions): string;
  /** Token ids that end a generation: the EOS token and `generation_config.json`'s. */
  readonly stopTokenIds: readonly number[];
  streamDecoder(): StreamDecoder;
}

type TokenizerConfig = Record<string, unknown> & {
  chat_template?: string | { template: string }[];
};

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Message contents are text: a special token's string inside one (`<|im_start|>system`, from a
 * user or a quoted source) must not become a real turn boundary once the rendered template is
 * tokenized with special tokens parsed. A word joiner (U+2060, invisible) after its first
 * character keeps the text as it reads and leaves the template's own special tokens alone.
 */
export function neutralizeSpecialTokens(content: string, specials: readonly string[]): string {
  let text = content;
  for (const special of specials)
    if (special.length > 1 && text.includes(special))
      text = text.split(special).join(`${special[0]}\u2060${special.slice(1)}`);
  return text;
}

function tokenText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "content" in value) return String(value.content);
  return null;
}

export async function loadTokenizer(modelDir: string): Promise<ModelTokenizer | null> {
  const json = await readJson<object>(path.join(modelDir, "tokenizer.json"));
  if (!json) return null;
  const config =
    (await readJson<TokenizerConfig>(path.join(modelDir, "tokenizer_config.json"))) ?? {};
  const generation = await readJson<{ eos_token_id?: number | number[] }>(
    path.join(modelDir, "generation_config.json"),
  );
  const tokenizer = new Tokenizer(json, config);

  const bos = tokenText(config.bos_token) ?? "";
  const eos = tokenText(config.eos_token) ?? "";
  const stop = new Set<number>();
  const eosId = eos ? tokenizer.token_to_id(eos) : undefined;
  if (eosId !== undefined) stop.add(eosId);
  for (const id of [generation?.eos_token_id ?? []].flat()) stop.add(id);

  const source = Array.isArray(config.chat_template)
    ? config.chat_template[0]?.template
    : config.chat_template;
  const template = source ? new Template(source) : null;
  const specials = ((json as TokenizerJson).added_tokens ?? [])
    .filter((t) => t.special && typeof t.content === "string")
    .map((t) => t.content as string)
    // Longest first, so a special that contains another is broken as a whole.
    .sort((a, b) => b.length - a.length);

  const libraryDecode = (tokens: readonly number[]) =>
    tokens.length === 0
      ? ""
      : tokenizer.decode([...tokens], {
          skip_special_tokens: true,
          clean_up_tokenization_spaces: false,
        });
  const bytes = byteLevelBytes(json, tokenizer);
  const decode = bytes
    ? (tokens: readonly number[]) => new TextDecoder().decode(bytes.concat(tokens))
    : libraryDecode;

  return {
    encode: (text, options) =>
      tokenizer.encode(text, { add_special_tokens: options?.addSpecialTokens ?? true }).ids,
    decode,
    applyChatTemplate(raw, options) {
      const addGenerationPrompt = options?.addGenerationPrompt ?? true;
      const messages = raw.map((m) => ({
        ...m,
        content: neutralizeSpecialTokens(m.content, specials),
      }));
      if (!template) {
        const turns = messages.map((m) => `${m.role}: ${m.content}`).join("\n");
        return addGenerationPrompt ? `${turns}\nassistant:` : turns;
      }
      return template.render({
        messages,
        bos_token: bos,
        eos_token: eos,
        add_generation_prompt: addGenerationPrompt,
      });
    },
    stopTokenIds: [...stop],
    streamDecoder() {
      if (bytes) {
        // Byte-level BPE: tokens are byte strings; a streaming UTF-8 decoder gives exactly the
        // text of decoding them all at once, piece by piece.
        const utf8 = new TextDecoder();
        return {
          push: (token) => utf8.decode(bytes.of(token), { stream: true }),
          flush: () => utf8.decode(),
        };
      }
      // Other tokenizers: decode a window of recent tokens and emit what it adds, holding text
      // back while it ends in U+FFFD (a multi-byte character split across tokens).
      const tokens: number[] = [];
      let prefixOffset = 0;
      let readOffset = 0;
      return {
        push(token) {
          tokens.push(token);
          const prefix = decode(tokens.slice(prefixOffset, readOffset));
          const text = decode(tokens.slice(prefixOffset));
          if (text.length <= prefix.length || text.endsWith("\uFFFD")) return "";
          prefixOffset = readOffset;
          readOffset = tokens.length;
          return text.slice(prefix.length);
        },
        flush() {
          const prefix = decode(tokens.slice(prefixOffset, readOffset));
          return decode(tokens.slice(prefixOffset)).slice(prefix.length);
        },
      };
    },
  };
}

interface TokenizerJson {
  decoder?: { type?: string } | null;
  added_tokens?: { id: number; special?: boolean; content?: string }[];
}

/** For a byte-level BPE (GPT-2 style `ByteLevel` decoder): the bytes behind each token id. */
function byteLevelBytes(json: object, tokenizer: Tokenizer) {
  const spec = json as TokenizerJson;
  if (spec.decoder?.type !== "ByteLevel") return null;
  const special = new Set((spec.added_tokens ?? []).filter((t) => t.special).map((t) => t.id));
  const charToByte = new Map(BYTE_TO_CHAR.map((char, byte) => [char, byte] as const));
  const cache = new Map<number, Uint8Array>();
  const empty = new Uint8Array(0);
  const of = (id: number): Uint8Array => {
    const cached = cache.get(id);
    if (cached) return cached;
    const token = special.has(id) ? undefined : tokenizer.id_to_token(id);
    let out = empty;
    if (token !== undefined) {
      const mapped = [...token].map((char) => charToByte.get(char));
      // An added, non-special token is plain text rather than byte symbols.
      out = mapped.every((b) => b !== undefined)
        ? Uint8Array.from(mapped as number[])
        : new TextEncoder().encode(token);
    }
    cache.set(id, out);
    return out;
  };
  return {
    of,
    concat(tokens: readonly number[]) {
      return Buffer.concat(tokens.map(of));
    },
  };
}
