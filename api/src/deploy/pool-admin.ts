// The pool's admin routes, as the API calls them to deploy adapters: `POST /v1/adapters/load`
// names a registered adapter by content hash; the pool fetches its files from the registered
// URI, checks their sha256 against the registry and loads it on every engine worker.
import type { Hex } from "viem";

export interface PoolAdminConfig {
  /** The pool's root URL (`http://127.0.0.1:8000`). */
  url: string;
  /** The pool's admin key (`TRIBUTARY_POOL_ADMIN_KEY`). */
  adminKey: string;
}

export interface LoadedAdapter {
  /** Content hash, lowercase hex without 0x (the pool's adapter id). */
  id: string;
  name: string;
  /** What a request's `model` names it by: `<base>:<name>`. */
  model: string;
}

/** The pool's refusal: its HTTP status and OpenAI-style error code, or none when unreachable. */
export class PoolAdminError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly poolCode: string | null,
  ) {
    super(message);
    this.name = "PoolAdminError";
  }
}

export function createPoolAdmin(config: PoolAdminConfig, fetchImpl: typeof fetch = fetch) {
  const root = config.url.replace(/\/+$/, "").replace(/\/v1$/, "");
  return {
    /** Loads the adapter (idempotent: a loaded one is answered as it is). */
    async loadAdapter(contentHash: Hex): Promise<LoadedAdapter> {
      let response: Response;
      try {
        response = await fetchImpl(`${root}/v1/adapters/load`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${config.adminKey}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({ id: contentHash.replace(/^0x/, "").toLowerCase() }),
          // Fetching and loading a large adapter takes a while.
          signal: AbortSignal.timeout(120_000),
        });
      } catch (error) {
        throw new PoolAdminError(
          `the pool did not answer: ${(error as Error).message}`,
          null,
          null,
        );
      }
      const body = (await response.json().catch(() => null)) as {
        id?: string;
        name?: string;
        model?: string;
        error?: { message?: string; code?: string };
      } | null;
      if (response.ok && body?.id && body.name && body.model)
        return { id: body.id, name: body.name, model: body.model };
      throw new PoolAdminError(
        body?.error?.message ?? `the pool answered HTTP ${response.status}`,
        response.status,
        body?.error?.code ?? null,
      );
    },
  };
}

export type PoolAdmin = ReturnType<typeof createPoolAdmin>;
