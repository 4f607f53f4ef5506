// App state, in its own Postgres schema `app` (Ponder owns the indexer's schema; no foreign keys
// cross into it). Documents, chunks and embeddings come with the RAG issue.
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

export const app = pgSchema("app");

/** SIWE nonces: issued by `siweNonce`, consumed once by `signIn`, refused after `expiresAt`. */
export const siweNonce = app.table("siwe_nonce", {
  nonce: text("nonce").primaryKey(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
});

/** Sessions after a SIWE sign-in; only the sha256 of the bearer token is stored. */
export const session = app.table(
  "session",
  {
    id: text("id").primaryKey(),
    tokenHash: text("token_hash").notNull().unique(),
    address: text("address").notNull(),
    chainId: integer("chain_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("session_address_idx").on(t.address)],
);

/** Server-to-server API keys; only the sha256 of the secret is stored. */
export const apiKey = app.table(
  "api_key",
  {
    id: text("id").primaryKey(),
    owner: text("owner").notNull(),
    name: text("name").notNull(),
    /** First characters of the key, shown to the owner to tell keys apart. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    scopes: text("scopes").array().notNull(),
    /** Requests per minute allowed for this key. */
    rateLimitPerMinute: integer("rate_limit_per_minute").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [index("api_key_owner_idx").on(t.owner)],
);

/** Signed transactions relayed through `relayTransaction`, to report their status. */
export const relayedTransaction = app.table("relayed_transaction", {
  hash: text("hash").primaryKey(),
  from: text("from").notNull(),
  to: text("to"),
  chainId: integer("chain_id").notNull(),
  submittedAt: timestamp("submitted_at", { withTimezone: true }).notNull().defaultNow(),
  blockNumber: text("block_number"),
  reverted: boolean("reverted"),
});

/**
 * Where the subscription feeder of a deployment got to: the last log it published (block, log
 * index) and the statuses it last saw. A leader that restarts, or a replica that takes over,
 * resumes from here: logs after the cursor are published, logs up to it are not again.
 */
export const feederCursor = app.table("feeder_cursor", {
  deployment: text("deployment").primaryKey(),
  blockNumber: bigint("block_number", { mode: "bigint" }).notNull(),
  logIndex: integer("log_index").notNull(),
  /** Status rows (`root:<epoch>`, `proposal:<id>`) → status, as last published. */
  statuses: jsonb("statuses").$type<Record<string, string>>().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
