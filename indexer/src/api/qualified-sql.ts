import Parser from "pg-query-emscripten";

// On PGlite the indexer and the `/sql` endpoint share one database session, and Ponder's flush of
// more than 20 updated rows of a table creates a session TEMP table with that table's name (its
// staging table, emptied after each flush but kept). Unqualified names resolve to pg_temp first,
// so after any large flush `/sql` read those empty staging tables: `select … from "account"`
// answered no rows while Ponder's GraphQL (schema-qualified) saw them all. Ponder's `/sql`
// refuses schema-qualified queries, so the qualification happens here, after its validation:
// each table reference the parser finds gets the namespace schema in front.

const { parse } = await Parser();
const MAX_CACHED = 2_000;

interface RangeVar {
  relname?: string;
  schemaname?: string;
  location?: number;
}

/** Byte offsets of the unqualified references to `tables` in a parsed statement. */
function tableReferences(node: unknown, tables: ReadonlySet<string>, out: number[]): number[] {
  if (Array.isArray(node)) {
    for (const child of node) tableReferences(child, tables, out);
  } else if (node !== null && typeof node === "object") {
    for (const [key, child] of Object.entries(node)) {
      const range = key === "RangeVar" ? (child as RangeVar) : undefined;
      if (
        range?.relname !== undefined &&
        range.schemaname === undefined &&
        tables.has(range.relname) &&
        range.location !== undefined
      ) {
        out.push(range.location);
      }
      tableReferences(child, tables, out);
    }
  }
  return out;
}

/** Returns `sql` with every reference to one of `tables` qualified by `schema`. */
export function qualifyTables(sql: string, schema: string, tables: ReadonlySet<string>): string {
  const result = parse(sql);
  if (result.error !== null) return sql; // Ponder has already refused it; leave its error alone
  const locations = tableReferences(result.parse_tree.stmts, tables, []).sort((a, b) => b - a);
  // Locations are byte offsets into the UTF-8 text.
  let bytes = Buffer.from(sql, "utf8");
  const prefix = Buffer.from(`"${schema.replaceAll('"', '""')}".`, "utf8");
  for (const location of locations) {
    bytes = Buffer.concat([bytes.subarray(0, location), prefix, bytes.subarray(location)]);
  }
  return bytes.toString("utf8");
}

interface Query {
  sql: string;
}
interface Session {
  prepareQuery(query: Query, ...rest: unknown[]): unknown;
}

/**
 * A view of Ponder's `db` for `client()` whose session qualifies table names before running a
 * query; everything else is the same object.
 */
export function withQualifiedTables<T extends object>(
  db: T,
  schema: string,
  tables: Iterable<string>,
): T {
  const names = new Set(tables);
  const cache = new Map<string, string>();
  const inner = (db as unknown as { _: { session: Session } })._;
  const session = new Proxy(inner.session, {
    get(target, property) {
      if (property === "prepareQuery") {
        return (query: Query, ...rest: unknown[]) => {
          let sql = cache.get(query.sql);
          if (sql === undefined) {
            sql = qualifyTables(query.sql, schema, names);
            if (cache.size >= MAX_CACHED) cache.clear();
            cache.set(query.sql, sql);
          }
          return target.prepareQuery({ ...query, sql }, ...rest);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === "_") return { ...inner, session };
      return Reflect.get(target, property, receiver);
    },
  });
}
