// The indexer's `contribution` table inside a test's own database, for unit tests of what reads
// it (uploads, the content lifecycle) without anvil and Ponder. Rows are written the way the
// indexer's handlers write them: every change sets `block_number` to the block of its event.
import * as t from "@tributary/indexer/schema";
import { sql } from "drizzle-orm";
import { getTableConfig } from "drizzle-orm/pg-core";
import type { Address, Hex } from "viem";
import type { AppDb } from "../db/index.ts";
import type { ReaderDb } from "../reader/index.ts";

export interface FakeChain {
  reader: ReaderDb;
  /** The block the next change lands in. */
  block: bigint;
  /** Mines `n` empty blocks. */
  mine(n: number): void;
  register(row: {
    id: bigint;
    datanetId: bigint;
    contributor: Address;
    contentHash: Hex;
  }): Promise<void>;
  /** A status change (Accepted, Rejected, Withdrawn) in the current block. */
  setStatus(id: bigint, status: string): Promise<void>;
  /** A reorg that puts a row back as it was at `block` (status and block number), or removes it. */
  revert(id: bigint, to: { status: string; block: bigint } | null): Promise<void>;
}

export async function createFakeChain(db: AppDb): Promise<FakeChain> {
  const { name, columns } = getTableConfig(t.contribution as never);
  const ddl = columns.map(
    (c) =>
      `"${c.name}" ${c.columnType === "PgEnumColumn" ? "text" : c.getSQLType()}${c.primary ? " PRIMARY KEY" : ""}`,
  );
  await db.execute(sql.raw(`CREATE TABLE IF NOT EXISTS public."${name}" (${ddl.join(", ")})`));
  const chain: FakeChain = {
    reader: db as unknown as ReaderDb,
    block: 1n,
    mine(n) {
      chain.block += BigInt(n);
    },
    async register(row) {
      const at = chain.block;
      await db.execute(sql`INSERT INTO public.contribution (id, datanet_id, contributor, content_hash,
        uri, bond, quorum, status, accept_votes, reject_votes, bond_outcome, bond_returned,
        bond_forfeited, created_block, created_at, block_number, log_index, timestamp)
        VALUES (${row.id.toString()}, ${row.datanetId.toString()}, ${row.contributor},
        ${row.contentHash}, 'test:', 0, 2, 'Pending', 0, 0, 'Held', 0, 0, ${at.toString()},
        ${at.toString()}, ${at.toString()}, 0, ${at.toString()})`);
    },
    async setStatus(id, status) {
      await db.execute(
        sql`UPDATE public.contribution SET status = ${status}, block_number = ${chain.block.toString()} WHERE id = ${id.toString()}`,
      );
    },
    async revert(id, to) {
      if (to === null) {
        await db.execute(sql`DELETE FROM public.contribution WHERE id = ${id.toString()}`);
        return;
      }
      await db.execute(
        sql`UPDATE public.contribution SET status = ${to.status}, block_number = ${to.block.toString()} WHERE id = ${id.toString()}`,
      );
    },
  };
  return chain;
}
