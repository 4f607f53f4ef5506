import * as t from "@tributary/indexer/schema";
import { and, eq } from "drizzle-orm";
import type { Address } from "viem";
import type { ChainReader } from "../reader/index.ts";

/**
 * Who may read a Datanet's content (search hits, `Contribution.content`, `/content/<hash>`).
 * One rule for every read path: protocol v2's registry decides it ({@link registryAccess}).
 */
export interface DatanetAccessRule {
  /** Whether `viewer` (null: anonymous) may read content of `datanetId`. */
  canRead(viewer: Address | null, datanetId: bigint): Promise<boolean>;
  /**
   * The subset of `datanetIds` the viewer may read; `null` in, every readable Datanet out
   * (`null` again when that is all of them, so queries need no filter).
   */
  readable(viewer: Address | null, datanetIds: readonly bigint[] | null): Promise<bigint[] | null>;
}

/** Every Datanet is open (tests that do not exercise access). */
export const openAccess: DatanetAccessRule = {
  canRead: async () => true,
  readable: async (_viewer, datanetIds) => (datanetIds ? [...datanetIds] : null),
};

/**
 * DatanetRegistry's `hasAccess`, read from the indexed registry: an Open Datanet is readable by
 * anyone; a Restricted one by its curator, its current validators and the accounts the curator
 * approved (an anonymous viewer reads none). An unknown Datanet is readable by nobody.
 */
export function registryAccess(reader: ChainReader): DatanetAccessRule {
  /** The Restricted Datanets, and among them those `viewer` may read. */
  async function restricted(viewer: Address | null) {
    const rows = await reader.db
      .select({ id: t.datanet.id, curator: t.datanet.curator })
      .from(t.datanet)
      .where(eq(t.datanet.accessPolicy, "Restricted"));
    const all = new Set(rows.map((r) => r.id));
    const granted = new Set<bigint>();
    if (viewer === null || all.size === 0) return { all, granted };
    for (const r of rows) if (r.curator === viewer) granted.add(r.id);
    const [approved, validating] = await Promise.all([
      reader.db
        .select({ id: t.datanetAccessRequest.datanetId })
        .from(t.datanetAccessRequest)
        .where(
          and(
            eq(t.datanetAccessRequest.account, viewer),
            eq(t.datanetAccessRequest.status, "Approved"),
          ),
        ),
      reader.db
        .select({ id: t.datanetValidator.datanetId })
        .from(t.datanetValidator)
        .where(and(eq(t.datanetValidator.validator, viewer), eq(t.datanetValidator.active, true))),
    ]);
    for (const { id } of [...approved, ...validating]) if (all.has(id)) granted.add(id);
    return { all, granted };
  }

  return {
    async canRead(viewer, datanetId) {
      const [row] = await reader.db
        .select({ policy: t.datanet.accessPolicy })
        .from(t.datanet)
        .where(eq(t.datanet.id, datanetId));
      if (!row) return false;
      if (row.policy === "Open") return true;
      return (await restricted(viewer)).granted.has(datanetId);
    },
    async readable(viewer, datanetIds) {
      const { all, granted } = await restricted(viewer);
      const closed = (id: bigint) => all.has(id) && !granted.has(id);
      if (datanetIds) return datanetIds.filter((id) => !closed(id));
      if ([...all].every((id) => granted.has(id))) return null;
      const ids = await reader.db.select({ id: t.datanet.id }).from(t.datanet);
      return ids.map((r) => r.id).filter((id) => !closed(id));
    },
  };
}
