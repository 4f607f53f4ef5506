// The members of `agentEvents(agentId)`: AgentStaking's events about one agent, in the words of
// contracts/src/staking/IAgentStaking.sol. Keyed by event name.
import type { MemberSpec } from "./fields.ts";

const AGENT = ["BigInt", "The agent (on-chain id)."] as const;
const DISPUTE = ["BigInt", "The dispute (on-chain id)."] as const;
const OPERATOR = ["Address", "The agent's operator."] as const;
const DELEGATOR = ["Address", "The delegator."] as const;
const UNBONDING = ["BigInt", "The unbonding entry (on-chain id)."] as const;
const BOND_RETURNED = ["TokenAmount", "The bond returned to the disputer."] as const;

export const AGENT_MEMBERS: Record<string, MemberSpec> = {
  AgentRegistered: {
    type: "AgentRegistered",
    description: "The agent was registered (`AgentRegistered`).",
    fields: {
      agentId: AGENT,
      operator: OPERATOR,
      specHash: ["Bytes32", "Hash of the agent's spec."],
      metadataURI: ["String", "Where its metadata lives."],
      minStake: ["TokenAmount", "The stake it needs to be active."],
    },
  },
  AgentUpdated: {
    type: "AgentUpdated",
    description: "The agent's spec hash and metadata URI were replaced (`AgentUpdated`).",
    fields: {
      agentId: AGENT,
      specHash: ["Bytes32", "The new spec hash."],
      metadataURI: ["String", "The new metadata URI."],
    },
  },
  AgentSpecHashSet: {
    type: "AgentSpecHashSet",
    description:
      "The agent's spec hash took effect from `fromBlock` as its `version`-th (`AgentSpecHashSet`).",
    fields: {
      agentId: AGENT,
      specHash: ["Bytes32", "The spec hash."],
      version: ["BigInt", "Its version, counting from 1."],
      fromBlock: ["BigInt", "The block it applies from."],
    },
  },
  OperatorTransferred: {
    type: "AgentOperatorTransferred",
    description: "The agent's operator changed (`OperatorTransferred`).",
    fields: {
      agentId: AGENT,
      previousOperator: ["Address", "The operator before."],
      newOperator: ["Address", "The operator now."],
    },
  },
  MinStakeUpdated: {
    type: "AgentMinStakeUpdated",
    description: "The agent's minimum active stake changed (`MinStakeUpdated`).",
    fields: {
      agentId: AGENT,
      previousMinStake: ["TokenAmount", "The minimum before."],
      newMinStake: ["TokenAmount", "The minimum now."],
    },
  },
  AgentSignerSet: {
    type: "AgentSignerSet",
    description:
      "The operator authorized (or revoked) a key to sign the agent's receipts (`AgentSignerSet`).",
    fields: {
      agentId: AGENT,
      signer: ["Address", "The signing key's address."],
      authorized: ["Boolean", "Authorized (true) or revoked (false)."],
      since: ["DateTime", "From when."],
    },
  },
  StakeDelegated: {
    type: "AgentStakeDelegated",
    description: "A delegator staked on the agent, receiving active shares (`StakeDelegated`).",
    fields: {
      agentId: AGENT,
      delegator: DELEGATOR,
      assets: ["TokenAmount", "Tokens staked."],
      shares: ["BigInt", "Active shares received."],
    },
  },
  UnbondingStarted: {
    type: "AgentUnbondingStarted",
    description:
      "A delegator started unbonding: active shares burnt, their assets moved to the unbonding pool, still slashable until `releaseAt` (`UnbondingStarted`).",
    fields: {
      unbondingId: UNBONDING,
      agentId: AGENT,
      delegator: DELEGATOR,
      shares: ["BigInt", "Active shares burnt."],
      assets: ["TokenAmount", "Their worth when burnt."],
      unbondingShares: ["BigInt", "Unbonding-pool shares received."],
      releaseAt: ["DateTime", "When it may be withdrawn."],
    },
  },
  StakeWithdrawn: {
    type: "AgentStakeWithdrawn",
    description: "An unbonding entry was paid out (`StakeWithdrawn`).",
    fields: {
      unbondingId: UNBONDING,
      agentId: AGENT,
      delegator: DELEGATOR,
      unbondingShares: ["BigInt", "Unbonding-pool shares burnt."],
      assets: ["TokenAmount", "Tokens paid out."],
    },
  },
  RewardsAdded: {
    type: "AgentRewardsAdded",
    description:
      "Rewards were paid for the agent's stakers; they vest into its active pool linearly until `vestingEnd` (`RewardsAdded`).",
    fields: {
      agentId: AGENT,
      from: ["Address", "Who paid them (the staking contract for what an emptied pool held)."],
      amount: ["TokenAmount", "Tokens added."],
      unvested: ["TokenAmount", "Rewards not vested yet, these included."],
      vestingEnd: ["DateTime", "When they will all have vested."],
    },
  },
  RewardsVested: {
    type: "AgentRewardsVested",
    description:
      "Rewards vested into the agent's active pool, raising the value of every active share (`RewardsVested`).",
    fields: {
      agentId: AGENT,
      amount: ["TokenAmount", "Tokens moved into the active pool."],
      unvested: ["TokenAmount", "Rewards still vesting."],
    },
  },
  StrandedStakeRecycled: {
    type: "AgentStrandedStakeRecycled",
    description:
      "The last delegator left and what the emptied active pool still held (rounding, the virtual shares' part) left it and joined the rewards, vesting to whoever stakes next; the `AgentRewardsAdded` that follows (from the staking contract) schedules it (`StrandedStakeRecycled`).",
    fields: {
      agentId: AGENT,
      amount: ["TokenAmount", "Tokens moved from the active pool to the rewards."],
    },
  },
  RewardVestingPostponed: {
    type: "AgentRewardVestingPostponed",
    description:
      "The agent had no delegators for a while, so its rewards did not vest meanwhile and their end moved later (`RewardVestingPostponed`).",
    fields: {
      agentId: AGENT,
      vestingEnd: ["DateTime", "When they will now all have vested."],
    },
  },
  SelfBondAdded: {
    type: "AgentSelfBondAdded",
    description:
      "The operator bonded more self-stake, slashed before delegated stake (`SelfBondAdded`).",
    fields: {
      agentId: AGENT,
      operator: OPERATOR,
      amount: ["TokenAmount", "Tokens bonded."],
      selfBond: ["TokenAmount", "The self-bond after it."],
    },
  },
  SelfBondUnbonding: {
    type: "AgentSelfBondUnbonding",
    description: "The operator started withdrawing self-bond (`SelfBondUnbonding`).",
    fields: {
      agentId: AGENT,
      operator: OPERATOR,
      amount: ["TokenAmount", "Tokens moved to unbonding."],
      unbonding: ["TokenAmount", "The whole unbonding self-bond after it."],
      releaseAt: ["DateTime", "When the unbonding self-bond may be withdrawn."],
    },
  },
  SelfBondWithdrawn: {
    type: "AgentSelfBondWithdrawn",
    description: "The operator withdrew unbonding self-bond (`SelfBondWithdrawn`).",
    fields: {
      agentId: AGENT,
      operator: OPERATOR,
      amount: ["TokenAmount", "Tokens withdrawn."],
    },
  },
  DisputeOpened: {
    type: "AgentDisputeOpened",
    description: "A dispute was opened against the agent, its bond escrowed (`DisputeOpened`).",
    fields: {
      disputeId: DISPUTE,
      agentId: AGENT,
      disputer: ["Address", "Who opened it."],
      bond: ["TokenAmount", "The bond escrowed."],
      deadline: ["DateTime", "When the arbiter's window closes."],
      evidenceHash: ["Bytes32", "Hash of the evidence."],
      evidenceURI: ["String", "Where the evidence lives."],
    },
  },
  ReceiptDisputeOpened: {
    type: "AgentReceiptDisputeOpened",
    description:
      "The dispute's evidence is a receipt signed by an authorized signer of the agent (`ReceiptDisputeOpened`, after its DisputeOpened).",
    fields: {
      disputeId: DISPUTE,
      agentId: AGENT,
      receiptDigest: ["Bytes32", "The receipt's EIP-712 digest (the evidence hash)."],
      signer: ["Address", "The receipt's signer."],
      fault: ["ReceiptFault", "The fault claimed."],
      requestId: ["Bytes32", "The receipt's request id."],
      issuedAt: ["DateTime", "When the receipt was issued."],
    },
  },
  DisputeSnapshot: {
    type: "AgentDisputeSnapshot",
    description: "The stake a dispute may slash, fixed when it opened (`DisputeSnapshot`).",
    fields: {
      disputeId: DISPUTE,
      agentId: AGENT,
      selfBond: ["TokenAmount", "The operator's self-bond (bonded and unbonding)."],
      delegated: ["TokenAmount", "The delegated stake (active and unbonding pools)."],
    },
  },
  DisputeAccepted: {
    type: "AgentDisputeAccepted",
    description:
      "The arbiter upheld a dispute: the agent was slashed, the disputer rewarded, the rest sent to the treasury (`DisputeAccepted`, after its SelfBondSlashed and Slashed).",
    fields: {
      disputeId: DISPUTE,
      agentId: AGENT,
      disputer: ["Address", "Who opened it."],
      slashBps: ["Int", "The share of the stake slashed, in basis points."],
      slashedActive: ["TokenAmount", "Taken from the active pool."],
      slashedUnbonding: ["TokenAmount", "Taken from the unbonding pool."],
      disputerReward: ["TokenAmount", "Paid to the disputer (besides the returned bond)."],
      treasuryAmount: ["TokenAmount", "Sent to the treasury."],
    },
  },
  SelfBondSlashed: {
    type: "AgentSelfBondSlashed",
    description: "A slash took the operator's self-bond first (`SelfBondSlashed`).",
    fields: {
      agentId: AGENT,
      disputeId: DISPUTE,
      fromBond: ["TokenAmount", "Taken from the bonded self-bond."],
      fromUnbonding: ["TokenAmount", "Taken from the unbonding self-bond."],
      selfBondAfter: ["TokenAmount", "The bonded self-bond left."],
      selfBondUnbondingAfter: ["TokenAmount", "The unbonding self-bond left."],
    },
  },
  Slashed: {
    type: "AgentSlashed",
    description:
      "The agent's delegated pools lost assets to a slash; shares are unchanged (`Slashed`).",
    fields: {
      agentId: AGENT,
      disputeId: DISPUTE,
      slashedActive: ["TokenAmount", "Taken from the active pool."],
      slashedUnbonding: ["TokenAmount", "Taken from the unbonding pool."],
      activeAssetsAfter: ["TokenAmount", "The active pool's assets after it."],
      unbondingAssetsAfter: ["TokenAmount", "The unbonding pool's assets after it."],
    },
  },
  DisputeRejected: {
    type: "AgentDisputeRejected",
    description:
      "The arbiter dismissed a dispute; its bond went to the treasury (`DisputeRejected`).",
    fields: {
      disputeId: DISPUTE,
      agentId: AGENT,
      bondForfeited: ["TokenAmount", "The bond forfeited."],
    },
  },
  DisputeExpired: {
    type: "AgentDisputeExpired",
    description: "A dispute's window passed without a decision (`DisputeExpired`).",
    fields: { disputeId: DISPUTE, agentId: AGENT, bondReturned: BOND_RETURNED },
  },
  DisputeDrawn: {
    type: "AgentDisputeDrawn",
    description: "The arbiter closed a dispute without a slash (`DisputeDrawn`).",
    fields: { disputeId: DISPUTE, agentId: AGENT, bondReturned: BOND_RETURNED },
  },
};
