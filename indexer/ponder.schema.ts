// Every table mirrors protocol events. Conventions:
// - addresses are `text` holding viem's getAddress (checksummed); hashes are lowercase `hex`;
// - token amounts and ids are exact `bigint`;
// - event rows carry the block number, log index, timestamp and transaction of their event;
//   state rows carry those of the last event that changed them (`blockNumber`, `logIndex`,
//   `timestamp`) and of the one that created them (`createdBlock`, `createdAt`).
import { index, onchainEnum, onchainTable, primaryKey, relations } from "ponder";
import type { Address } from "viem";

type Builders = Parameters<
  Extract<Parameters<typeof onchainTable>[1], (...args: never[]) => unknown>
>[0];

const address = (t: Builders) => t.text().$type<Address>();

/** Columns of a row written once by one event. */
const eventColumns = (t: Builders) => ({
  blockNumber: t.bigint().notNull(),
  logIndex: t.integer().notNull(),
  timestamp: t.bigint().notNull(),
  transactionHash: t.hex().notNull(),
});

/** Columns of a row kept up to date by several events. */
const stateColumns = (t: Builders) => ({
  createdBlock: t.bigint().notNull(),
  createdAt: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
  logIndex: t.integer().notNull(),
  timestamp: t.bigint().notNull(),
});

// ─────────────────────────────── every event ───────────────────────────────

/** Every log of every protocol contract, decoded; the domain tables below are built from these. */
export const eventLog = onchainTable(
  "event_log",
  (t) => ({
    id: t.text().primaryKey(),
    contract: t.text().notNull(),
    address: address(t).notNull(),
    name: t.text().notNull(),
    args: t.json().notNull(),
    ...eventColumns(t),
    /** With the log index, the log's identity: a reorg can put another log at the same index. */
    blockHash: t.hex().notNull(),
  }),
  (table) => ({
    byName: index().on(table.contract, table.name),
    // The API's feeder reads only what follows its cursor, in chain order.
    byPosition: index().on(table.blockNumber, table.logIndex),
  }),
);

/**
 * The hash of every block that emitted a protocol log. Ponder reverts and rewrites rows on a
 * reorg, so the feeder detects one from these few rows without re-reading the logs.
 */
export const eventBlock = onchainTable("event_block", (t) => ({
  number: t.bigint().primaryKey(),
  hash: t.hex().notNull(),
}));

/**
 * The next time a status changes without an event (single row, id 1): the earliest deadline of
 * an Open market proposal and the earliest `liveAt` of a Proposed root. Lets the per-block Clock
 * handler skip blocks before it with one cached lookup.
 */
export const clock = onchainTable("clock", (t) => ({
  id: t.integer().primaryKey(),
  nextProposalDeadline: t.bigint(),
  nextRootLiveAt: t.bigint(),
  blockNumber: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
}));

/** Per-account aggregates, maintained by the handlers (see `src/lib/account.ts` for definitions). */
export const account = onchainTable("account", (t) => ({
  address: address(t).primaryKey(),
  /** Σ Deposited into this payer's escrow. */
  escrowDeposited: t.bigint().notNull(),
  /** Σ VoucherRedeemed from this payer's escrow (what the payer spent). */
  escrowSpent: t.bigint().notNull(),
  /** Σ WithdrawalExecuted paid back to this payer. */
  escrowWithdrawn: t.bigint().notNull(),
  /** Settled earnings proven on chain: attribution claims, proposal payouts, disputer rewards. */
  earned: t.bigint().notNull(),
  /** Σ Claimed for this account from attribution settlement roots. */
  claimed: t.bigint().notNull(),
  /** Σ StakeDelegated assets. */
  staked: t.bigint().notNull(),
  /** Σ StakeWithdrawn assets. */
  unstaked: t.bigint().notNull(),
  /** Value this account's active shares and unbonding entries lost to slashes. */
  slashed: t.bigint().notNull(),
  ...stateColumns(t),
}));

// ─────────────────────────────── token ───────────────────────────────

export const tokenHolder = onchainTable("token_holder", (t) => ({
  address: address(t).primaryKey(),
  balance: t.bigint().notNull(),
  ...stateColumns(t),
}));

export const tokenTransfer = onchainTable(
  "token_transfer",
  (t) => ({
    id: t.text().primaryKey(),
    from: address(t).notNull(),
    to: address(t).notNull(),
    amount: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byFrom: index().on(table.from), byTo: index().on(table.to) }),
);

// ─────────────────────────────── access control ───────────────────────────────

/** Current holders of AccessControl roles, per contract (revoked rows stay with `active` false). */
export const roleMember = onchainTable(
  "role_member",
  (t) => ({
    contract: t.text().notNull(),
    role: t.hex().notNull(),
    account: address(t).notNull(),
    active: t.boolean().notNull(),
    ...stateColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.contract, table.role, table.account] }) }),
);

/** Latest value of each governance parameter, per contract (`value` as decimal or address text). */
export const contractParam = onchainTable(
  "contract_param",
  (t) => ({
    contract: t.text().notNull(),
    name: t.text().notNull(),
    value: t.text().notNull(),
    ...stateColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.contract, table.name] }) }),
);

