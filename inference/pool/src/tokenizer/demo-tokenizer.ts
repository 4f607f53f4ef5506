// The demo model's tokenizer: a byte-level BPE trained by the project on its own texts (see
// train-demo.ts), checked in as assets/demo-bpe.json so every machine writes the same bytes.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tokenizerFiles } from "./files.ts";
import type { TrainedBpe } from "./train-bpe.ts";

export const DEMO_BPE_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../assets/demo-bpe.json",
);

export interface StoredBpe {
  corpus: string;
  vocab: string[];
  merges: [string, string][];
}

export async function readDemoBpe(): Promise<TrainedBpe> {
  const stored = JSON.parse(await readFile(DEMO_BPE_PATH, "utf8")) as StoredBpe;
  return { vocab: new Map(stored.vocab.map((token, id) => [token, id])), merges: stored.merges };
}

/**
 * Writes `tokenizer.json` and `tokenizer_config.json` (with a chat template) into `modelDir`,
 * sized to the model's `config.json` `vocab_size` (the demo preset's 4096 takes the whole
 * trained vocabulary; smaller models, e.g. preset tiny's 512, take a prefix of the merges).
 */
export async function writeDemoTokenizer(modelDir: string): Promise<{ vocabSize: number }> {
  const config = JSON.parse(await readFile(path.join(modelDir, "config.json"), "utf8")) as {
    vocab_size: number;
  };
  const { tokenizer, config: tokenizerConfig } = tokenizerFiles(
    await readDemoBpe(),
    config.vocab_size,
  );
  await writeFile(path.join(modelDir, "tokenizer.json"), `${JSON.stringify(tokenizer)}\n`);
  await writeFile(
    path.join(modelDir, "tokenizer_config.json"),
    `${JSON.stringify(tokenizerConfig, null, 2)}\n`,
  );
  return { vocabSize: Object.keys(tokenizer.model.vocab).length };
}
