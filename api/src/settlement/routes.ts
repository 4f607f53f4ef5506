import { timingSafeEqual } from "node:crypto";
import type { ServerResponse } from "node:http";
import { eq } from "drizzle-orm";
import type { AppDb } from "../db/index.ts";
import { settlementFile } from "../db/schema.ts";
import { serveContentAddressed } from "../http/content-addressed.ts";
import type { SettlementRunner } from "./runner.ts";

/**
 * `GET /epochs/<sha256 hex>.json`: an epoch's receipts file, the exact bytes its name hashes
 * to, so that any copy can be checked and cached forever.
 */
export function serveEpochFile(db: AppDb, name: string, res: ServerResponse): Promise<void> {
  return serveContentAddressed(
    res,
    name,
    { expected: "Expected /epochs/<sha256 hex>.json", notFound: "No epoch file has this hash" },
    async (hex) => {
      const [row] = await db
        .select({ body: settlementFile.body })
        .from(settlementFile)
        .where(eq(settlementFile.hash, `0x${hex}`));
      return row?.body ?? null;
    },
  );
}

/**
 * `POST /settle` (what `npm run settle` calls): runs one epoch now and answers its outcome.
 * Only with the configured admin token; absent when settlement or the token is not configured.
 */
export async function settleRoute(
  runner: SettlementRunner | null,
  authorization: string | undefined,
  reply: (status: number, body: string) => void,
): Promise<void> {
  const error = (status: number, message: string) =>
    reply(status, JSON.stringify({ errors: [{ message }] }));
  if (!runner?.adminToken) return error(404, "Settlement is not enabled on this API");
  const given = Buffer.from(authorization ?? "");
  const expected = Buffer.from(`Bearer ${runner.adminToken}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return error(401, "POST /settle needs the settlement admin token");
  try {
    const outcome = await runner.runOnce();
    reply(
      200,
      JSON.stringify(outcome, (_, v) => (typeof v === "bigint" ? v.toString() : v)),
    );
  } catch (e) {
    error(500, `Settlement failed: ${(e as Error).message.slice(0, 300)}`);
  }
}
