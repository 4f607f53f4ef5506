import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import * as schema from "./schema.ts";

export * as tables from "./schema.ts";

const MIGRATIONS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "drizzle",
);
/** Arbitrary constant: serialises migrations of API replicas starting together. */
const MIGRATION_LOCK = 7_414_226;

export type AppDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface AppDatabase {
  db: AppDb;
  kind: "pglite" | "postgres";
  /** Answers when the database does (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface AppDatabaseOptions {
  /** Postgres + pgvector when set; PGlite otherwise. */
  databaseUrl?: string | undefined;
  /** PGlite directory; in memory when unset. */
  dataDir?: string | undefined;
}

/** Opens the app database and applies pending migrations (a no-op when there are none). */
export async function createAppDatabase(options: AppDatabaseOptions): Promise<AppDatabase> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    const db = drizzlePg(pool, { schema });
    const client = await pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
      await client.query("CREATE EXTENSION IF NOT EXISTS vector");
      await migratePg(drizzlePg(client, { schema }), {
        migrationsFolder: MIGRATIONS,
        migrationsSchema: "app",
      });
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
    return {
      db: db as unknown as AppDb,
      kind: "postgres",
      ping: async () => void (await pool.query("SELECT 1")),
      close: () => pool.end(),
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // The vector extension must be loaded each time the directory is opened, not only when created.
  const client = new PGlite(options.dataDir ?? "memory://", { extensions: { vector } });
  await client.waitReady;
  await client.exec("CREATE EXTENSION IF NOT EXISTS vector");
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS, migrationsSchema: "app" });
  return {
    db: db as unknown as AppDb,
    kind: "pglite",
    ping: async () => void (await db.execute(sql`SELECT 1`)),
    close: () => client.close(),
  };
}
