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
 * Ids at or past 2^63 are unknown everywhere: no on-chain counter gets there, and the indexer's
 * SQL endpoint fails on them (a masked 500), so they never reach a query.
 */
export const ID_LIMIT = 2n ** 63n;

/**
 * Batch loader for rows keyed by one column: one `IN (…)` query per request tick, results in
 * key order (DataLoader's contract), null for missing keys (ids of 2^63 and up and malformed
 * ones included, without a query): a nullable field asked for an unknown id answers a plain
 * null, not an error (result unions say NotFoundError themselves).
 */
export function loadByKey<Row extends Record<string, unknown>, K extends string | bigint>(
  entity: string,
  table: PgTable,
  column: Column,
  keyOf: (row: Row) => K,
  parse: (key: string | K) => K,
) {
  return async (keys: readonly (string | K)[], ctx: Context): Promise<(Row | Error)[]> => {
    const parsed = keys.map((key) => {
      try {
        return parse(key);
      } catch {
        return null;
      }
    });
    const wanted = [...new Set(parsed)].filter(
      (key): key is K => key !== null && (typeof key !== "bigint" || key < ID_LIMIT),
    );
    const rows =
      wanted.length === 0
        ? []
        : ((await ctx.reader.db
            .select()
            .from(table)
            .where(inArray(column, wanted as never[]))) as unknown as Row[]);
    const byKey = new Map(rows.map((row) => [String(keyOf(row)), row]));
    // DataLoader takes null for "none"; the refs' types only admit rows and errors.
    return parsed.map((key) => (key === null ? null : (byKey.get(String(key)) ?? null)) as Row);
  };
}

export const parseId = (key: string | bigint): bigint => {
  if (typeof key === "bigint") return key;
  if (!/^[0-9]{1,78}$/.test(key)) throw new NotFoundError("object", key);
  return BigInt(key);
};