// ─────────────────────────────── models and adapters ───────────────────────────────

export const modelKind = onchainEnum("model_kind", ["BaseModel", "Adapter"]);
export const modelStatus = onchainEnum("model_status", ["Active", "Deprecated"]);

export const model = onchainTable(
  "model",
  (t) => ({
    id: t.bigint().primaryKey(),
    kind: modelKind("kind").notNull(),
    /** Follows ERC-721 transfers. */
    owner: address(t).notNull(),
    registrant: address(t).notNull(),
    name: t.text().notNull(),
    contentHash: t.hex().notNull(),
    uri: t.text().notNull(),
    status: modelStatus("status").notNull(),
    /** Adapters only (null for base models). */
    baseModelId: t.bigint(),
    rank: t.integer(),
    pricePerCall: t.bigint(),
    pricePer1kTokens: t.bigint(),
    datanetIds: t.bigint().array(),
    trainingManifestHash: t.hex(),
    supersedes: t.bigint(),
    supersededBy: t.bigint(),
    /** 1 for a first version; the superseded adapter's version + 1 otherwise. */
    version: t.integer().notNull(),
    transferCount: t.integer().notNull(),
    ...stateColumns(t),
  }),
  (table) => ({ byOwner: index().on(table.owner), byBase: index().on(table.baseModelId) }),
);

export const adapterDatanet = onchainTable(
  "adapter_datanet",
  (t) => ({
    adapterId: t.bigint().notNull(),
    datanetId: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.adapterId, table.datanetId] }),
    byDatanet: index().on(table.datanetId),
  }),
);

export const modelTransfer = onchainTable(
  "model_transfer",
  (t) => ({
    id: t.text().primaryKey(),
    modelId: t.bigint().notNull(),
    from: address(t).notNull(),
    to: address(t).notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byModel: index().on(table.modelId) }),
);

// ─────────────────────────────── Datanets and contributions ───────────────────────────────

export const datanetAccessPolicy = onchainEnum("datanet_access_policy", ["Open", "Restricted"]);

export const datanet = onchainTable("datanet", (t) => ({
  id: t.bigint().primaryKey(),
  curator: address(t).notNull(),
  pendingCurator: address(t),
  name: t.text().notNull(),
  metadataURI: t.text().notNull(),
  /** The quorum and bond as last written; a scheduled change applies from its `*EffectiveAt`. */
  quorum: t.integer().notNull(),
  contributionBond: t.bigint().notNull(),
  pendingQuorum: t.integer(),
  quorumEffectiveAt: t.bigint(),
  pendingContributionBond: t.bigint(),
  bondEffectiveAt: t.bigint(),
  accessPolicy: datanetAccessPolicy("access_policy").notNull(),
  validatorCount: t.integer().notNull(),
  contributionCount: t.integer().notNull(),
  acceptedCount: t.integer().notNull(),
  rejectedCount: t.integer().notNull(),
  withdrawnCount: t.integer().notNull(),
  ...stateColumns(t),
}));

export const datanetAccessStatus = onchainEnum("datanet_access_status", [
  "Requested",
  "Approved",
  "Refused",
]);

/** An account's access to a Restricted Datanet: its latest request and the curator's decision. */
export const datanetAccessRequest = onchainTable(
  "datanet_access_request",
  (t) => ({
    datanetId: t.bigint().notNull(),
    account: address(t).notNull(),
    status: datanetAccessStatus("status").notNull(),
    /** The purpose stated in the latest request (null when the curator decided unasked). */
    purpose: t.text(),
    requestedAt: t.bigint(),
    decidedBy: address(t),
    decidedAt: t.bigint(),
    ...stateColumns(t),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.datanetId, table.account] }),
    byAccount: index().on(table.account),
  }),
);

export const datanetValidator = onchainTable(
  "datanet_validator",
  (t) => ({
    datanetId: t.bigint().notNull(),
    validator: address(t).notNull(),
    active: t.boolean().notNull(),
    ...stateColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.datanetId, table.validator] }) }),
);

export const contributionStatus = onchainEnum("contribution_status", [
  "Pending",
  "Accepted",
  "Rejected",
  "Withdrawn",
]);
export const bondOutcome = onchainEnum("bond_outcome", ["Held", "Returned", "Forfeited"]);

export const contribution = onchainTable(
  "contribution",
  (t) => ({
    id: t.bigint().primaryKey(),
    datanetId: t.bigint().notNull(),
    contributor: address(t).notNull(),
    contentHash: t.hex().notNull(),
    uri: t.text().notNull(),
    bond: t.bigint().notNull(),
    quorum: t.integer().notNull(),
    status: contributionStatus("status").notNull(),
    acceptVotes: t.integer().notNull(),
    rejectVotes: t.integer().notNull(),
    bondOutcome: bondOutcome("bond_outcome").notNull(),
    bondReturned: t.bigint().notNull(),
    bondForfeited: t.bigint().notNull(),
    /** Treasury the forfeited bond went to. */
    forfeitedTo: address(t),
    resolvedAt: t.bigint(),
    /** Set when the contributor took it down. */
    withdrawnAt: t.bigint(),
    ...stateColumns(t),
  }),
  (table) => ({
    byDatanet: index().on(table.datanetId),
    byContributor: index().on(table.contributor),
  }),
);

