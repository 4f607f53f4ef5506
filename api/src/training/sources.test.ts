// Which Datanets a builder may train on, against a stub of the indexer's rows.
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../errors.ts";
import type { DatanetAccessRule } from "../rag/access.ts";
import type { ReaderDb } from "../reader/index.ts";
import { checkDatanets } from "./sources.ts";

const BUILDER = "0x00000000000000000000000000000000000000b1" as Address;
const reader = (ids: bigint[]) =>
  ({
    select: () => ({ from: () => ({ where: async () => ids.map((id) => ({ id })) }) }),
  }) as unknown as ReaderDb;
/** Datanet 1 is Open; 2 is Restricted and approved for BUILDER; 3 is Restricted. */
const access: DatanetAccessRule = {
  canRead: async (viewer, id) => id === 1n || (id === 2n && viewer === BUILDER),
  readable: async () => null,
};

describe("trainable Datanets", () => {
  it("accepts Open Datanets and Restricted ones the curator approved the builder for", async () => {
    await expect(
      checkDatanets(reader([1n, 2n]), access, BUILDER, [1n, 2n]),
    ).resolves.toBeUndefined();
  });

  it("refuses a Restricted Datanet without approved access, and an unknown one", async () => {
    await expect(checkDatanets(reader([1n, 3n]), access, BUILDER, [1n, 3n])).rejects.toThrow(
      ForbiddenError,
    );
    const other = "0x00000000000000000000000000000000000000c2" as Address;
    await expect(checkDatanets(reader([2n]), access, other, [2n])).rejects.toThrow(/restricted/);
    await expect(checkDatanets(reader([1n]), access, BUILDER, [1n, 9n])).rejects.toThrow(
      NotFoundError,
    );
  });
});
