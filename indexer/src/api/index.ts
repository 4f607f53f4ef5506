import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, graphql } from "ponder";
import { tableNames } from "../lib/table-names.ts";
import { withQualifiedTables } from "./qualified-sql.ts";

// Ponder itself serves /health, /ready (200 once caught up), /status and /metrics.
const app = new Hono();

// Ponder's own global: the schema its tables live in ("public" on PGlite unless --schema).
const namespace =
  (globalThis as { PONDER_NAMESPACE_BUILD?: { schema?: string } }).PONDER_NAMESPACE_BUILD?.schema ??
  "public";
const tables = [...tableNames, "_ponder_checkpoint"];

app.use("/sql/*", client({ db: withQualifiedTables(db, namespace, tables), schema }));
app.use("/graphql", graphql({ db, schema }));
app.use("/", graphql({ db, schema }));

export default app;
