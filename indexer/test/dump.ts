import { createClient } from "@ponder/client";
import { getTableColumns, getTableName, is, Table } from "drizzle-orm";
import * as schema from "../ponder.schema.ts";

export const tables: Table[] = (Object.values(schema) as unknown[]).filter(
  (value): value is Table => is(value, Table),
);

export type Client = ReturnType<typeof createClient<typeof schema>>;

export const sqlClient = (url: string): Client => createClient(`${url}/sql`, { schema });

const normalise = (value: unknown): unknown =>
  typeof value === "bigint" ? `${value}n` : Array.isArray(value) ? value.map(normalise) : value;

/** Every row of every table, sorted, bigints as `123n`: what two indexes of one chain must share. */
export async function dumpTables(client: Client): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of tables) {
    const rows = await client.db.select().from(table as never);
    const columns = Object.keys(getTableColumns(table));
    dump[getTableName(table)] = (rows as Record<string, unknown>[])
      .map((row) => JSON.stringify(columns.map((c) => normalise(row[c]))))
      .sort();
  }
  return dump;
}

/** Rows of one table through the `/sql` endpoint. */
export async function rowsOf<T extends Table>(
  client: Client,
  table: T,
): Promise<T["$inferSelect"][]> {
  return (await client.db.select().from(table as never)) as T["$inferSelect"][];
}
