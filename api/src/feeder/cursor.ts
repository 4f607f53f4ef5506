import { eq } from "drizzle-orm";
import type { AppDb } from "../db/index.ts";
import { feederCursor } from "../db/schema.ts";

/** The last log a feeder published and the statuses it last saw (see `feederCursor`). */
export interface FeederCursor {
  blockNumber: bigint;
  logIndex: number;
  statuses: Record<string, string>;
}

export interface CursorStore {
  load(): Promise<FeederCursor | null>;
  save(cursor: FeederCursor): Promise<void>;
}

/** The cursor of one feeder (`key`: deployment and bus) in the app database. */
export function appCursorStore(db: AppDb, key: string): CursorStore {
  return {
    async load() {
      const [row] = await db.select().from(feederCursor).where(eq(feederCursor.deployment, key));
      return row
        ? { blockNumber: row.blockNumber, logIndex: row.logIndex, statuses: row.statuses }
        : null;
    },
    async save(cursor) {
      const values = { ...cursor, updatedAt: new Date() };
      await db
        .insert(feederCursor)
        .values({ deployment: key, ...values })
        .onConflictDoUpdate({ target: feederCursor.deployment, set: values });
    },
  };
}
