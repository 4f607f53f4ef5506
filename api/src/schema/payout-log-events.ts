// The `payouts` events that are AttributionSettlement logs: claims, escrow movements, votes and
// settlement roots' lifecycle. Each arrives once when indexed; a reorg that removes it arrives
// as a PayoutReverted (REORG) naming its id.
import { builder } from "../builder.ts";
import type * as P from "../payouts/events.ts";
import {
  address,
  base,
  logged,
  PayoutEventBase,
  time,
  tokens,
  uint,
} from "./payout-event-fields.ts";

const PAYER = "The payer whose escrow it is.";
const ROOT_ACCOUNT = "Always null: every subscriber receives the events of settlement roots.";
const EPOCH = "The settlement epoch of the root.";

export const PayoutClaimed = builder.objectRef<P.PayoutClaimed>("PayoutClaimed").implement({
  description:
    "Earnings claimed on chain (the `Claimed` log): `amount` paid to `recipient`. Delivered to the earner and, when another, to the recipient.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, "The earner whose leaf was claimed."),
    recipient: address(
      f,
      "Who received the tokens (the earner's claim recipient).",
      (e) => e.recipient,
    ),
    amount: tokens(f, "Paid by this claim.", (e) => e.amount),
    cumulativeClaimed: tokens(
      f,
      "The earner's total claimed after it.",
      (e) => e.cumulativeClaimed,
    ),
    liveEpoch: f.field({
      type: "BigInt",
      nullable: true,
      description:
        "The epoch of the live root the claim was proven against (the newest live one when it was mined); null when the indexer does not show it.",
      resolve: (e) => (e.liveEpoch === null ? null : BigInt(e.liveEpoch)),
    }),
    liveRoot: f.field({
      type: "Bytes32",
      nullable: true,
      description: "That root (null with `liveEpoch`).",
      resolve: (e) => e.liveRoot,
    }),
    ...logged(f),
  }),
});

export const EscrowDeposited = builder.objectRef<P.EscrowDeposited>("EscrowDeposited").implement({
  description: "Tokens deposited into a payer's escrow (`Deposited`).",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, PAYER),
    from: address(f, "Who sent the tokens.", (e) => e.from),
    amount: tokens(f, "Deposited.", (e) => e.amount),
    ...logged(f),
  }),
});

export const EscrowWithdrawalRequested = builder
  .objectRef<P.EscrowWithdrawalRequested>("EscrowWithdrawalRequested")
  .implement({
    description:
      "A payer asked to withdraw from escrow after the withdrawal delay (`WithdrawalRequested`); replaces any earlier request.",
    interfaces: [PayoutEventBase],
    fields: (f) => ({
      ...base(f, PAYER),
      amount: tokens(f, "The most it may withdraw.", (e) => e.amount),
      executableAt: time(f, "When it may execute.", (e) => e.executableAt),
      ...logged(f),
    }),
  });

export const EscrowWithdrawalCancelled = builder
  .objectRef<P.EscrowWithdrawalCancelled>("EscrowWithdrawalCancelled")
  .implement({
    description: "A payer cancelled its pending withdrawal (`WithdrawalCancelled`).",
    interfaces: [PayoutEventBase],
    fields: (f) => ({
      ...base(f, PAYER),
      amount: tokens(f, "The amount the request was for.", (e) => e.amount),
      ...logged(f),
    }),
  });

export const EscrowWithdrawn = builder.objectRef<P.EscrowWithdrawn>("EscrowWithdrawn").implement({
  description: "A withdrawal executed (`WithdrawalExecuted`): at most what the escrow held.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, PAYER),
    requested: tokens(f, "What the request asked for.", (e) => e.requested),
    amount: tokens(f, "What was paid out.", (e) => e.amount),
    ...logged(f),
  }),
});

export const EscrowRedeemed = builder.objectRef<P.EscrowRedeemed>("EscrowRedeemed").implement({
  description:
    "A settler redeemed the payer's voucher (`VoucherRedeemed`): escrow moved to the pool the roots pay from.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, PAYER),
    settler: address(f, "Who redeemed it.", (e) => e.settler),
    amount: tokens(f, "Redeemed now.", (e) => e.amount),
    cumulativeRedeemed: tokens(
      f,
      "Everything ever redeemed from the payer.",
      (e) => e.cumulativeRedeemed,
    ),
    ...logged(f),
  }),
});

export const EscrowRedemptionSkipped = builder
  .objectRef<P.EscrowRedemptionSkipped>("EscrowRedemptionSkipped")
  .implement({
    description:
      "A batch redemption skipped the payer's voucher (`VoucherSkipped`): its calls of the epoch go unpaid (their PayoutAccrued events are reverted, UNPAID).",
    interfaces: [PayoutEventBase],
    fields: (f) => ({
      ...base(f, PAYER),
      errorSelector: f.field({
        type: "Bytes",
        description: "The selector of the error redeeming it alone would have reverted with.",
        resolve: (e) => e.errorSelector,
      }),
      errorName: f.field({
        type: "String",
        nullable: true,
        description: "That error's name (e.g. `SettlementVoucherExpired`); null if unknown.",
        resolve: (e) => e.errorName,
      }),
      ...logged(f),
    }),
  });

