// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

import {IDatanetRegistry} from "../registry/IDatanetRegistry.sol";
import {IModelRegistry} from "../registry/IModelRegistry.sol";

/// @title IProposalMarket
/// @notice Crowdfunded model proposals: propose a model (spec, Datanets, base model, funding goal,
/// deadline), back it with escrowed tokens, vote on it with contribution votes, fulfil it in two
/// phases (the proposer submits a registered adapter, the backers approve or reject it during a
/// window, then the escrow goes to the adapter's owner or back to the backers), or refund the
/// backers on cancellation, expiry or rejection.
interface IProposalMarket {
    // ---------------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------------

    /// @notice Lifecycle of a proposal. `Expired` is reached lazily: a proposal stored as `Open` whose
    /// deadline has passed reads as `Expired` in the views, and is written as such by {expire} or the
    /// first {refund}. `Pending`: a fulfilment awaits the backers' decision; `Rejected`: they (or
    /// the lack of a quorum) turned it down and every backer may refund.
    enum ProposalStatus {
        None,
        Open,
        Fulfilled,
        Cancelled,
        Expired,
        Pending,
        Rejected
    }

    /// @notice A backer's ballot on a pending fulfilment.
    enum FulfilmentVote {
        None,
        Approve,
        Reject
    }

    /// @notice A proposal as stored (with `status` reported as the effective status by the views).
    /// @param proposer Account that proposed, judges the spec and may fulfil or cancel.
    /// @param deadline Last second of the proposal (backing and voting stop before it, fulfilment at it).
    /// @param status Lifecycle status.
    /// @param snapshot Votes-clock timepoint at which voting weight is read (proposal clock - 1).
    /// @param fulfilmentEndsAt End of the backers' approval window (0 until a fulfilment is submitted).
    /// @param adapterFloor The model registry's `modelCount` at proposal time: a fulfilling adapter's
    /// id must be above it (registered after the proposal).
    /// @param baseModelId Base model the requested adapter must be built on.
    /// @param fundingGoal Escrow needed before the proposal can be fulfilled.
    /// @param totalBacked Sum of all backings ever made (never decreases).
    /// @param totalRefunded Sum of the backings refunded so far.
    /// @param forVotes Votes weight in favour.
    /// @param againstVotes Votes weight against.
    /// @param adapterId Adapter submitted as the fulfilment (0 until one is).
    /// @param builder Owner of the adapter when it was submitted, paid on finalization (zero until then).
    /// @param eligibleWeight Backing that may vote on the fulfilment: `totalBacked` minus the
    /// proposer's and the builder's backing.
    /// @param quorumWeight Approvals needed to finalize: `ceil(eligibleWeight * quorumBps / 10_000)`, at least 1.
    /// @param approveWeight Backing that approved the fulfilment.
    /// @param rejectWeight Backing that rejected the fulfilment.
    /// @param payout Paid to the builder on finalization: `totalBacked - rejectWeight` (dissenters
    /// keep the right to refund).
    /// @param specURI URI of the model specification.
    /// @param datanetIds Datanets the model should be trained on.
    struct Proposal {
        address proposer;
        uint64 deadline;
        ProposalStatus status;
        uint48 snapshot;
        uint64 fulfilmentEndsAt;
        uint64 adapterFloor;
        uint256 baseModelId;
        uint256 fundingGoal;
        uint256 totalBacked;
        uint256 totalRefunded;
        uint256 forVotes;
        uint256 againstVotes;
        uint256 adapterId;
        address builder;
        uint256 eligibleWeight;
        uint256 quorumWeight;
        uint256 approveWeight;
        uint256 rejectWeight;
        uint256 payout;
        string specURI;
        uint256[] datanetIds;
    }

