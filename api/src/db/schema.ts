// App state, in its own Postgres schema `app` (Ponder owns the indexer's schema; no foreign keys
// cross into it).
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgSchema,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import type { PayoutEvent } from "../payouts/events.ts";

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

/**
 * Payout events known off chain (a call's PayoutAccrued, the reverts of calls settlement left
 * unpaid), written in the transaction that makes them true and deleted by the relay once
 * published (payouts/relay.ts): a crash between the commit and the publish delays them, never
 * loses them. `id` orders a batch; it is no cursor (serial ids commit out of order).
 */
export const payoutOutbox = app.table("payout_outbox", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  eventId: text("event_id").notNull(),
  event: jsonb("event").$type<PayoutEvent>().notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

// ─────────────────────────────── RAG: Datanet content, chunks, embeddings ───────────────────────────────

/** pgvector's `vector` without a fixed dimension: rows record theirs (`embedding_dim`), and a
 * partial expression HNSW index per dimension (`rag/vector-index.ts`) serves each. */
const vector = customType<{ data: number[]; driverData: string }>({
  dataType: () => "vector",
  toDriver: (value) => `[${value.join(",")}]`,
  fromDriver: (value) => JSON.parse(value) as number[],
});
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});

/**
 * Uploaded content, addressed by the sha256 of its UTF-8 bytes exactly as sent ("0x" + hex).
 * Deleted when no live document refers to it any more (takedown, rejection).
 */
export const content = app.table("content", {
  hash: text("hash").primaryKey(),
  text: text("text").notNull(),
  byteLength: integer("byte_length").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Uploads for contributions the indexer does not show yet, one per (contribution, uploader):
 * nobody can squat a contribution id before it is indexed. Promoted to a document once the
 * chain shows the contribution with the same hash and contributor; dropped otherwise.
 */
export const pendingUpload = app.table(
  "pending_upload",
  {
    contributionId: bigint("contribution_id", { mode: "bigint" }).notNull(),
    uploadedBy: text("uploaded_by").notNull(),
    contentHash: text("content_hash").notNull(),
    mediaType: text("media_type").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.contributionId, t.uploadedBy] }),
    index("pending_upload_uploader_idx").on(t.uploadedBy),
  ],
);

/** The stored content of one on-chain contribution and where its ingestion stands. */
export const document = app.table(
  "document",
  {
    contributionId: bigint("contribution_id", { mode: "bigint" }).primaryKey(),
    datanetId: bigint("datanet_id", { mode: "bigint" }).notNull(),
    contributor: text("contributor").notNull(),
    contentHash: text("content_hash").notNull(),
    mediaType: text("media_type").notNull(),
    byteLength: integer("byte_length").notNull(),
    /** The contribution's status as last read from the indexer (follows reorgs). */
    chainStatus: text("chain_status").notNull(),
    /** QUEUED → PROCESSING → READY | FAILED; REMOVED once its text was deleted. */
    ingestion: text("ingestion").notNull(),
    chunkCount: integer("chunk_count").notNull().default(0),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("document_datanet_idx").on(t.datanetId),
    index("document_hash_idx").on(t.contentHash),
  ],
);

/**
 * A chunk of a document. Offsets are UTF-8 byte offsets into the content. After a takedown or
 * rejection `text` and `embedding` are null and the row stays as a tombstone (hash, offsets,
 * contributor), so receipts that cited it can still be checked.
 */
export const chunk = app.table(
  "chunk",
  {
    contributionId: bigint("contribution_id", { mode: "bigint" }).notNull(),
    index: integer("index").notNull(),
    datanetId: bigint("datanet_id", { mode: "bigint" }).notNull(),
    contributor: text("contributor").notNull(),
    startOffset: integer("start_offset").notNull(),
    endOffset: integer("end_offset").notNull(),
    chunkHash: text("chunk_hash").notNull(),
    text: text("text"),
    /** Accepted on chain and not taken down. */
    searchable: boolean("searchable").notNull().default(false),
    embeddingProvider: text("embedding_provider"),
    embeddingDim: integer("embedding_dim"),
    embedding: vector("embedding"),
    tsv: tsvector("tsv").generatedAlwaysAs(sql`to_tsvector('english', coalesce("text", ''))`),
  },
  (t) => [
    primaryKey({ columns: [t.contributionId, t.index] }),
    index("chunk_hash_idx").on(t.chunkHash),
    index("chunk_datanet_idx").on(t.datanetId).where(sql`"searchable"`),
    index("chunk_tsv_idx").using("gin", t.tsv).where(sql`"searchable"`),
  ],
);