export const VotesRecorded = builder.objectRef<P.VotesRecorded>("VotesRecorded").implement({
  description:
    "A claim recorded contribution votes owed to the earner (`VotesRecorded`, before its `Claimed` in the same transaction); `prepareMintVotes` mints them.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, "The earner."),
    amount: tokens(f, "Votes recorded now.", (e) => e.amount),
    cumulativeVoteEligible: tokens(
      f,
      "The earner's vote-eligible earnings recorded so far.",
      (e) => e.cumulativeVoteEligible,
    ),
    ...logged(f),
  }),
});

export const VotesMinted = builder.objectRef<P.VotesMinted>("VotesMinted").implement({
  description: "Recorded votes minted to the earner (`VotesMinted`).",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, "The earner."),
    amount: tokens(f, "Votes minted.", (e) => e.amount),
    ...logged(f),
  }),
});

export const ClaimRecipientSet = builder
  .objectRef<P.ClaimRecipientSet>("ClaimRecipientSet")
  .implement({
    description:
      "An earner chose where its claims pay (`ClaimRecipientSet`). Delivered to the earner and to the recipient.",
    interfaces: [PayoutEventBase],
    fields: (f) => ({
      ...base(f, "The earner."),
      recipient: address(f, "Where its claims now pay (itself after a reset).", (e) => e.recipient),
      ...logged(f),
    }),
  });

export const RootProposed = builder.objectRef<P.RootProposed>("RootProposed").implement({
  description:
    "A settlement root posted (`RootProposed`): claimable from `liveAt` unless challenged or vetoed first. RootLive and PayoutSettled follow when it goes live.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, ROOT_ACCOUNT),
    epoch: uint(f, EPOCH, (e) => e.epoch),
    root: f.field({ type: "Bytes32", description: "The Merkle root.", resolve: (e) => e.root }),
    totalCumulative: tokens(f, "Σ of every leaf's cumulative amount.", (e) => e.totalCumulative),
    dataHash: f.field({
      type: "Bytes32",
      description: "Merkle root of the epoch's receipt digests.",
      resolve: (e) => e.dataHash,
    }),
    dataURI: f.field({
      type: "String",
      description: "Where the epoch's receipts file is published.",
      resolve: (e) => e.dataURI,
    }),
    liveAt: time(f, "When it goes live.", (e) => e.liveAt),
    ...logged(f),
  }),
});

export const RootChallenged = builder.objectRef<P.RootChallenged>("RootChallenged").implement({
  description:
    "A pending root frozen by a bonded challenge (`RootChallenged`): not live until resolved.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, ROOT_ACCOUNT),
    epoch: uint(f, EPOCH, (e) => e.epoch),
    challenger: address(f, "Who challenged it.", (e) => e.challenger),
    bond: tokens(f, "The challenger's bond.", (e) => e.bond),
    challengeReason: f.field({
      type: "String",
      description: "Why it was challenged (free text or a URI).",
      resolve: (e) => e.challengeReason,
    }),
    ...logged(f),
  }),
});

export const RootChallengeResolved = builder
  .objectRef<P.RootChallengeResolved>("RootChallengeResolved")
  .implement({
    description:
      "A challenge resolved (`RootChallengeResolved`): upheld (RootVetoed follows) or rejected (the root is pending again, live from `liveAt`).",
    interfaces: [PayoutEventBase],
    fields: (f) => ({
      ...base(f, ROOT_ACCOUNT),
      epoch: uint(f, EPOCH, (e) => e.epoch),
      resolver: address(f, "Who resolved it (the veto role).", (e) => e.resolver),
      challenger: address(f, "Who had challenged.", (e) => e.challenger),
      upheld: f.field({
        type: "Boolean",
        description: "True: the root is vetoed and the bond returned.",
        resolve: (e) => e.upheld,
      }),
      bond: tokens(f, "The challenge bond.", (e) => e.bond),
      liveAt: time(f, "When the root goes live (rejected challenges).", (e) => e.liveAt),
      ...logged(f),
    }),
  });

export const RootVetoed = builder.objectRef<P.RootVetoed>("RootVetoed").implement({
  description: "A root vetoed (`RootVetoed`): it never becomes claimable.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, ROOT_ACCOUNT),
    epoch: uint(f, EPOCH, (e) => e.epoch),
    vetoer: address(f, "Who vetoed it.", (e) => e.vetoer),
    ...logged(f),
  }),
});
