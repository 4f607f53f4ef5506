// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../../../src/governance/ContributionVotes.sol";
import {IProposalMarket} from "../../../src/market/IProposalMarket.sol";
import {ProposalMarket} from "../../../src/market/ProposalMarket.sol";
import {TributaryToken} from "../../../src/token/TributaryToken.sol";

/// @dev Drives the market with two proposers and three backers/voters over a few proposals, while
/// time and blocks pass and votes are minted. Calls that would revert are skipped up front (except
/// fulfilments with a wrong adapter and second refunds, which are tried and must fail), so each
/// counted action really happened; ghosts record what went in and what came out.
contract ProposalMarketHandler is Test {
    struct GhostProposal {
        uint256 backed;
        uint256 refunded;
        uint256 fulfilPaid;
        uint256 fulfilCount;
        uint256 voteWeight;
        uint64 deadline;
        uint48 snapshot;
        address proposer;
        bool expiryWritten;
    }

    struct GhostBacking {
        uint256 amount;
        uint256 refundCount;
    }

    ProposalMarket public immutable market;
    TributaryToken public immutable token;
    ContributionVotes public immutable votes;
    address public immutable minter;
    uint256 public immutable baseModelId;

    uint256 internal constant MAX_PROPOSALS = 4;

    address[] internal _proposers;
    address[] internal _backers;
    uint256[] internal _adapters;
    uint256[] internal _ids;

    mapping(uint256 id => GhostProposal) internal _ghost;
    mapping(uint256 id => mapping(address backer => GhostBacking)) internal _ghostBacking;

    uint256 public ghostTotalBacked;
    uint256 public ghostTotalPaidOut;
    uint256 public ghostSecondRefundSuccesses;

    constructor(
        ProposalMarket market_,
        TributaryToken token_,
        ContributionVotes votes_,
        address admin,
        address minter_,
        uint256 baseModelId_,
        uint256[] memory adapters_
    ) {
        market = market_;
        token = token_;
        votes = votes_;
        minter = minter_;
        baseModelId = baseModelId_;
        _adapters = adapters_;
        for (uint256 i; i < 2; ++i) {
            _proposers.push(makeAddr(string.concat("proposer", vm.toString(i))));
        }
        for (uint256 i; i < 3; ++i) {
            address backer = makeAddr(string.concat("backer", vm.toString(i)));
            _backers.push(backer);
            vm.prank(admin);
            token.mint(backer, 1e27);
            vm.prank(backer);
            token.approve(address(market), type(uint256).max);
            vm.prank(minter);
            votes.mint(backer, (i + 1) * 100e18);
        }
        vm.roll(block.number + 1);
    }

    // ---------------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------------

    function propose(uint256 proposerSeed, uint256 goal, uint256 duration, uint256 datanetId) external {
        if (_ids.length >= MAX_PROPOSALS) return;
        goal = bound(goal, 1e18, 1e21);
        duration = bound(duration, 1 hours, 10 days);
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

    function back(uint256 backerSeed, uint256 idSeed, uint256 amount) external {
        if (_ids.length == 0) return;
        uint256 id = _id(idSeed);
        if (!_backable(id)) return;
        address backer = _backer(backerSeed);
        amount = bound(amount, 1, 1e22);
        vm.prank(backer);
        market.back(id, amount);
        _ghost[id].backed += amount;
        _ghostBacking[id][backer].amount += amount;
        ghostTotalBacked += amount;
    }

    function vote(uint256 voterSeed, uint256 idSeed, bool support) external {
        if (_ids.length == 0) return;
        uint256 id = _id(idSeed);
        address voter = _backer(voterSeed);
        if (!_backable(id) || market.voteOf(id, voter).hasVoted) return;
        uint256 weight = votes.getPastVotes(voter, _ghost[id].snapshot);
        if (weight == 0) return;
        vm.prank(voter);
        market.vote(id, support);
        _ghost[id].voteWeight += weight;
    }

    function fulfil(uint256 idSeed, uint256 adapterSeed) external {
        if (_ids.length == 0) return;
        uint256 id = _id(idSeed);
        IProposalMarket.Proposal memory p = market.getProposal(id);
        if (p.status != IProposalMarket.ProposalStatus.Open) return;
        if (p.totalBacked < p.fundingGoal || p.forVotes < p.againstVotes) return;
        vm.prank(p.proposer);
        try market.fulfil(id, _adapters[adapterSeed % _adapters.length]) {
            _ghost[id].fulfilPaid += p.totalBacked;
            _ghost[id].fulfilCount += 1;
            ghostTotalPaidOut += p.totalBacked;
        } catch {
            // Only the adapter checks can fail here (an adapter on another base model).
        }
    }

    /// @dev Acts one call in four, so that proposals also live long enough to be fulfilled or expire.
    function cancel(uint256 idSeed, uint8 chance) external {
        if (_ids.length == 0 || chance % 4 != 0) return;
        uint256 id = _id(idSeed);
        if (market.statusOf(id) != IProposalMarket.ProposalStatus.Open) return;
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
        if (_ids.length == 0) return;
        uint256 id = _id(idSeed);
        IProposalMarket.ProposalStatus status = market.statusOf(id);
        if (status != IProposalMarket.ProposalStatus.Cancelled && status != IProposalMarket.ProposalStatus.Expired) {
            return;
        }
        // The first backer from the seed on who still has a backing to take back.
        address backer;
        for (uint256 i; i < _backers.length; ++i) {
            address candidate = _backer(backerSeed + i);
            GhostBacking storage candidateBacking = _ghostBacking[id][candidate];
            if (candidateBacking.amount != 0 && candidateBacking.refundCount == 0) {
                backer = candidate;
                break;
            }
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
        vm.warp(block.timestamp + bound(secondsAhead, 1, 2 days));
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

    function _backable(uint256 id) internal view returns (bool) {
        // forge-lint: disable-next-line(block-timestamp)
        return market.statusOf(id) == IProposalMarket.ProposalStatus.Open && block.timestamp < _ghost[id].deadline;
    }

    function _id(uint256 seed) internal view returns (uint256) {
        return _ids[seed % _ids.length];
    }

    function _backer(uint256 seed) internal view returns (address) {
        return _backers[seed % _backers.length];
    }
}