    /// @notice How an account voted on a proposal.
    struct VoteReceipt {
        bool hasVoted;
        bool support;
        uint256 weight;
    }

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice A constructor address argument was zero.
    error ProposalMarketZeroAddress();
    /// @notice The spec URI was empty.
    error ProposalMarketEmptySpec();
    /// @notice `baseModelId` is not a registered base model.
    error ProposalMarketUnknownBaseModel(uint256 baseModelId);
    /// @notice `baseModelId` was deprecated by its owner.
    error ProposalMarketBaseModelDeprecated(uint256 baseModelId);
    /// @notice The number of Datanets is not within 1..`max`.
    error ProposalMarketInvalidDatanetCount(uint256 count, uint256 max);
    /// @notice `datanetId` does not exist.
    error ProposalMarketUnknownDatanet(uint256 datanetId);
    /// @notice `datanetId` is listed twice.
    error ProposalMarketDuplicateDatanet(uint256 datanetId);
    /// @notice The funding goal was zero.
    error ProposalMarketZeroFundingGoal();
    /// @notice `deadline` is not within `earliest`..`latest` (now + 1 .. now + maxDuration).
    error ProposalMarketInvalidDeadline(uint64 deadline, uint64 earliest, uint64 latest);
    /// @notice No proposal has id `id`.
    error ProposalMarketUnknownProposal(uint256 id);
    /// @notice The proposal's effective status is `status`, not Open.
    error ProposalMarketNotOpen(uint256 id, ProposalStatus status);
    /// @notice Backing and voting stop at the deadline (`block.timestamp >= deadline`).
    error ProposalMarketDeadlineReached(uint256 id, uint64 deadline);
    /// @notice The amount was zero.
    error ProposalMarketZeroAmount();
    /// @notice `voter` had no votes at the proposal's `snapshot`.
    error ProposalMarketNoVotingPower(uint256 id, address voter, uint48 snapshot);
    /// @notice `voter` already voted on proposal `id`.
    error ProposalMarketAlreadyVoted(uint256 id, address voter);
    /// @notice Only the proposer may do this.
    error ProposalMarketNotProposer(uint256 id, address caller, address proposer);
    /// @notice The proposal has `totalBacked` < `fundingGoal`.
    error ProposalMarketFundingGoalNotReached(uint256 id, uint256 totalBacked, uint256 fundingGoal);
    /// @notice The proposal has more votes against than for.
    error ProposalMarketVoteNotPassed(uint256 id, uint256 forVotes, uint256 againstVotes);
    /// @notice `adapterId` is not a registered adapter.
    error ProposalMarketNotAdapter(uint256 adapterId);
    /// @notice `adapterId` was deprecated by its owner.
    error ProposalMarketAdapterDeprecated(uint256 adapterId);
    /// @notice The adapter is built on `adapterBaseModel`, the proposal asks for `proposalBaseModel`.
    error ProposalMarketBaseModelMismatch(uint256 adapterId, uint256 adapterBaseModel, uint256 proposalBaseModel);
    /// @notice Refunds need the proposal Cancelled, Expired or Rejected (or Fulfilled, for a backer
    /// that rejected the fulfilment); its effective status is `status`.
    error ProposalMarketNotRefundable(uint256 id, ProposalStatus status);
    /// @notice Adapter `adapterId` was registered before the proposal (ids up to `adapterFloor` were).
    error ProposalMarketAdapterTooOld(uint256 adapterId, uint256 adapterFloor);
    /// @notice Adapter `adapterId` does not list the proposal's Datanet `datanetId`.
    error ProposalMarketAdapterMissingDatanet(uint256 adapterId, uint256 datanetId);
    /// @notice The proposal's effective status is `status`, not Pending.
    error ProposalMarketNotPending(uint256 id, ProposalStatus status);
    /// @notice The approval window of proposal `id` closed at `endsAt`.
    error ProposalMarketFulfilmentWindowClosed(uint256 id, uint64 endsAt);
    /// @notice The approval window of proposal `id` is open until `endsAt`.
    error ProposalMarketFulfilmentWindowOpen(uint256 id, uint64 endsAt);
    /// @notice `account` is the proposer or the builder of proposal `id` and cannot judge its fulfilment.
    error ProposalMarketInterestedParty(uint256 id, address account);
    /// @notice `account` has no backing in proposal `id`.
    error ProposalMarketNotBacker(uint256 id, address account);
    /// @notice `backer` already voted on the fulfilment of proposal `id`.
    error ProposalMarketAlreadyJudged(uint256 id, address backer);
    /// @notice The fulfilment of proposal `id` is not approved: `approveWeight` must reach
    /// `quorumWeight` and exceed `rejectWeight`.
    error ProposalMarketFulfilmentNotApproved(uint256 id, uint256 approveWeight, uint256 rejectWeight, uint256 quorumWeight);
    /// @notice The fulfilment of proposal `id` can be rejected only when its window closed without
    /// approval, or when backers holding over half the eligible backing rejected it.
    error ProposalMarketFulfilmentNotRejectable(uint256 id);
    /// @notice `window` is not within `min`..`max`.
    error ProposalMarketInvalidFulfilmentWindow(uint64 window, uint64 min, uint64 max);
    /// @notice `quorumBps` is not within 1..10_000.
    error ProposalMarketInvalidFulfilmentQuorum(uint16 quorumBps);
    /// @notice `backer` never backed proposal `id`.
    error ProposalMarketNothingToRefund(uint256 id, address backer);
    /// @notice `backer` was already refunded for proposal `id`.
    error ProposalMarketAlreadyRefunded(uint256 id, address backer);
    /// @notice `maxDuration` is not within `min`..`max`.
    error ProposalMarketInvalidMaxDuration(uint64 maxDuration, uint64 min, uint64 max);

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice Proposal `id` was created (status Open).
    event ProposalCreated(
        uint256 indexed id,
        address indexed proposer,
        uint256 indexed baseModelId,
        uint256[] datanetIds,
        uint256 fundingGoal,
        uint64 deadline,
        uint48 snapshot,
        string specURI
    );

