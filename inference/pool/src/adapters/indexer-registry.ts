// The registry read through the indexer (Ponder's SQL-over-HTTP at `<indexer>/sql`), against
// the indexer's own `model` table: the chain's ModelRegistry, mirrored and reorg-safe.
import { and, createClient, desc, eq } from "@ponder/client";
import * as schema from "@tributary/indexer/schema";
import { type AdapterRecord, type AdapterRegistry, normalizeAdapterId } from "./registry.ts";

type ModelRow = typeof schema.model.$inferSelect;

function recordOf(row: ModelRow): AdapterRecord {
  return {
    id: normalizeAdapterId(row.contentHash),
    name: row.name,
    uri: row.uri,
    registryId: row.id.toString(),
    deprecated: row.status !== "Active",
  };
}

export function createIndexerRegistry(options: { url: string }): AdapterRegistry {
  const client = createClient(`${options.url.replace(/\/$/, "")}/sql`, { schema });
  const { model } = schema;
  return {
    kind: "indexer",
    async byContentHash(id) {
      const rows = await client.db
        .select()
        .from(model)
        .where(and(eq(model.contentHash, `0x${normalizeAdapterId(id)}`), eq(model.kind, "Adapter")))
        .limit(1);
      return rows[0] ? recordOf(rows[0]) : null;
    },
    async byName(name) {
      const rows = await client.db
        .select()
        .from(model)
        .where(and(eq(model.name, name), eq(model.kind, "Adapter")))
        .orderBy(desc(model.id))
        .limit(1);
      return rows[0] ? recordOf(rows[0]) : null;
    },
  };
}
