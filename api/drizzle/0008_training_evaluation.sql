ALTER TABLE "app"."training_job" ADD COLUMN "evaluation" jsonb;--> statement-breakpoint
ALTER TABLE "app"."training_job" ADD COLUMN "evaluation_skipped" text;