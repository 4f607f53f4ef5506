// Keyset (seek) pagination for every connection. A cursor holds the sort key of the row it
// points at, so the next page starts right after that row however many rows were inserted or
// deleted ahead of it meanwhile; an offset would shift and repeat or skip rows on a feed whose
// head keeps growing.
import { resolveCursorConnection } from "@pothos/plugin-relay";
import {
  and,
  asc,
  type Column,
  desc,
  eq,
  getTableColumns,
  gt,
  isNotNull,
  isNull,
  lt,
  or,
  type SQL,
} from "drizzle-orm";
import { InvalidInputError } from "../errors.ts";

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export type Direction = "ASC" | "DESC";

export interface SortKey {
  column: Column;
  direction: Direction;
}

/** What a list's query adds to its own filter: the cursors' bound, the order, the page size. */
export interface KeysetPage {
  where: SQL | undefined;
  orderBy: SQL[];
  limit: number;
}

/** Sort keys, all in one direction; a column already listed is dropped (it adds no order). */
export const sortBy = (direction: Direction, ...columns: Column[]): SortKey[] =>
  [...new Set(columns)].map((column) => ({ column, direction }));

/**
 * A Relay connection over `keys`, 20 rows per page by default and at most 100. The keys must end
 * with a unique, non-null tie-breaker (the primary key), so that a cursor names exactly one
 * position; a nullable key sorts NULL last ascending and first descending, as Postgres does.
 * Raises InvalidInputError for a cursor this list did not hand out and for a negative size.
 */
export async function paginate<T extends object>(
  args: ConnectionArgs,
  keys: SortKey[],
  fetch: (page: KeysetPage) => Promise<T[]>,
) {
  const codec = cursorCodec(keys);
  for (const name of ["first", "last"] as const) {
    const size = args[name];
    if (size != null && size < 0)
      throw new InvalidInputError(`"${name}" must not be negative`, name);
  }
  return resolveCursorConnection<Promise<T[]>>(
    { args, defaultSize: 20, maxSize: 100, toCursor: codec.encode },
    ({ after, before, limit, inverted }) =>
      fetch({
        where: and(
          // "" is what Pothos answers as the cursors of an empty first page: no bound.
          after ? pastCursor(keys, codec.decode(after, "after"), true) : undefined,
          before ? pastCursor(keys, codec.decode(before, "before"), false) : undefined,
        ),
        // `last` reads the list from its end; Pothos puts the page back in order.
        orderBy: keys.map(({ column, direction }) =>
          (direction === "ASC") !== inverted ? asc(column) : desc(column),
        ),
        limit,
      }),
  );
}

/**
 * Rows strictly past `cursor` in the order of `keys` (`forward`) or strictly before it: the
 * lexicographic comparison spelled out term by term, since the keys may mix directions and
 * NULLs, which a row comparison `(a, b) > (x, y)` handles neither of.
 */
function pastCursor(keys: SortKey[], cursor: unknown[], forward: boolean): SQL {
  const terms = keys.map(({ column, direction }, i) => {
    const beyond =
      (direction === "ASC") === forward ? greater(column, cursor[i]) : less(column, cursor[i]);
    const tied = keys.slice(0, i).map((key, j) => same(key.column, cursor[j]));
    return beyond && and(...tied, beyond);
  });
  // The last key is non-null, so its term always exists and the disjunction is never empty.
  return or(...terms) as SQL;
}

// NULL is the greatest value, as in Postgres's default ordering.
const same = (column: Column, value: unknown) =>
  value === null ? isNull(column) : eq(column, value);
const greater = (column: Column, value: unknown) =>
  value === null
    ? undefined
    : column.notNull
      ? gt(column, value)
      : or(gt(column, value), isNull(column));
const less = (column: Column, value: unknown) =>
  value === null ? isNotNull(column) : lt(column, value);

/** Per column type, a cursor value back to the column's JS value, or undefined if it is not one. */
const parsers: Record<string, (raw: unknown) => unknown> = {
  // numeric(78): more digits would fail in SQL.
  PgEvmBigint: (raw) =>
    typeof raw === "string" && /^-?[0-9]{1,78}$/.test(raw) ? BigInt(raw) : undefined,
  PgInteger: (raw) =>
    Number.isInteger(raw) && Math.abs(raw as number) < 2 ** 31 ? raw : undefined,
  // Postgres text holds no U+0000.
  PgText: (raw) => (typeof raw === "string" && !raw.includes("\u0000") ? raw : undefined),
  // Written as toISOString() (millisecond precision, as the API stores them): a year past
  // 9999 or an impossible date does not round-trip.
  PgTimestamp: (raw) =>
    typeof raw === "string" &&
    /^[0-9]{4}-/.test(raw) &&
    !Number.isNaN(Date.parse(raw)) &&
    new Date(raw).toISOString() === raw
      ? new Date(raw)
      : undefined,
};

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Cursors as base64url of the JSON array of the row's sort-key values. */
function cursorCodec(keys: SortKey[]) {
  const last = keys.at(-1);
  if (!last?.column.notNull) throw new Error("Keyset pagination needs a non-null tie-breaker");
  const fields = keys.map(({ column }) => {
    const parse = parsers[column.columnType];
    const property = Object.entries(getTableColumns(column.table)).find(([, c]) => c === column);
    if (!parse || !property) throw new Error(`Cannot paginate on column ${column.name}`);
    return { column, parse, property: property[0] };
  });

  const encode = (row: object) => {
    const values = fields.map(({ property }) => {
      const value = (row as Record<string, unknown>)[property];
      if (value === undefined) throw new Error(`The rows lack their sort key ${property}`);
      return value instanceof Date ? value.toISOString() : value;
    });
    const json = JSON.stringify(values, (_, v) => (typeof v === "bigint" ? v.toString() : v));
    return Buffer.from(json).toString("base64url");
  };

  const decode = (cursor: string, argument: "after" | "before"): unknown[] => {
    const raw = parseJson(Buffer.from(cursor, "base64url").toString());
    const values = Array.isArray(raw) && raw.length === fields.length ? raw : [];
    const parsed = fields.map(({ column, parse }, i) =>
      values[i] === null && !column.notNull ? null : parse(values[i]),
    );
    if (values.length === 0 || parsed.includes(undefined))
      throw new InvalidInputError(
        `"${argument}" is not a cursor of this list: pass one of its edges' cursors`,
        argument,
      );
    return parsed;
  };

  return { encode, decode };
}
