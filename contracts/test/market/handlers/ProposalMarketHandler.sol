// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../../../src/governance/ContributionVotes.sol";
import {IProposalMarket} from "../../../src/market/IProposalMarket.sol";
import {ProposalMarket} from "../../../src/market/ProposalMarket.sol";
import {IModelRegistry} from "../../../src/registry/IModelRegistry.sol";
import {ModelRegistry} from "../../../src/registry/ModelRegistry.sol";
import {TributaryToken} from "../../../src/token/TributaryToken.sol";

/// @dev Drives the market's money path with two proposers (who also back their own proposals
/// now and then), two builders and three backers over a few proposals, while time and blocks
/// pass and votes are minted: propose, back, vote, submit a fulfilment (with an adapter
/// registered for it, or a stale one that must fail), judge it, finalize or reject it, cancel,
/// expire and refund. Calls that would revert are skipped up front (except the stale-adapter
/// fulfilments and second refunds, which are tried and must fail), so each counted action really
/// happened; ghosts record what went in and what came out, and reach counters how often the
/// money moved.
contract ProposalMarketHandler is Test {
    struct GhostProposal {
        uint256 backed;
        uint256 refunded;
        uint256 paid;
        uint256 finalizeCount;
        uint256 voteWeight;
        uint256 approveWeight;
        uint256 rejectWeight;
        uint256 eligible;
        uint64 deadline;
        uint48 snapshot;
        address proposer;
        address builder;
        bool expiryWritten;
        bool submitted;
    }

    struct GhostBacking {
        uint256 amount;
        uint256 refundCount;
        IProposalMarket.FulfilmentVote judged;
    }

    bytes32 internal constant SALT = keccak256("handler-salt");
    uint256 internal constant MAX_PROPOSALS = 4;

    ProposalMarket public immutable market;
    TributaryToken public immutable token;
    ContributionVotes public immutable votes;
    ModelRegistry public immutable models;
    address public immutable minter;
    uint256 public immutable baseModelId;
    uint256 public immutable staleAdapter;

    address[] internal _proposers;
    address[] internal _builders;
    address[] internal _backers; // three backers, then the two proposers
    uint256[] internal _ids;
    uint256 internal _hashNonce;

    mapping(uint256 id => GhostProposal) internal _ghost;
    mapping(uint256 id => mapping(address backer => GhostBacking)) internal _ghostBacking;

    uint256 public ghostTotalBacked;
    uint256 public ghostTotalPaidOut;
    uint256 public ghostSecondRefundSuccesses;
    uint256 public ghostStaleFulfilSuccesses;

    // Reach: how often each step of the money path actually happened in this run.
    uint256 public reachSubmitted;
    uint256 public reachJudged;
    uint256 public reachFinalized;
    uint256 public reachRejected;
    uint256 public reachRefunds;
    uint256 public reachDissentRefunds;

    constructor(
        ProposalMarket market_,
        TributaryToken token_,
        ContributionVotes votes_,
        ModelRegistry models_,
        address admin,
        address minter_,
        uint256 baseModelId_,
        uint256 staleAdapter_
    ) {
        market = market_;
        token = token_;
        votes = votes_;
        models = models_;
        minter = minter_;
        baseModelId = baseModelId_;
        staleAdapter = staleAdapter_;
        for (uint256 i; i < 2; ++i) {
            _proposers.push(makeAddr(string.concat("proposer", vm.toString(i))));
            _builders.push(makeAddr(string.concat("builder", vm.toString(i))));
        }
        for (uint256 i; i < 3; ++i) {
            _backers.push(makeAddr(string.concat("backer", vm.toString(i))));
        }
        _backers.push(_proposers[0]);
        _backers.push(_proposers[1]);
        for (uint256 i; i < _backers.length; ++i) {
            vm.prank(admin);
            token.mint(_backers[i], 1e27);
            vm.prank(_backers[i]);
            token.approve(address(market), type(uint256).max);
            vm.prank(minter);
            votes.mint(_backers[i], (i + 1) * 100e18);
        }
        vm.roll(block.number + 1);
    }

    // ---------------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------------

    function propose(uint256 proposerSeed, uint256 goal, uint256 duration, uint256 datanetId) external {
        if (_ids.length >= MAX_PROPOSALS) return;
        goal = bound(goal, 1e18, 1e20);
        duration = bound(duration, 2 hours, 1 days);
        uint256[] memory datanetIds = new uint256[](1);
        datanetIds[0] = bound(datanetId, 1, 2);
        // casting to 'uint64' is safe because timestamps stay far below 2**64 in tests
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 deadline = uint64(block.timestamp + duration);
        address proposer = _proposers[proposerSeed % _proposers.length];
        vm.prank(proposer);
        uint256 id = market.propose("ipfs://spec", datanetIds, baseModelId, goal, deadline);
        _ids.push(id);
        GhostProposal storage g = _ghost[id];
        g.deadline = deadline;
        // casting to 'uint48' is safe because block numbers stay far below 2**48
        // forge-lint: disable-next-line(unsafe-typecast)
        g.snapshot = uint48(block.number - 1);
        g.proposer = proposer;
    }

    /// @dev Backers back; one call in five the proposal's own proposer does (its weight never votes).
    function back(uint256 backerSeed, uint256 idSeed, uint256 amount) external {
        if (_ids.length == 0) return;
        (uint256 id, bool found) = _find(idSeed, _backable);
        if (!found) return;
        address backer = backerSeed % 5 == 4 ? _ghost[id].proposer : _backer(backerSeed);
        // A third of the goal to twice it, so that goals are reached within a run (fuzzed inputs
        // lean to small edge values, which would leave proposals unfunded).
        uint256 goal = market.getProposal(id).fundingGoal;
        amount = bound(amount, goal / 3 + 1, 2 * goal);
        vm.prank(backer);
        market.back(id, amount);
        _ghost[id].backed += amount;
        _ghostBacking[id][backer].amount += amount;
        ghostTotalBacked += amount;
    }

    /// @dev Votes for three times in four, so most proposals can be fulfilled.
    function vote(uint256 voterSeed, uint256 idSeed, uint256 supportSeed) external {
        if (_ids.length == 0) return;
        uint256 id = _id(idSeed);
        address voter = _backer(voterSeed);
        bool support = supportSeed % 4 != 0;
        if (!_backable(id) || market.voteOf(id, voter).hasVoted) return;
        uint256 weight = votes.getPastVotes(voter, _ghost[id].snapshot);
        if (weight == 0) return;
        vm.prank(voter);
        market.vote(id, support);
        _ghost[id].voteWeight += weight;
    }

    /// @dev Submits a fulfilment with an adapter registered for it now (on the proposal's
    /// Datanets), or, one call in four, with the adapter registered before every proposal (must fail).
    function fulfil(uint256 idSeed, uint256 builderSeed) external {
        (uint256 id, bool found) = _find(idSeed, _fulfillable);
        if (!found) return;
        IProposalMarket.Proposal memory p = market.getProposal(id);
        if (builderSeed % 8 == 7) {
            vm.prank(p.proposer);
            try market.fulfil(id, staleAdapter) {
                ++ghostStaleFulfilSuccesses;
            } catch {}
            return;
        }
        address builder = _builders[builderSeed % _builders.length];
        uint256 adapterId = _registerAdapter(builder, p.datanetIds);
        vm.prank(p.proposer);
        market.fulfil(id, adapterId);

        GhostProposal storage g = _ghost[id];
        g.submitted = true;
        g.builder = builder;
        g.eligible = g.backed - _ghostBacking[id][p.proposer].amount;
        if (builder != p.proposer) g.eligible -= _ghostBacking[id][builder].amount;
        ++reachSubmitted;
    }

    /// @dev The backers (never the proposer) that backed and have not judged yet judge a pending
    /// fulfilment within its window, each approving three times in four (two bits of the seed
    /// each), so approvals, rejections and dissent after approval all happen.
    function judge(uint256 idSeed, uint256 approveSeed) external {
        (uint256 id, bool found) = _find(idSeed, _judgeable);
        if (!found) return;
        for (uint256 i; i < 3; ++i) {
            address backer = _backers[i];
            GhostBacking storage gb = _ghostBacking[id][backer];
            if (gb.amount == 0 || gb.judged != IProposalMarket.FulfilmentVote.None) continue;
            bool approve = (approveSeed >> (2 * i)) & 3 != 0;
            vm.prank(backer);
            market.voteFulfilment(id, approve);
            gb.judged = approve ? IProposalMarket.FulfilmentVote.Approve : IProposalMarket.FulfilmentVote.Reject;
            if (approve) _ghost[id].approveWeight += gb.amount;
            else _ghost[id].rejectWeight += gb.amount;
            ++reachJudged;
        }
    }

    /// @dev Ends a pending fulfilment: finalizes it when approved after its window, rejects it
    /// when it may be rejected, else does nothing.
    function settle(uint256 idSeed) external {
        (uint256 id, bool found) = _find(idSeed, _pending);
        if (!found) return;
        IProposalMarket.Proposal memory p = market.getProposal(id);
        GhostProposal storage g = _ghost[id];
        // forge-lint: disable-next-line(block-timestamp)
        bool windowClosed = block.timestamp >= p.fulfilmentEndsAt;
        bool approved = g.approveWeight >= p.quorumWeight && g.approveWeight > g.rejectWeight;
        if (windowClosed && approved) {
            uint256 before = token.balanceOf(g.builder);
            market.finalizeFulfilment(id);
            uint256 paid = token.balanceOf(g.builder) - before;
            g.paid += paid;
            g.finalizeCount += 1;
            ghostTotalPaidOut += paid;
            ++reachFinalized;
        } else if ((windowClosed && !approved) || g.rejectWeight > g.eligible - g.rejectWeight) {
            market.rejectFulfilment(id);
            ++reachRejected;
        }
    }

    /// @dev Acts one call in four, so that proposals also live long enough to be fulfilled or expire.
    function cancel(uint256 idSeed, uint8 chance) external {
        if (_ids.length == 0 || chance % 8 != 0) return;
        uint256 id = _id(idSeed);
        IProposalMarket.ProposalStatus status = market.statusOf(id);
        if (status != IProposalMarket.ProposalStatus.Open && status != IProposalMarket.ProposalStatus.Pending) return;
        vm.prank(_ghost[id].proposer);
        market.cancel(id);
    }

    function expire(uint256 idSeed) external {
        if (_ids.length == 0) return;
        uint256 id = _id(idSeed);
        if (market.statusOf(id) != IProposalMarket.ProposalStatus.Expired || _ghost[id].expiryWritten) return;
        market.expire(id);
        _ghost[id].expiryWritten = true;
    }

    function refund(uint256 backerSeed, uint256 idSeed) external {
        (uint256 id, bool found) = _find(idSeed, _refundable);
        if (!found) return;
        IProposalMarket.ProposalStatus status = market.statusOf(id);
        bool fulfilled = status == IProposalMarket.ProposalStatus.Fulfilled;
        // The first backer from the seed on who still has a backing to take back (after a
        // fulfilment, only those who rejected it).
        address backer;
        for (uint256 i; i < _backers.length; ++i) {
            address candidate = _backers[(backerSeed % _backers.length + i) % _backers.length];
            GhostBacking storage cb = _ghostBacking[id][candidate];
            if (cb.amount == 0 || cb.refundCount != 0) continue;
            if (fulfilled && cb.judged != IProposalMarket.FulfilmentVote.Reject) continue;
            backer = candidate;
            break;
        }
        if (backer == address(0)) return;
        GhostBacking storage gb = _ghostBacking[id][backer];

        uint256 before = token.balanceOf(backer);
        vm.prank(backer);
        market.refund(id);
        uint256 received = token.balanceOf(backer) - before;
        _ghost[id].refunded += received;
        gb.refundCount += 1;
        ghostTotalPaidOut += received;
        if (status == IProposalMarket.ProposalStatus.Expired) _ghost[id].expiryWritten = true;
        ++reachRefunds;
        if (fulfilled) ++reachDissentRefunds;

        // A second refund must fail.
        vm.prank(backer);
        try market.refund(id) {
            ghostSecondRefundSuccesses += 1;
        } catch {}
    }

    function mintVotes(uint256 voterSeed, uint256 amount) external {
        amount = bound(amount, 1, 1e24);
        vm.prank(minter);
        votes.mint(_backer(voterSeed), amount);
    }

    function advance(uint256 secondsAhead, uint256 blocksAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 30 minutes, 2 hours));
        vm.roll(block.number + bound(blocksAhead, 1, 10));
    }

    // ---------------------------------------------------------------------------------------------
    // Views for the invariants
    // ---------------------------------------------------------------------------------------------

    function ids() external view returns (uint256[] memory) {
        return _ids;
    }

    function backers() external view returns (address[] memory) {
        return _backers;
    }

    function ghost(uint256 id) external view returns (GhostProposal memory) {
        return _ghost[id];
    }

    /// @dev The ghost backings of proposal `id`, in the order of {backers} (one call, not one per backer).
    function ghostBackings(uint256 id) external view returns (GhostBacking[] memory result) {
        result = new GhostBacking[](_backers.length);
        for (uint256 i; i < _backers.length; ++i) {
            result[i] = _ghostBacking[id][_backers[i]];
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    /// @dev Commit, one block, reveal: an adapter owned by `builder` trained on `datanetIds`.
    function _registerAdapter(address builder, uint256[] memory datanetIds) internal returns (uint256) {
        IModelRegistry.AdapterParams memory p;
        p.baseModelId = baseModelId;
        p.name = "adapter";
        p.contentHash = keccak256(abi.encode("market-handler-adapter", ++_hashNonce));
        p.uri = "ipfs://adapter";
        p.rank = 8;
        p.datanetIds = datanetIds;
        vm.prank(builder);
        models.commitRegistration(keccak256(abi.encode(p.contentHash, builder, SALT)));
        vm.roll(block.number + 1);
        vm.prank(builder);
        return models.registerAdapter(p, SALT);
    }

    /// @dev The first proposal from the seed on that `ready` accepts (found false when none).
    function _find(uint256 seed, function(uint256) internal view returns (bool) ready)
        internal
        view
        returns (uint256 id, bool found)
    {
        for (uint256 i; i < _ids.length; ++i) {
            id = _ids[(seed % _ids.length + i) % _ids.length];
            if (ready(id)) return (id, true);
        }
    }

    function _fulfillable(uint256 id) internal view returns (bool) {
        IProposalMarket.Proposal memory p = market.getProposal(id);
        return p.status == IProposalMarket.ProposalStatus.Open && p.totalBacked >= p.fundingGoal
            && p.forVotes >= p.againstVotes;
    }

    function _pending(uint256 id) internal view returns (bool) {
        return market.statusOf(id) == IProposalMarket.ProposalStatus.Pending;
    }

    function _judgeable(uint256 id) internal view returns (bool) {
        IProposalMarket.Proposal memory p = market.getProposal(id);
        // forge-lint: disable-next-line(block-timestamp)
        return p.status == IProposalMarket.ProposalStatus.Pending && block.timestamp < p.fulfilmentEndsAt;
    }

    /// @dev Someone may still refund: every backer after a cancellation, expiry or rejection,
    /// the dissenters after a fulfilment.
    function _refundable(uint256 id) internal view returns (bool) {
        IProposalMarket.ProposalStatus status = market.statusOf(id);
        bool fulfilled = status == IProposalMarket.ProposalStatus.Fulfilled;
        if (
            !fulfilled && status != IProposalMarket.ProposalStatus.Cancelled
                && status != IProposalMarket.ProposalStatus.Expired && status != IProposalMarket.ProposalStatus.Rejected
        ) return false;
        for (uint256 i; i < _backers.length; ++i) {
            GhostBacking storage gb = _ghostBacking[id][_backers[i]];
            if (gb.amount == 0 || gb.refundCount != 0) continue;
            if (!fulfilled || gb.judged == IProposalMarket.FulfilmentVote.Reject) return true;
        }
        return false;
    }

    function _backable(uint256 id) internal view returns (bool) {
        // forge-lint: disable-next-line(block-timestamp)
        return market.statusOf(id) == IProposalMarket.ProposalStatus.Open && block.timestamp < _ghost[id].deadline;
    }

    function _id(uint256 seed) internal view returns (uint256) {
        return _ids[seed % _ids.length];
    }

    function _backer(uint256 seed) internal view returns (address) {
        return _backers[seed % 3];
    }
}
