// The base model a job trains: registered on chain as an Active base model, with its files
// (weights, tokenizer, chat template) on this machine.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as t from "@tributary/indexer/schema";
import { loadTokenizer, type ModelTokenizer } from "@tributary/pool";
import { eq } from "drizzle-orm";
import { InvalidInputError, NotFoundError } from "../errors.ts";
import type { ReaderDb } from "../reader/index.ts";

export interface BaseModel {
  id: bigint;
  contentHash: string;
  dir: string;
  tokenizer: ModelTokenizer;
  /** The longest example the worker takes: `max_position_embeddings` + 1 tokens. */
  maxTokens: number;
}

const FIELD = "baseModelId";

/** A `file://` URI on chain, else the configured directory for the model id. */
function modelDir(uri: string, id: bigint, dirs: Readonly<Record<string, string>>): string | null {
  const configured = dirs[id.toString()];
  if (configured) return configured;
  return uri.startsWith("file://") ? fileURLToPath(uri) : null;
}

export async function resolveBaseModel(
  reader: ReaderDb,
  id: bigint,
  dirs: Readonly<Record<string, string>>,
): Promise<BaseModel> {
  const [row] = id < 2n ** 63n ? await reader.select().from(t.model).where(eq(t.model.id, id)) : [];
  if (!row) throw new NotFoundError("Model", id.toString());
  if (row.kind !== "BaseModel")
    throw new InvalidInputError(`Model ${id} is an adapter; name a base model`, FIELD);
  if (row.status !== "Active") throw new InvalidInputError(`Model ${id} is deprecated`, FIELD);
  const dir = modelDir(row.uri, id, dirs);
  const unavailable = () =>
    new InvalidInputError(`The files of base model ${id} are not on this server`, FIELD);
  if (!dir) throw unavailable();
  const config = await readFile(path.join(dir, "config.json"), "utf8").catch(() => null);
  const tokenizer = config && (await loadTokenizer(dir).catch(() => null));
  if (!config || !tokenizer) throw unavailable();
  const context = Number(
    (JSON.parse(config) as { max_position_embeddings?: number }).max_position_embeddings,
  );
  if (!Number.isInteger(context) || context < 1) throw unavailable();
  return { id, contentHash: row.contentHash, dir, tokenizer, maxTokens: context + 1 };
}
