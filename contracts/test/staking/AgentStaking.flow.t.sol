// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Vm} from "forge-std/Vm.sol";

import {AgentStaking} from "../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {ReentrantToken} from "./mocks/ReentrantToken.sol";
import {AgentStakingTestBase} from "./utils/AgentStakingTestBase.sol";

/// @dev User flows across functions, the first-depositor inflation attack, and a replay of the
/// event log that rebuilds every share balance and pool total the way the indexer will.
contract AgentStakingFlowTest is AgentStakingTestBase {
    address internal attacker = makeAddr("attacker");
    address internal victim = makeAddr("victim");
    uint256 internal agentId;
    /// @dev Bonded enough for the inflation fuzz's largest deposits to fit the delegation cap.
    uint256 internal bigAgent;

    function setUp() public override {
        super.setUp();
        agentId = _register(operator, 100e18);
        bigAgent = _registerWithBond(operator, 0, 1e24);
    }

    // ───────────────────────────── Inflation attack ─────────────────────────────

    /// @dev Attacker takes the smallest position allowed (MIN_POSITION_ASSETS, i.e.
    /// MIN_POSITION_SHARES: 1 wei is refused, see below), then donates through {addRewards} (the
    /// only way to move the price: direct transfers are ignored) before the victim delegates, then
    /// exits. Rewards move the price only as they vest, so the attacker waits for the donation to
    /// vest in full (its strongest position) before the victim comes.
    /// Against a 10**12-share position the 10**6 virtual shares take only ~1/10**6 of the donation
    /// (against 1 wei they took half), but a share is then worth ~1/10**12 of the pool, so the
    /// victim's rounding loss shrinks in the same proportion: the attacker still loses ~10**6
    /// times what the victim does. And the victim cannot be rounded down to a dust position: a
    /// delegation that buys fewer than MIN_POSITION_SHARES reverts, so its loss, at most one
    /// share's price, is at most ~1/10**12 of what it delegated.
    function _inflationAttack(uint256 donation, uint256 deposit)
        internal
        returns (uint256 victimLoss, uint256 attackerLoss, uint256 sharePrice)
    {
        uint256 attackerShares = _delegate(attacker, bigAgent, MIN_POSITION_ASSETS);
        assertEq(attackerShares, MIN_POSITION_SHARES);
        _addVestedRewards(attacker, bigAgent, donation);
        token.mint(address(staking), donation); // a raw transfer on top changes nothing

        uint256 victimShares = _delegate(victim, bigAgent, deposit);
        assertGe(victimShares, MIN_POSITION_SHARES);
        IAgentStaking.AgentInfo memory a = _agent(bigAgent);
        sharePrice = (a.totalActiveAssets + 1) / (a.totalActiveShares + VIRTUAL_SHARES) + 1;

        uint256 attackerBack = _exit(attacker, attackerShares);
        uint256 victimBack = _exit(victim, victimShares);
        victimLoss = deposit - victimBack;
        attackerLoss = MIN_POSITION_ASSETS + donation - attackerBack;
    }

    function _exit(address who, uint256 shares) internal returns (uint256 paid) {
        uint256 id = _unbond(who, bigAgent, shares);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.prank(who);
        paid = staking.withdraw(id);
    }

    /// @dev The classic first step, a 1-wei position (as many shares as the virtual ones), is
    /// refused outright.
    function test_InflationAttack_OneWeiFirstDepositRefused() public {
        _fund(attacker, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingPositionTooSmall.selector, VIRTUAL_SHARES, MIN_POSITION_SHARES)
        );
        vm.prank(attacker);
        staking.delegate(bigAgent, 1);
    }

    function test_InflationAttack_VictimLosesAtMostDust() public {
        (uint256 victimLoss, uint256 attackerLoss,) = _inflationAttack(10_000e18, 100_000e18);
        // Donating 10_000 tokens over the smallest position makes a share worth ~10**10 wei: the
        // victim loses at most that (under 10**-12 of its deposit), the attacker ~10**-6 of the
        // donation to the virtual shares.
        assertLe(victimLoss, 100_000e18 / 1e12 + 1, "victim lost more than dust");
        assertGe(attackerLoss, 10_000e18 / 2e6, "the virtual shares did not keep their cut");
        assertGe(attackerLoss, victimLoss * 1e5, "attack was cheap");
    }

    function test_InflationAttack_VictimTooSmallRevertsInsteadOfLosing() public {
        _delegate(attacker, bigAgent, MIN_POSITION_ASSETS);
        _addVestedRewards(attacker, bigAgent, 1e24);
        // 1e24 donated over 1e12 shares: one share now costs ~1e12 wei; a smaller deposit buys
        // no share, and one that buys fewer than MIN_POSITION_SHARES (the classic victim, with a
        // deposit well under the donation) makes a dust position: both revert, nothing is lost.
        _fund(victim, 1e17);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroSharesMinted.selector, bigAgent, 1e11));
        vm.prank(victim);
        staking.delegate(bigAgent, 1e11);
        uint256 preview = staking.previewDelegate(bigAgent, 1e17);
        assertGt(preview, 0);
        // The minimum is what 1 token buys now (fewer than MIN_POSITION_SHARES at this price).
        uint256 minimum = staking.minPositionShares(bigAgent);
        assertLt(minimum, MIN_POSITION_SHARES);
        assertEq(minimum, staking.previewDelegate(bigAgent, 1e18));
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingPositionTooSmall.selector, preview, minimum));
        vm.prank(victim);
        staking.delegate(bigAgent, 1e17);
        // One token always buys a position, and loses at most one share's worth to rounding.
        uint256 shares = _delegate(victim, bigAgent, 1e18);
        assertGe(staking.convertToAssets(bigAgent, shares), 1e18 - 2 * staking.convertToAssets(bigAgent, 1) - 1);
    }

    function testFuzz_InflationAttack_UnprofitableAndVictimLosesAtMostDust(uint256 donation, uint256 deposit) public {
        // The donation's lower bound is 10**6 times the old one (1e7 over a 1-wei position): the
        // attacker's position is 10**6 times larger, so the virtual shares' cut of a donation is
        // 10**6 times smaller, and a donation that does not even make one share worth a wei is
        // no attack (the victim's loss is then the rounding of its own exit, a wei or two).
        donation = bound(donation, 1e13, 1e27);
        deposit = bound(deposit, 1, 1e27);
        // A deposit too small for MIN_POSITION_SHARES reverts (see above) rather than losing funds.
        vm.assume(
            deposit * (MIN_POSITION_SHARES + VIRTUAL_SHARES) / (donation + MIN_POSITION_ASSETS + 1)
                >= MIN_POSITION_SHARES
        );
        (uint256 victimLoss, uint256 attackerLoss, uint256 sharePrice) = _inflationAttack(donation, deposit);
        assertLe(victimLoss, sharePrice + 1, "victim lost more than one share of rounding");
        assertLe(victimLoss, deposit / MIN_POSITION_SHARES + 2, "victim lost more than 10**-12 of its deposit");
        assertGe(attackerLoss, victimLoss * 1e5, "attacker lost less than 10**5 x the victim");
    }

    // ───────────────────────────── Flows ─────────────────────────────

    function test_flow_UnbondDisputeOpenedBeforeReleaseFreezesThenSlashesThenWithdraws() public {
        uint256 shares = _delegate(alice, agentId, 1_000e18);
        uint256 id = _unbond(alice, agentId, shares);
        vm.warp(block.timestamp + UNBONDING_DELAY - 1);
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.warp(block.timestamp + 1);

        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingWithdrawalFrozen.selector, agentId, disputeId));
        vm.prank(alice);
        staking.withdraw(id);

        // 25% of the snapshot (100 self-bond + 1000 delegated) = 275: the self-bond's 100 first.
        _accept(disputeId, 2_500);
        vm.prank(alice);
        assertEq(staking.withdraw(id), 825e18, "the entry did not escape the dispute");
        assertEq(token.balanceOf(treasury), 220e18);
        assertEq(token.balanceOf(disputer), 55e18 + DISPUTE_BOND);
    }

    function test_flow_RewardsSlashThenEveryoneExitsProRata() public {
        uint256 aliceShares = _delegate(alice, agentId, 600e18);
        uint256 bobShares = _delegate(bob, agentId, 200e18);
        uint256 opShares = _delegate(operator, agentId, 200e18);
        _addVestedRewards(stranger, agentId, 100e18); // 1100 active once vested
        uint256 bobEntry = _unbond(bob, agentId, bobShares); // 220 unbonding, 880 active
        // 50% of the snapshot (100 self-bond + 1100 delegated) = 600: the self-bond's 100, then
        // 500 from the pools pro rata: 480 active, 120 unbonding left.
        _accept(_openDispute(disputer, agentId), 5_000);

        uint256 aliceEntry = _unbond(alice, agentId, aliceShares);
        uint256 opEntry = _unbond(operator, agentId, opShares);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.prank(alice);
        uint256 alicePaid = staking.withdraw(aliceEntry);
        vm.prank(bob);
        uint256 bobPaid = staking.withdraw(bobEntry);
        vm.prank(operator);
        uint256 opPaid = staking.withdraw(opEntry);

        assertApproxEqAbs(alicePaid, 360e18, 2);
        assertApproxEqAbs(bobPaid, 120e18, 2);
        assertApproxEqAbs(opPaid, 120e18, 2);
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        assertEq(a.totalActiveShares, 0);
        assertEq(a.totalUnbondingShares, 0);
        // Only rounding dust stays behind, and the books still balance to the wei.
        assertLe(a.totalActiveAssets + a.totalUnbondingAssets, 6);
        assertEq(a.selfBond, 0, "the self-bond went first");
        assertEq(
            token.balanceOf(address(staking)) - _agent(bigAgent).selfBond, a.totalActiveAssets + a.totalUnbondingAssets
        );
        uint256 slashed = staking.getDispute(1).slashed;
        assertEq(slashed, 600e18);
        assertEq(
            alicePaid + bobPaid + opPaid + a.totalActiveAssets + a.totalUnbondingAssets,
            1_100e18 - (slashed - SELF_BOND)
        );
    }

    /// @dev The griefing the dispute rules stop: a staker-locking attacker opens baseless disputes.
    /// Each one costs its bond (lost when the arbiter rejects it), one address holds one open
    /// dispute per agent, and one incident's evidence serves a single dispute, so the lock is
    /// neither free nor stackable.
    function test_flow_DisputeGriefingCostsTheBondAndCannotBeStacked() public {
        uint256 shares = _delegate(alice, agentId, 1_000e18);
        uint256 entry = _unbond(alice, agentId, shares);
        vm.warp(block.timestamp + UNBONDING_DELAY - 1);
        uint256 griefing = _openDisputeWith(stranger, agentId, EVIDENCE_HASH);

        // A second dispute from the same address, or over the same evidence, is refused.
        _fund(stranger, DISPUTE_BOND);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingDisputerHasOpenDispute.selector, agentId, stranger, griefing)
        );
        vm.prank(stranger);
        staking.openDispute(agentId, keccak256("another incident"), EVIDENCE_URI);
        _fund(bob, DISPUTE_BOND);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingEvidenceAlreadyUsed.selector, agentId, EVIDENCE_HASH, griefing)
        );
        vm.prank(bob);
        staking.openDispute(agentId, EVIDENCE_HASH, EVIDENCE_URI);

        // The arbiter rejects it; the griefer's bond goes to the treasury.
        vm.prank(arbiter);
        staking.rejectDispute(griefing);
        vm.warp(block.timestamp + 1);
        assertEq(token.balanceOf(treasury), DISPUTE_BOND);
        assertEq(token.balanceOf(stranger), DISPUTE_BOND, "only the unused second bond is left");
        vm.prank(alice);
        assertEq(staking.withdraw(entry), 1_000e18);
    }

    function test_flow_OperatorTransferKeepsStakeAndDisputes() public {
        _delegate(operator, agentId, 500e18);
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.prank(operator);
        staking.transferOperator(agentId, alice);
        assertEq(staking.sharesOf(agentId, operator), 500e18 * VIRTUAL_SHARES, "shares stay with their holder");
        // 10% of the snapshot (100 self-bond + 500 delegated) = 60, all from the self-bond, which
        // followed the agent to its new operator.
        _accept(disputeId, 1_000);
        assertEq(_agent(agentId).totalActiveAssets, 500e18);
        assertEq(_agent(agentId).selfBond, 40e18);
        vm.prank(alice);
        staking.unbondSelfBond(agentId, 40e18);
    }

    // ───────────────────────────── Reentrancy ─────────────────────────────

    function test_reentrancy_TokenHookCannotReenter() public {
        ReentrantToken hooked = new ReentrantToken();
        AgentStaking pool = new AgentStaking(admin, hooked, treasury, _defaultParams());
        hooked.mint(operator, SELF_BOND);
        vm.startPrank(operator);
        hooked.approve(address(pool), type(uint256).max);
        uint256 id = pool.registerAgent(SPEC_HASH, METADATA_URI, 0, SELF_BOND);
        vm.stopPrank();
        hooked.mint(alice, 10e18);
        vm.prank(alice);
        hooked.approve(address(pool), type(uint256).max);
        vm.prank(alice);
        pool.delegate(id, 1e18);
        uint256 entry = _unbondOn(pool, id, 1e18 * VIRTUAL_SHARES);
        vm.warp(block.timestamp + UNBONDING_DELAY);

        // The hook re-enters from inside the payout transfer: the guard stops it.
        hooked.arm(address(pool), abi.encodeCall(IAgentStaking.addRewards, (id, 1)));
        vm.expectRevert(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector));
        vm.prank(alice);
        pool.withdraw(entry);

        hooked.arm(address(pool), abi.encodeCall(IAgentStaking.delegate, (id, 1e18)));
        vm.expectRevert(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector));
        vm.prank(alice);
        pool.delegate(id, 1e18);
    }

    function _unbondOn(AgentStaking pool, uint256 id, uint256 shares) internal returns (uint256 entry) {
        vm.prank(alice);
        entry = pool.unbond(id, shares);
    }

    // ───────────────────────────── Rebuilding state from events ─────────────────────────────

    struct Replay {
        uint256 activeAssets;
        uint256 activeShares;
        uint256 unbondingAssets;
        uint256 unbondingShares;
        uint256 aliceShares;
        uint256 bobShares;
        uint256 openDisputes;
        uint256 treasury;
        uint256 disputer;
        uint256 selfBond;
        uint256 selfBondUnbonding;
        uint256 unvested;
        uint64 vestingEnd;
        uint256 postponements;
        uint256 recycled;
    }

    function test_events_RebuildSharesAndPoolsFromLogsAlone() public {
        vm.recordLogs();
        uint256 aliceShares = _delegate(alice, agentId, 300e18);
        _delegate(bob, agentId, 100e18);
        _addRewards(stranger, agentId, 37e18);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD / 3); // a third vests, moved in by the unbond
        uint256 first = _unbond(alice, agentId, aliceShares / 3);
        uint256 d1 = _openDispute(disputer, agentId);
        vm.warp(block.timestamp + 1 hours);
        _accept(d1, 1_234); // what vested meanwhile joins the pool before the slash
        _addRewards(stranger, agentId, 11e18); // merged with what is still vesting
        _unbond(bob, agentId, staking.sharesOf(agentId, bob) / 2);
        _delegate(alice, agentId, 5e18);
        uint256 d2 = _openDispute(disputer, agentId);
        vm.prank(arbiter);
        staking.rejectDispute(d2);
        _openDispute(stranger, agentId);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        staking.expireDispute(3);
        vm.prank(alice);
        staking.withdraw(first);
        // Everyone leaves while rewards vest: vesting pauses until stake comes back.
        _addRewards(stranger, agentId, 20e18);
        vm.warp(block.timestamp + 1 hours);
        _unbond(alice, agentId, staking.sharesOf(agentId, alice));
        _unbond(bob, agentId, staking.sharesOf(agentId, bob));
        vm.warp(block.timestamp + 3 days);
        _delegate(alice, agentId, 50e18);
        vm.warp(block.timestamp + 2 hours);
        vm.startPrank(operator);
        staking.unbondSelfBond(agentId, 10e18);
        vm.stopPrank();
        _fund(operator, 5e18);
        vm.prank(operator);
        staking.addSelfBond(agentId, 5e18);
        uint256 d4 = _openDispute(disputer, agentId);
        _accept(d4, 2_000);

        Replay memory r = _replay(vm.getRecordedLogs());
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        assertEq(r.activeAssets, a.totalActiveAssets, "active assets");
        assertEq(r.activeShares, a.totalActiveShares, "active shares");
        assertEq(r.unbondingAssets, a.totalUnbondingAssets, "unbonding assets");
        assertEq(r.unbondingShares, a.totalUnbondingShares, "unbonding shares");
        assertEq(r.aliceShares, staking.sharesOf(agentId, alice), "alice");
        assertEq(r.bobShares, staking.sharesOf(agentId, bob), "bob");
        assertEq(r.openDisputes, a.openDisputes, "open disputes");
        assertEq(r.treasury, token.balanceOf(treasury), "treasury");
        assertEq(r.disputer, token.balanceOf(disputer), "disputer");
        assertEq(r.selfBond, a.selfBond, "self-bond");
        assertEq(r.selfBondUnbonding, a.selfBondUnbonding, "unbonding self-bond");
        // The slash of d4 accrued at this very time, so the views add nothing to the stored schedule.
        (uint256 unvested, uint64 vestingEnd) = staking.rewardVesting(agentId);
        assertEq(r.unvested, unvested, "unvested");
        assertGt(unvested, 0, "the replay ends mid-vesting");
        assertEq(r.vestingEnd, vestingEnd, "vesting end");
        assertEq(r.postponements, 1, "one pause");
        assertEq(r.recycled, 1, "the rounding the last exit left joined the rewards");
    }

    mapping(uint256 disputeId => uint256) internal bonds;

    function _replay(Vm.Log[] memory logs) internal returns (Replay memory r) {
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(staking)) continue;
            bytes32 sig = log.topics[0];
            if (sig == IAgentStaking.StakeDelegated.selector) {
                (uint256 assets, uint256 shares) = abi.decode(log.data, (uint256, uint256));
                r.activeAssets += assets;
                r.activeShares += shares;
                _credit(r, log.topics[2], shares, true);
            } else if (sig == IAgentStaking.UnbondingStarted.selector) {
                (uint256 shares, uint256 assets, uint256 unbondingShares,) =
                    abi.decode(log.data, (uint256, uint256, uint256, uint64));
                r.activeShares -= shares;
                r.activeAssets -= assets;
                r.unbondingAssets += assets;
                r.unbondingShares += unbondingShares;
                _credit(r, log.topics[3], shares, false);
            } else if (sig == IAgentStaking.StakeWithdrawn.selector) {
                (uint256 unbondingShares, uint256 assets) = abi.decode(log.data, (uint256, uint256));
                r.unbondingShares -= unbondingShares;
                r.unbondingAssets -= assets;
            } else if (sig == IAgentStaking.RewardsAdded.selector) {
                (uint256 amount, uint256 unvested, uint64 vestingEnd) = abi.decode(log.data, (uint256, uint256, uint64));
                assertEq(r.unvested + amount, unvested, "RewardsAdded.unvested");
                r.unvested = unvested;
                r.vestingEnd = vestingEnd;
            } else if (sig == IAgentStaking.RewardsVested.selector) {
                (uint256 amount, uint256 unvested) = abi.decode(log.data, (uint256, uint256));
                r.activeAssets += amount;
                r.unvested -= amount;
                assertEq(r.unvested, unvested, "RewardsVested.unvested");
            } else if (sig == IAgentStaking.StrandedStakeRecycled.selector) {
                // What the last shares left leaves the pool; the RewardsAdded that follows schedules it.
                r.activeAssets -= abi.decode(log.data, (uint256));
                r.recycled++;
            } else if (sig == IAgentStaking.RewardVestingPostponed.selector) {
                r.vestingEnd = abi.decode(log.data, (uint64));
                r.postponements++;
            } else if (sig == IAgentStaking.Slashed.selector) {
                (uint256 slashedActive, uint256 slashedUnbonding, uint256 activeAfter, uint256 unbondingAfter) =
                    abi.decode(log.data, (uint256, uint256, uint256, uint256));
                r.activeAssets -= slashedActive;
                r.unbondingAssets -= slashedUnbonding;
                assertEq(r.activeAssets, activeAfter, "Slashed.activeAssetsAfter");
                assertEq(r.unbondingAssets, unbondingAfter, "Slashed.unbondingAssetsAfter");
            } else if (sig == IAgentStaking.DisputeOpened.selector) {
                r.openDisputes++;
                (uint256 bond,,,) = abi.decode(log.data, (uint256, uint64, bytes32, string));
                bonds[uint256(log.topics[1])] = bond;
            } else if (sig == IAgentStaking.DisputeAccepted.selector) {
                r.openDisputes--;
                (,,, uint256 reward, uint256 toTreasury) =
                    abi.decode(log.data, (uint16, uint256, uint256, uint256, uint256));
                r.treasury += toTreasury;
                if (address(uint160(uint256(log.topics[3]))) == disputer) {
                    r.disputer += reward + bonds[uint256(log.topics[1])];
                }
            } else if (sig == IAgentStaking.DisputeRejected.selector) {
                r.openDisputes--;
                r.treasury += abi.decode(log.data, (uint256));
            } else if (sig == IAgentStaking.DisputeExpired.selector || sig == IAgentStaking.DisputeDrawn.selector) {
                r.openDisputes--;
                assertEq(abi.decode(log.data, (uint256)), bonds[uint256(log.topics[1])], "bondReturned");
            } else if (sig == IAgentStaking.SelfBondAdded.selector) {
                (, uint256 after_) = abi.decode(log.data, (uint256, uint256));
                r.selfBond = after_;
            } else if (sig == IAgentStaking.SelfBondUnbonding.selector) {
                (uint256 amount, uint256 unbonding,) = abi.decode(log.data, (uint256, uint256, uint64));
                r.selfBond -= amount;
                r.selfBondUnbonding = unbonding;
            } else if (sig == IAgentStaking.SelfBondSlashed.selector) {
                (,, uint256 bondAfter, uint256 unbondingAfter) =
                    abi.decode(log.data, (uint256, uint256, uint256, uint256));
                r.selfBond = bondAfter;
                r.selfBondUnbonding = unbondingAfter;
            }
        }
    }

    function _credit(Replay memory r, bytes32 delegatorTopic, uint256 shares, bool add) internal view {
        address who = address(uint160(uint256(delegatorTopic)));
        if (who == alice) r.aliceShares = add ? r.aliceShares + shares : r.aliceShares - shares;
        else if (who == bob) r.bobShares = add ? r.bobShares + shares : r.bobShares - shares;
    }
}
