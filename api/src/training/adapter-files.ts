// Published adapters' files, content-addressed: <dir>/<sha256>/{adapter_config.json,
// adapter_model.safetensors}, served at `GET /adapters/<sha256>/<file>`. A publication registers
// that URL as the adapter's URI, so the pool fetches the files through its usual path (by the
// registered URI, hashed and checked against the registered content hash before loading).
import { randomUUID } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import path from "node:path";
import { ADAPTER_FILES, hashAdapterDir } from "@tributary/pool";
import type { Hex } from "viem";

/** The sha256 of a checkpoint's adapter files (the registry's content hash), 0x-prefixed. */
export const adapterContentHash = async (dir: string): Promise<Hex> =>
  `0x${await hashAdapterDir(dir)}`;

/**
 * Copies a checkpoint's adapter files into the store under their sha256, which must be
 * `contentHash` (the hash the registration names); a directory already there holds the same
 * bytes, so storing is idempotent.
 */
export async function storeAdapterFiles(checkpointDir: string, dir: string, contentHash: Hex) {
  const staging = path.join(dir, `.staging-${randomUUID()}`);
  await mkdir(staging, { recursive: true });
  try {
    for (const file of ADAPTER_FILES)
      await copyFile(path.join(checkpointDir, file), path.join(staging, file));
    const sha256 = await hashAdapterDir(staging);
    if (`0x${sha256}` !== contentHash.toLowerCase())
      throw new Error(`the checkpoint's files changed while publishing (${sha256})`);
    const target = path.join(dir, sha256);
    if (!existsSync(target)) await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The URI a publication registers: the files' directory under `baseUrl`. */
export const adapterFilesUri = (baseUrl: string, contentHash: string) =>
  `${baseUrl.replace(/\/+$/, "")}/adapters/${contentHash.replace(/^0x/, "").toLowerCase()}/`;

const ROUTE = /^([0-9a-f]{64})\/(adapter_config\.json|adapter_model\.safetensors)$/;

/**
 * `GET /adapters/<sha256>/<file>`: one file of a published adapter, the bytes its directory's
 * name hashes to, so any copy can be checked and cached forever. Anonymous: a published
 * adapter's files are public, as its registration is.
 */
export async function serveAdapterFile(
  dir: string,
  name: string,
  res: ServerResponse,
): Promise<void> {
  const error = (status: number, message: string) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ errors: [{ message }] }));
  };
  const match = ROUTE.exec(name);
  if (!match)
    return error(
      400,
      "Expected /adapters/<sha256 hex>/adapter_config.json or /adapter_model.safetensors",
    );
  const file = path.join(dir, match[1] as string, match[2] as string);
  const size = await stat(file).then(
    (s) => s.size,
    () => null,
  );
  if (size === null) return error(404, "No published adapter has this hash");
  res.writeHead(200, {
    "content-type": file.endsWith(".json") ? "application/json" : "application/octet-stream",
    "content-length": String(size),
    "x-content-type-options": "nosniff",
    "cache-control": "public, max-age=31536000, immutable",
  });
  createReadStream(file).pipe(res);
}
