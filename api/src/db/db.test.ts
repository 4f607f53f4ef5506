import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createAppDatabase } from "./index.ts";

describe("app database", () => {
  it("migrates PGlite twice on the same directory, with the vector extension loaded", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "api-db-"));
    try {
      for (let i = 0; i < 2; i++) {
        const app = await createAppDatabase({ dataDir: dir });
        await app.db.execute(sql`SELECT '[1,2]'::vector`);
        const rows = await app.db.execute(sql`SELECT count(*)::int AS n FROM app.api_key`);
        expect((rows as unknown as { rows: unknown[] }).rows[0]).toEqual({ n: 0 });
        await app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!process.env.DATABASE_URL)("migrates Postgres twice", async () => {
    for (let i = 0; i < 2; i++) {
      const app = await createAppDatabase({ databaseUrl: process.env.DATABASE_URL });
      await app.ping();
      await app.close();
    }
  });
});
