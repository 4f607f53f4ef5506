// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Test} from "forge-std/Test.sol";

import {AgentStaking} from "../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {AgentStakingHandler} from "./handlers/AgentStakingHandler.sol";
import {StakingTestToken} from "./mocks/StakingTestToken.sol";

/// @dev Share accounting, token conservation, slash bounds and reward vesting under random sequences
/// of delegations, unbondings, withdrawals, rewards, disputes, parameter changes and time warps.
contract AgentStakingInvariantTest is StdInvariant, Test {
    AgentStaking internal staking;
    StakingTestToken internal token;
    AgentStakingHandler internal handler;

    address internal governance = makeAddr("governance");
    address internal treasury = makeAddr("treasury");

    uint256 internal constant SELF_BOND = 100e18;

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new StakingTestToken();
        staking = new AgentStaking(
            governance,
            token,
            treasury,
            IAgentStaking.Params({
                unbondingDelay: 7 days,
                disputeWindow: 3 days,
                disputeBond: 100e18,
                slashCapBps: 5_000,
                disputerRewardBps: 2_000,
                minSelfBond: 10e18,
                maxDelegationRatio: 16,
                rewardVestingPeriod: 1 days
            })
        );

        address operator = makeAddr("operator0");
        address[] memory delegators = new address[](4);
        delegators[0] = makeAddr("delegator0");
        delegators[1] = makeAddr("delegator1");
        delegators[2] = makeAddr("delegator2");
        delegators[3] = operator; // operators also delegate like anyone else
        address[] memory disputers = new address[](2);
        disputers[0] = makeAddr("disputer0");
        disputers[1] = makeAddr("disputer1");
        uint256[] memory agentIds = new uint256[](3);
        token.mint(operator, 3 * SELF_BOND);
        vm.startPrank(operator);
        token.approve(address(staking), 3 * SELF_BOND);
        for (uint256 i; i < agentIds.length; ++i) {
            agentIds[i] =
                staking.registerAgent(keccak256(abi.encode("spec", i)), "ipfs://spec", (i + 1) * 1e18, SELF_BOND);
        }
        vm.stopPrank();

        handler =
            new AgentStakingHandler(staking, token, governance, treasury, operator, delegators, disputers, agentIds);
        handler.recordInitialSelfBond(3 * SELF_BOND);

        bytes4[] memory selectors = new bytes4[](19);
        selectors[0] = AgentStakingHandler.delegate.selector;
        selectors[1] = AgentStakingHandler.unbond.selector;
        selectors[2] = AgentStakingHandler.withdraw.selector;
        selectors[3] = AgentStakingHandler.addRewards.selector;
        selectors[4] = AgentStakingHandler.openDispute.selector;
        selectors[5] = AgentStakingHandler.acceptDispute.selector;
        selectors[6] = AgentStakingHandler.rejectDispute.selector;
        selectors[7] = AgentStakingHandler.expireDispute.selector;
        selectors[8] = AgentStakingHandler.setParams.selector;
        selectors[9] = AgentStakingHandler.warp.selector;
        selectors[10] = AgentStakingHandler.setDelays.selector;
        selectors[11] = AgentStakingHandler.drawDispute.selector;
        selectors[12] = AgentStakingHandler.addSelfBond.selector;
        selectors[13] = AgentStakingHandler.unbondSelfBond.selector;
        selectors[14] = AgentStakingHandler.withdrawSelfBond.selector;
        selectors[15] = AgentStakingHandler.slashUnbondingStake.selector;
        selectors[16] = AgentStakingHandler.withdrawCoveredEntry.selector;
        selectors[17] = AgentStakingHandler.withdrawReleasedDuringDispute.selector;
        selectors[18] = AgentStakingHandler.jitDelegateAroundRewards.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// Reach, per run (set STAKING_REACH_LOG to a file to append one line per run; the note's
    /// fractions come from it): accepted disputes, slashes that reached the unbonding pool and the
    /// self-bond, covered withdrawals refused, withdrawals made while a dispute was open.
    function afterInvariant() public {
        string memory path = vm.envOr("STAKING_REACH_LOG", string(""));
        if (bytes(path).length == 0) return;
        vm.writeLine(
            path,
            string.concat(
                vm.toString(handler.ghostAccepted()),
                " ",
                vm.toString(handler.ghostNonZeroUnbondingSlashes()),
                " ",
                vm.toString(handler.ghostSelfBondSlashes()),
                " ",
                vm.toString(handler.ghostFrozenWithdrawalsRefused()),
                " ",
                vm.toString(handler.ghostWithdrawalsDuringDispute())
            )
        );
    }

    /// Share accounting, per agent:
    /// - Σ sharesOf(delegators) == totalActiveShares;
    /// - Σ shares of live unbonding entries == totalUnbondingShares;
    /// - redeeming every share never pays more than the pool holds (no dust theft):
    ///   Σ convertToAssets(sharesOf) <= totalActiveAssets and Σ previewWithdraw <= totalUnbondingAssets;
    /// - no dust positions: no delegation or unbonding that would have left a position below the
    ///   minimum of that moment ({minPositionShares}) went through (a price that falls later, by a
    ///   slash, can leave a position bought at the 1-token cap below the minimum of then);
    /// - an active pool without shares holds no assets (the last exit recycles them as rewards).
    function invariant_shareAccounting() public view {
        assertEq(handler.ghostDustPositionsAccepted(), 0, "dust position accepted");
        uint256[] memory agents = handler.agentIds();
        address[] memory delegators = handler.delegators();
        uint256[] memory pending = handler.pendingUnbondings();
        // Agent ids are 1..n in the suite, so id - 1 indexes these sums.
        uint256[] memory unbondingShares = new uint256[](agents.length);
        uint256[] memory unbondingClaims = new uint256[](agents.length);
        for (uint256 j; j < pending.length; ++j) {
            IAgentStaking.Unbonding memory entry = staking.getUnbonding(pending[j]);
            assertTrue(entry.delegator != address(0), "pending entry vanished");
            unbondingShares[entry.agentId - 1] += entry.shares;
            unbondingClaims[entry.agentId - 1] += staking.previewWithdraw(pending[j]);
        }
        for (uint256 i; i < agents.length; ++i) {
            assertEq(agents[i], i + 1, "agent ids");
            IAgentStaking.AgentInfo memory a = staking.getAgent(agents[i]);
            uint256 shares;
            for (uint256 j; j < delegators.length; ++j) {
                uint256 position = staking.sharesOf(agents[i], delegators[j]);
                shares += position;
            }
            assertEq(shares, a.totalActiveShares, "active shares");
            // An empty pool holds nothing, so it prices the next delegation as a new pool does.
            if (a.totalActiveShares == 0) assertEq(a.totalActiveAssets, 0, "assets left in an empty pool");
            // Rounding down is superadditive (Σ floor(x_i) <= floor(Σ x_i)), so converting the
            // sum bounds the sum of every delegator's conversion: one call instead of one each.
            assertLe(staking.convertToAssets(agents[i], shares), a.totalActiveAssets, "active claims exceed pool");
            assertEq(unbondingShares[i], a.totalUnbondingShares, "unbonding shares");
            assertLe(unbondingClaims[i], a.totalUnbondingAssets, "unbonding claims exceed pool");
        }
    }

    /// Token accounting:
    /// - token balance == Σ (active + unbonding assets + self-bonds + unvested rewards) + Σ bonds
    ///   of open disputes (the views count rewards vested by now as active assets, not unvested);
    /// - conservation: Σ delegated + Σ rewards + Σ self-bonded
    ///   == Σ withdrawn + Σ self-bond withdrawn + Σ slashed + Σ still staked;
    /// - slashes and bonds reach exactly the treasury, disputers and delegators the rules name.
    function invariant_tokenAccounting() public view {
        uint256[] memory agents = handler.agentIds();
        uint256 staked;
        for (uint256 i; i < agents.length; ++i) {
            IAgentStaking.AgentInfo memory a = staking.getAgent(agents[i]);
            (uint256 unvested,) = staking.rewardVesting(agents[i]);
            staked += a.totalActiveAssets + a.totalUnbondingAssets + a.selfBond + a.selfBondUnbonding + unvested;
        }
        uint256[] memory open = handler.openDisputeIds();
        uint256 bonds;
        for (uint256 i; i < open.length; ++i) {
            bonds += staking.getDispute(open[i]).bond;
        }
        assertEq(
            bonds,
            handler.ghostBondsPosted() - handler.ghostBondsReturned() - handler.ghostBondsForfeited(),
            "open bonds"
        );
        assertEq(token.balanceOf(address(staking)), staked + bonds, "balance");
        assertEq(
            handler.ghostDelegated() + handler.ghostRewards() + handler.ghostSelfBonded(),
            handler.ghostWithdrawn() + handler.ghostSelfBondWithdrawn() + handler.ghostSlashed() + staked,
            "conservation"
        );

        assertEq(
            token.balanceOf(treasury), handler.ghostTreasurySlashShare() + handler.ghostBondsForfeited(), "treasury"
        );
        address[] memory disputers = handler.disputers();
        uint256 disputerBalances;
        for (uint256 i; i < disputers.length; ++i) {
            disputerBalances += token.balanceOf(disputers[i]);
        }
        assertEq(disputerBalances, handler.ghostDisputerRewards() + handler.ghostBondsReturned(), "disputers");
        address[] memory delegators = handler.delegators();
        uint256 delegatorBalances;
        for (uint256 i; i < delegators.length; ++i) {
            delegatorBalances += token.balanceOf(delegators[i]);
        }
        // The operator is one of the delegators and alone receives self-bond withdrawals.
        assertEq(delegatorBalances, handler.ghostWithdrawn() + handler.ghostSelfBondWithdrawn(), "delegators");
    }

    /// Disputes:
    /// - each accepted dispute slashed at most slashCapBps of its snapshot, took the self-bond
    ///   before any delegator stake, paid the disputer no more than the self-bond lost, and left
    ///   shares untouched (checked by the handler at each acceptance);
    /// - a dispute's snapshot is the agent's stake when it opened;
    /// - the per-agent open-dispute counter matches the disputes actually open;
    /// - a disputer has at most one open dispute per agent, an evidence hash serves at most one
    ///   dispute per agent, and {openDisputeOf} / {disputeOfEvidence} point at the open disputes;
    /// - the unbonding delay is never shorter than the dispute window.
    function invariant_disputes() public view {
        assertEq(handler.ghostSlashCapViolations(), 0, "slash above cap");
        assertEq(handler.ghostDelegatorsPaidFirst(), 0, "delegators slashed while the self-bond remained");
        assertEq(handler.ghostRewardAboveOperatorLoss(), 0, "disputer reward paid by delegators");
        assertEq(handler.ghostSharesTouched(), 0, "slash burnt shares");
        assertEq(handler.ghostSnapshotMismatches(), 0, "snapshot");
        assertEq(handler.ghostDuplicateDisputesOpened(), 0, "second open dispute by one disputer");
        assertEq(handler.ghostReusedEvidenceAccepted(), 0, "evidence reused");
        assertEq(handler.ghostShortUnbondingAccepted(), 0, "unbonding shorter than dispute window");
        assertEq(handler.ghostUnexpectedReverts(), 0, "allowed call reverted");
        IAgentStaking.Params memory p = staking.params();
        assertGe(p.unbondingDelay, p.disputeWindow, "unbondingDelay < disputeWindow");
        uint256[] memory agents = handler.agentIds();
        uint256[] memory open = handler.openDisputeIds();
        uint256[] memory counts = new uint256[](agents.length);
        assertEq(open.length, _openOnChain(agents), "open dispute ids");
        for (uint256 j; j < open.length; ++j) {
            IAgentStaking.Dispute memory d = staking.getDispute(open[j]);
            assertEq(uint8(d.status), uint8(IAgentStaking.DisputeStatus.Open), "open dispute status");
            assertEq(staking.openDisputeOf(d.agentId, d.disputer), open[j], "openDisputeOf");
            assertEq(staking.disputeOfEvidence(d.agentId, d.evidenceHash), open[j], "disputeOfEvidence");
            counts[d.agentId - 1]++;
        }
        for (uint256 i; i < agents.length; ++i) {
            assertEq(staking.getAgent(agents[i]).openDisputes, counts[i], "open disputes");
        }
    }

    /// Withdrawal freeze and late stake:
    /// - no withdrawal (delegator entry or self-bond) that an open dispute covers ever paid out;
    /// - no delegation landed while the agent had an open dispute, nor above the delegation cap;
    /// - and every pending entry an open dispute covers is still there (the freeze held).
    function invariant_freezeAndLateStake() public view {
        assertEq(handler.ghostFrozenWithdrawals(), 0, "covered withdrawal paid");
        assertEq(handler.ghostLateDelegationsAccepted(), 0, "delegation during a dispute");
        assertEq(handler.ghostCapExceededAccepted(), 0, "delegation above the cap");
        uint256[] memory pending = handler.pendingUnbondings();
        for (uint256 j; j < pending.length; ++j) {
            assertTrue(staking.getUnbonding(pending[j]).delegator != address(0), "pending entry paid out");
        }
    }

    /// Reward vesting, per agent:
    /// - the rewards vested (Σ RewardsVested) never exceed those added (Σ RewardsAdded), and the
    ///   stored unvested amount is exactly the difference (the events mirror the schedule);
    /// - the views never report more unvested than is stored (they only move vested rewards out);
    /// - unvested rewards always have an end after the last accrual, and, as of now, after now;
    /// - issue 13: a delegator who delegated right before rewards arrived and unbonded in the same
    ///   block never left with more than it put in.
    function invariant_rewardVesting() public view {
        uint256[] memory agents = handler.agentIds();
        for (uint256 i; i < agents.length; ++i) {
            uint256 added = handler.ghostRewardsAddedOf(agents[i]);
            uint256 vested = handler.ghostRewardsVestedOf(agents[i]);
            (uint256 stored, uint64 end, uint64 lastAccrual) = _storedSchedule(agents[i]);
            assertLe(vested, added, "vested more than added");
            assertEq(vested + stored, added, "events do not mirror the schedule");
            (uint256 unvested, uint64 vestingEnd) = staking.rewardVesting(agents[i]);
            assertLe(unvested, stored, "views report more unvested than stored");
            if (stored != 0) assertGt(end, lastAccrual, "schedule without time left");
            if (unvested != 0) assertGt(vestingEnd, block.timestamp, "unvested past its end");
        }
        assertEq(handler.ghostJitProfits(), 0, "just-in-time delegator profited");
    }

    /// @dev The agent's stored schedule, read from AgentStaking's storage: `_agents` is slot 12 and
    /// the schedule the Agent struct's 11th slot (`test_Revert_unbond_WhenZeroUnbondingSharesMinted`
    /// and the assertion below guard the layout).
    function _storedSchedule(uint256 agentId) internal view returns (uint256 unvested, uint64 end, uint64 lastAccrual) {
        bytes32 slot = bytes32(uint256(keccak256(abi.encode(agentId, uint256(12)))) + 10);
        uint256 word = uint256(vm.load(address(staking), slot));
        unvested = uint128(word);
        end = uint64(word >> 128);
        lastAccrual = uint64(word >> 192);
        assertTrue(unvested != 0 || lastAccrual != 0 || handler.ghostRewardsAddedOf(agentId) == 0, "slot layout");
    }

    function _openOnChain(uint256[] memory agents) internal view returns (uint256 n) {
        for (uint256 i; i < agents.length; ++i) {
            n += staking.openDisputeIds(agents[i]).length;
        }
    }
}
