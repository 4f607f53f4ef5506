import type { Address } from "viem";

/**
 * Who may read a Datanet's content (search hits, `Contribution.content`, `/content/<hash>`).
 * One rule for every read path, so that protocol v2's registry (Datanets open or restricted to
 * accounts their curator approves) plugs in here and nowhere else. Until it lands every
 * Datanet is open.
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

/** Every Datanet is open (the protocol has no access registry yet). */
export const openAccess: DatanetAccessRule = {
  canRead: async () => true,
  readable: async (_viewer, datanetIds) => (datanetIds ? [...datanetIds] : null),
};