/** Small named blobs of RAG state (the embedder's document-frequency sketch). */
export const ragState = app.table("rag_state", {
  key: text("key").primaryKey(),
  value: bytea("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

// ─────────────────────────────── agents ───────────────────────────────

/** uint256 amounts (TRIB wei) as exact numerics; drizzle returns them as decimal strings. */
const amount = (name: string) => numeric(name, { precision: 78, scale: 0 });

/** Agent specs by their canonical hash (content-addressed: one row per distinct spec). */
export const agentSpec = app.table("agent_spec", {
  specHash: text("spec_hash").primaryKey(),
  spec: jsonb("spec").notNull(),
  /** Who first stored it. */
  createdBy: text("created_by").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Which specs use which adapters and Datanets (the composition listing). */
export const agentSpecPart = app.table(
  "agent_spec_part",
  {
    specHash: text("spec_hash").notNull(),
    kind: text("kind").notNull().$type<"ADAPTER" | "DATANET">(),
    /** On-chain id (decimal). */
    refId: text("ref_id").notNull(),
    /** Ensemble weight (adapters; 0 for Datanets). */
    weight: doublePrecision("weight").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.specHash, t.kind, t.refId] }),
    index("agent_spec_part_ref_idx").on(t.kind, t.refId),
  ],
);

/**
 * Receipt signer keys this service made: one per agent, created with the agent's spec before
 * its on-chain id is known (then bound to it). The key is AES-256-GCM encrypted with the
 * service's signer secret; it is never a user's key.
 */
export const agentSigner = app.table(
  "agent_signer",
  {
    address: text("address").primaryKey(),
    operator: text("operator").notNull(),
    specHash: text("spec_hash").notNull(),
    /** The agent's on-chain id once bound (decimal). */
    agentId: text("agent_id").unique(),
    encryptedKey: text("encrypted_key").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("agent_signer_draft_idx").on(t.operator, t.specHash)],
);

/**
 * A payer's spending: the highest voucher seen, what completed calls charged, what calls in
 * flight reserved. Rows are locked (`FOR UPDATE`) while a call reserves its maximum price.
 */
export const payerLedger = app.table("payer_ledger", {
  payer: text("payer").primaryKey(),
  voucherCap: amount("voucher_cap").notNull(),
  voucherExpiry: bigint("voucher_expiry", { mode: "bigint" }).notNull(),
  voucherSignature: text("voucher_signature").notNull(),
  /** Σ prices of completed calls. */
  charged: amount("charged").notNull().default("0"),
  /** Σ maximum prices of calls in flight. */
  reserved: amount("reserved").notNull().default("0"),
  /** The part of `charged` settlement has redeemed on chain. */
  chargedRedeemed: amount("charged_redeemed").notNull().default("0"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One agent call, idempotent by (payer, requestId). */
export const invocation = app.table(
  "invocation",
  {
    payer: text("payer").notNull(),
    requestId: text("request_id").notNull(),
    agentId: text("agent_id").notNull(),
    operator: text("operator").notNull(),
    /** sha256 of the call's canonical input: a reused request id with other input is refused. */
    inputHash: text("input_hash").notNull(),
    status: text("status").notNull().$type<"RUNNING" | "DONE" | "FAILED">(),
    maxPrice: amount("max_price").notNull(),
    price: amount("price"),
    poolRequestId: text("pool_request_id").notNull(),
    tokensIn: integer("tokens_in"),
    tokensOut: integer("tokens_out"),
    // JSON kept as text: a model's answer may hold U+0000, which jsonb refuses.
    /** JSON: answer, citations, citationCheck, spans, toolCalls. */
    result: text("result"),
    /** JSON: typed data, signature, signer and the lists behind the hashes. */
    receipt: text("receipt"),
    /** JSON: why a call failed. */
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    /** The settlement epoch that took this call's receipt (null: not yet settled). */
    epoch: bigint("epoch", { mode: "bigint" }),
    /** PENDING once taken by an epoch; PAID when its payer's redemption covered it; UNPAID not. */
    settlement: text("settlement").$type<"PENDING" | "PAID" | "UNPAID">(),
  },
  (t) => [
    primaryKey({ columns: [t.payer, t.requestId] }),
    index("invocation_agent_idx").on(t.agentId, t.createdAt),
    index("invocation_payer_idx").on(t.payer, t.createdAt),
    index("invocation_epoch_idx").on(t.epoch, t.settlement),
  ],
);

/**
 * Settlement epochs as this service ran them. The steps are recorded so that a crashed run
 * resumes where it stopped: ASSIGNED (receipts taken) → PLANNED (amounts per payer fixed) →
 * REDEEMED (vouchers redeemed on chain)
 * → BUILT (file, tree and leaves stored) → PROPOSED (root posted).
 */
export const settlementEpoch = app.table("settlement_epoch", {
  epoch: bigint("epoch", { mode: "bigint" }).primaryKey(),
  status: text("status")
    .notNull()
    .$type<"ASSIGNED" | "PLANNED" | "REDEEMED" | "BUILT" | "PROPOSED">(),
  root: text("root"),
  totalCumulative: amount("total_cumulative"),
  dataHash: text("data_hash"),
  /** sha256 of the epoch's receipts file (its content address). */
  fileHash: text("file_hash"),
  dataUri: text("data_uri"),
  /**
   * JSON: per payer, the amount this epoch redeems and the payer's cumulative redeemed total
   * once it is (the target a resumed run checks the chain against), with the calls it covers.
   */
  redeemPlan: text("redeem_plan"),
  redeemTx: text("redeem_tx"),
  proposeTx: text("propose_tx"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Published epoch receipts files, by content address; served at the root's `dataURI`. */
export const settlementFile = app.table("settlement_file", {
  hash: text("hash").primaryKey(),
  epoch: bigint("epoch", { mode: "bigint" }).notNull(),
  /** The file's exact bytes (canonical JSON). */
  body: text("body").notNull(),
});

/** Every leaf of every epoch's tree with its proof: what claims and `Account.claimable` read. */
export const settlementLeaf = app.table(
  "settlement_leaf",
  {
    epoch: bigint("epoch", { mode: "bigint" }).notNull(),
    /** 0: an earner (account); 1: an agent's stakers (agentId). */
    kind: integer("kind").notNull(),
    /** Checksummed account for earners; the zero address for stakers. */
    account: text("account").notNull(),
    agentId: amount("agent_id").notNull(),
    cumulativeAmount: amount("cumulative_amount").notNull(),
    cumulativeVoteEligible: amount("cumulative_vote_eligible").notNull(),
    /** JSON array of the sibling hashes. */
    proof: text("proof").notNull(),
  },
  (t) => [primaryKey({ columns: [t.epoch, t.kind, t.account, t.agentId] })],
);

// ─────────────────────────────── Model Factory: training jobs ───────────────────────────────

/** What a job's publication registers: listing, content address and where its files are served. */
export interface TrainingPublicationRecord {
  name: string;
  /** Decimal strings (uint256). */
  pricePerCall: string;
  pricePer1kTokens: string;
  /** 0x sha256 of adapter_config.json ‖ adapter_model.safetensors: the registered content hash. */
  contentHash: string;
  uri: string;
  /** ISO-8601. */
  preparedAt: string;
}

/** One Datanet's held-out loss before (the base model) and after (the final checkpoint). */
export interface DatanetEvaluationRecord {
  /** Decimal string. */
  datanetId: string;
  /** Its held-out examples and their trained tokens (what the loss is a mean over); 0 and 0 when none was held out. */
  examples: number;
  tokens: number;
  /** Mean −log p over those tokens; null without held-out examples. */
  lossBefore: number | null;
  lossAfter: number | null;
}

/** A held-out prompt answered greedily by the base model and by the trained adapter. */
export interface SampleAnswerRecord {
  datanetId: string;
  contributionId: string;
  prompt: string;
  answerBefore: string;
  answerAfter: string;
}

/** A job's evaluation, done once it trained all its steps (`training/evaluation.ts`). */
export interface TrainingEvaluationRecord {
  /** The checkpoint evaluated (the job's final adapter) and its step. */
  adapterId: string;
  step: number;
  datanets: DatanetEvaluationRecord[];
  samples: SampleAnswerRecord[];
  /** New tokens at most per sample answer. */
  sampleTokens: number;
  /** ISO-8601. */
  evaluatedAt: string;
}

/**
 * LoRA training jobs (`createTrainingJob`). QUEUED → RUNNING → EVALUATING → SUCCEEDED, or FAILED
 * | CANCELLED; a RUNNING or EVALUATING job found when the API starts is queued again: it resumes
 * from its last checkpoint in `jobDir` (a job that had trained all its steps goes straight to its
 * evaluation, which is done again from the start).
 * `createdAt` is set by the API (millisecond precision), as keyset cursors need.
 */
export const trainingJob = app.table(
  "training_job",
  {
    id: text("id").primaryKey(),
    builder: text("builder").notNull(),
    baseModelId: bigint("base_model_id", { mode: "bigint" }).notNull(),
    datanetIds: text("datanet_ids").array().notNull(),
    dataBlock: bigint("data_block", { mode: "bigint" }).notNull(),
    /** Resolved hyper-parameters (defaults filled in), seed included. */
    hyperParameters: jsonb("hyper_parameters").$type<Record<string, unknown>>().notNull(),
    status: text("status").notNull(),
    /** Set by `cancelTrainingJob` on a RUNNING job until its worker has stopped. */
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    threads: integer("threads").notNull(),
    step: integer("step").notNull().default(0),
    totalSteps: integer("total_steps").notNull(),
    /** The step its latest worker started from (its checkpoint's, after a restart or a crash). */
    resumedFromStep: integer("resumed_from_step"),
    loss: doublePrecision("loss"),
    evalLoss: doublePrecision("eval_loss"),
    tokensPerSecond: doublePrecision("tokens_per_second"),
    etaSeconds: doublePrecision("eta_seconds"),
    errorCode: text("error_code"),
    error: text("error"),
    checkpointPath: text("checkpoint_path"),
    checkpointStep: integer("checkpoint_step"),
    adapterId: text("adapter_id"),
    /** The base model's directory and the job's own (data sets, worker output). */
    modelDir: text("model_dir").notNull(),
    jobDir: text("job_dir").notNull(),
    hasEval: boolean("has_eval").notNull(),
    manifest: jsonb("manifest").$type<Record<string, unknown>>().notNull(),
    manifestHash: text("manifest_hash").notNull(),
    datasetSha256: text("dataset_sha256").notNull(),
    /**
     * The ModelRegistry registration `publishTrainingJob` last prepared for its adapter (the
     * chain, through the indexer, says whether it was sent: see `TrainingPublication`).
     */
    publication: jsonb("publication").$type<TrainingPublicationRecord>(),
    /** Held-out loss per Datanet and sample answers, before and after; null until evaluated. */
    evaluation: jsonb("evaluation").$type<TrainingEvaluationRecord>(),
    /** Why a SUCCEEDED job has no evaluation (it held nothing out). */
    evaluationSkipped: text("evaluation_skipped"),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("training_job_builder_idx").on(t.builder, t.createdAt),
    index("training_job_status_idx").on(t.status, t.createdAt),
  ],
);
