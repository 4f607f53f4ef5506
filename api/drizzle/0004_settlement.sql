CREATE TABLE "app"."settlement_epoch" (
	"epoch" bigint PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"root" text,
	"total_cumulative" numeric(78, 0),
	"data_hash" text,
	"file_hash" text,
	"data_uri" text,
	"redeem_plan" text,
	"redeem_tx" text,
	"propose_tx" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "app"."settlement_file" (
	"hash" text PRIMARY KEY NOT NULL,
	"epoch" bigint NOT NULL,
	"body" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "app"."settlement_leaf" (
	"epoch" bigint NOT NULL,
	"kind" integer NOT NULL,
	"account" text NOT NULL,
	"agent_id" numeric(78, 0) NOT NULL,
	"cumulative_amount" numeric(78, 0) NOT NULL,
	"cumulative_vote_eligible" numeric(78, 0) NOT NULL,
	"proof" text NOT NULL,
	CONSTRAINT "settlement_leaf_epoch_kind_account_agent_id_pk" PRIMARY KEY("epoch","kind","account","agent_id")
);
--> statement-breakpoint
ALTER TABLE "app"."invocation" ADD COLUMN "epoch" bigint;--> statement-breakpoint
ALTER TABLE "app"."invocation" ADD COLUMN "settlement" text;--> statement-breakpoint
CREATE INDEX "invocation_epoch_idx" ON "app"."invocation" USING btree ("epoch","settlement");