    /// @notice `backer` escrowed `amount` more; `backerTotal` and `totalBacked` are the totals after it.
    event ProposalBacked(
        uint256 indexed id, address indexed backer, uint256 amount, uint256 backerTotal, uint256 totalBacked
    );

    /// @notice `voter` voted with `weight` (their votes at the snapshot).
    event ProposalVoted(uint256 indexed id, address indexed voter, bool support, uint256 weight);

    /// @notice The proposer submitted `adapterId` as the fulfilment of proposal `id` (status
    /// Pending); backers holding `eligibleWeight` may approve or reject it until `endsAt`, and
    /// `quorumWeight` approvals are needed.
    event ProposalFulfilmentSubmitted(
        uint256 indexed id,
        uint256 indexed adapterId,
        address indexed builder,
        uint64 endsAt,
        uint256 eligibleWeight,
        uint256 quorumWeight
    );

    /// @notice `backer` approved or rejected the pending fulfilment with `weight` (its backing);
    /// the tallies after the vote.
    event ProposalFulfilmentVoted(
        uint256 indexed id,
        address indexed backer,
        bool approve,
        uint256 weight,
        uint256 approveWeight,
        uint256 rejectWeight
    );

    /// @notice The fulfilment of proposal `id` by `adapterId` was finalized; `payout` (the escrow
    /// less the dissenting backers' backing) went to `builder`.
    event ProposalFulfilled(uint256 indexed id, uint256 indexed adapterId, address indexed builder, uint256 payout);

    /// @notice The fulfilment of proposal `id` by `adapterId` was rejected; every backer may refund.
    event ProposalFulfilmentRejected(
        uint256 indexed id, uint256 indexed adapterId, uint256 approveWeight, uint256 rejectWeight
    );

    /// @notice The proposer cancelled proposal `id`.
    event ProposalCancelled(uint256 indexed id);

    /// @notice Proposal `id` passed its deadline unfulfilled and was marked Expired.
    event ProposalExpired(uint256 indexed id);

    /// @notice `backer` took back their whole backing `amount` of proposal `id`.
    event ProposalBackingRefunded(uint256 indexed id, address indexed backer, uint256 amount);

    /// @notice The maximum proposal duration changed.
    event ProposalMaxDurationSet(uint64 previousMaxDuration, uint64 newMaxDuration);

    /// @notice The approval window for fulfilments submitted from now on changed.
    event ProposalFulfilmentWindowSet(uint64 previousWindow, uint64 newWindow);

    /// @notice The approval quorum for fulfilments submitted from now on changed.
    event ProposalFulfilmentQuorumSet(uint16 previousQuorumBps, uint16 newQuorumBps);

    // ---------------------------------------------------------------------------------------------
    // External
    // ---------------------------------------------------------------------------------------------

    /// @notice Proposes a model to be built on `baseModelId` and trained on `datanetIds`.
    /// @dev Records the votes snapshot as the votes clock - 1.
    /// Emits a {ProposalCreated} event.
    /// @return id The new proposal's id (counter starting at 1).
    function propose(
        string calldata specURI,
        uint256[] calldata datanetIds,
        uint256 baseModelId,
        uint256 fundingGoal,
        uint64 deadline
    ) external returns (uint256 id);

    /// @notice Escrows `amount` tokens from the caller toward proposal `id` (needs an allowance).
    /// Emits a {ProposalBacked} event.
    function back(uint256 id, uint256 amount) external;

    /// @notice Votes for (`support` true) or against proposal `id` with the caller's votes at the snapshot.
    /// Emits a {ProposalVoted} event.
    function vote(uint256 id, bool support) external;