/** Every status a contribution went through, in order (Pending first). */
export const contributionStatusChange = onchainTable(
  "contribution_status_change",
  (t) => ({
    id: t.text().primaryKey(),
    contributionId: t.bigint().notNull(),
    status: contributionStatus("status").notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byContribution: index().on(table.contributionId) }),
);

export const contributionVote = onchainTable(
  "contribution_vote",
  (t) => ({
    contributionId: t.bigint().notNull(),
    validator: address(t).notNull(),
    accept: t.boolean().notNull(),
    /** Tallies right after this vote. */
    acceptVotes: t.integer().notNull(),
    rejectVotes: t.integer().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.contributionId, table.validator] }) }),
);

// ─────────────────────────────── proposal market ───────────────────────────────

export const marketProposalStatus = onchainEnum("market_proposal_status", [
  "Open",
  "Fulfilled",
  "Cancelled",
  "Expired",
  "Pending",
  "Rejected",
]);

/** A backer's judgement of a submitted fulfilment. */
export const fulfilmentJudgement = onchainEnum("fulfilment_judgement", ["Approve", "Reject"]);

export const marketProposal = onchainTable(
  "market_proposal",
  (t) => ({
    id: t.bigint().primaryKey(),
    proposer: address(t).notNull(),
    baseModelId: t.bigint().notNull(),
    datanetIds: t.bigint().array().notNull(),
    fundingGoal: t.bigint().notNull(),
    deadline: t.bigint().notNull(),
    snapshot: t.bigint().notNull(),
    specURI: t.text().notNull(),
    /** As the market stored it: Open stays Open past the deadline until expire() or a refund. */
    storedStatus: marketProposalStatus("stored_status").notNull(),
    /** Effective status: Open past its deadline reads Expired (kept current every block). */
    status: marketProposalStatus("status").notNull(),
    totalBacked: t.bigint().notNull(),
    totalRefunded: t.bigint().notNull(),
    backerCount: t.integer().notNull(),
    forVotes: t.bigint().notNull(),
    againstVotes: t.bigint().notNull(),
    /** The adapter submitted as the fulfilment, and its owner then (the payee). */
    adapterId: t.bigint(),
    builder: address(t),
    /** Two-phase fulfilment: the backers' window, the weights and the quorum (set at submission). */
    fulfilmentEndsAt: t.bigint(),
    eligibleWeight: t.bigint(),
    quorumWeight: t.bigint(),
    approveWeight: t.bigint().notNull(),
    rejectWeight: t.bigint().notNull(),
    /** Paid to the builder on finalization: totalBacked - rejectWeight. */
    payout: t.bigint(),
    ...stateColumns(t),
  }),
  (table) => ({ byStatusDeadline: index().on(table.status, table.deadline) }),
);

/** Each ProposalFulfilmentVoted event: a backer's judgement of the pending fulfilment. */
export const proposalFulfilmentVote = onchainTable(
  "proposal_fulfilment_vote",
  (t) => ({
    proposalId: t.bigint().notNull(),
    backer: address(t).notNull(),
    judgement: fulfilmentJudgement("judgement").notNull(),
    weight: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.proposalId, table.backer] }) }),
);

/** Each ProposalBacked event. */
export const proposalBacking = onchainTable(
  "proposal_backing",
  (t) => ({
    id: t.text().primaryKey(),
    proposalId: t.bigint().notNull(),
    backer: address(t).notNull(),
    amount: t.bigint().notNull(),
    backerTotal: t.bigint().notNull(),
    totalBacked: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byProposal: index().on(table.proposalId) }),
);

/** One row per backer of a proposal: what they escrowed and whether it came back. */
export const proposalBacker = onchainTable(
  "proposal_backer",
  (t) => ({
    proposalId: t.bigint().notNull(),
    backer: address(t).notNull(),
    total: t.bigint().notNull(),
    refunded: t.bigint().notNull(),
    /** How the backer judged the fulfilment (null: not judged). */
    judgement: fulfilmentJudgement("judgement"),
    ...stateColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.proposalId, table.backer] }) }),
);

export const proposalVote = onchainTable(
  "proposal_vote",
  (t) => ({
    proposalId: t.bigint().notNull(),
    voter: address(t).notNull(),
    support: t.boolean().notNull(),
    weight: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.proposalId, table.voter] }) }),
);

export const proposalFulfilment = onchainTable("proposal_fulfilment", (t) => ({
  proposalId: t.bigint().primaryKey(),
  adapterId: t.bigint().notNull(),
  builder: address(t).notNull(),
  payout: t.bigint().notNull(),
  ...eventColumns(t),
}));

