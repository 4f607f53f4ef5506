// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IProposalMarket} from "../../src/market/IProposalMarket.sol";
import {ProposalMarket} from "../../src/market/ProposalMarket.sol";
import {IDatanetRegistry} from "../../src/registry/IDatanetRegistry.sol";
import {IModelRegistry} from "../../src/registry/IModelRegistry.sol";
import {ProposalMarketFixture} from "./ProposalMarketFixture.sol";

contract ProposalMarketTest is ProposalMarketFixture {
    address internal proposer = makeAddr("proposer");
    address internal builder = makeAddr("builder");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal stranger = makeAddr("stranger");

    uint256 internal constant GOAL = 1_000e18;
    uint64 internal constant DURATION = 30 days;
    string internal constant SPEC = "ipfs://spec-legal-summarizer";

    uint256 internal adapterId;

    function setUp() public {
        _deployMarket();
        adapterId = _registerAdapter(builder, baseModelId);
        _fund(alice, 1e30);
        _fund(bob, 1e30);
        _fund(carol, 1e30);
        _mintVotes(alice, 300e18);
        _mintVotes(bob, 200e18);
        _mintVotes(carol, 50e18);
        vm.roll(block.number + 1);
        vm.warp(1_700_000_000);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    function _deadline() internal view returns (uint64) {
        return uint64(block.timestamp) + DURATION;
    }

    function _propose() internal returns (uint256 id) {
        vm.prank(proposer);
        id = market.propose(SPEC, _datanets(), baseModelId, GOAL, _deadline());
    }

    function _back(address backer, uint256 id, uint256 amount) internal {
        vm.prank(backer);
        market.back(id, amount);
    }

    function _vote(address voter, uint256 id, bool support) internal {
        vm.prank(voter);
        market.vote(id, support);
    }

    /// @dev A proposal backed to its goal by alice (600) and bob (400), alice voting for, and a
    /// fresh `adapterId` (registered after it) that can fulfil it.
    function _fundedProposal() internal returns (uint256 id) {
        id = _propose();
        _back(alice, id, 600e18);
        _back(bob, id, 400e18);
        _vote(alice, id, true);
        adapterId = _freshAdapter();
    }

    function _freshAdapter() internal returns (uint256) {
        return _registerAdapter(builder, baseModelId);
    }

    /// @dev {_fundedProposal} with `adapterId` submitted: Pending.
    function _pendingProposal() internal returns (uint256 id) {
        id = _fundedProposal();
        vm.prank(proposer);
        market.fulfil(id, adapterId);
    }

    /// @dev {_pendingProposal} approved by alice and finalized: Fulfilled.
    function _fulfilledProposal() internal returns (uint256 id) {
        id = _pendingProposal();
        _judge(alice, id, true);
        _endWindow(id);
        market.finalizeFulfilment(id);
    }

    function _judge(address backer, uint256 id, bool approve) internal {
        vm.prank(backer);
        market.voteFulfilment(id, approve);
    }

    function _endWindow(uint256 id) internal {
        vm.warp(market.getProposal(id).fulfilmentEndsAt);
    }

    function _pastDeadline(uint256 id) internal {
        vm.warp(market.getProposal(id).deadline + 1);
    }

    function _expectNotOpen(uint256 id, IProposalMarket.ProposalStatus status) internal {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketNotOpen.selector, id, status));
    }

    function _assertStatus(uint256 id, IProposalMarket.ProposalStatus status) internal view {
        assertEq(uint8(market.statusOf(id)), uint8(status));
    }

    // ---------------------------------------------------------------------------------------------
    // constructor
    // ---------------------------------------------------------------------------------------------

    function test_constructor_SetsDependenciesRolesAndDefaults() public view {
        assertEq(address(market.token()), address(token));
        assertEq(address(market.models()), address(modelRegistry));
        assertEq(address(market.datanets()), address(datanetRegistry));
        assertEq(address(market.votes()), address(votes));
        assertTrue(market.hasRole(market.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(market.hasRole(market.PARAMETER_ROLE(), admin));
        assertEq(market.maxDuration(), market.DEFAULT_MAX_DURATION());
        assertEq(market.proposalCount(), 0);
    }

    function test_constructor_EmitsMaxDurationSet() public {
        vm.expectEmit(true, true, true, true);
        emit IProposalMarket.ProposalMaxDurationSet(0, 90 days);
        new ProposalMarket(admin, token, modelRegistry, datanetRegistry, votes);
    }

    function test_Revert_constructor_WhenAnyAddressZero() public {
        bytes memory err = abi.encodeWithSelector(IProposalMarket.ProposalMarketZeroAddress.selector);
        vm.expectRevert(err);
        new ProposalMarket(address(0), token, modelRegistry, datanetRegistry, votes);
        vm.expectRevert(err);
        new ProposalMarket(admin, IERC20(address(0)), modelRegistry, datanetRegistry, votes);
        vm.expectRevert(err);
        new ProposalMarket(admin, token, IModelRegistry(address(0)), datanetRegistry, votes);
        vm.expectRevert(err);
        new ProposalMarket(admin, token, modelRegistry, IDatanetRegistry(address(0)), votes);
        vm.expectRevert(err);
        new ProposalMarket(admin, token, modelRegistry, datanetRegistry, IVotes(address(0)));
    }

    // ---------------------------------------------------------------------------------------------
    // propose
    // ---------------------------------------------------------------------------------------------

    function test_propose_StoresOpenProposal() public {
        uint64 deadline = _deadline();
        uint256 id = _propose();
        assertEq(id, 1);
        assertEq(market.proposalCount(), 1);

        IProposalMarket.Proposal memory p = market.getProposal(id);
        assertEq(p.proposer, proposer);
        assertEq(p.deadline, deadline);
        assertEq(uint8(p.status), uint8(IProposalMarket.ProposalStatus.Open));
        assertEq(p.snapshot, block.number - 1);
        assertEq(p.baseModelId, baseModelId);
        assertEq(p.fundingGoal, GOAL);
        assertEq(p.totalBacked, 0);
        assertEq(p.totalRefunded, 0);
        assertEq(p.forVotes, 0);
        assertEq(p.againstVotes, 0);
        assertEq(p.adapterId, 0);
        assertEq(p.builder, address(0));
        assertEq(p.specURI, SPEC);
        assertEq(p.datanetIds, _datanets());
    }

    function test_propose_EmitsProposalCreated() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalCreated(
            1, proposer, baseModelId, _datanets(), GOAL, _deadline(), uint48(block.number - 1), SPEC
        );
        _propose();
    }

    function test_propose_IdsCountFromOne() public {
        assertEq(_propose(), 1);
        assertEq(_propose(), 2);
        assertEq(_propose(), 3);
        assertEq(market.proposalCount(), 3);
    }

    function test_propose_AcceptsDeadlineAtMaxDuration() public {
        uint64 deadline = uint64(block.timestamp) + market.maxDuration();
        vm.prank(proposer);
        uint256 id = market.propose(SPEC, _datanets(), baseModelId, GOAL, deadline);
        assertEq(market.getProposal(id).deadline, deadline);
    }

    function testFuzz_propose_AcceptsAnyDeadlineWithinBounds(uint64 duration, uint256 goal) public {
        duration = uint64(bound(duration, 1, market.maxDuration()));
        goal = bound(goal, 1, type(uint256).max);
        vm.prank(proposer);
        uint256 id = market.propose(SPEC, _datanets(), baseModelId, goal, uint64(block.timestamp) + duration);
        assertEq(market.getProposal(id).deadline, block.timestamp + duration);
        assertEq(market.getProposal(id).fundingGoal, goal);
    }

    function test_Revert_propose_WhenSpecEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketEmptySpec.selector));
        vm.prank(proposer);
        market.propose("", _datanets(), baseModelId, GOAL, _deadline());
    }

    function test_Revert_propose_WhenBaseModelUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketUnknownBaseModel.selector, 999));
        vm.prank(proposer);
        market.propose(SPEC, _datanets(), 999, GOAL, _deadline());
    }

    function test_Revert_propose_WhenBaseModelIsAnAdapter() public {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketUnknownBaseModel.selector, adapterId));
        vm.prank(proposer);
        market.propose(SPEC, _datanets(), adapterId, GOAL, _deadline());
    }

    function test_Revert_propose_WhenBaseModelDeprecated() public {
        vm.prank(modelOwner);
        modelRegistry.deprecate(baseModelId);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketBaseModelDeprecated.selector, baseModelId));
        vm.prank(proposer);
        market.propose(SPEC, _datanets(), baseModelId, GOAL, _deadline());
    }

    function test_Revert_propose_WhenNoDatanets() public {
        uint256 max = market.MAX_DATANETS();
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketInvalidDatanetCount.selector, 0, max));
        vm.prank(proposer);
        market.propose(SPEC, new uint256[](0), baseModelId, GOAL, _deadline());
    }

    function test_Revert_propose_WhenTooManyDatanets() public {
        uint256 max = market.MAX_DATANETS();
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketInvalidDatanetCount.selector, max + 1, max)
        );
        vm.prank(proposer);
        market.propose(SPEC, new uint256[](max + 1), baseModelId, GOAL, _deadline());
    }

    function test_Revert_propose_WhenDatanetUnknown() public {
        uint256[] memory ids = new uint256[](2);
        ids[0] = datanetA;
        ids[1] = 77;
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketUnknownDatanet.selector, 77));
        vm.prank(proposer);
        market.propose(SPEC, ids, baseModelId, GOAL, _deadline());
    }

    function test_Revert_propose_WhenDatanetDuplicated() public {
        uint256[] memory ids = new uint256[](3);
        ids[0] = datanetA;
        ids[1] = datanetB;
        ids[2] = datanetA;
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketDuplicateDatanet.selector, datanetA));
        vm.prank(proposer);
        market.propose(SPEC, ids, baseModelId, GOAL, _deadline());
    }

    function test_Revert_propose_WhenFundingGoalZero() public {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketZeroFundingGoal.selector));
        vm.prank(proposer);
        market.propose(SPEC, _datanets(), baseModelId, 0, _deadline());
    }

    function test_Revert_propose_WhenDeadlineNotInFuture() public {
        uint64 now_ = uint64(block.timestamp);
        uint64 latest = now_ + market.maxDuration();
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketInvalidDeadline.selector, now_, now_ + 1, latest)
        );
        vm.prank(proposer);
        market.propose(SPEC, _datanets(), baseModelId, GOAL, now_);

        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketInvalidDeadline.selector, now_ - 1, now_ + 1, latest)
        );
        vm.prank(proposer);
        market.propose(SPEC, _datanets(), baseModelId, GOAL, now_ - 1);
    }

    function testFuzz_Revert_propose_WhenDeadlineBeyondMaxDuration(uint64 extra) public {
        uint64 now_ = uint64(block.timestamp);
        uint64 latest = now_ + market.maxDuration();
        uint64 deadline = uint64(bound(extra, uint256(latest) + 1, type(uint64).max));
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketInvalidDeadline.selector, deadline, now_ + 1, latest)
        );
        vm.prank(proposer);
        market.propose(SPEC, _datanets(), baseModelId, GOAL, deadline);
    }

    // ---------------------------------------------------------------------------------------------
    // back
    // ---------------------------------------------------------------------------------------------

    function test_back_EscrowsAndTracksTotals() public {
        uint256 id = _propose();
        uint256 aliceBefore = token.balanceOf(alice);
        _back(alice, id, 100e18);
        _back(alice, id, 50e18);
        _back(bob, id, 25e18);

        assertEq(market.backingOf(id, alice), 150e18);
        assertEq(market.backingOf(id, bob), 25e18);
        assertEq(market.getProposal(id).totalBacked, 175e18);
        assertEq(token.balanceOf(address(market)), 175e18);
        assertEq(token.balanceOf(alice), aliceBefore - 150e18);
    }

    function test_back_EmitsProposalBacked() public {
        uint256 id = _propose();
        _back(alice, id, 100e18);
        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalBacked(id, alice, 50e18, 150e18, 150e18);
        _back(alice, id, 50e18);
        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalBacked(id, bob, 10e18, 10e18, 160e18);
        _back(bob, id, 10e18);
    }

    function test_back_AllowsBackingBeyondGoal() public {
        uint256 id = _propose();
        _back(alice, id, GOAL * 3);
        assertEq(market.getProposal(id).totalBacked, GOAL * 3);
    }

    function test_back_AllowedOneSecondBeforeDeadline() public {
        uint256 id = _propose();
        vm.warp(market.getProposal(id).deadline - 1);
        _back(alice, id, 1);
        assertEq(market.backingOf(id, alice), 1);
    }

    function testFuzz_back_ConservesTokens(uint256 a, uint256 b) public {
        a = bound(a, 1, 1e30);
        b = bound(b, 1, 1e30);
        uint256 id = _propose();
        _back(alice, id, a);
        _back(bob, id, b);
        assertEq(token.balanceOf(address(market)), a + b);
        assertEq(market.getProposal(id).totalBacked, a + b);
        assertEq(token.balanceOf(alice) + token.balanceOf(bob) + token.balanceOf(address(market)), 2e30);
    }

    function test_Revert_back_WhenAmountZero() public {
        uint256 id = _propose();
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketZeroAmount.selector));
        _back(alice, id, 0);
    }

    function test_Revert_back_WhenProposalUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketUnknownProposal.selector, 1));
        _back(alice, 1, 1);
    }

    function test_Revert_back_WhenDeadlineReached() public {
        uint256 id = _propose();
        uint64 deadline = market.getProposal(id).deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketDeadlineReached.selector, id, deadline));
        _back(alice, id, 1);
    }

    function test_Revert_back_WhenExpired() public {
        uint256 id = _propose();
        _pastDeadline(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Expired);
        _back(alice, id, 1);
    }

    function test_Revert_back_WhenCancelled() public {
        uint256 id = _propose();
        vm.prank(proposer);
        market.cancel(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Cancelled);
        _back(alice, id, 1);
    }

    function test_Revert_back_WhenFulfilled() public {
        uint256 id = _fulfilledProposal();
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Fulfilled);
        _back(alice, id, 1);
    }

    function test_Revert_back_WhenAllowanceInsufficient() public {
        uint256 id = _propose();
        vm.prank(admin);
        token.mint(stranger, 10e18);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, 10e18)
        );
        _back(stranger, id, 10e18);
    }

    // ---------------------------------------------------------------------------------------------
    // vote
    // ---------------------------------------------------------------------------------------------

    function test_vote_RecordsSnapshotWeight() public {
        uint256 id = _propose();
        _vote(alice, id, true);
        _vote(bob, id, false);
        _vote(carol, id, true);

        IProposalMarket.Proposal memory p = market.getProposal(id);
        assertEq(p.forVotes, 350e18);
        assertEq(p.againstVotes, 200e18);
        IProposalMarket.VoteReceipt memory r = market.voteOf(id, bob);
        assertTrue(r.hasVoted);
        assertFalse(r.support);
        assertEq(r.weight, 200e18);
        assertFalse(market.voteOf(id, stranger).hasVoted);
    }

    function test_vote_EmitsProposalVoted() public {
        uint256 id = _propose();
        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalVoted(id, alice, true, 300e18);
        _vote(alice, id, true);
    }

    function test_vote_UsesDelegatedVotes() public {
        vm.prank(carol);
        votes.delegate(alice);
        vm.roll(block.number + 1);
        uint256 id = _propose();
        _vote(alice, id, true);
        assertEq(market.voteOf(id, alice).weight, 350e18);
    }

    function test_vote_IgnoresVotesMintedAfterSnapshot() public {
        uint256 id = _propose();
        // Minted in the proposal's own block: after the snapshot (block - 1).
        _mintVotes(alice, 1_000e18);
        vm.roll(block.number + 5);
        _vote(alice, id, true);
        assertEq(market.voteOf(id, alice).weight, 300e18);
    }

    function testFuzz_vote_WeightIsPastVotes(uint256 weight, bool support) public {
        weight = bound(weight, 1, 1e30);
        address voter = makeAddr("voter");
        _mintVotes(voter, weight);
        vm.roll(block.number + 1);
        uint256 id = _propose();
        _mintVotes(voter, weight); // after the snapshot, ignored
        _vote(voter, id, support);
        IProposalMarket.Proposal memory p = market.getProposal(id);
        assertEq(support ? p.forVotes : p.againstVotes, weight);
        assertEq(support ? p.againstVotes : p.forVotes, 0);
    }

    function test_Revert_vote_WhenNoVotingPower() public {
        uint256 id = _propose();
        uint48 snapshot = market.getProposal(id).snapshot;
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketNoVotingPower.selector, id, stranger, snapshot)
        );
        _vote(stranger, id, true);
    }

    function test_Revert_vote_WhenVotesEarnedAfterSnapshot() public {
        uint256 id = _propose();
        _mintVotes(stranger, 1_000e18);
        vm.roll(block.number + 1);
        uint48 snapshot = market.getProposal(id).snapshot;
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketNoVotingPower.selector, id, stranger, snapshot)
        );
        _vote(stranger, id, true);
    }

    function test_Revert_vote_WhenAlreadyVoted() public {
        uint256 id = _propose();
        _vote(alice, id, true);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketAlreadyVoted.selector, id, alice));
        _vote(alice, id, false);
    }

    function test_Revert_vote_WhenProposalUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketUnknownProposal.selector, 5));
        _vote(alice, 5, true);
    }

    function test_Revert_vote_WhenDeadlineReached() public {
        uint256 id = _propose();
        uint64 deadline = market.getProposal(id).deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketDeadlineReached.selector, id, deadline));
        _vote(alice, id, true);
    }

    function test_Revert_vote_WhenCancelled() public {
        uint256 id = _propose();
        vm.prank(proposer);
        market.cancel(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Cancelled);
        _vote(alice, id, true);
    }

    function test_Revert_vote_WhenExpired() public {
        uint256 id = _propose();
        _pastDeadline(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Expired);
        _vote(alice, id, true);
    }

    function test_Revert_vote_WhenFulfilled() public {
        uint256 id = _fulfilledProposal();
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Fulfilled);
        _vote(bob, id, true);
    }

    // ---------------------------------------------------------------------------------------------
    // fulfil (phase one: submission)
    // ---------------------------------------------------------------------------------------------

    function test_fulfil_SubmitsPendingWithoutPaying() public {
        uint256 id = _fundedProposal();
        _back(carol, id, 5e18); // beyond the goal
        vm.prank(proposer);
        market.fulfil(id, adapterId);

        assertEq(token.balanceOf(builder), 0);
        assertEq(token.balanceOf(address(market)), GOAL + 5e18);
        IProposalMarket.Proposal memory p = market.getProposal(id);
        assertEq(uint8(p.status), uint8(IProposalMarket.ProposalStatus.Pending));
        assertEq(p.adapterId, adapterId);
        assertEq(p.builder, builder);
        assertEq(p.fulfilmentEndsAt, block.timestamp + market.fulfilmentWindow());
        assertEq(p.eligibleWeight, GOAL + 5e18);
        assertEq(p.quorumWeight, (GOAL + 5e18) * 3 / 10);
        assertEq(p.payout, 0);
    }

    function test_fulfil_EmitsProposalFulfilmentSubmitted() public {
        uint256 id = _fundedProposal();
        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalFulfilmentSubmitted(
            id, adapterId, builder, uint64(block.timestamp) + market.fulfilmentWindow(), GOAL, GOAL * 3 / 10
        );
        vm.prank(proposer);
        market.fulfil(id, adapterId);
    }

    function test_fulfil_ExcludesProposerAndBuilderBacking() public {
        uint256 id = _propose();
        _fund(proposer, 1e30);
        _fund(builder, 1e30);
        _back(alice, id, 100e18);
        _back(proposer, id, 500e18);
        _back(builder, id, 400e18);
        adapterId = _freshAdapter();
        vm.prank(proposer);
        market.fulfil(id, adapterId);
        assertEq(market.getProposal(id).eligibleWeight, 100e18);
        assertEq(market.getProposal(id).quorumWeight, 30e18);
    }

    function test_fulfil_AllowedAtDeadline() public {
        uint256 id = _fundedProposal();
        vm.warp(market.getProposal(id).deadline);
        vm.prank(proposer);
        market.fulfil(id, adapterId);
        _assertStatus(id, IProposalMarket.ProposalStatus.Pending);
    }

    function test_fulfil_AllowedWithoutVotes() public {
        uint256 id = _propose();
        _back(alice, id, GOAL);
        adapterId = _freshAdapter();
        vm.prank(proposer);
        market.fulfil(id, adapterId);
        _assertStatus(id, IProposalMarket.ProposalStatus.Pending);
    }

    function test_fulfil_AllowedOnTiedVote() public {
        address dave = makeAddr("dave");
        _mintVotes(dave, 200e18);
        vm.roll(block.number + 1);
        uint256 id = _propose();
        _back(alice, id, GOAL);
        _vote(bob, id, true); // 200 for
        _vote(dave, id, false); // 200 against
        adapterId = _freshAdapter();
        vm.prank(proposer);
        market.fulfil(id, adapterId);
        _assertStatus(id, IProposalMarket.ProposalStatus.Pending);
    }

    function test_fulfil_AcceptsAdapterListingMoreDatanets() public {
        uint256[] memory one = new uint256[](1);
        one[0] = datanetA;
        vm.prank(proposer);
        uint256 id = market.propose(SPEC, one, baseModelId, GOAL, _deadline());
        _back(alice, id, GOAL);
        adapterId = _freshAdapter(); // lists A and B
        vm.prank(proposer);
        market.fulfil(id, adapterId);
        _assertStatus(id, IProposalMarket.ProposalStatus.Pending);
    }

    function test_Revert_fulfil_WhenCallerNotProposer() public {
        uint256 id = _fundedProposal();
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketNotProposer.selector, id, builder, proposer)
        );
        vm.prank(builder);
        market.fulfil(id, adapterId);
    }

    function test_Revert_fulfil_WhenProposalUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketUnknownProposal.selector, 3));
        vm.prank(proposer);
        market.fulfil(3, adapterId);
    }

    function test_Revert_fulfil_WhenPastDeadline() public {
        uint256 id = _fundedProposal();
        _pastDeadline(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Expired);
        vm.prank(proposer);
        market.fulfil(id, adapterId);
    }

    function test_Revert_fulfil_WhenAlreadyPending() public {
        uint256 id = _fundedProposal();
        vm.prank(proposer);
        market.fulfil(id, adapterId);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Pending);
        vm.prank(proposer);
        market.fulfil(id, adapterId);
    }

    function test_Revert_fulfil_WhenCancelled() public {
        uint256 id = _fundedProposal();
        vm.prank(proposer);
        market.cancel(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Cancelled);
        vm.prank(proposer);
        market.fulfil(id, adapterId);
    }

    function test_Revert_fulfil_WhenFundingGoalNotReached() public {
        uint256 id = _propose();
        _back(alice, id, GOAL - 1);
        adapterId = _freshAdapter();
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketFundingGoalNotReached.selector, id, GOAL - 1, GOAL)
        );
        vm.prank(proposer);
        market.fulfil(id, adapterId);
    }

    function test_Revert_fulfil_WhenVoteNotPassed() public {
        uint256 id = _propose();
        _back(alice, id, GOAL);
        _vote(alice, id, false); // 300 against
        _vote(bob, id, true); // 200 for
        adapterId = _freshAdapter();
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketVoteNotPassed.selector, id, 200e18, 300e18)
        );
        vm.prank(proposer);
        market.fulfil(id, adapterId);
    }

    function test_Revert_fulfil_WhenNotAnAdapter() public {
        uint256 id = _fundedProposal();
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketNotAdapter.selector, baseModelId));
        vm.prank(proposer);
        market.fulfil(id, baseModelId);

        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketNotAdapter.selector, 12345));
        vm.prank(proposer);
        market.fulfil(id, 12345);
    }

    function test_Revert_fulfil_WhenAdapterDeprecated() public {
        uint256 id = _fundedProposal();
        vm.prank(builder);
        modelRegistry.deprecate(adapterId);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketAdapterDeprecated.selector, adapterId));
        vm.prank(proposer);
        market.fulfil(id, adapterId);
    }

    function test_Revert_fulfil_WhenAdapterOnOtherBaseModel() public {
        uint256 id = _fundedProposal();
        uint256 otherAdapter = _registerAdapter(builder, otherBaseModelId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketBaseModelMismatch.selector, otherAdapter, otherBaseModelId, baseModelId
            )
        );
        vm.prank(proposer);
        market.fulfil(id, otherAdapter);
    }

    function test_Revert_fulfil_WhenAdapterRegisteredBeforeProposal() public {
        uint256 old = _freshAdapter();
        uint256 id = _propose();
        _back(alice, id, GOAL);
        uint256 floor = market.getProposal(id).adapterFloor;
        assertEq(floor, old);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketAdapterTooOld.selector, old, floor));
        vm.prank(proposer);
        market.fulfil(id, old);
    }

    function test_Revert_fulfil_WhenAdapterMissesADatanet() public {
        uint256 id = _propose();
        _back(alice, id, GOAL);
        uint256[] memory onlyA = new uint256[](1);
        onlyA[0] = datanetA;
        uint256 partialAdapter = _registerAdapterOn(builder, baseModelId, onlyA);
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketAdapterMissingDatanet.selector, partialAdapter, datanetB)
        );
        vm.prank(proposer);
        market.fulfil(id, partialAdapter);
    }

    // ---------------------------------------------------------------------------------------------
    // voteFulfilment
    // ---------------------------------------------------------------------------------------------

    function test_voteFulfilment_WeighsBacking() public {
        uint256 id = _pendingProposal();
        vm.expectEmit(true, true, false, true, address(market));
        emit IProposalMarket.ProposalFulfilmentVoted(id, alice, true, 600e18, 600e18, 0);
        _judge(alice, id, true);
        vm.expectEmit(true, true, false, true, address(market));
        emit IProposalMarket.ProposalFulfilmentVoted(id, bob, false, 400e18, 600e18, 400e18);
        _judge(bob, id, false);
        IProposalMarket.Proposal memory p = market.getProposal(id);
        assertEq(p.approveWeight, 600e18);
        assertEq(p.rejectWeight, 400e18);
        assertEq(uint8(market.fulfilmentVoteOf(id, alice)), uint8(IProposalMarket.FulfilmentVote.Approve));
        assertEq(uint8(market.fulfilmentVoteOf(id, bob)), uint8(IProposalMarket.FulfilmentVote.Reject));
    }

    function test_Revert_voteFulfilment_WhenNotPending() public {
        uint256 id = _fundedProposal();
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketNotPending.selector, id, IProposalMarket.ProposalStatus.Open
            )
        );
        _judge(alice, id, true);
    }

    function test_Revert_voteFulfilment_WhenWindowClosed() public {
        uint256 id = _pendingProposal();
        uint64 endsAt = market.getProposal(id).fulfilmentEndsAt;
        vm.warp(endsAt);
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketFulfilmentWindowClosed.selector, id, endsAt)
        );
        _judge(alice, id, true);
    }

    function test_Revert_voteFulfilment_WhenProposerOrBuilder() public {
        uint256 id = _propose();
        _fund(proposer, 1e30);
        _fund(builder, 1e30);
        _back(alice, id, GOAL);
        _back(proposer, id, 1);
        _back(builder, id, 1);
        adapterId = _freshAdapter();
        vm.prank(proposer);
        market.fulfil(id, adapterId);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketInterestedParty.selector, id, proposer));
        _judge(proposer, id, true);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketInterestedParty.selector, id, builder));
        _judge(builder, id, true);
    }

    function test_Revert_voteFulfilment_WhenNotBacker() public {
        uint256 id = _pendingProposal();
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketNotBacker.selector, id, carol));
        _judge(carol, id, true);
    }

    function test_Revert_voteFulfilment_WhenAlreadyJudged() public {
        uint256 id = _pendingProposal();
        _judge(alice, id, true);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketAlreadyJudged.selector, id, alice));
        _judge(alice, id, false);
    }

    // ---------------------------------------------------------------------------------------------
    // finalizeFulfilment
    // ---------------------------------------------------------------------------------------------

    function test_finalizeFulfilment_PaysBuilderAfterWindow() public {
        uint256 id = _pendingProposal();
        _judge(alice, id, true);
        _endWindow(id);
        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalFulfilled(id, adapterId, builder, GOAL);
        vm.prank(stranger);
        market.finalizeFulfilment(id);
        assertEq(token.balanceOf(builder), GOAL);
        assertEq(token.balanceOf(address(market)), 0);
        IProposalMarket.Proposal memory p = market.getProposal(id);
        assertEq(uint8(p.status), uint8(IProposalMarket.ProposalStatus.Fulfilled));
        assertEq(p.payout, GOAL);
    }

    function test_finalizeFulfilment_DissentersKeepTheirBacking() public {
        uint256 id = _pendingProposal();
        _judge(alice, id, true); // 600
        _judge(bob, id, false); // 400
        _endWindow(id);
        market.finalizeFulfilment(id);
        assertEq(token.balanceOf(builder), 600e18);
        assertEq(token.balanceOf(address(market)), 400e18);

        uint256 before = token.balanceOf(bob);
        vm.prank(bob);
        market.refund(id);
        assertEq(token.balanceOf(bob) - before, 400e18);
        assertEq(token.balanceOf(address(market)), 0);

        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketNotRefundable.selector, id, IProposalMarket.ProposalStatus.Fulfilled
            )
        );
        vm.prank(alice);
        market.refund(id);
    }

    function test_finalizeFulfilment_PaysCallerRecordedBuilderAfterAdapterTransfer() public {
        uint256 id = _pendingProposal();
        address buyer = makeAddr("buyer");
        vm.prank(builder);
        modelRegistry.transferFrom(builder, buyer, adapterId);
        _judge(alice, id, true);
        _endWindow(id);
        market.finalizeFulfilment(id);
        assertEq(token.balanceOf(builder), GOAL);
        assertEq(token.balanceOf(buyer), 0);
    }

    function testFuzz_finalizeFulfilment_PaysBackedLessDissent(uint256 a, uint256 b, bool bobRejects) public {
        a = bound(a, 1, 1e30);
        b = bound(b, 1, 1e30);
        vm.assume(a > b || !bobRejects);
        vm.assume(a + b >= GOAL);
        uint256 id = _propose();
        _back(alice, id, a);
        _back(bob, id, b);
        adapterId = _freshAdapter();
        vm.prank(proposer);
        market.fulfil(id, adapterId);
        _judge(alice, id, true);
        if (bobRejects) _judge(bob, id, false);
        vm.assume(a >= market.getProposal(id).quorumWeight);
        _endWindow(id);
        market.finalizeFulfilment(id);
        assertEq(token.balanceOf(builder), bobRejects ? a : a + b);
        assertEq(token.balanceOf(address(market)), bobRejects ? b : 0);
    }

    function test_Revert_finalizeFulfilment_WhenWindowOpen() public {
        uint256 id = _pendingProposal();
        _judge(alice, id, true);
        uint64 endsAt = market.getProposal(id).fulfilmentEndsAt;
        vm.warp(endsAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketFulfilmentWindowOpen.selector, id, endsAt));
        market.finalizeFulfilment(id);
    }

    function test_Revert_finalizeFulfilment_WhenNobodyApproved() public {
        uint256 id = _pendingProposal();
        _endWindow(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketFulfilmentNotApproved.selector, id, 0, 0, GOAL * 3 / 10
            )
        );
        market.finalizeFulfilment(id);
    }

    function test_Revert_finalizeFulfilment_WhenApprovalsBelowQuorum() public {
        uint256 id = _propose();
        _back(alice, id, 200e18);
        _back(bob, id, 800e18);
        adapterId = _freshAdapter();
        vm.prank(proposer);
        market.fulfil(id, adapterId);
        _judge(alice, id, true); // 200 < 300 quorum
        _endWindow(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketFulfilmentNotApproved.selector, id, 200e18, 0, 300e18
            )
        );
        market.finalizeFulfilment(id);
    }

    function test_Revert_finalizeFulfilment_WhenRejectionsWin() public {
        uint256 id = _pendingProposal();
        _judge(bob, id, true); // 400
        _judge(alice, id, false); // 600
        _endWindow(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketFulfilmentNotApproved.selector, id, 400e18, 600e18, GOAL * 3 / 10
            )
        );
        market.finalizeFulfilment(id);
    }

    function test_Revert_finalizeFulfilment_WhenNoEligibleBacker() public {
        uint256 id = _propose();
        _fund(proposer, 1e30);
        _back(proposer, id, GOAL);
        adapterId = _freshAdapter();
        vm.prank(proposer);
        market.fulfil(id, adapterId);
        assertEq(market.getProposal(id).quorumWeight, 1);
        _endWindow(id);
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketFulfilmentNotApproved.selector, id, 0, 0, 1)
        );
        market.finalizeFulfilment(id);
        market.rejectFulfilment(id);
        vm.prank(proposer);
        market.refund(id);
        assertEq(token.balanceOf(address(market)), 0);
    }

    // ---------------------------------------------------------------------------------------------
    // rejectFulfilment
    // ---------------------------------------------------------------------------------------------

    function test_rejectFulfilment_EarlyOnMajorityRejection() public {
        uint256 id = _pendingProposal();
        _judge(alice, id, false); // 600 of 1000
        vm.expectEmit(true, true, false, true, address(market));
        emit IProposalMarket.ProposalFulfilmentRejected(id, adapterId, 0, 600e18);
        vm.prank(stranger);
        market.rejectFulfilment(id);
        _assertStatus(id, IProposalMarket.ProposalStatus.Rejected);
        vm.prank(alice);
        market.refund(id);
        vm.prank(bob);
        market.refund(id);
        assertEq(token.balanceOf(address(market)), 0);
        assertEq(token.balanceOf(builder), 0);
    }

    function test_rejectFulfilment_AfterWindowWithoutQuorum() public {
        uint256 id = _pendingProposal();
        _endWindow(id);
        market.rejectFulfilment(id);
        _assertStatus(id, IProposalMarket.ProposalStatus.Rejected);
    }

    function test_Revert_rejectFulfilment_WhenApprovedAfterWindow() public {
        uint256 id = _pendingProposal();
        _judge(alice, id, true);
        _endWindow(id);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketFulfilmentNotRejectable.selector, id));
        market.rejectFulfilment(id);
    }

    function test_Revert_rejectFulfilment_WhenWindowOpenWithoutMajority() public {
        uint256 id = _pendingProposal();
        _judge(bob, id, false); // 400 of 1000
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketFulfilmentNotRejectable.selector, id));
        market.rejectFulfilment(id);
    }

    function test_Revert_rejectFulfilment_WhenNotPending() public {
        uint256 id = _fundedProposal();
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketNotPending.selector, id, IProposalMarket.ProposalStatus.Open
            )
        );
        market.rejectFulfilment(id);
    }

    // ---------------------------------------------------------------------------------------------
    // fulfilment parameters
    // ---------------------------------------------------------------------------------------------

    function test_setFulfilmentWindowAndQuorum_UpdateAndEmit() public {
        vm.expectEmit(false, false, false, true, address(market));
        emit IProposalMarket.ProposalFulfilmentWindowSet(3 days, 2 hours);
        vm.prank(admin);
        market.setFulfilmentWindow(2 hours);
        vm.expectEmit(false, false, false, true, address(market));
        emit IProposalMarket.ProposalFulfilmentQuorumSet(3_000, 10_000);
        vm.prank(admin);
        market.setFulfilmentQuorum(10_000);
        assertEq(market.fulfilmentWindow(), 2 hours);
        assertEq(market.fulfilmentQuorumBps(), 10_000);
    }

    function test_Revert_setFulfilmentWindowAndQuorum_WhenOutOfBounds() public {
        vm.startPrank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketInvalidFulfilmentWindow.selector, 1 hours - 1, 1 hours, 30 days
            )
        );
        market.setFulfilmentWindow(1 hours - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketInvalidFulfilmentWindow.selector, 30 days + 1, 1 hours, 30 days
            )
        );
        market.setFulfilmentWindow(30 days + 1);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketInvalidFulfilmentQuorum.selector, 0));
        market.setFulfilmentQuorum(0);
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketInvalidFulfilmentQuorum.selector, 10_001)
        );
        market.setFulfilmentQuorum(10_001);
        vm.stopPrank();
    }

    function test_Revert_setFulfilmentWindowAndQuorum_WhenCallerLacksRole() public {
        bytes32 role = market.PARAMETER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        market.setFulfilmentWindow(2 hours);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        market.setFulfilmentQuorum(5_000);
    }

    // ---------------------------------------------------------------------------------------------
    // cancel
    // ---------------------------------------------------------------------------------------------

    function test_cancel_MarksCancelled() public {
        uint256 id = _propose();
        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalCancelled(id);
        vm.prank(proposer);
        market.cancel(id);
        _assertStatus(id, IProposalMarket.ProposalStatus.Cancelled);
    }

    function test_cancel_AllowedAtDeadline() public {
        uint256 id = _propose();
        vm.warp(market.getProposal(id).deadline);
        vm.prank(proposer);
        market.cancel(id);
        _assertStatus(id, IProposalMarket.ProposalStatus.Cancelled);
    }

    function test_Revert_cancel_WhenCallerNotProposer() public {
        uint256 id = _propose();
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketNotProposer.selector, id, alice, proposer));
        vm.prank(alice);
        market.cancel(id);
    }

    function test_Revert_cancel_WhenProposalUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketUnknownProposal.selector, 1));
        vm.prank(proposer);
        market.cancel(1);
    }

    function test_Revert_cancel_WhenAlreadyCancelled() public {
        uint256 id = _propose();
        vm.prank(proposer);
        market.cancel(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Cancelled);
        vm.prank(proposer);
        market.cancel(id);
    }

    function test_Revert_cancel_WhenExpired() public {
        uint256 id = _propose();
        _pastDeadline(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Expired);
        vm.prank(proposer);
        market.cancel(id);
    }

    function test_Revert_cancel_WhenFulfilled() public {
        uint256 id = _fulfilledProposal();
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Fulfilled);
        vm.prank(proposer);
        market.cancel(id);
    }

    // ---------------------------------------------------------------------------------------------
    // expire
    // ---------------------------------------------------------------------------------------------

    function test_expire_WritesExpiredStatus() public {
        uint256 id = _propose();
        _pastDeadline(id);
        _assertStatus(id, IProposalMarket.ProposalStatus.Expired); // lazily, before anyone writes it
        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalExpired(id);
        vm.prank(stranger);
        market.expire(id);
        _assertStatus(id, IProposalMarket.ProposalStatus.Expired);
    }

    function test_Revert_expire_WhenBeforeOrAtDeadline() public {
        uint256 id = _propose();
        vm.warp(market.getProposal(id).deadline);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Open);
        market.expire(id);
    }

    function test_Revert_expire_WhenAlreadyExpired() public {
        uint256 id = _propose();
        _pastDeadline(id);
        market.expire(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Expired);
        market.expire(id);
    }

    function test_Revert_expire_WhenCancelled() public {
        uint256 id = _propose();
        vm.prank(proposer);
        market.cancel(id);
        _pastDeadline(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Cancelled);
        market.expire(id);
    }

    function test_Revert_expire_WhenFulfilled() public {
        uint256 id = _fulfilledProposal();
        _pastDeadline(id);
        _expectNotOpen(id, IProposalMarket.ProposalStatus.Fulfilled);
        market.expire(id);
    }

    function test_Revert_expire_WhenProposalUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketUnknownProposal.selector, 9));
        market.expire(9);
    }

    // ---------------------------------------------------------------------------------------------
    // refund
    // ---------------------------------------------------------------------------------------------

    function test_refund_ReturnsWholeBackingAfterCancel() public {
        uint256 id = _fundedProposal();
        uint256 aliceBefore = token.balanceOf(alice);
        vm.prank(proposer);
        market.cancel(id);

        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalBackingRefunded(id, alice, 600e18);
        vm.prank(alice);
        market.refund(id);

        assertEq(token.balanceOf(alice), aliceBefore + 600e18);
        assertTrue(market.hasRefunded(id, alice));
        assertEq(market.backingOf(id, alice), 600e18);
        assertEq(market.getProposal(id).totalRefunded, 600e18);
        assertEq(token.balanceOf(address(market)), 400e18);
        _assertStatus(id, IProposalMarket.ProposalStatus.Cancelled);
    }

    function test_refund_FirstRefundAfterDeadlineMarksExpired() public {
        uint256 id = _fundedProposal();
        _pastDeadline(id);

        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalExpired(id);
        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalBackingRefunded(id, alice, 600e18);
        vm.prank(alice);
        market.refund(id);

        vm.recordLogs();
        vm.prank(bob);
        market.refund(id);
        // Only Transfer + ProposalBackingRefunded: the status was already written.
        assertEq(vm.getRecordedLogs().length, 2);

        assertEq(token.balanceOf(address(market)), 0);
        assertEq(market.getProposal(id).totalRefunded, GOAL);
        _assertStatus(id, IProposalMarket.ProposalStatus.Expired);
    }

    function test_refund_AfterExplicitExpire() public {
        uint256 id = _fundedProposal();
        _pastDeadline(id);
        market.expire(id);
        vm.prank(bob);
        market.refund(id);
        assertTrue(market.hasRefunded(id, bob));
    }

    function testFuzz_refund_ReturnsExactlyWhatWasBacked(uint256 a, uint256 b, bool cancelIt) public {
        a = bound(a, 1, 4e29);
        b = bound(b, 1, 4e29);
        uint256 id = _propose();
        _back(alice, id, a);
        _back(alice, id, b);
        _back(bob, id, b);
        if (cancelIt) {
            vm.prank(proposer);
            market.cancel(id);
        } else {
            _pastDeadline(id);
        }
        uint256 aliceBefore = token.balanceOf(alice);
        uint256 bobBefore = token.balanceOf(bob);
        vm.prank(alice);
        market.refund(id);
        vm.prank(bob);
        market.refund(id);
        assertEq(token.balanceOf(alice) - aliceBefore, a + b);
        assertEq(token.balanceOf(bob) - bobBefore, b);
        assertEq(token.balanceOf(address(market)), 0);
    }

    function test_Revert_refund_WhenOpen() public {
        uint256 id = _fundedProposal();
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketNotRefundable.selector, id, IProposalMarket.ProposalStatus.Open
            )
        );
        vm.prank(alice);
        market.refund(id);
    }

    function test_Revert_refund_WhenOpenAtDeadline() public {
        uint256 id = _fundedProposal();
        vm.warp(market.getProposal(id).deadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketNotRefundable.selector, id, IProposalMarket.ProposalStatus.Open
            )
        );
        vm.prank(alice);
        market.refund(id);
    }

    function test_Revert_refund_WhenFulfilled() public {
        uint256 id = _fulfilledProposal();
        _pastDeadline(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketNotRefundable.selector, id, IProposalMarket.ProposalStatus.Fulfilled
            )
        );
        vm.prank(alice);
        market.refund(id);
    }

    function test_Revert_refund_WhenNeverBacked() public {
        uint256 id = _fundedProposal();
        vm.prank(proposer);
        market.cancel(id);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketNothingToRefund.selector, id, carol));
        vm.prank(carol);
        market.refund(id);
    }

    function test_Revert_refund_WhenAlreadyRefunded() public {
        uint256 id = _fundedProposal();
        vm.prank(proposer);
        market.cancel(id);
        vm.prank(alice);
        market.refund(id);
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketAlreadyRefunded.selector, id, alice));
        vm.prank(alice);
        market.refund(id);
    }

    function test_Revert_refund_WhenProposalUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketUnknownProposal.selector, 4));
        vm.prank(alice);
        market.refund(4);
    }

    // ---------------------------------------------------------------------------------------------
    // setMaxDuration
    // ---------------------------------------------------------------------------------------------

    function test_setMaxDuration_UpdatesAndEmits() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit IProposalMarket.ProposalMaxDurationSet(90 days, 7 days);
        vm.prank(admin);
        market.setMaxDuration(7 days);
        assertEq(market.maxDuration(), 7 days);

        uint64 now_ = uint64(block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketInvalidDeadline.selector, now_ + 8 days, now_ + 1, now_ + 7 days
            )
        );
        vm.prank(proposer);
        market.propose(SPEC, _datanets(), baseModelId, GOAL, now_ + 8 days);
    }

    function testFuzz_setMaxDuration_AcceptsBounds(uint64 duration) public {
        duration = uint64(bound(duration, market.MIN_MAX_DURATION(), market.MAX_MAX_DURATION()));
        vm.prank(admin);
        market.setMaxDuration(duration);
        assertEq(market.maxDuration(), duration);
    }

    function test_Revert_setMaxDuration_WhenCallerLacksRole() public {
        bytes32 role = market.PARAMETER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        vm.prank(alice);
        market.setMaxDuration(7 days);
    }

    function testFuzz_Revert_setMaxDuration_WhenOutOfBounds(uint64 duration) public {
        uint64 min = market.MIN_MAX_DURATION();
        uint64 max = market.MAX_MAX_DURATION();
        vm.assume(duration < min || duration > max);
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketInvalidMaxDuration.selector, duration, min, max)
        );
        vm.prank(admin);
        market.setMaxDuration(duration);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    function test_statusOf_ReportsNoneForUnknownAndExpiredLazily() public {
        _assertStatus(42, IProposalMarket.ProposalStatus.None);
        assertEq(market.getProposal(42).proposer, address(0));
        uint256 id = _propose();
        _assertStatus(id, IProposalMarket.ProposalStatus.Open);
        vm.warp(market.getProposal(id).deadline);
        _assertStatus(id, IProposalMarket.ProposalStatus.Open);
        vm.warp(block.timestamp + 1);
        _assertStatus(id, IProposalMarket.ProposalStatus.Expired);
        assertEq(uint8(market.getProposal(id).status), uint8(IProposalMarket.ProposalStatus.Expired));
    }

    // ---------------------------------------------------------------------------------------------
    // Flow
    // ---------------------------------------------------------------------------------------------

    function test_Flow_ProposeBackVoteRegisterAdapterFulfil() public {
        uint256 id = _propose();
        _back(alice, id, 700e18);
        _back(carol, id, 300e18);
        _vote(alice, id, true);
        _vote(bob, id, false);
        vm.warp(block.timestamp + 10 days);
        uint256 newAdapter = _registerAdapter(makeAddr("newBuilder"), baseModelId);
        vm.prank(proposer);
        market.fulfil(id, newAdapter);
        _judge(alice, id, true);
        _judge(carol, id, true);
        _endWindow(id);
        market.finalizeFulfilment(id);
        assertEq(token.balanceOf(makeAddr("newBuilder")), GOAL);
        _assertStatus(id, IProposalMarket.ProposalStatus.Fulfilled);
    }
}
