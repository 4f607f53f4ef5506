// The parser Ponder itself uses for `/sql` (pg-query-emscripten ships no types).
declare module "pg-query-emscripten" {
  interface ParseResult {
    parse_tree: { stmts: unknown[] };
    error: string | null;
  }
  const load: () => Promise<{ parse: (sql: string) => ParseResult }>;
  export default load;
}