export const proposalRefund = onchainTable(
  "proposal_refund",
  (t) => ({
    proposalId: t.bigint().notNull(),
    backer: address(t).notNull(),
    amount: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.proposalId, table.backer] }) }),
);

// ─────────────────────────────── agent staking ───────────────────────────────

export const agent = onchainTable(
  "agent",
  (t) => ({
    id: t.bigint().primaryKey(),
    operator: address(t).notNull(),
    specHash: t.hex().notNull(),
    metadataURI: t.text().notNull(),
    minStake: t.bigint().notNull(),
    /**
     * The active pool's assets as AgentStaking stores them: rewards enter as they vest, at each
     * RewardsVested (the contract's views also count what vested since `rewardsLastAccrual`).
     */
    totalActiveAssets: t.bigint().notNull(),
    totalActiveShares: t.bigint().notNull(),
    totalUnbondingAssets: t.bigint().notNull(),
    totalUnbondingShares: t.bigint().notNull(),
    /** The operator's bonded self-stake (slashed before any delegator). */
    selfBond: t.bigint().notNull(),
    /** Self-bond the operator is withdrawing (still slashable) and when it is released. */
    selfBondUnbonding: t.bigint().notNull(),
    selfBondReleaseAt: t.bigint(),
    /** Version of the live spec hash (1 at registration; see agent_spec_version). */
    specVersion: t.integer().notNull(),
    /** Self-bond ≥ the protocol minimum and active stake ≥ min stake (what AgentStaking.isActive answers). */
    active: t.boolean().notNull(),
    openDisputes: t.integer().notNull(),
    delegatorCount: t.integer().notNull(),
    /** Σ rewards added (RewardsAdded), vested or not; not what the last exit recycled (from the contract). */
    totalRewards: t.bigint().notNull(),
    /** Σ rewards vested into the active pool (RewardsVested), recycled ones included. */
    totalRewardsVested: t.bigint().notNull(),
    /**
     * Σ assets the last exits left in the emptied pool, moved back into the rewards
     * (StrandedStakeRecycled): `totalRewardsVested + rewardsUnvested = totalRewards + totalRewardsRecycled`
     * as of the last accrual.
     */
    totalRewardsRecycled: t.bigint().notNull(),
    /**
     * The reward schedule as stored on chain (RewardVesting.Schedule): rewards not vested at
     * `rewardsLastAccrual`, all vested at `rewardsVestingEnd` (unix seconds); nothing vests while
     * the pool has no shares. `accrueRewards` of @tributary/contracts gives its state at a time.
     */
    rewardsUnvested: t.bigint().notNull(),
    rewardsVestingEnd: t.bigint().notNull(),
    rewardsLastAccrual: t.bigint().notNull(),
    totalSlashed: t.bigint().notNull(),
    ...stateColumns(t),
  }),
  (table) => ({ byOperator: index().on(table.operator) }),
);

/** Active shares per delegator and agent. */
export const stakePosition = onchainTable(
  "stake_position",
  (t) => ({
    agentId: t.bigint().notNull(),
    delegator: address(t).notNull(),
    shares: t.bigint().notNull(),
    delegated: t.bigint().notNull(),
    unbonded: t.bigint().notNull(),
    slashed: t.bigint().notNull(),
    ...stateColumns(t),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.agentId, table.delegator] }),
    byDelegator: index().on(table.delegator),
  }),
);

export const stakeDelegation = onchainTable(
  "stake_delegation",
  (t) => ({
    id: t.text().primaryKey(),
    agentId: t.bigint().notNull(),
    delegator: address(t).notNull(),
    assets: t.bigint().notNull(),
    shares: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byAgent: index().on(table.agentId) }),
);

export const unbonding = onchainTable(
  "unbonding",
  (t) => ({
    id: t.bigint().primaryKey(),
    agentId: t.bigint().notNull(),
    delegator: address(t).notNull(),
    /** Active shares burnt and the assets they were worth. */
    shares: t.bigint().notNull(),
    assets: t.bigint().notNull(),
    unbondingShares: t.bigint().notNull(),
    releaseAt: t.bigint().notNull(),
    slashed: t.bigint().notNull(),
    withdrawn: t.boolean().notNull(),
    withdrawnAssets: t.bigint(),
    withdrawnAt: t.bigint(),
    ...stateColumns(t),
  }),
  (table) => ({ byAgent: index().on(table.agentId), byDelegator: index().on(table.delegator) }),
);

export const rewardAddition = onchainTable(
  "reward_addition",
  (t) => ({
    id: t.text().primaryKey(),
    agentId: t.bigint().notNull(),
    from: address(t).notNull(),
    amount: t.bigint().notNull(),
    /** The agent's unvested rewards after this addition, all vested at `vestingEnd`. */
    unvested: t.bigint().notNull(),
    vestingEnd: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byAgent: index().on(table.agentId) }),
);

export const disputeStatus = onchainEnum("dispute_status", [
  "Open",
  "Accepted",
  "Rejected",
  "Expired",
  "Drawn",
]);

