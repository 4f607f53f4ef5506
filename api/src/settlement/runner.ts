import type { Logger } from "pino";
import { createWalletClient, http, type LocalAccount } from "viem";
import type { ChainService } from "../chain/index.ts";
import type { AppDb } from "../db/index.ts";
import { protocolAccount, type SettlementDeps } from "./deps.ts";
import { type SettleOutcome, settleOnce } from "./service.ts";

export interface SettlementOptions {
  /** The account holding AttributionSettlement's SETTLER_ROLE. */
  settler: LocalAccount;
  /** Runs an epoch this often (ms); 0 or unset: only when asked (`POST /settle`). */
  intervalMs?: number | undefined;
  /** Bearer token `POST /settle` requires (`npm run settle`); the route is off without one. */
  adminToken?: string | undefined;
  rpcUrl: string;
}

export interface SettlementRunner {
  adminToken: string | null;
  /** Runs one epoch, or waits for the run in progress and returns its outcome. */
  runOnce(): Promise<SettleOutcome>;
  stop(): Promise<void>;
}

/** Runs settlement epochs one at a time, on a timer and on request. */
export function createSettlementRunner(
  base: {
    db: AppDb;
    chain: ChainService;
    log: Logger;
    /** The API's public base URL (known once it listens), where epoch files are served. */
    publicUrl: () => string;
    payoutsQueued?: (rows: number) => void;
  },
  options: SettlementOptions,
): SettlementRunner {
  const account = options.settler;
  const deps: SettlementDeps = {
    db: base.db,
    chain: base.chain,
    log: base.log.child({ service: "settlement" }),
    settler: createWalletClient({
      account,
      chain: base.chain.chain,
      transport: http(options.rpcUrl),
    }),
    publicUrl: "",
    protocolAccount: protocolAccount(base.chain),
    payoutsQueued: base.payoutsQueued,
  };
  let running: Promise<SettleOutcome> | null = null;
  const runOnce = () => {
    running ??= settleOnce({ ...deps, publicUrl: base.publicUrl() }).finally(() => {
      running = null;
    });
    return running;
  };
  const timer =
    options.intervalMs && options.intervalMs > 0
      ? setInterval(() => {
          runOnce().then(
            (outcome) => deps.log.info({ outcome: outcome.kind }, "settlement tick"),
            (error) => deps.log.error({ err: error }, "settlement epoch failed; retried next tick"),
          );
        }, options.intervalMs)
      : null;
  timer?.unref();
  return {
    adminToken: options.adminToken ?? null,
    runOnce,
    async stop() {
      if (timer) clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
