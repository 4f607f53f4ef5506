import { attributionSettlementAbi } from "@tributary/contracts/abis";
import type { Logger } from "pino";
import type { Account, Address, WalletClient } from "viem";
import type { ChainService } from "../chain/index.ts";
import type { AppDb } from "../db/index.ts";

/** What a settlement run needs: the app database, the chain, and the settler's key. */
export interface SettlementDeps {
  db: AppDb;
  chain: ChainService;
  /** Signs as the account holding AttributionSettlement's SETTLER_ROLE. */
  settler: WalletClient & { account: Account };
  log: Logger;
  /** Where the API serves epoch files: `<publicUrl>/epochs/<sha256>.json`. */
  publicUrl: string;
  /** Receives the protocol's share of every fee (the governance treasury). */
  protocolAccount: Address;
  /** Wakes the payout relay once reverts of unpaid calls' accrued payouts were queued. */
  payoutsQueued?: ((rows: number) => void) | undefined;
}

/** The protocol's share of every fee goes to governance's treasury, the timelock. */
export const protocolAccount = (chain: ChainService): Address =>
  chain.address("TimelockController");

export const epochFileUri = (publicUrl: string, hash: string) =>
  `${publicUrl.replace(/\/+$/, "")}/epochs/${hash.replace(/^0x/, "")}.json`;

/** A view of AttributionSettlement: each step reads the chain before it acts. */
export const readSettlement = <T>(
  chain: ChainService,
  functionName: string,
  args: readonly unknown[] = [],
): Promise<T> =>
  chain.publicClient.readContract({
    address: chain.address("AttributionSettlement"),
    abi: attributionSettlementAbi,
    functionName,
    args,
  } as never) as Promise<T>;
