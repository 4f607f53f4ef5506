import * as schema from "ponder:schema";
import { getTableName, isTable } from "drizzle-orm";

/** The names of every table of the indexer's schema, as Ponder's triggers and `/sql` know them. */
export const tableNames: readonly string[] = (Object.values(schema) as unknown[])
  .filter(isTable)
  .map((table) => getTableName(table));
