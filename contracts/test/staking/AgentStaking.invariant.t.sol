// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Test} from "forge-std/Test.sol";

import {AgentStaking} from "../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {AgentStakingHandler} from "./handlers/AgentStakingHandler.sol";
import {StakingTestToken} from "./mocks/StakingTestToken.sol";

/// @dev Share accounting, token conservation and slash bounds under random sequences of
/// delegations, unbondings, withdrawals, rewards, disputes, parameter changes and time warps.
contract AgentStakingInvariantTest is StdInvariant, Test {
    AgentStaking internal staking;
    StakingTestToken internal token;
    AgentStakingHandler internal handler;

    address internal governance = makeAddr("governance");
    address internal treasury = makeAddr("treasury");

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
                disputerRewardBps: 2_000
            })
        );

        address[] memory delegators = new address[](4);
        delegators[0] = makeAddr("delegator0");
        delegators[1] = makeAddr("delegator1");
        delegators[2] = makeAddr("delegator2");
        delegators[3] = makeAddr("operator0"); // operators self-stake like anyone else
        address[] memory disputers = new address[](2);
        disputers[0] = makeAddr("disputer0");
        disputers[1] = makeAddr("disputer1");
        uint256[] memory agentIds = new uint256[](3);
        for (uint256 i; i < agentIds.length; ++i) {
            vm.prank(delegators[3]);
            agentIds[i] = staking.registerAgent(keccak256(abi.encode("spec", i)), "ipfs://spec", (i + 1) * 1e18);
        }

        handler = new AgentStakingHandler(staking, token, governance, treasury, delegators, disputers, agentIds);

        bytes4[] memory selectors = new bytes4[](11);
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
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// Share accounting, per agent:
    /// - Σ sharesOf(delegators) == totalActiveShares;
    /// - Σ shares of live unbonding entries == totalUnbondingShares;
    /// - redeeming every share never pays more than the pool holds (no dust theft):
    ///   Σ convertToAssets(sharesOf) <= totalActiveAssets and Σ previewWithdraw <= totalUnbondingAssets.
    function invariant_shareAccounting() public view {
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
                shares += staking.sharesOf(agents[i], delegators[j]);
            }
            assertEq(shares, a.totalActiveShares, "active shares");
            // Rounding down is superadditive (Σ floor(x_i) <= floor(Σ x_i)), so converting the
            // sum bounds the sum of every delegator's conversion: one call instead of one each.
            assertLe(staking.convertToAssets(agents[i], shares), a.totalActiveAssets, "active claims exceed pool");
            assertEq(unbondingShares[i], a.totalUnbondingShares, "unbonding shares");
            assertLe(unbondingClaims[i], a.totalUnbondingAssets, "unbonding claims exceed pool");
        }
    }

    /// Token accounting:
    /// - token balance == Σ (active + unbonding assets) + Σ bonds of open disputes;
    /// - conservation: Σ delegated + Σ rewards == Σ withdrawn + Σ slashed + Σ still staked;
    /// - slashes and bonds reach exactly the treasury, disputers and delegators the rules name.
    function invariant_tokenAccounting() public view {
        uint256[] memory agents = handler.agentIds();
        uint256 staked;
        for (uint256 i; i < agents.length; ++i) {
            IAgentStaking.AgentInfo memory a = staking.getAgent(agents[i]);
            staked += a.totalActiveAssets + a.totalUnbondingAssets;
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
            handler.ghostDelegated() + handler.ghostRewards(),
            handler.ghostWithdrawn() + handler.ghostSlashed() + staked,
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
        assertEq(delegatorBalances, handler.ghostWithdrawn(), "delegators");
    }

    /// Disputes:
    /// - each accepted dispute slashed at most slashCapBps of (active + unbonding) at that moment,
    ///   and the same fraction of each pool, leaving shares untouched (checked by the handler);
    /// - the per-agent open-dispute counter matches the disputes actually open;
    /// - a disputer has at most one open dispute per agent, an evidence hash serves at most one
    ///   dispute per agent, and {openDisputeOf} / {disputeOfEvidence} point at the open disputes;
    /// - the unbonding delay is never shorter than the dispute window.
    function invariant_disputes() public view {
        assertEq(handler.ghostSlashCapViolations(), 0, "slash above cap");
        assertEq(handler.ghostSlashDisproportions(), 0, "slash not proportional");
        assertEq(handler.ghostDuplicateDisputesOpened(), 0, "second open dispute by one disputer");
        assertEq(handler.ghostReusedEvidenceAccepted(), 0, "evidence reused");
        assertEq(handler.ghostShortUnbondingAccepted(), 0, "unbonding shorter than dispute window");
        assertEq(handler.ghostUnexpectedReverts(), 0, "allowed call reverted");
        IAgentStaking.Params memory p = staking.params();
        assertGe(p.unbondingDelay, p.disputeWindow, "unbondingDelay < disputeWindow");
        uint256[] memory agents = handler.agentIds();
        uint256[] memory open = handler.openDisputeIds();
        uint256[] memory counts = new uint256[](agents.length);
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
}
