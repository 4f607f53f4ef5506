// Nested lists and connections (an account's stake positions, an agent's disputes …) inside a
// list of parents: each parent's rows are read for every parent of the request at once, one
// query per field and arguments, not one per parent. A keyset page is the same for every parent
// (same arguments, same cursor), so one `row_number() OVER (PARTITION BY parent …)` query
// answers them all, each parent's page cut at the page size; Pothos then reads each parent's
// page as from a query of its own.
import DataLoader from "dataloader";
import { and, type Column, getTableColumns, inArray, lte, type SQL, sql } from "drizzle-orm";
import { PgDialect, type PgTable } from "drizzle-orm/pg-core";
import type { Context } from "../context.ts";
import { type ConnectionArgs, paginate, type SortKey } from "./keyset.ts";

type Row = Record<string, unknown>;
type PageLoader = DataLoader<unknown, Row[], string>;

const RANK = "page_rank";
/** Renders a page's shape into a key (never sent anywhere). */
const dialect = new PgDialect({ casing: "snake_case" });
/** The page loaders of each request, by page shape. */
const loadersByRequest = new WeakMap<Context, Map<string, PageLoader>>();

const keyOf = (value: unknown) => String(value);

/**
 * A connection over the rows of one parent (`parent.column` = `parent.key`) of `table` matching
 * `where`, in the order of `keys`: as `listRows` with `eq(parent.column, parent.key)`, batched.
 */
export function listChildRows<Table extends PgTable>(
  ctx: Context,
  args: ConnectionArgs,
  table: Table,
  parent: { column: Column; key: unknown },
  where: SQL | undefined,
  keys: SortKey[],
) {
  return paginate(args, keys, (page) =>
    childRows(ctx, table, parent, and(where, page.where), page.orderBy, page.limit),
  );
}

/**
 * The rows of one parent (`parent.column` = `parent.key`) of `table` matching `where`, in the
 * order of `orderBy`, at most `limit` of them: read with those of the request's other parents.
 */
export function childRows<Table extends PgTable>(
  ctx: Context,
  table: Table,
  parent: { column: Column; key: unknown },
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number | null = null,
): Promise<Table["$inferSelect"][]> {
  const loader = pageLoader(ctx, table, parent.column, where, orderBy, limit);
  return loader.load(parent.key) as Promise<Table["$inferSelect"][]>;
}

function pageLoader(
  ctx: Context,
  table: PgTable,
  column: Column,
  where: SQL | undefined,
  orderBy: SQL[],
  limit: number | null,
): PageLoader {
  const order = sql.join(orderBy, sql`, `);
  const { sql: text, params } = dialect.sqlToQuery(
    sql`${table} ${column} ${where ?? sql``} ${order} ${limit}`,
  );
  const shape = JSON.stringify([text, params.map(String)]);
  const loaders = loadersByRequest.get(ctx) ?? new Map<string, PageLoader>();
  loadersByRequest.set(ctx, loaders);
  let loader = loaders.get(shape);
  if (!loader) {
    const columns = getTableColumns(table);
    const property = Object.keys(columns).find((name) => columns[name] === column);
    if (!property) throw new Error(`${column.name} is not a column of its table`);
    loader = new DataLoader(
      async (parents) => {
        const window = orderBy.length ? sql` order by ${order}` : sql``;
        const rank = sql<number>`row_number() over (partition by ${column}${window})`.as(RANK);
        const ranked = ctx.reader.db
          .select({ ...columns, [RANK]: rank })
          .from(table)
          .where(and(inArray(column, [...new Set(parents)] as never[]), where))
          .as("ranked");
        const rows = (await ctx.reader.db
          .select()
          .from(ranked)
          .where(limit === null ? undefined : lte(sql.identifier(RANK), limit))) as Row[];
        const pages = new Map<string, { rank: number; row: Row }[]>();
        for (const { [RANK]: rank, ...row } of rows) {
          const key = keyOf(row[property]);
          const page = pages.get(key) ?? [];
          page.push({ rank: Number(rank), row });
          pages.set(key, page);
        }
        return parents.map((key) =>
          (pages.get(keyOf(key)) ?? []).sort((a, b) => a.rank - b.rank).map(({ row }) => row),
        );
      },
      // Batching only: a subscription's context lives long, and rows change under it. At most
      // 100 parents a query: the indexer's SQL endpoint refuses queries over 5,000 characters.
      { cache: false, cacheKeyFn: keyOf, maxBatchSize: 100 },
    );
    loaders.set(shape, loader);
  }
  return loader;
}