export const dispute = onchainTable(
  "dispute",
  (t) => ({
    id: t.bigint().primaryKey(),
    agentId: t.bigint().notNull(),
    disputer: address(t).notNull(),
    bond: t.bigint().notNull(),
    deadline: t.bigint().notNull(),
    evidenceHash: t.hex().notNull(),
    evidenceURI: t.text().notNull(),
    status: disputeStatus("status").notNull(),
    slashBps: t.integer(),
    slashedActive: t.bigint(),
    slashedUnbonding: t.bigint(),
    disputerReward: t.bigint(),
    treasuryAmount: t.bigint(),
    /** Bond forfeited (rejected) or returned (expired or drawn). */
    bondForfeited: t.bigint(),
    bondReturned: t.bigint(),
    resolvedAt: t.bigint(),
    /** When it opened: it covers withdrawals released after this. */
    openedAt: t.bigint(),
    /** The stake it may slash, fixed when it opened (DisputeSnapshot). */
    selfBondSnapshot: t.bigint(),
    delegatedSnapshot: t.bigint(),
    /** What the slash took from the operator's self-bond (bonded + unbonding). */
    selfBondSlashed: t.bigint(),
    /** Receipt evidence (openDisputeWithReceipt): the receipt's EIP-712 digest and who signed it. */
    receiptDigest: t.hex(),
    receiptSigner: address(t),
    receiptFault: t.text(),
    receiptRequestId: t.hex(),
    receiptIssuedAt: t.bigint(),
    ...stateColumns(t),
  }),
  (table) => ({ byAgent: index().on(table.agentId) }),
);

/** Every change of an agent's self-bond, in log order. */
export const selfBondChange = onchainTable(
  "self_bond_change",
  (t) => ({
    id: t.text().primaryKey(),
    agentId: t.bigint().notNull(),
    /** Added, Unbonding, Withdrawn or Slashed. */
    kind: t.text().notNull(),
    amount: t.bigint().notNull(),
    selfBondAfter: t.bigint().notNull(),
    unbondingAfter: t.bigint().notNull(),
    disputeId: t.bigint(),
    ...eventColumns(t),
  }),
  (table) => ({ byAgent: index().on(table.agentId) }),
);

/** An agent's receipt signer and whether it is authorized now. */
export const agentSigner = onchainTable(
  "agent_signer",
  (t) => ({
    agentId: t.bigint().notNull(),
    signer: address(t).notNull(),
    authorized: t.boolean().notNull(),
    /** Unix time of the latest change. */
    since: t.bigint().notNull(),
    ...stateColumns(t),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.agentId, table.signer] }),
    bySigner: index().on(table.signer),
  }),
);

/** Every authorization and revocation of an agent's receipt signers (the history receipts are checked against). */
export const agentSignerChange = onchainTable(
  "agent_signer_change",
  (t) => ({
    id: t.text().primaryKey(),
    agentId: t.bigint().notNull(),
    signer: address(t).notNull(),
    authorized: t.boolean().notNull(),
    since: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byAgent: index().on(table.agentId) }),
);

/** The pool's usage-signing keys governance authorized, now. */
export const poolSigner = onchainTable("pool_signer", (t) => ({
  signer: address(t).primaryKey(),
  authorized: t.boolean().notNull(),
  since: t.bigint().notNull(),
  ...stateColumns(t),
}));

export const poolSignerChange = onchainTable(
  "pool_signer_change",
  (t) => ({
    id: t.text().primaryKey(),
    signer: address(t).notNull(),
    authorized: t.boolean().notNull(),
    since: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ bySigner: index().on(table.signer) }),
);

/** An agent's spec hashes: version `version` was live from block `fromBlock`. */
export const agentSpecVersion = onchainTable(
  "agent_spec_version",
  (t) => ({
    agentId: t.bigint().notNull(),
    version: t.integer().notNull(),
    specHash: t.hex().notNull(),
    fromBlock: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.agentId, table.version] }) }),
);

export const slash = onchainTable(
  "slash",
  (t) => ({
    id: t.text().primaryKey(),
    agentId: t.bigint().notNull(),
    disputeId: t.bigint().notNull(),
    slashedActive: t.bigint().notNull(),
    slashedUnbonding: t.bigint().notNull(),
    activeAssetsAfter: t.bigint().notNull(),
    unbondingAssetsAfter: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byAgent: index().on(table.agentId) }),
);

// ─────────────────────────────── attribution settlement ───────────────────────────────

export const escrow = onchainTable("escrow", (t) => ({
  payer: address(t).primaryKey(),
  balance: t.bigint().notNull(),
  deposited: t.bigint().notNull(),
  redeemed: t.bigint().notNull(),
  withdrawn: t.bigint().notNull(),
  /** Pending withdrawal request (null when none). */
  pendingWithdrawal: t.bigint(),
  withdrawalExecutableAt: t.bigint(),
  ...stateColumns(t),
}));

export const escrowDeposit = onchainTable(
  "escrow_deposit",
  (t) => ({
    id: t.text().primaryKey(),
    payer: address(t).notNull(),
    from: address(t).notNull(),
    amount: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byPayer: index().on(table.payer) }),
);

