// What `payouts(account)` delivers: one typed payload per event, each with an id that is stable
// wherever and however often it is computed (subscribers dedupe by it). Payloads travel as JSON
// through Redis, so integers are decimal strings here and become bigints at the GraphQL edge.
import type { ShareRole } from "@tributary/agents";
import type { Address, Hex } from "viem";

/** Where a chain log sits. */
export interface LogPosition {
  blockNumber: string;
  logIndex: number;
  transactionHash: Hex;
  /** Block time, unix seconds. */
  timestamp: string;
}

interface Member<K extends string> {
  kind: K;
  id: string;
}
/** A log about one account (a payer's escrow, an earner's claim or votes). */
type AccountLog<K extends string, F> = Member<K> & { account: Address; log: LogPosition } & F;
/** A log about a settlement root: every subscriber receives it (`account` null). */
type RootLog<K extends string, F> = Member<K> & {
  account: null;
  log: LogPosition;
  epoch: string;
} & F;

export interface PayoutAccrued extends Member<"PayoutAccrued"> {
  account: Address;
  /** Σ of `shares`. */
  amount: string;
  shares: { role: ShareRole; amount: string }[];
  payer: Address;
  /** The receipt's request id (keccak256 of the caller's). */
  requestId: Hex;
  agentId: string;
  policyVersion: number;
  issuedAt: string;
}

export interface PayoutSettled extends Member<"PayoutSettled"> {
  account: Address;
  epoch: string;
  root: Hex;
  /** Growth of the account's leaf over `previousEpoch`'s. */
  amount: string;
  cumulativeAmount: string;
  /** The live root before this one (null: this is the first). */
  previousEpoch: string | null;
  /** The block in which the root was first seen live. */
  blockNumber: string;
}

export interface RootLive extends Member<"RootLive"> {
  account: null;
  epoch: string;
  root: Hex;
  blockNumber: string;
}

export type PayoutClaimed = AccountLog<
  "PayoutClaimed",
  {
    recipient: Address;
    amount: string;
    cumulativeClaimed: string;
    /** The live root the claim was proven against, when the indexer shows it. */
    liveEpoch: string | null;
    liveRoot: Hex | null;
  }
>;
export type EscrowDeposited = AccountLog<"EscrowDeposited", { from: Address; amount: string }>;
export type EscrowWithdrawalRequested = AccountLog<
  "EscrowWithdrawalRequested",
  { amount: string; executableAt: string }
>;
export type EscrowWithdrawalCancelled = AccountLog<"EscrowWithdrawalCancelled", { amount: string }>;
export type EscrowWithdrawn = AccountLog<"EscrowWithdrawn", { requested: string; amount: string }>;
export type EscrowRedeemed = AccountLog<
  "EscrowRedeemed",
  { settler: Address; amount: string; cumulativeRedeemed: string }
>;
export type EscrowRedemptionSkipped = AccountLog<
  "EscrowRedemptionSkipped",
  { errorSelector: Hex; errorName: string | null }
>;
export type VotesRecorded = AccountLog<
  "VotesRecorded",
  { amount: string; cumulativeVoteEligible: string }
>;
export type VotesMinted = AccountLog<"VotesMinted", { amount: string }>;
export type ClaimRecipientSet = AccountLog<"ClaimRecipientSet", { recipient: Address }>;
export type RootProposed = RootLog<
  "RootProposed",
  { root: Hex; totalCumulative: string; dataHash: Hex; dataURI: string; liveAt: string }
>;
export type RootChallenged = RootLog<
  "RootChallenged",
  { challenger: Address; bond: string; challengeReason: string }
>;
export type RootChallengeResolved = RootLog<
  "RootChallengeResolved",
  { resolver: Address; challenger: Address; upheld: boolean; bond: string; liveAt: string }
>;
export type RootVetoed = RootLog<"RootVetoed", { vetoer: Address }>;

export type PayoutRevertReason = "REORG" | "UNPAID" | "VETOED" | "CHALLENGED";

/** Every event a `PayoutReverted` can undo. */
export type RevertiblePayoutEvent =
  | PayoutAccrued
  | PayoutSettled
  | PayoutClaimed
  | RootLive
  | EscrowDeposited
  | EscrowWithdrawalRequested
  | EscrowWithdrawalCancelled
  | EscrowWithdrawn
  | EscrowRedeemed
  | EscrowRedemptionSkipped
  | VotesRecorded
  | VotesMinted
  | ClaimRecipientSet
  | RootProposed
  | RootChallenged
  | RootChallengeResolved
  | RootVetoed;

export interface PayoutReverted extends Member<"PayoutReverted"> {
  account: Address | null;
  revertedId: string;
  reason: PayoutRevertReason;
  reverted: RevertiblePayoutEvent;
}

export type PayoutEvent = RevertiblePayoutEvent | PayoutReverted;
export type PayoutEventKind = PayoutEvent["kind"];

/** The id of the revert of the event `id`. */
export const revertIdOf = (id: string) => `PayoutReverted:${id}`;

/**
 * Undoes a delivered event. Its id derives from the undone one's: whoever computes the revert
 * (the feeder, the settlement run) names it alike.
 */
export function revertPayout(
  event: RevertiblePayoutEvent,
  reason: PayoutRevertReason,
): PayoutReverted {
  return {
    kind: "PayoutReverted",
    id: revertIdOf(event.id),
    account: event.account,
    revertedId: event.id,
    reason,
    reverted: event,
  };
}

/**
 * The `payouts` topic keys an event goes to: the account it concerns (and the recipient it
 * names, once), or `*` for root events every subscriber receives. A revert goes where the event
 * it undoes went.
 */
export function payoutKeys(event: PayoutEvent): string[] {
  if (event.kind === "PayoutReverted") return payoutKeys(event.reverted);
  if (event.account === null) return ["*"];
  if (event.kind === "PayoutClaimed" || event.kind === "ClaimRecipientSet")
    return [...new Set([event.account, event.recipient])];
  return [event.account];
}
