// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

import {IDatanetRegistry} from "../registry/IDatanetRegistry.sol";
import {IModelRegistry} from "../registry/IModelRegistry.sol";
import {IProposalMarket} from "./IProposalMarket.sol";

/// @title ProposalMarket
/// @notice Crowdfunded, contribution-voted model proposals paid out to the adapter that fulfils them.
/// @dev Design notes:
/// - Money: every token that enters (via {back}) leaves exactly once, either as part of the payout
///   to the builder on {finalizeFulfilment}, or as a backer's own total on {refund}. Backings are
///   never decremented; a refunded flag and `totalRefunded` record refunds, so the escrow still
///   held for a proposal is `totalBacked - payout - totalRefunded`.
/// - Fulfilment is two-phase. {fulfil} only submits an adapter (registered after the proposal,
///   on its base model, listing all its Datanets) and opens an approval window; the backers other
///   than the proposer and the builder judge it with their backing as weight. It pays out only
///   after the window, with approvals reaching a quorum (> 0) of the eligible backing and
///   exceeding rejections; otherwise (or once over half the eligible backing rejected) it is
///   Rejected and everyone refunds. Backers who rejected a fulfilment that still passed keep
///   their backing (they refund it), as in a Moloch ragequit: whoever controls most backing can
///   at worst spend the backing of those who did not object in the window.
/// - Time: one proposal has one window. Backing and voting need `block.timestamp < deadline`;
///   fulfilment and cancellation need the proposal not past it (`<= deadline`); after it, an
///   unfulfilled proposal is Expired. Expiry is lazy: the views report it at once, and {expire} or
///   the first {refund} writes it (and emits {ProposalExpired}).
/// - Votes: weight is the voter's `getPastVotes` at `snapshot = clock - 1` of the votes token taken
///   at {propose}, so votes minted after a proposal exists cannot sway it. Voting is advisory to the
///   proposer, but binding in one way: submitting a fulfilment needs `forVotes >= againstVotes`.
/// - The payout goes to the adapter's owner when the fulfilment was submitted (the `builder`).
/// - Tokens move with SafeERC20 under a transient reentrancy guard, after all state changes.
///   The escrow token is the protocol's plain ERC-20 (no fee on transfer, no rebasing).
contract ProposalMarket is IProposalMarket, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Role allowed to change {maxDuration}.
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");

    /// @notice Most Datanets one proposal may list (bounds the duplicate check).
    uint256 public constant MAX_DATANETS = 32;
    /// @notice Lower bound for {maxDuration}.
    uint64 public constant MIN_MAX_DURATION = 1 days;
    /// @notice Upper bound for {maxDuration}.
    uint64 public constant MAX_MAX_DURATION = 730 days;
    /// @notice {maxDuration} at deployment.
    uint64 public constant DEFAULT_MAX_DURATION = 90 days;
    /// @notice Lower bound for {fulfilmentWindow}.
    uint64 public constant MIN_FULFILMENT_WINDOW = 1 hours;
    /// @notice Upper bound for {fulfilmentWindow}.
    uint64 public constant MAX_FULFILMENT_WINDOW = 30 days;
    /// @notice {fulfilmentWindow} at deployment.
    uint64 public constant DEFAULT_FULFILMENT_WINDOW = 3 days;
    /// @notice {fulfilmentQuorumBps} at deployment.
    uint16 public constant DEFAULT_FULFILMENT_QUORUM_BPS = 3_000;

    IERC20 private immutable _token;
    IModelRegistry private immutable _models;
    IDatanetRegistry private immutable _datanets;
    IVotes private immutable _votes;

    uint64 private _maxDuration;
    uint64 private _fulfilmentWindow;
    uint16 private _fulfilmentQuorumBps;
    uint256 private _proposalCount;

    mapping(uint256 id => Proposal) private _proposals;
    mapping(uint256 id => mapping(address backer => uint256)) private _backings;
    mapping(uint256 id => mapping(address backer => bool)) private _refunded;
    mapping(uint256 id => mapping(address voter => VoteReceipt)) private _voteReceipts;
    mapping(uint256 id => mapping(address backer => FulfilmentVote)) private _fulfilmentVotes;

    /// @param admin Receives DEFAULT_ADMIN_ROLE and PARAMETER_ROLE.
    /// @param token_ Token escrowed by backers and paid to builders.
    /// @param models_ Model registry (base models and adapters).
    /// @param datanets_ Datanet registry.
    /// @param votes_ Votes token (ContributionVotes) weighing proposal votes.
    constructor(address admin, IERC20 token_, IModelRegistry models_, IDatanetRegistry datanets_, IVotes votes_) {
        if (
            admin == address(0) || address(token_) == address(0) || address(models_) == address(0)
                || address(datanets_) == address(0) || address(votes_) == address(0)
        ) revert ProposalMarketZeroAddress();
        _token = token_;
        _models = models_;
        _datanets = datanets_;
        _votes = votes_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMETER_ROLE, admin);
        _setMaxDuration(DEFAULT_MAX_DURATION);
        _setFulfilmentWindow(DEFAULT_FULFILMENT_WINDOW);
        _setFulfilmentQuorum(DEFAULT_FULFILMENT_QUORUM_BPS);
    }

    // ---------------------------------------------------------------------------------------------
    // External
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IProposalMarket
    function propose(
        string calldata specURI,
        uint256[] calldata datanetIds,
        uint256 baseModelId,
        uint256 fundingGoal,
        uint64 deadline
    ) external returns (uint256 id) {
        _checkProposal(specURI, datanetIds, baseModelId, fundingGoal, deadline);

        uint48 snapshot = _votesClock() - 1;
        id = ++_proposalCount;
        {
            Proposal storage p = _proposals[id];
            p.proposer = msg.sender;
            p.deadline = deadline;
            p.status = ProposalStatus.Open;
            p.snapshot = snapshot;
            // Ids are a counter of registrations: far below 2^64.
            p.adapterFloor = uint64(_models.modelCount());
            p.baseModelId = baseModelId;
            p.fundingGoal = fundingGoal;
            p.specURI = specURI;
            p.datanetIds = datanetIds;
            _emitProposalCreated(id, p);
        }
    }

    /// @inheritdoc IProposalMarket
    function back(uint256 id, uint256 amount) external nonReentrant {
        if (amount == 0) revert ProposalMarketZeroAmount();
        Proposal storage p = _openBeforeDeadline(id);

        uint256 backerTotal = _backings[id][msg.sender] + amount;
        _backings[id][msg.sender] = backerTotal;
        uint256 totalBacked = p.totalBacked + amount;
        p.totalBacked = totalBacked;

        emit ProposalBacked(id, msg.sender, amount, backerTotal, totalBacked);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IProposalMarket
    function vote(uint256 id, bool support) external {
        Proposal storage p = _openBeforeDeadline(id);
        VoteReceipt storage receipt = _voteReceipts[id][msg.sender];
        if (receipt.hasVoted) revert ProposalMarketAlreadyVoted(id, msg.sender);
        uint48 snapshot = p.snapshot;
        uint256 weight = _votes.getPastVotes(msg.sender, snapshot);
        if (weight == 0) revert ProposalMarketNoVotingPower(id, msg.sender, snapshot);

        receipt.hasVoted = true;
        receipt.support = support;
        receipt.weight = weight;
        if (support) p.forVotes += weight;
        else p.againstVotes += weight;

        emit ProposalVoted(id, msg.sender, support, weight);
    }

    /// @inheritdoc IProposalMarket
    function fulfil(uint256 id, uint256 adapterId) external {
        Proposal storage p = _proposalOfProposer(id);
        _requireOpen(id, p);
        if (p.totalBacked < p.fundingGoal) {
            revert ProposalMarketFundingGoalNotReached(id, p.totalBacked, p.fundingGoal);
        }
        if (p.forVotes < p.againstVotes) revert ProposalMarketVoteNotPassed(id, p.forVotes, p.againstVotes);
        _checkAdapter(p, adapterId);
        address builder = _models.ownerOf(adapterId);

        // Interested parties judge nothing: their backing counts neither way.
        uint256 eligible = p.totalBacked - _backings[id][p.proposer];
        if (builder != p.proposer) eligible -= _backings[id][builder];
        uint256 quorumWeight = Math.mulDiv(eligible, _fulfilmentQuorumBps, 10_000, Math.Rounding.Ceil);
        if (quorumWeight == 0) quorumWeight = 1;
        uint64 endsAt = uint64(block.timestamp) + _fulfilmentWindow;

        p.status = ProposalStatus.Pending;
        p.adapterId = adapterId;
        p.builder = builder;
        p.fulfilmentEndsAt = endsAt;
        p.eligibleWeight = eligible;
        p.quorumWeight = quorumWeight;
        emit ProposalFulfilmentSubmitted(id, adapterId, builder, endsAt, eligible, quorumWeight);
    }

    /// @inheritdoc IProposalMarket
    function voteFulfilment(uint256 id, bool approve) external {
        Proposal storage p = _pending(id);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= p.fulfilmentEndsAt) revert ProposalMarketFulfilmentWindowClosed(id, p.fulfilmentEndsAt);
        if (msg.sender == p.proposer || msg.sender == p.builder) revert ProposalMarketInterestedParty(id, msg.sender);
        uint256 weight = _backings[id][msg.sender];
        if (weight == 0) revert ProposalMarketNotBacker(id, msg.sender);
        mapping(address => FulfilmentVote) storage ballots = _fulfilmentVotes[id];
        if (ballots[msg.sender] != FulfilmentVote.None) revert ProposalMarketAlreadyJudged(id, msg.sender);

        ballots[msg.sender] = approve ? FulfilmentVote.Approve : FulfilmentVote.Reject;
        if (approve) p.approveWeight += weight;
        else p.rejectWeight += weight;
        emit ProposalFulfilmentVoted(id, msg.sender, approve, weight, p.approveWeight, p.rejectWeight);
    }

    /// @inheritdoc IProposalMarket
    function finalizeFulfilment(uint256 id) external nonReentrant {
        Proposal storage p = _pending(id);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < p.fulfilmentEndsAt) revert ProposalMarketFulfilmentWindowOpen(id, p.fulfilmentEndsAt);
        if (!_approved(p)) {
            revert ProposalMarketFulfilmentNotApproved(id, p.approveWeight, p.rejectWeight, p.quorumWeight);
        }
        // Nothing was refunded while Open or Pending, so the escrow is whole; dissenters' backing stays.
        uint256 payout = p.totalBacked - p.rejectWeight;
        address builder = p.builder;
        p.status = ProposalStatus.Fulfilled;
        p.payout = payout;

        emit ProposalFulfilled(id, p.adapterId, builder, payout);
        _token.safeTransfer(builder, payout);
    }

    /// @inheritdoc IProposalMarket
    function rejectFulfilment(uint256 id) external {
        Proposal storage p = _pending(id);
        // forge-lint: disable-next-line(block-timestamp)
        bool windowClosed = block.timestamp >= p.fulfilmentEndsAt;
        bool majorityRejected = p.rejectWeight > p.eligibleWeight - p.rejectWeight;
        if (!majorityRejected && !(windowClosed && !_approved(p))) revert ProposalMarketFulfilmentNotRejectable(id);
        p.status = ProposalStatus.Rejected;
        emit ProposalFulfilmentRejected(id, p.adapterId, p.approveWeight, p.rejectWeight);
    }

    /// @inheritdoc IProposalMarket
    function cancel(uint256 id) external {
        Proposal storage p = _proposalOfProposer(id);
        if (p.status != ProposalStatus.Pending) _requireOpen(id, p);
        p.status = ProposalStatus.Cancelled;
        emit ProposalCancelled(id);
    }

    /// @inheritdoc IProposalMarket
    function expire(uint256 id) external {
        Proposal storage p = _existing(id);
        ProposalStatus status = _statusOf(p);
        if (status != ProposalStatus.Expired || p.status == ProposalStatus.Expired) {
            revert ProposalMarketNotOpen(id, status);
        }
        _markExpired(id, p);
    }

    /// @inheritdoc IProposalMarket
    function refund(uint256 id) external nonReentrant {
        Proposal storage p = _existing(id);
        ProposalStatus status = _statusOf(p);
        bool refundable = status == ProposalStatus.Cancelled || status == ProposalStatus.Expired
            || status == ProposalStatus.Rejected
            || (status == ProposalStatus.Fulfilled && _fulfilmentVotes[id][msg.sender] == FulfilmentVote.Reject);
        if (!refundable) revert ProposalMarketNotRefundable(id, status);
        uint256 amount = _backings[id][msg.sender];
        if (amount == 0) revert ProposalMarketNothingToRefund(id, msg.sender);
        if (_refunded[id][msg.sender]) revert ProposalMarketAlreadyRefunded(id, msg.sender);

        if (p.status == ProposalStatus.Open) _markExpired(id, p);
        _refunded[id][msg.sender] = true;
        p.totalRefunded += amount;

        emit ProposalBackingRefunded(id, msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IProposalMarket
    function setMaxDuration(uint64 newMaxDuration) external onlyRole(PARAMETER_ROLE) {
        _setMaxDuration(newMaxDuration);
    }

    /// @inheritdoc IProposalMarket
    function setFulfilmentWindow(uint64 newWindow) external onlyRole(PARAMETER_ROLE) {
        _setFulfilmentWindow(newWindow);
    }

    /// @inheritdoc IProposalMarket
    function setFulfilmentQuorum(uint16 newQuorumBps) external onlyRole(PARAMETER_ROLE) {
        _setFulfilmentQuorum(newQuorumBps);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    function _checkProposal(
        string calldata specURI,
        uint256[] calldata datanetIds,
        uint256 baseModelId,
        uint256 fundingGoal,
        uint64 deadline
    ) internal view {
        if (bytes(specURI).length == 0) revert ProposalMarketEmptySpec();
        if (!_models.isBaseModel(baseModelId)) revert ProposalMarketUnknownBaseModel(baseModelId);
        if (_models.isDeprecated(baseModelId)) revert ProposalMarketBaseModelDeprecated(baseModelId);
        _checkDatanets(datanetIds);
        if (fundingGoal == 0) revert ProposalMarketZeroFundingGoal();
        uint64 now_ = uint64(block.timestamp);
        uint64 latest = now_ + _maxDuration;
        if (deadline <= now_ || deadline > latest) revert ProposalMarketInvalidDeadline(deadline, now_ + 1, latest);
    }

    /// @dev Between 1 and MAX_DATANETS ids, each existing, none repeated.
    function _checkDatanets(uint256[] calldata datanetIds) internal view {
        uint256 count = datanetIds.length;
        if (count == 0 || count > MAX_DATANETS) revert ProposalMarketInvalidDatanetCount(count, MAX_DATANETS);
        for (uint256 i; i < count; ++i) {
            uint256 datanetId = datanetIds[i];
            if (!_datanets.datanetExists(datanetId)) revert ProposalMarketUnknownDatanet(datanetId);
            for (uint256 j; j < i; ++j) {
                if (datanetIds[j] == datanetId) revert ProposalMarketDuplicateDatanet(datanetId);
            }
        }
    }

    /// @dev Registered, not deprecated, on the proposal's base model, registered after the
    /// proposal, and trained on (at least) every Datanet the proposal lists.
    function _checkAdapter(Proposal storage p, uint256 adapterId) internal view {
        if (!_models.isAdapter(adapterId)) revert ProposalMarketNotAdapter(adapterId);
        if (_models.isDeprecated(adapterId)) revert ProposalMarketAdapterDeprecated(adapterId);
        uint256 adapterBase = _models.baseModelOf(adapterId);
        if (adapterBase != p.baseModelId) {
            revert ProposalMarketBaseModelMismatch(adapterId, adapterBase, p.baseModelId);
        }
        if (adapterId <= p.adapterFloor) revert ProposalMarketAdapterTooOld(adapterId, p.adapterFloor);
        uint256[] memory trainedOn = _models.datanetIdsOf(adapterId);
        uint256[] storage wanted = p.datanetIds;
        for (uint256 i; i < wanted.length; ++i) {
            uint256 datanetId = wanted[i];
            bool found;
            for (uint256 j; j < trainedOn.length; ++j) {
                if (trainedOn[j] == datanetId) {
                    found = true;
                    break;
                }
            }
            if (!found) revert ProposalMarketAdapterMissingDatanet(adapterId, datanetId);
        }
    }

    /// @dev Approvals reach the quorum (at least 1) and exceed rejections.
    function _approved(Proposal storage p) internal view returns (bool) {
        return p.approveWeight >= p.quorumWeight && p.approveWeight > p.rejectWeight;
    }

    function _pending(uint256 id) internal view returns (Proposal storage p) {
        p = _existing(id);
        if (p.status != ProposalStatus.Pending) revert ProposalMarketNotPending(id, _statusOf(p));
    }

    function _setFulfilmentWindow(uint64 newWindow) internal {
        if (newWindow < MIN_FULFILMENT_WINDOW || newWindow > MAX_FULFILMENT_WINDOW) {
            revert ProposalMarketInvalidFulfilmentWindow(newWindow, MIN_FULFILMENT_WINDOW, MAX_FULFILMENT_WINDOW);
        }
        emit ProposalFulfilmentWindowSet(_fulfilmentWindow, newWindow);
        _fulfilmentWindow = newWindow;
    }

    function _setFulfilmentQuorum(uint16 newQuorumBps) internal {
        if (newQuorumBps == 0 || newQuorumBps > 10_000) revert ProposalMarketInvalidFulfilmentQuorum(newQuorumBps);
        emit ProposalFulfilmentQuorumSet(_fulfilmentQuorumBps, newQuorumBps);
        _fulfilmentQuorumBps = newQuorumBps;
    }

    function _setMaxDuration(uint64 newMaxDuration) internal {
        if (newMaxDuration < MIN_MAX_DURATION || newMaxDuration > MAX_MAX_DURATION) {
            revert ProposalMarketInvalidMaxDuration(newMaxDuration, MIN_MAX_DURATION, MAX_MAX_DURATION);
        }
        emit ProposalMaxDurationSet(_maxDuration, newMaxDuration);
        _maxDuration = newMaxDuration;
    }

    /// @dev Emits from storage (slots just written, so warm) to keep `propose` within the stack limit.
    function _emitProposalCreated(uint256 id, Proposal storage p) internal {
        emit ProposalCreated(
            id, p.proposer, p.baseModelId, p.datanetIds, p.fundingGoal, p.deadline, p.snapshot, p.specURI
        );
    }

    function _markExpired(uint256 id, Proposal storage p) internal {
        p.status = ProposalStatus.Expired;
        emit ProposalExpired(id);
    }

    function _existing(uint256 id) internal view returns (Proposal storage p) {
        p = _proposals[id];
        if (p.status == ProposalStatus.None) revert ProposalMarketUnknownProposal(id);
    }

    function _proposalOfProposer(uint256 id) internal view returns (Proposal storage p) {
        p = _existing(id);
        if (msg.sender != p.proposer) revert ProposalMarketNotProposer(id, msg.sender, p.proposer);
    }

    /// @dev Stored status, except that an Open proposal past its deadline reads as Expired.
    function _statusOf(Proposal storage p) internal view returns (ProposalStatus) {
        ProposalStatus status = p.status;
        // Deadlines are hours to months away; validator timestamp drift (seconds) cannot matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (status == ProposalStatus.Open && block.timestamp > p.deadline) return ProposalStatus.Expired;
        return status;
    }

    /// @dev Effective status Open, i.e. stored Open and not past the deadline.
    function _requireOpen(uint256 id, Proposal storage p) internal view {
        ProposalStatus status = _statusOf(p);
        if (status != ProposalStatus.Open) revert ProposalMarketNotOpen(id, status);
    }

    /// @dev Open and strictly before the deadline: the window for backing and voting.
    function _openBeforeDeadline(uint256 id) internal view returns (Proposal storage p) {
        p = _existing(id);
        _requireOpen(id, p);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= p.deadline) revert ProposalMarketDeadlineReached(id, p.deadline);
    }

    /// @dev The votes token's ERC-6372 clock, or the block number when it has none (as GovernorVotes).
    function _votesClock() internal view returns (uint48) {
        try IERC6372(address(_votes)).clock() returns (uint48 timepoint) {
            return timepoint;
        } catch {
            return Time.blockNumber();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // View
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IProposalMarket
    function getProposal(uint256 id) external view returns (Proposal memory proposal) {
        proposal = _proposals[id];
        proposal.status = _statusOf(_proposals[id]);
    }

    /// @inheritdoc IProposalMarket
    function statusOf(uint256 id) external view returns (ProposalStatus) {
        return _statusOf(_proposals[id]);
    }

    /// @inheritdoc IProposalMarket
    function backingOf(uint256 id, address account) external view returns (uint256) {
        return _backings[id][account];
    }

    /// @inheritdoc IProposalMarket
    function hasRefunded(uint256 id, address account) external view returns (bool) {
        return _refunded[id][account];
    }

    /// @inheritdoc IProposalMarket
    function voteOf(uint256 id, address account) external view returns (VoteReceipt memory) {
        return _voteReceipts[id][account];
    }

    /// @inheritdoc IProposalMarket
    function fulfilmentVoteOf(uint256 id, address backer) external view returns (FulfilmentVote) {
        return _fulfilmentVotes[id][backer];
    }

    /// @inheritdoc IProposalMarket
    function fulfilmentWindow() external view returns (uint64) {
        return _fulfilmentWindow;
    }

    /// @inheritdoc IProposalMarket
    function fulfilmentQuorumBps() external view returns (uint16) {
        return _fulfilmentQuorumBps;
    }

    /// @inheritdoc IProposalMarket
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @inheritdoc IProposalMarket
    function maxDuration() external view returns (uint64) {
        return _maxDuration;
    }

    /// @inheritdoc IProposalMarket
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @inheritdoc IProposalMarket
    function models() external view returns (IModelRegistry) {
        return _models;
    }

    /// @inheritdoc IProposalMarket
    function datanets() external view returns (IDatanetRegistry) {
        return _datanets;
    }

    /// @inheritdoc IProposalMarket
    function votes() external view returns (IVotes) {
        return _votes;
    }
}
