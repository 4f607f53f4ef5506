// Test fixture: the indexer's tables on a PGlite, as drizzle-kit writes them from its schema.
import { createRequire } from "node:module";
import type { PGlite } from "@electric-sql/pglite";
import * as schema from "@tributary/indexer/schema";

export async function createIndexerTables(client: PGlite): Promise<void> {
  // CommonJS: vite cannot bundle drizzle-kit's dynamic requires.
  const kit = createRequire(import.meta.url)("drizzle-kit/api");
  const ddl: string[] = await kit.generateMigration(
    kit.generateDrizzleJson({}),
    kit.generateDrizzleJson({ ...schema }, undefined, undefined, "snake_case"),
  );
  for (const statement of ddl) await client.exec(statement);
}
