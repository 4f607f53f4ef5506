import { attributionSettlementAbi } from "@tributary/contracts/abis";
import { eq } from "drizzle-orm";
import type { Hex } from "viem";
import { settlementEpoch } from "../db/schema.ts";
import { readSettlement, type SettlementDeps } from "./deps.ts";

/**
 * Posts the built root. A run that crashed after posting finds the root on chain (same root:
 * done; another root for this epoch: refused loudly, since two runs disagree).
 */
export async function proposeEpoch(deps: SettlementDeps, epoch: bigint): Promise<void> {
  const { db, chain, settler, log } = deps;
  const [row] = await db.select().from(settlementEpoch).where(eq(settlementEpoch.epoch, epoch));
  if (row?.status !== "BUILT") return;
  const address = chain.address("AttributionSettlement");
  const onChain = await readSettlement<{ root: Hex; proposedAt: bigint }>(chain, "rootOf", [epoch]);
  let tx = row.proposeTx;
  if (BigInt(onChain.proposedAt) !== 0n) {
    if (onChain.root !== row.root)
      throw new Error(`epoch ${epoch} already has root ${onChain.root} on chain, not ${row.root}`);
  } else {
    if (!row.root || !row.dataHash || !row.dataUri || row.totalCumulative === null)
      throw new Error(`epoch ${epoch} is BUILT without a root`);
    tx = await settler.writeContract({
      chain: chain.chain,
      account: settler.account,
      address,
      abi: attributionSettlementAbi,
      functionName: "proposeRoot",
      args: [epoch, row.root as Hex, BigInt(row.totalCumulative), row.dataHash as Hex, row.dataUri],
    });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: tx as Hex });
    if (receipt.status !== "success") throw new Error(`proposeRoot reverted (${tx})`);
  }
  await db
    .update(settlementEpoch)
    .set({ status: "PROPOSED", proposeTx: tx, updatedAt: new Date() })
    .where(eq(settlementEpoch.epoch, epoch));
  log.info({ epoch: epoch.toString(), root: row.root, tx }, "settlement root proposed");
}
