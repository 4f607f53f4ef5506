// Trains the demo tokenizer on the repository's own prose (demo Datanets, READMEs, design and
// protocol docs) and writes assets/demo-bpe.json. Run: npm run gen:tokenizer -w inference/pool
import { execFileSync } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_BPE_PATH, type StoredBpe } from "./demo-tokenizer.ts";
import { SPECIAL_TOKEN_LIST } from "./files.ts";
import { trainByteLevelBpe } from "./train-bpe.ts";

const DEMO_VOCAB_SIZE = 4096;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const SKIP = new Set([
  "node_modules",
  ".git",
  ".data",
  "build",
  "out",
  "cache",
  "lib",
  "generated",
]);

async function markdownFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await markdownFiles(full)));
    else if (entry.name.endsWith(".md")) found.push(full);
  }
  return found;
}

const files = (await markdownFiles(repoRoot)).sort();
const texts = await Promise.all(files.map((f) => readFile(f, "utf8")));
const trained = trainByteLevelBpe(texts, {
  vocabSize: DEMO_VOCAB_SIZE,
  specialTokens: SPECIAL_TOKEN_LIST,
});
const stored: StoredBpe = {
  corpus: `${files.length} Markdown files of the repository (${texts.join("").length} chars)`,
  vocab: [...trained.vocab.keys()],
  merges: trained.merges,
};
await writeFile(DEMO_BPE_PATH, `${JSON.stringify(stored)}\n`);
// Checked in: keep it in the repository's one format.
execFileSync("npx", ["biome", "format", "--write", DEMO_BPE_PATH], {
  cwd: repoRoot,
  stdio: "ignore",
});
console.log(`${stored.vocab.length} tokens, ${stored.merges.length} merges from ${stored.corpus}`);
