import { resolveOffsetConnection } from "@pothos/plugin-relay";
import { asc, type Column, desc, inArray, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { NotFoundError } from "../errors.ts";

export const OrderDirection = builder.enumType("OrderDirection", {
  description: "Sort direction.",
  values: {
    ASC: { description: "Smallest first." },
    DESC: { description: "Largest first." },
  } as const,
});

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** Relay pagination over an offset query: 20 per page by default, at most 100. */
export function paginate<T>(
  args: ConnectionArgs,
  fetch: (page: { limit: number; offset: number }) => Promise<T[]>,
) {
  return resolveOffsetConnection({ args, defaultSize: 20, maxSize: 100 }, fetch);
}

export const orderBy = (column: Column | SQL, direction: "ASC" | "DESC" | null | undefined) =>
  direction === "ASC" ? asc(column) : desc(column);

/**
 * Batch loader for rows keyed by one column: one `IN (…)` query per request tick, results in
 * key order (DataLoader's contract), a NotFoundError for missing keys.
 */
export function loadByKey<Row extends Record<string, unknown>, K extends string | bigint>(
  entity: string,
  table: PgTable,
  column: Column,
  keyOf: (row: Row) => K,
  parse: (key: string | K) => K,
) {
  return async (keys: readonly (string | K)[], ctx: Context): Promise<(Row | Error)[]> => {
    const parsed = keys.map(parse);
    const rows = (await ctx.reader.db
      .select()
      .from(table)
      .where(inArray(column, [...new Set(parsed)] as never[]))) as unknown as Row[];
    const byKey = new Map(rows.map((row) => [String(keyOf(row)), row]));
    return parsed.map((key) => byKey.get(String(key)) ?? new NotFoundError(entity, String(key)));
  };
}

export const parseId = (key: string | bigint): bigint => {
  if (typeof key === "bigint") return key;
  if (!/^[0-9]{1,78}$/.test(key)) throw new NotFoundError("object", key);
  return BigInt(key);
};
