import type { Context } from "ponder:registry";
import { sql } from "drizzle-orm";
import { tableNames } from "./table-names.ts";

// Ponder reverts reorged rows with its live-query triggers dropped, so the revert reports no
// table as changed, and `@ponder/client`'s cached `/sql` results (which the API's embedded
// reader and `/sql/live` subscribers rely on) would keep serving reverted rows until a later
// block happens to write the same table. The first block indexed after a reorg therefore marks
// every table as changed, through the same per-block list Ponder's own triggers fill and
// publish when the block commits.
const LIVE_QUERY_TABLES = "live_query_tables";

let lastBlock: { number: bigint; hash: string } | undefined;

/**
 * Called for every indexed block (by each handler); a block at or below the last one seen with
 * another hash, or below it, is the first one re-indexed after a reorg.
 */
export async function refreshLiveQueriesAfterReorg(
  context: Context,
  block: { number: bigint; hash: string },
): Promise<void> {
  const previous = lastBlock;
  lastBlock = { number: block.number, hash: block.hash };
  const reindexed =
    previous !== undefined &&
    (block.number < previous.number ||
      (block.number === previous.number && block.hash !== previous.hash));
  if (!reindexed) return;
  const rows = sql.join(
    tableNames.map((name) => sql`(${name})`),
    sql`, `,
  );
  await context.db.sql.execute(
    sql`INSERT INTO ${sql.identifier(LIVE_QUERY_TABLES)} (table_name) VALUES ${rows} ON CONFLICT (table_name) DO NOTHING`,
  );
}
