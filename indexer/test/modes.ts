import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { type StartIndexerOptions, startIndexer } from "../launcher.ts";
import type { TestChain } from "./chain.ts";

export type Mode = "pglite" | "postgres";

/** PGlite always; Postgres too when DATABASE_URL names a server (CI sets it). */
export const MODES: Mode[] = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

let counter = 0;

/**
 * Where one indexer stores its tables: a fresh PGlite directory, or a fresh Postgres database
 * (with `--schema` and `--views-schema`). A database, not just a schema: Ponder's RPC cache
 * (`ponder_sync`) is per database, and two anvil chains share chain id and block numbers.
 */
export async function storage(mode: Mode, label: string) {
  const id = `${label}_${process.pid}_${Date.now().toString(36)}_${counter++}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, "_");
  if (mode === "pglite") {
    const dataDir = mkdtempSync(path.join(tmpdir(), `tributary-indexer-${label}-`));
    return {
      options: { dataDir } satisfies Partial<StartIndexerOptions>,
      // Retried: a PGlite file a just-stopped indexer still flushes makes rmdir say ENOTEMPTY.
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true, maxRetries: 10 }),
    };
  }
  const adminUrl = process.env.DATABASE_URL as string;
  const database = `ix_${id}`.slice(0, 60);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${database}"`);
  return {
    options: {
      databaseUrl: url.toString(),
      schema: "indexer",
      viewsSchema: "indexer_views",
    } satisfies Partial<StartIndexerOptions>,
    cleanup: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function launch(chain: TestChain, options: Partial<StartIndexerOptions>) {
  return startIndexer({
    rpcUrl: chain.anvil.rpcUrl,
    chainId: chain.anvil.chainId,
    deploymentsDir: chain.deploymentsDir,
    port: 0,
    pollingIntervalMs: 100,
    ...options,
  });
}

/** Resolves once the indexer has indexed the chain's current head block (hash-checked). */
export async function waitForHead(
  url: string,
  chain: TestChain,
  timeoutMs = 60_000,
): Promise<void> {
  const head = await chain.publicClient.getBlock();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const status = (await (await fetch(`${url}/status`)).json()) as Record<
        string,
        { block?: { number: number } }
      >;
      const block = Object.values(status)[0]?.block;
      if (block && BigInt(block.number) >= head.number) return;
    } catch {
      // restarting or not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the indexer did not reach block ${head.number} within ${timeoutMs} ms`);
}
