// The payout events of AttributionSettlement's logs, as the feeder reads them from the indexer
// (arguments as JSON: integers as decimal strings, addresses checksummed).
import { attributionSettlementAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { and, desc, inArray, lte } from "drizzle-orm";
import { type Address, getAddress, type Hex, toFunctionSelector } from "viem";
import type { ChainEvent } from "../feeder/pubsub.ts";
import type { ChainReader } from "../reader/index.ts";
import type { LogPosition, RevertiblePayoutEvent } from "./events.ts";

type Args = Record<string, unknown>;
/** A claim is proven against the live root of its time: its epoch and root, when known. */
export type ClaimedAgainst = { epoch: bigint; root: Hex } | null;

const text = (v: unknown) => String(v);
const address = (v: unknown) => getAddress(String(v)) as Address;

/** Error names by selector: VoucherSkipped carries only the selector of why. */
const ERRORS = new Map(
  attributionSettlementAbi
    .filter((item) => item.type === "error")
    .map((item) => [toFunctionSelector(item as never), item.name]),
);

/** Fields every account log carries; the id is the feeder's log id. */
const accountLog = (e: ChainEvent, log: LogPosition, account: unknown) => ({
  id: e.id,
  account: address(account),
  log,
});
const rootLog = (e: ChainEvent, log: LogPosition, epoch: unknown) => ({
  id: e.id,
  account: null,
  log,
  epoch: text(epoch),
});

type Build = (
  e: ChainEvent,
  a: Args,
  log: LogPosition,
  claim: ClaimedAgainst,
) => RevertiblePayoutEvent;

const MEMBERS: Record<string, Build> = {
  Deposited: (e, a, log) => ({
    kind: "EscrowDeposited",
    ...accountLog(e, log, a.payer),
    from: address(a.from),
    amount: text(a.amount),
  }),
  WithdrawalRequested: (e, a, log) => ({
    kind: "EscrowWithdrawalRequested",
    ...accountLog(e, log, a.payer),
    amount: text(a.amount),
    executableAt: text(a.executableAt),
  }),
  WithdrawalCancelled: (e, a, log) => ({
    kind: "EscrowWithdrawalCancelled",
    ...accountLog(e, log, a.payer),
    amount: text(a.amount),
  }),
  WithdrawalExecuted: (e, a, log) => ({
    kind: "EscrowWithdrawn",
    ...accountLog(e, log, a.payer),
    requested: text(a.requested),
    amount: text(a.amount),
  }),
  VoucherRedeemed: (e, a, log) => ({
    kind: "EscrowRedeemed",
    ...accountLog(e, log, a.payer),
    settler: address(a.settler),
    amount: text(a.amount),
    cumulativeRedeemed: text(a.cumulativeRedeemed),
  }),
  VoucherSkipped: (e, a, log) => ({
    kind: "EscrowRedemptionSkipped",
    ...accountLog(e, log, a.payer),
    errorSelector: text(a.reason).toLowerCase() as Hex,
    errorName: ERRORS.get(text(a.reason).toLowerCase() as Hex) ?? null,
  }),
  Claimed: (e, a, log, claim) => ({
    kind: "PayoutClaimed",
    ...accountLog(e, log, a.account),
    recipient: address(a.recipient),
    amount: text(a.amount),
    cumulativeClaimed: text(a.cumulativeClaimed),
    liveEpoch: claim?.epoch.toString() ?? null,
    liveRoot: claim?.root ?? null,
  }),
  VotesRecorded: (e, a, log) => ({
    kind: "VotesRecorded",
    ...accountLog(e, log, a.account),
    amount: text(a.amount),
    cumulativeVoteEligible: text(a.cumulativeVoteEligible),
  }),
  VotesMinted: (e, a, log) => ({
    kind: "VotesMinted",
    ...accountLog(e, log, a.account),
    amount: text(a.amount),
  }),
  ClaimRecipientSet: (e, a, log) => ({
    kind: "ClaimRecipientSet",
    ...accountLog(e, log, a.account),
    recipient: address(a.recipient),
  }),
  RootProposed: (e, a, log) => ({
    kind: "RootProposed",
    ...rootLog(e, log, a.epoch),
    root: text(a.root) as Hex,
    totalCumulative: text(a.totalCumulative),
    dataHash: text(a.dataHash) as Hex,
    dataURI: text(a.dataURI),
    liveAt: text(a.liveAt),
  }),
  RootChallenged: (e, a, log) => ({
    kind: "RootChallenged",
    ...rootLog(e, log, a.epoch),
    challenger: address(a.challenger),
    bond: text(a.bond),
    challengeReason: text(a.reason),
  }),
  RootChallengeResolved: (e, a, log) => ({
    kind: "RootChallengeResolved",
    ...rootLog(e, log, a.epoch),
    resolver: address(a.resolver),
    challenger: address(a.challenger),
    upheld: a.upheld === true,
    bond: text(a.bond),
    liveAt: text(a.liveAt),
  }),
  RootVetoed: (e, a, log) => ({
    kind: "RootVetoed",
    ...rootLog(e, log, a.epoch),
    vetoer: address(a.vetoer),
  }),
};

/** Whether a log is one `payouts` delivers (a claim then needs `ClaimedAgainst`). */
export const isPayoutLog = (e: Pick<ChainEvent, "contract" | "name">) =>
  e.contract === "AttributionSettlement" && Object.hasOwn(MEMBERS, e.name);

/** The payout event of a log, or null for logs `payouts` does not deliver. */
export function payoutOfLog(
  e: ChainEvent,
  claim: ClaimedAgainst = null,
): RevertiblePayoutEvent | null {
  const build = isPayoutLog(e) ? MEMBERS[e.name] : undefined;
  if (!build || e.logIndex === null || !e.transactionHash || !e.timestamp) return null;
  const log: LogPosition = {
    blockNumber: e.blockNumber,
    logIndex: e.logIndex,
    transactionHash: e.transactionHash as Hex,
    timestamp: e.timestamp,
  };
  return build(e, e.args, log, claim);
}

/**
 * The live root a claim mined at `timestamp` was proven against: the newest root live then, as
 * the contract picks it. A live root stays live and its `liveAt` is when it went live (a late
 * rejected challenge moves it), so that is the newest root not vetoed nor challenged whose
 * `liveAt` had passed; one still Proposed counts, as the indexer may mark it Live after the
 * claim's log.
 */
export async function claimedAgainst(
  reader: ChainReader,
  timestamp: bigint,
): Promise<ClaimedAgainst> {
  const [root] = await reader.db
    .select({ epoch: t.settlementRoot.epoch, root: t.settlementRoot.root })
    .from(t.settlementRoot)
    .where(
      and(
        inArray(t.settlementRoot.status, ["Proposed", "Live"]),
        lte(t.settlementRoot.liveAt, timestamp),
      ),
    )
    .orderBy(desc(t.settlementRoot.epoch))
    .limit(1);
  return root ? { epoch: root.epoch, root: root.root as Hex } : null;
}

/** The payout event of a log the feeder read (a claim looks its root up), or null. */
export async function payoutOfChainEvent(reader: ChainReader, event: ChainEvent) {
  if (!isPayoutLog(event)) return null;
  const claim =
    event.name === "Claimed" && event.timestamp
      ? await claimedAgainst(reader, BigInt(event.timestamp))
      : null;
  return payoutOfLog(event, claim);
}
