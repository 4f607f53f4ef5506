// Tokenizes the pretraining corpus with the model's own tokenizer (the pool's loader, so the
// ids are those the served model reads) into the flat token file `tributary-pretrain` reads:
// little-endian uint16 ids, each document opened by the BOS token.
import { readFile, writeFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { loadTokenizer } from "@tributary/pool";

const BOS = "<|begin_of_text|>";

/** Documents are separated by a blank line (brown-corpus.ts writes them so). */
export function splitDocuments(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((doc) => doc.trim())
    .filter((doc) => doc !== "");
}

export async function tokenizeCorpus(corpusGz: string, modelDir: string): Promise<Uint16Array> {
  const tokenizer = await loadTokenizer(modelDir);
  if (!tokenizer) throw new Error(`no tokenizer.json in ${modelDir}`);
  const [bos] = tokenizer.encode(BOS, { addSpecialTokens: false });
  if (bos === undefined) throw new Error(`the tokenizer in ${modelDir} lacks ${BOS}`);
  const text = gunzipSync(await readFile(corpusGz)).toString("utf8");
  const ids: number[] = [];
  for (const doc of splitDocuments(text)) {
    ids.push(bos);
    for (const id of tokenizer.encode(doc, { addSpecialTokens: false })) ids.push(id);
  }
  if (ids.some((id) => id > 0xffff))
    throw new Error("a token id does not fit the uint16 token file");
  return Uint16Array.from(ids);
}

export async function writeTokenFile(tokens: Uint16Array, file: string): Promise<void> {
  const bytes = Buffer.alloc(tokens.length * 2);
  for (const [i, id] of tokens.entries()) bytes.writeUInt16LE(id, i * 2);
  await writeFile(file, bytes);
}
