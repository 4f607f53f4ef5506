CREATE TABLE "app"."chunk" (
	"contribution_id" bigint NOT NULL,
	"index" integer NOT NULL,
	"datanet_id" bigint NOT NULL,
	"contributor" text NOT NULL,
	"start_offset" integer NOT NULL,
	"end_offset" integer NOT NULL,
	"chunk_hash" text NOT NULL,
	"text" text,
	"searchable" boolean DEFAULT false NOT NULL,
	"embedding_provider" text,
	"embedding_dim" integer,
	"embedding" vector,
	"tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', coalesce("text", ''))) STORED,
	CONSTRAINT "chunk_contribution_id_index_pk" PRIMARY KEY("contribution_id","index")
);
--> statement-breakpoint
CREATE TABLE "app"."content" (
	"hash" text PRIMARY KEY NOT NULL,
	"text" text NOT NULL,
	"byte_length" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "app"."document" (
	"contribution_id" bigint PRIMARY KEY NOT NULL,
	"datanet_id" bigint NOT NULL,
	"contributor" text NOT NULL,
	"content_hash" text NOT NULL,
	"media_type" text NOT NULL,
	"byte_length" integer NOT NULL,
	"chain_status" text NOT NULL,
	"ingestion" text NOT NULL,
	"chunk_count" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "app"."pending_upload" (
	"contribution_id" bigint NOT NULL,
	"uploaded_by" text NOT NULL,
	"content_hash" text NOT NULL,
	"media_type" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pending_upload_contribution_id_uploaded_by_pk" PRIMARY KEY("contribution_id","uploaded_by")
);
--> statement-breakpoint
CREATE TABLE "app"."rag_state" (
	"key" text PRIMARY KEY NOT NULL,
	"value" "bytea" NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "chunk_hash_idx" ON "app"."chunk" USING btree ("chunk_hash");--> statement-breakpoint
CREATE INDEX "chunk_datanet_idx" ON "app"."chunk" USING btree ("datanet_id") WHERE "searchable";--> statement-breakpoint
CREATE INDEX "chunk_tsv_idx" ON "app"."chunk" USING gin ("tsv") WHERE "searchable";--> statement-breakpoint
CREATE INDEX "document_datanet_idx" ON "app"."document" USING btree ("datanet_id");--> statement-breakpoint
CREATE INDEX "document_hash_idx" ON "app"."document" USING btree ("content_hash");--> statement-breakpoint
CREATE INDEX "pending_upload_uploader_idx" ON "app"."pending_upload" USING btree ("uploaded_by");