export const withdrawalAction = onchainEnum("withdrawal_action", [
  "Requested",
  "Cancelled",
  "Executed",
]);

export const escrowWithdrawal = onchainTable(
  "escrow_withdrawal",
  (t) => ({
    id: t.text().primaryKey(),
    payer: address(t).notNull(),
    action: withdrawalAction("action").notNull(),
    /** Requested amount (request, cancel, execute). */
    requested: t.bigint().notNull(),
    /** Paid (execute only). */
    amount: t.bigint(),
    executableAt: t.bigint(),
    ...eventColumns(t),
  }),
  (table) => ({ byPayer: index().on(table.payer) }),
);

export const voucherRedemption = onchainTable(
  "voucher_redemption",
  (t) => ({
    id: t.text().primaryKey(),
    payer: address(t).notNull(),
    settler: address(t).notNull(),
    amount: t.bigint().notNull(),
    cumulativeRedeemed: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byPayer: index().on(table.payer) }),
);

export const rootStatus = onchainEnum("root_status", ["Proposed", "Live", "Vetoed", "Challenged"]);

export const settlementRoot = onchainTable("settlement_root", (t) => ({
  epoch: t.bigint().primaryKey(),
  root: t.hex().notNull(),
  totalCumulative: t.bigint().notNull(),
  /** Merkle root of the epoch's receipt digests (schema/settlement-leaf.md). */
  dataHash: t.hex().notNull(),
  dataURI: t.text().notNull(),
  /** Σ redeemed when proposed: the next root may grow by at most what was redeemed since. */
  redeemedAtProposal: t.bigint().notNull(),
  /** When it goes live (a rejected challenge resolved after it moves it to the resolution). */
  liveAt: t.bigint().notNull(),
  /**
   * Proposed until `liveAt` passes, then Live (kept current every block); Challenged (frozen)
   * while a bonded challenge is open; Vetoed (by the veto role, or an upheld challenge).
   */
  status: rootStatus("status").notNull(),
  /**
   * As `rootOf(epoch)`: the challenger of the open or upheld challenge (null: none, or rejected),
   * and the open challenge's bond (null when none is open).
   */
  challenger: address(t),
  challengeBond: t.bigint(),
  /** How many challenges it has drawn. */
  challengeCount: t.integer().notNull(),
  vetoer: address(t),
  vetoedAt: t.bigint(),
  ...stateColumns(t),
}));

/** Every bonded challenge of a root and its resolution (RootChallenged, RootChallengeResolved). */
export const rootChallenge = onchainTable(
  "root_challenge",
  (t) => ({
    id: t.text().primaryKey(),
    epoch: t.bigint().notNull(),
    challenger: address(t).notNull(),
    bond: t.bigint().notNull(),
    reason: t.text().notNull(),
    /** null while open; true: root vetoed, bond returned; false: bond to the treasury. */
    upheld: t.boolean(),
    resolver: address(t),
    resolvedAt: t.bigint(),
    ...eventColumns(t),
  }),
  (table) => ({ byEpoch: index().on(table.epoch), byChallenger: index().on(table.challenger) }),
);

/** Running totals of AttributionSettlement (one row, id 1). */
export const settlementTotals = onchainTable("settlement_totals", (t) => ({
  id: t.integer().primaryKey(),
  totalRedeemed: t.bigint().notNull(),
  totalClaimed: t.bigint().notNull(),
  openChallengeBonds: t.bigint().notNull(),
  ...stateColumns(t),
}));

/** Votes recorded by claims (vote-eligible earnings) and minted by `mintVotes`, per account. */
export const settlementVotes = onchainTable("settlement_votes", (t) => ({
  account: address(t).primaryKey(),
  recorded: t.bigint().notNull(),
  minted: t.bigint().notNull(),
  ...stateColumns(t),
}));

/** Staker rewards moved into AgentStaking from an agent's stakers leaf (StakerRewardsClaimed). */
export const stakerRewardsClaim = onchainTable(
  "staker_rewards_claim",
  (t) => ({
    id: t.text().primaryKey(),
    agentId: t.bigint().notNull(),
    caller: address(t).notNull(),
    amount: t.bigint().notNull(),
    cumulativeClaimed: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byAgent: index().on(table.agentId) }),
);

export const claim = onchainTable(
  "claim",
  (t) => ({
    id: t.text().primaryKey(),
    account: address(t).notNull(),
    recipient: address(t).notNull(),
    amount: t.bigint().notNull(),
    cumulativeClaimed: t.bigint().notNull(),
    ...eventColumns(t),
  }),
  (table) => ({ byAccount: index().on(table.account) }),
);

export const claimRecipient = onchainTable("claim_recipient", (t) => ({
  account: address(t).primaryKey(),
  recipient: address(t).notNull(),
  ...stateColumns(t),
}));

// ─────────────────────────────── governance ───────────────────────────────

