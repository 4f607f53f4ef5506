import { and, type Column, inArray, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { NotFoundError } from "../errors.ts";
import { type ConnectionArgs, type Direction, paginate, type SortKey, sortBy } from "./keyset.ts";

export const OrderDirection = builder.enumType("OrderDirection", {
  description: "Sort direction.",
  values: {
    ASC: { description: "Smallest first." },
    DESC: { description: "Largest first." },
  } as const,
});

/** A connection over the indexer's `table`: its rows matching `where`, in the order of `keys`. */
export const listRows = <Table extends PgTable>(
  ctx: Context,
  args: ConnectionArgs,
  table: Table,
  where: SQL | undefined,
  keys: SortKey[],
) =>
  paginate(
    args,
    keys,
    (page) =>
      ctx.reader.db
        .select()
        .from(table as PgTable)
        .where(and(where, page.where))
        .orderBy(...page.orderBy)
        .limit(page.limit) as Promise<Table["$inferSelect"][]>,
  );

/** Event rows in chain order: by block, log index, then `id` (the row's own key). */
export const inChainOrder = (
  direction: Direction,
  table: { blockNumber: Column; logIndex: Column },
  id: Column,
) => sortBy(direction, table.blockNumber, table.logIndex, id);

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
