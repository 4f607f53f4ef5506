import { getAddress, toFunctionSelector } from "viem";
import { describe, expect, it } from "vitest";
import type { ChainEvent } from "../feeder/pubsub.ts";
import { payoutOfLog } from "./chain.ts";
import { payoutKeys, revertPayout } from "./events.ts";

// Lowercase as a log may carry them; events carry them checksummed.
const earner = "0x00000000000000000000000000000000000000aa";
const recipient = "0x00000000000000000000000000000000000000bb";
const log = (name: string, args: Record<string, unknown>): ChainEvent => ({
  action: "ADDED",
  id: `12-3@0x${"ab".repeat(32)}`,
  contract: "AttributionSettlement",
  name,
  args,
  blockNumber: "12",
  blockHash: `0x${"ab".repeat(32)}`,
  logIndex: 3,
  transactionHash: `0x${"cd".repeat(32)}`,
  timestamp: "1700000000",
});

describe("payout events of AttributionSettlement logs", () => {
  it("a claim: typed, with the root it was proven against, to the earner and its recipient once each", () => {
    const claimed = payoutOfLog(
      log("Claimed", { account: earner, recipient, amount: "30", cumulativeClaimed: "45" }),
      { epoch: 4n, root: `0x${"11".repeat(32)}` },
    );
    expect(claimed).toEqual({
      kind: "PayoutClaimed",
      id: `12-3@0x${"ab".repeat(32)}`,
      account: getAddress(earner),
      recipient: getAddress(recipient),
      amount: "30",
      cumulativeClaimed: "45",
      liveEpoch: "4",
      liveRoot: `0x${"11".repeat(32)}`,
      log: {
        blockNumber: "12",
        logIndex: 3,
        transactionHash: `0x${"cd".repeat(32)}`,
        timestamp: "1700000000",
      },
    });
    if (!claimed) throw new Error("no claim");
    expect(payoutKeys(claimed)).toEqual([getAddress(earner), getAddress(recipient)]);
    const toSelf = payoutOfLog(
      log("Claimed", { account: earner, recipient: earner, amount: "1", cumulativeClaimed: "1" }),
    );
    expect(toSelf && payoutKeys(toSelf)).toEqual([getAddress(earner)]);
    // A reorg's revert goes where the claim went.
    expect(payoutKeys(revertPayout(claimed, "REORG"))).toEqual(payoutKeys(claimed));
  });

  it("root events go to every subscriber; a skipped voucher names its error", () => {
    const proposed = payoutOfLog(
      log("RootProposed", {
        epoch: "4",
        root: `0x${"11".repeat(32)}`,
        totalCumulative: "50",
        dataHash: `0x${"22".repeat(32)}`,
        dataURI: "ipfs://x",
        liveAt: "1700003600",
      }),
    );
    expect(proposed).toMatchObject({ kind: "RootProposed", account: null, epoch: "4" });
    expect(proposed && payoutKeys(proposed)).toEqual(["*"]);
    const reason = toFunctionSelector("SettlementZeroAmount()");
    const skipped = payoutOfLog(log("VoucherSkipped", { payer: earner, reason }));
    expect(skipped).toMatchObject({
      kind: "EscrowRedemptionSkipped",
      errorSelector: reason,
      errorName: "SettlementZeroAmount",
    });
  });

  it("logs payouts does not deliver have no payout event", () => {
    expect(payoutOfLog(log("ParamsUpdated", {}))).toBeNull();
    expect(payoutOfLog(log("toString", {}))).toBeNull();
    expect(payoutOfLog({ ...log("Deposited", {}), contract: "AgentStaking" })).toBeNull();
  });
});