/** ContributionVotes: units held (minted on claims), chosen delegate, delegated voting power. */
export const votesAccount = onchainTable("votes_account", (t) => ({
  address: address(t).primaryKey(),
  balance: t.bigint().notNull(),
  delegate: address(t),
  votingPower: t.bigint().notNull(),
  ...stateColumns(t),
}));

export const governorProposalStatus = onchainEnum("governor_proposal_status", [
  "Created",
  "Queued",
  "Executed",
  "Canceled",
]);

export const governorProposal = onchainTable("governor_proposal", (t) => ({
  id: t.bigint().primaryKey(),
  proposer: address(t).notNull(),
  targets: t.text().array().notNull(),
  values: t.bigint().array().notNull(),
  signatures: t.text().array().notNull(),
  calldatas: t.hex().array().notNull(),
  voteStart: t.bigint().notNull(),
  voteEnd: t.bigint().notNull(),
  description: t.text().notNull(),
  status: governorProposalStatus("status").notNull(),
  eta: t.bigint(),
  againstVotes: t.bigint().notNull(),
  forVotes: t.bigint().notNull(),
  abstainVotes: t.bigint().notNull(),
  ...stateColumns(t),
}));

export const governorVote = onchainTable(
  "governor_vote",
  (t) => ({
    proposalId: t.bigint().notNull(),
    voter: address(t).notNull(),
    /** 0 against, 1 for, 2 abstain. */
    support: t.integer().notNull(),
    weight: t.bigint().notNull(),
    reason: t.text().notNull(),
    params: t.hex(),
    ...eventColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.proposalId, table.voter] }) }),
);

// Not "timelock_…": Ponder 0.16 takes SQL type names starting with "time" for native types and
// leaves them unqualified, which fails outside the public schema.
export const timelockOperationStatus = onchainEnum("scheduled_operation_status", [
  "Scheduled",
  "Executed",
  "Cancelled",
]);

export const timelockOperation = onchainTable("timelock_operation", (t) => ({
  id: t.hex().primaryKey(),
  status: timelockOperationStatus("status").notNull(),
  callCount: t.integer().notNull(),
  executedCalls: t.integer().notNull(),
  predecessor: t.hex().notNull(),
  delay: t.bigint().notNull(),
  salt: t.hex(),
  ...stateColumns(t),
}));

export const timelockCall = onchainTable(
  "timelock_call",
  (t) => ({
    timelockOperationId: t.hex().notNull(),
    index: t.bigint().notNull(),
    target: address(t).notNull(),
    value: t.bigint().notNull(),
    data: t.hex().notNull(),
    executed: t.boolean().notNull(),
    ...stateColumns(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.timelockOperationId, table.index] }) }),
);

// ─────────────────────────────── relations ───────────────────────────────

export const accountRelations = relations(account, ({ many, one }) => ({
  stakePositions: many(stakePosition),
  claims: many(claim),
  escrow: one(escrow, { fields: [account.address], references: [escrow.payer] }),
  votes: one(votesAccount, { fields: [account.address], references: [votesAccount.address] }),
  token: one(tokenHolder, { fields: [account.address], references: [tokenHolder.address] }),
}));

export const modelRelations = relations(model, ({ one, many }) => ({
  baseModel: one(model, {
    fields: [model.baseModelId],
    references: [model.id],
    relationName: "base",
  }),
  adapters: many(model, { relationName: "base" }),
  datanets: many(adapterDatanet),
  transfers: many(modelTransfer),
}));

export const adapterDatanetRelations = relations(adapterDatanet, ({ one }) => ({
  adapter: one(model, { fields: [adapterDatanet.adapterId], references: [model.id] }),
  datanet: one(datanet, { fields: [adapterDatanet.datanetId], references: [datanet.id] }),
}));

export const modelTransferRelations = relations(modelTransfer, ({ one }) => ({
  model: one(model, { fields: [modelTransfer.modelId], references: [model.id] }),
}));

export const datanetRelations = relations(datanet, ({ many }) => ({
  validators: many(datanetValidator),
  accessRequests: many(datanetAccessRequest),
  contributions: many(contribution),
  adapters: many(adapterDatanet),
}));

export const datanetAccessRequestRelations = relations(datanetAccessRequest, ({ one }) => ({
  datanet: one(datanet, { fields: [datanetAccessRequest.datanetId], references: [datanet.id] }),
}));

export const datanetValidatorRelations = relations(datanetValidator, ({ one }) => ({
  datanet: one(datanet, { fields: [datanetValidator.datanetId], references: [datanet.id] }),
}));

export const contributionRelations = relations(contribution, ({ one, many }) => ({
  datanet: one(datanet, { fields: [contribution.datanetId], references: [datanet.id] }),
  votes: many(contributionVote),
  statusHistory: many(contributionStatusChange),
}));

export const contributionVoteRelations = relations(contributionVote, ({ one }) => ({
  contribution: one(contribution, {
    fields: [contributionVote.contributionId],
    references: [contribution.id],
  }),
}));

export const contributionStatusChangeRelations = relations(contributionStatusChange, ({ one }) => ({
  contribution: one(contribution, {
    fields: [contributionStatusChange.contributionId],
    references: [contribution.id],
  }),
}));

