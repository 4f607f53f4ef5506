// Content-addressed adapter directory: <dir>/<sha256>/{adapter_config.json,
// adapter_model.safetensors}. Files are fetched (file: or http(s): URIs) into a staging
// directory, hashed, checked against the registry, and only then moved into place, so every
// directory in the store holds exactly the bytes its name promises and the registry knows.
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AdapterRefusedError, InvalidRequestError, NotFoundError } from "../errors.ts";
import {
  type AdapterRecord,
  type AdapterRegistry,
  isAdapterId,
  normalizeAdapterId,
} from "./registry.ts";

export const ADAPTER_FILES = ["adapter_config.json", "adapter_model.safetensors"] as const;

export interface StoredAdapter {
  id: string;
  name: string;
  uri: string;
  dir: string;
}

export interface AdapterStore {
  readonly dir: string;
  get(id: string): StoredAdapter | undefined;
  list(): StoredAdapter[];
  /** An adapter id or registered name → its id, fetching and verifying it if needed. */
  resolve(idOrName: string): Promise<StoredAdapter>;
  /** Fetches `uri` (or the registered URI of `id`) and admits it if the registry agrees. */
  add(source: { id?: string; name?: string; uri?: string }): Promise<StoredAdapter>;
}

export interface AdapterStoreOptions {
  dir: string;
  registry: AdapterRegistry;
  onRefused?: (fields: Record<string, unknown>, message: string) => void;
  fetchImpl?: typeof fetch;
}

export async function hashAdapterDir(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const file of ADAPTER_FILES) hash.update(await readFile(path.join(dir, file)));
  return hash.digest("hex");
}

export function createAdapterStore(options: AdapterStoreOptions): AdapterStore {
  const adapters = new Map<string, StoredAdapter>();
  const inFlight = new Map<string, Promise<StoredAdapter>>();
  const fetchImpl = options.fetchImpl ?? fetch;

  async function fetchInto(uri: string, staging: string) {
    await mkdir(staging, { recursive: true });
    const url = new URL(uri);
    for (const file of ADAPTER_FILES) {
      const target = path.join(staging, file);
      if (url.protocol === "file:") {
        await copyFile(path.join(fileURLToPath(url), file), target);
      } else if (url.protocol === "http:" || url.protocol === "https:") {
        const base = url.href.endsWith("/") ? url.href : `${url.href}/`;
        const response = await fetchImpl(new URL(file, base));
        if (!response.ok) throw new Error(`GET ${file}: HTTP ${response.status}`);
        await writeFile(target, Buffer.from(await response.arrayBuffer()));
      } else {
        throw new InvalidRequestError(`unsupported adapter URI scheme ${url.protocol}`, "uri");
      }
    }
  }

  function refuse(
    code: "adapter_not_registered" | "adapter_hash_mismatch",
    message: string,
    fields: object,
  ) {
    options.onRefused?.({ code, ...fields }, message);
    return new AdapterRefusedError(message, code);
  }

  async function admit(expectedId: string | undefined, uri: string, nameHint?: string) {
    const staging = path.join(options.dir, `.staging-${randomUUID()}`);
    try {
      try {
        await fetchInto(uri, staging);
      } catch (error) {
        if (error instanceof InvalidRequestError) throw error;
        throw new InvalidRequestError(
          `cannot fetch adapter from ${uri}: ${(error as Error).message}`,
          "uri",
          "adapter_fetch_failed",
        );
      }
      const id = await hashAdapterDir(staging);
      if (expectedId && id !== expectedId) {
        throw refuse(
          "adapter_hash_mismatch",
          `adapter files at ${uri} hash to ${id}, not ${expectedId}`,
          { uri, expected: expectedId, actual: id },
        );
      }
      const record: AdapterRecord | null = await options.registry.byContentHash(id);
      if (!record) {
        throw refuse(
          "adapter_not_registered",
          `adapter ${id} (from ${uri}) is not registered in the ${options.registry.kind} registry`,
          { uri, id },
        );
      }
      const dir = path.join(options.dir, id);
      if (!existsSync(dir)) await rename(staging, dir);
      const stored = { id, name: record.name || nameHint || id, uri, dir };
      adapters.set(id, stored);
      return stored;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async function add(source: { id?: string; name?: string; uri?: string }): Promise<StoredAdapter> {
    const expectedId = source.id ? normalizeAdapterId(source.id) : undefined;
    if (expectedId) {
      const known = adapters.get(expectedId);
      if (known) return known;
    }
    const uri = source.uri;
    if (!uri) {
      const record = expectedId
        ? await options.registry.byContentHash(expectedId)
        : source.name
          ? await options.registry.byName(source.name)
          : null;
      if (!record) {
        const what = expectedId ?? source.name ?? "(none)";
        throw new NotFoundError(
          `adapter ${what} is not registered`,
          "adapter_not_found",
          "adapter",
        );
      }
      return add({ id: record.id, uri: record.uri });
    }
    const key = `${expectedId ?? ""}|${uri}`;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = admit(expectedId, uri, source.name).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  return {
    dir: options.dir,
    get: (id) => adapters.get(normalizeAdapterId(id)),
    list: () => [...adapters.values()],
    async resolve(idOrName) {
      if (isAdapterId(idOrName)) return add({ id: idOrName });
      const byName = [...adapters.values()].find((a) => a.name === idOrName);
      return byName ?? add({ name: idOrName });
    },
    add,
  };
}
