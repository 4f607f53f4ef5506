CREATE TABLE "app"."agent_signer" (
	"address" text PRIMARY KEY NOT NULL,
	"operator" text NOT NULL,
	"spec_hash" text NOT NULL,
	"agent_id" text,
	"encrypted_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_signer_agent_id_unique" UNIQUE("agent_id")
);
--> statement-breakpoint
CREATE TABLE "app"."agent_spec" (
	"spec_hash" text PRIMARY KEY NOT NULL,
	"spec" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "app"."agent_spec_part" (
	"spec_hash" text NOT NULL,
	"kind" text NOT NULL,
	"ref_id" text NOT NULL,
	"weight" double precision NOT NULL,
	CONSTRAINT "agent_spec_part_spec_hash_kind_ref_id_pk" PRIMARY KEY("spec_hash","kind","ref_id")
);
--> statement-breakpoint
CREATE TABLE "app"."invocation" (
	"payer" text NOT NULL,
	"request_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"operator" text NOT NULL,
	"input_hash" text NOT NULL,
	"status" text NOT NULL,
	"max_price" numeric(78, 0) NOT NULL,
	"price" numeric(78, 0),
	"pool_request_id" text NOT NULL,
	"tokens_in" integer,
	"tokens_out" integer,
	"result" text,
	"receipt" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "invocation_payer_request_id_pk" PRIMARY KEY("payer","request_id")
);
--> statement-breakpoint
CREATE TABLE "app"."payer_ledger" (
	"payer" text PRIMARY KEY NOT NULL,
	"voucher_cap" numeric(78, 0) NOT NULL,
	"voucher_expiry" bigint NOT NULL,
	"voucher_signature" text NOT NULL,
	"charged" numeric(78, 0) DEFAULT '0' NOT NULL,
	"reserved" numeric(78, 0) DEFAULT '0' NOT NULL,
	"charged_redeemed" numeric(78, 0) DEFAULT '0' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "agent_signer_draft_idx" ON "app"."agent_signer" USING btree ("operator","spec_hash");--> statement-breakpoint
CREATE INDEX "agent_spec_part_ref_idx" ON "app"."agent_spec_part" USING btree ("kind","ref_id");--> statement-breakpoint
CREATE INDEX "invocation_agent_idx" ON "app"."invocation" USING btree ("agent_id","created_at");--> statement-breakpoint
CREATE INDEX "invocation_payer_idx" ON "app"."invocation" USING btree ("payer","created_at");