export const marketProposalRelations = relations(marketProposal, ({ one, many }) => ({
  baseModel: one(model, { fields: [marketProposal.baseModelId], references: [model.id] }),
  backings: many(proposalBacking),
  backers: many(proposalBacker),
  votes: many(proposalVote),
  refunds: many(proposalRefund),
  fulfilmentVotes: many(proposalFulfilmentVote),
  fulfilment: one(proposalFulfilment, {
    fields: [marketProposal.id],
    references: [proposalFulfilment.proposalId],
  }),
}));

export const proposalBackingRelations = relations(proposalBacking, ({ one }) => ({
  proposal: one(marketProposal, {
    fields: [proposalBacking.proposalId],
    references: [marketProposal.id],
  }),
}));
export const proposalBackerRelations = relations(proposalBacker, ({ one }) => ({
  proposal: one(marketProposal, {
    fields: [proposalBacker.proposalId],
    references: [marketProposal.id],
  }),
}));
export const proposalVoteRelations = relations(proposalVote, ({ one }) => ({
  proposal: one(marketProposal, {
    fields: [proposalVote.proposalId],
    references: [marketProposal.id],
  }),
}));
export const proposalFulfilmentVoteRelations = relations(proposalFulfilmentVote, ({ one }) => ({
  proposal: one(marketProposal, {
    fields: [proposalFulfilmentVote.proposalId],
    references: [marketProposal.id],
  }),
}));
export const proposalRefundRelations = relations(proposalRefund, ({ one }) => ({
  proposal: one(marketProposal, {
    fields: [proposalRefund.proposalId],
    references: [marketProposal.id],
  }),
}));
export const proposalFulfilmentRelations = relations(proposalFulfilment, ({ one }) => ({
  proposal: one(marketProposal, {
    fields: [proposalFulfilment.proposalId],
    references: [marketProposal.id],
  }),
  adapter: one(model, { fields: [proposalFulfilment.adapterId], references: [model.id] }),
}));

export const agentRelations = relations(agent, ({ many }) => ({
  positions: many(stakePosition),
  delegations: many(stakeDelegation),
  unbondings: many(unbonding),
  disputes: many(dispute),
  slashes: many(slash),
  rewards: many(rewardAddition),
}));

export const stakePositionRelations = relations(stakePosition, ({ one }) => ({
  agent: one(agent, { fields: [stakePosition.agentId], references: [agent.id] }),
  account: one(account, { fields: [stakePosition.delegator], references: [account.address] }),
}));
export const stakeDelegationRelations = relations(stakeDelegation, ({ one }) => ({
  agent: one(agent, { fields: [stakeDelegation.agentId], references: [agent.id] }),
}));
export const unbondingRelations = relations(unbonding, ({ one }) => ({
  agent: one(agent, { fields: [unbonding.agentId], references: [agent.id] }),
}));
export const rewardAdditionRelations = relations(rewardAddition, ({ one }) => ({
  agent: one(agent, { fields: [rewardAddition.agentId], references: [agent.id] }),
}));
export const disputeRelations = relations(dispute, ({ one, many }) => ({
  agent: one(agent, { fields: [dispute.agentId], references: [agent.id] }),
  slashes: many(slash),
}));
export const slashRelations = relations(slash, ({ one }) => ({
  agent: one(agent, { fields: [slash.agentId], references: [agent.id] }),
  dispute: one(dispute, { fields: [slash.disputeId], references: [dispute.id] }),
}));

export const escrowRelations = relations(escrow, ({ many }) => ({
  deposits: many(escrowDeposit),
  withdrawals: many(escrowWithdrawal),
  redemptions: many(voucherRedemption),
}));
export const escrowDepositRelations = relations(escrowDeposit, ({ one }) => ({
  escrow: one(escrow, { fields: [escrowDeposit.payer], references: [escrow.payer] }),
}));
export const escrowWithdrawalRelations = relations(escrowWithdrawal, ({ one }) => ({
  escrow: one(escrow, { fields: [escrowWithdrawal.payer], references: [escrow.payer] }),
}));
export const voucherRedemptionRelations = relations(voucherRedemption, ({ one }) => ({
  escrow: one(escrow, { fields: [voucherRedemption.payer], references: [escrow.payer] }),
}));
export const claimRelations = relations(claim, ({ one }) => ({
  account: one(account, { fields: [claim.account], references: [account.address] }),
}));

export const governorProposalRelations = relations(governorProposal, ({ many }) => ({
  votes: many(governorVote),
}));
export const governorVoteRelations = relations(governorVote, ({ one }) => ({
  proposal: one(governorProposal, {
    fields: [governorVote.proposalId],
    references: [governorProposal.id],
  }),
}));
export const timelockOperationRelations = relations(timelockOperation, ({ many }) => ({
  calls: many(timelockCall),
}));
export const timelockCallRelations = relations(timelockCall, ({ one }) => ({
  operation: one(timelockOperation, {
    fields: [timelockCall.timelockOperationId],
    references: [timelockOperation.id],
  }),
}));