    /// @notice The proposer submits `adapterId` as the fulfilment of proposal `id`: the proposal
    /// becomes Pending for {fulfilmentWindow}, during which its backers approve or reject it. No
    /// token moves.
    /// Emits a {ProposalFulfilmentSubmitted} event.
    function fulfil(uint256 id, uint256 adapterId) external;

    /// @notice A backer (not the proposer or the builder) approves or rejects the pending
    /// fulfilment of proposal `id` with its whole backing as weight.
    /// Emits a {ProposalFulfilmentVoted} event.
    function voteFulfilment(uint256 id, bool approve) external;

    /// @notice After the window, pays an approved fulfilment: `totalBacked - rejectWeight` to the
    /// builder (anyone may call).
    /// Emits a {ProposalFulfilled} event.
    function finalizeFulfilment(uint256 id) external;

    /// @notice Rejects a pending fulfilment that was not approved in its window, or that backers
    /// holding over half the eligible backing rejected (anyone may call); every backer may refund.
    /// Emits a {ProposalFulfilmentRejected} event.
    function rejectFulfilment(uint256 id) external;

    /// @notice The proposer cancels an Open or Pending proposal; backers can then refund.
    /// Emits a {ProposalCancelled} event.
    function cancel(uint256 id) external;

    /// @notice Marks an Open proposal whose deadline has passed as Expired (anyone may call).
    /// Emits a {ProposalExpired} event.
    function expire(uint256 id) external;

    /// @notice Returns the caller's whole backing of a Cancelled, Expired or Rejected proposal, or
    /// of a Fulfilled one whose fulfilment the caller rejected.
    /// Emits a {ProposalBackingRefunded} event, preceded by {ProposalExpired} when this call is the one
    /// that marks the proposal Expired.
    function refund(uint256 id) external;

    /// @notice Sets the longest time a proposal may stay open. PARAMETER_ROLE only.
    /// Emits a {ProposalMaxDurationSet} event.
    function setMaxDuration(uint64 newMaxDuration) external;

    /// @notice Sets the approval window of fulfilments submitted from now on. PARAMETER_ROLE only.
    /// Emits a {ProposalFulfilmentWindowSet} event.
    function setFulfilmentWindow(uint64 newWindow) external;

    /// @notice Sets the approval quorum (basis points of the eligible backing) of fulfilments
    /// submitted from now on. PARAMETER_ROLE only.
    /// Emits a {ProposalFulfilmentQuorumSet} event.
    function setFulfilmentQuorum(uint16 newQuorumBps) external;

    // ---------------------------------------------------------------------------------------------
    // View
    // ---------------------------------------------------------------------------------------------

    /// @notice The proposal `id`, with `status` the effective status (see {statusOf}); an empty
    /// struct (status None) for an unknown id.
    function getProposal(uint256 id) external view returns (Proposal memory);

    /// @notice Effective status: Expired for a stored Open proposal past its deadline.
    function statusOf(uint256 id) external view returns (ProposalStatus);

    /// @notice Total `account` backed proposal `id` (kept after a refund; see {hasRefunded}).
    function backingOf(uint256 id, address account) external view returns (uint256);

    /// @notice True once `account` was refunded for proposal `id`.
    function hasRefunded(uint256 id, address account) external view returns (bool);

    /// @notice How `account` voted on proposal `id`.
    function voteOf(uint256 id, address account) external view returns (VoteReceipt memory);

    /// @notice How `backer` judged the fulfilment of proposal `id`.
    function fulfilmentVoteOf(uint256 id, address backer) external view returns (FulfilmentVote);

    /// @notice Length of the backers' approval window of a fulfilment.
    function fulfilmentWindow() external view returns (uint64);

    /// @notice Approvals needed to finalize a fulfilment, in basis points of the eligible backing.
    function fulfilmentQuorumBps() external view returns (uint16);

    /// @notice Number of proposals created (the last id).
    function proposalCount() external view returns (uint256);

    /// @notice Longest allowed time between proposing and the deadline.
    function maxDuration() external view returns (uint64);

    /// @notice Token escrowed by backers.
    function token() external view returns (IERC20);

    /// @notice Model registry consulted for base models and adapters.
    function models() external view returns (IModelRegistry);

    /// @notice Datanet registry consulted for Datanets.
    function datanets() external view returns (IDatanetRegistry);

    /// @notice Votes token whose past votes weigh proposal votes.
    function votes() external view returns (IVotes);
}
