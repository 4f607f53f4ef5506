// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {AgentStaking} from "../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {AgentStakingTestBase} from "./utils/AgentStakingTestBase.sol";

/// @dev Unit and fuzz tests, grouped per function.
contract AgentStakingTest is AgentStakingTestBase {
    uint256 internal agentId;

    function setUp() public override {
        super.setUp();
        agentId = _register(operator, 1_000e18);
    }

    // ───────────────────────────── constructor ─────────────────────────────

    function test_constructor_SetsTokenTreasuryParamsAndRoles() public view {
        assertEq(address(staking.token()), address(token));
        assertEq(staking.treasury(), treasury);
        IAgentStaking.Params memory p = staking.params();
        assertEq(p.unbondingDelay, UNBONDING_DELAY);
        assertEq(p.disputeWindow, DISPUTE_WINDOW);
        assertEq(p.disputeBond, DISPUTE_BOND);
        assertEq(p.slashCapBps, SLASH_CAP_BPS);
        assertEq(p.disputerRewardBps, DISPUTER_REWARD_BPS);
        assertTrue(staking.hasRole(staking.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(staking.hasRole(staking.PARAMETER_ROLE(), admin));
        assertTrue(staking.hasRole(staking.ARBITER_ROLE(), admin));
        assertEq(staking.DECIMALS_OFFSET(), 6);
    }

    function test_constructor_EmitsTreasuryAndParams() public {
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.TreasuryUpdated(address(0), treasury);
        vm.expectEmit(false, false, false, true);
        emit IAgentStaking.ParamsUpdated(_defaultParams());
        new AgentStaking(admin, token, treasury, _defaultParams());
    }

    function test_Revert_constructor_WhenAdminZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroAddress.selector));
        new AgentStaking(address(0), token, treasury, _defaultParams());
    }

    function test_Revert_constructor_WhenTokenZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroAddress.selector));
        new AgentStaking(admin, IERC20(address(0)), treasury, _defaultParams());
    }

    function test_Revert_constructor_WhenTreasuryZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroAddress.selector));
        new AgentStaking(admin, token, address(0), _defaultParams());
    }

    function test_Revert_constructor_WhenParamsInvalid() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.slashCapBps = 0;
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingInvalidSlashCap.selector, uint16(0), uint16(10_000))
        );
        new AgentStaking(admin, token, treasury, p);
    }

    function test_Revert_constructor_WhenUnbondingShorterThanDisputeWindow() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.unbondingDelay = DISPUTE_WINDOW - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingUnbondingShorterThanDisputeWindow.selector, DISPUTE_WINDOW - 1, DISPUTE_WINDOW
            )
        );
        new AgentStaking(admin, token, treasury, p);
    }

    /// @dev The devnet deployment's parameters (contracts/ts/deploy.ts) stay valid.
    function test_constructor_AcceptsDevnetParams() public {
        IAgentStaking.Params memory p = IAgentStaking.Params({
            unbondingDelay: 7200,
            disputeWindow: 3600,
            disputeBond: 100e18,
            slashCapBps: 3000,
            disputerRewardBps: 1000,
            minSelfBond: 100e18,
            maxDelegationRatio: 16,
            rewardVestingPeriod: 3600
        });
        AgentStaking devnet = new AgentStaking(admin, token, treasury, p);
        assertEq(keccak256(abi.encode(devnet.params())), keccak256(abi.encode(p)));
    }

    // ───────────────────────────── registerAgent ─────────────────────────────

    function test_registerAgent_StoresAgent() public view {
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        assertEq(agentId, 1);
        assertEq(staking.agentCount(), 1);
        assertEq(a.operator, operator);
        assertEq(a.specHash, SPEC_HASH);
        assertEq(a.metadataURI, METADATA_URI);
        assertEq(a.minStake, 1_000e18);
        assertEq(a.openDisputes, 0);
        assertEq(a.totalActiveAssets, 0);
        assertEq(a.totalActiveShares, 0);
        assertEq(a.totalUnbondingAssets, 0);
        assertEq(a.totalUnbondingShares, 0);
    }

    function test_registerAgent_IncrementsIdsAndEmits() public {
        _fund(alice, MIN_SELF_BOND);
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.AgentRegistered(2, alice, bytes32(uint256(7)), "uri-2", 5);
        vm.prank(alice);
        uint256 id = staking.registerAgent(bytes32(uint256(7)), "uri-2", 5, MIN_SELF_BOND);
        assertEq(id, 2);
        assertEq(staking.agentCount(), 2);
        assertEq(_agent(2).operator, alice);
    }

    function test_Revert_registerAgent_WhenSpecHashZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroSpecHash.selector));
        vm.prank(alice);
        staking.registerAgent(bytes32(0), METADATA_URI, 0, MIN_SELF_BOND);
    }

    // ───────────────────────────── updateAgent ─────────────────────────────

    function test_updateAgent_ReplacesSpecAndURI() public {
        bytes32 newHash = keccak256("agent-spec-v2");
        vm.expectEmit(true, false, false, true);
        emit IAgentStaking.AgentUpdated(agentId, newHash, "ipfs://v2");
        vm.prank(operator);
        staking.updateAgent(agentId, newHash, "ipfs://v2");
        assertEq(_agent(agentId).specHash, newHash);
        assertEq(_agent(agentId).metadataURI, "ipfs://v2");
    }

    function test_Revert_updateAgent_WhenUnknownAgent() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownAgent.selector, 9));
        vm.prank(operator);
        staking.updateAgent(9, SPEC_HASH, METADATA_URI);
    }

    function test_Revert_updateAgent_WhenNotOperator() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNotOperator.selector, agentId, stranger));
        vm.prank(stranger);
        staking.updateAgent(agentId, SPEC_HASH, METADATA_URI);
    }

    function test_Revert_updateAgent_WhenSpecHashZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroSpecHash.selector));
        vm.prank(operator);
        staking.updateAgent(agentId, bytes32(0), METADATA_URI);
    }

    // ───────────────────────────── setMinStake ─────────────────────────────

    function test_setMinStake_UpdatesAndEmits() public {
        vm.expectEmit(true, false, false, true);
        emit IAgentStaking.MinStakeUpdated(agentId, 1_000e18, 50e18);
        vm.prank(operator);
        staking.setMinStake(agentId, 50e18);
        assertEq(_agent(agentId).minStake, 50e18);
    }

    function test_Revert_setMinStake_WhenUnknownAgent() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownAgent.selector, 0));
        vm.prank(operator);
        staking.setMinStake(0, 1);
    }

    function test_Revert_setMinStake_WhenNotOperator() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNotOperator.selector, agentId, stranger));
        vm.prank(stranger);
        staking.setMinStake(agentId, 1);
    }

    // ───────────────────────────── transferOperator ─────────────────────────────

    function test_transferOperator_HandsOverControl() public {
        vm.expectEmit(true, true, true, true);
        emit IAgentStaking.OperatorTransferred(agentId, operator, alice);
        vm.prank(operator);
        staking.transferOperator(agentId, alice);
        assertEq(_agent(agentId).operator, alice);

        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNotOperator.selector, agentId, operator));
        vm.prank(operator);
        staking.setMinStake(agentId, 1);

        vm.prank(alice);
        staking.setMinStake(agentId, 1);
        assertEq(_agent(agentId).minStake, 1);
    }

    function test_Revert_transferOperator_WhenUnknownAgent() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownAgent.selector, 2));
        vm.prank(operator);
        staking.transferOperator(2, alice);
    }

    function test_Revert_transferOperator_WhenNotOperator() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNotOperator.selector, agentId, stranger));
        vm.prank(stranger);
        staking.transferOperator(agentId, stranger);
    }

    function test_Revert_transferOperator_WhenNewOperatorZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroAddress.selector));
        vm.prank(operator);
        staking.transferOperator(agentId, address(0));
    }

    // ───────────────────────────── delegate ─────────────────────────────

    function test_delegate_FirstDepositMintsAtInitialRate() public {
        uint256 shares = _delegate(alice, agentId, 1_000e18);
        assertEq(shares, 1_000e18 * VIRTUAL_SHARES);
        assertEq(staking.sharesOf(agentId, alice), shares);
        assertEq(_agent(agentId).totalActiveAssets, 1_000e18);
        assertEq(_agent(agentId).totalActiveShares, shares);
        assertEq(_poolsHeld(), 1_000e18);
        assertEq(staking.convertToAssets(agentId, shares), 1_000e18);
    }

    function test_delegate_EmitsStakeDelegated() public {
        _fund(alice, 10e18);
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.StakeDelegated(agentId, alice, 10e18, 10e18 * VIRTUAL_SHARES);
        vm.prank(alice);
        staking.delegate(agentId, 10e18);
    }

    function test_delegate_OperatorSelfStakes() public {
        uint256 shares = _delegate(operator, agentId, 1_000e18);
        assertEq(staking.sharesOf(agentId, operator), shares);
        assertTrue(staking.isActive(agentId));
    }

    function test_delegate_AfterRewardsMintsFewerShares() public {
        _delegate(alice, agentId, 100e18);
        // Rewards raise the price as they vest; fully vested here.
        _addVestedRewards(stranger, agentId, 100e18);
        uint256 preview = staking.previewDelegate(agentId, 100e18);
        uint256 shares = _delegate(bob, agentId, 100e18);
        assertEq(shares, preview);
        // Price doubled: bob gets about half of alice's shares, rounded down.
        assertApproxEqAbs(shares, 50e18 * VIRTUAL_SHARES, VIRTUAL_SHARES);
        assertLe(staking.convertToAssets(agentId, shares), 100e18);
        assertApproxEqAbs(staking.convertToAssets(agentId, shares), 100e18, 1);
    }

    function test_delegate_DirectTransferDoesNotMovePrice() public {
        _delegate(alice, agentId, 1e18);
        uint256 before = staking.previewDelegate(agentId, 5e18);
        token.mint(address(staking), 1_000_000e18);
        assertEq(staking.previewDelegate(agentId, 5e18), before);
        assertEq(_agent(agentId).totalActiveAssets, 1e18);
    }

    /// @dev Stake that arrives after a dispute opened must not pay for it: it cannot arrive.
    function test_Revert_delegate_WhenDisputeOpen() public {
        _delegate(alice, agentId, 10e18);
        _openDispute(disputer, agentId);
        _fund(bob, 10e18);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingAgentUnderDispute.selector, agentId, 1));
        vm.prank(bob);
        staking.delegate(agentId, 10e18);
    }

    function test_Revert_delegate_WhenAboveDelegationCap() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.maxDelegationRatio = 16;
        _setParams(p);
        _delegate(alice, agentId, 1_000e18);
        _fund(bob, 600e18 + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingDelegationCapExceeded.selector, agentId, 1_600e18, 1_600e18 + 1)
        );
        vm.prank(bob);
        staking.delegate(agentId, 600e18 + 1);
        vm.prank(bob);
        staking.delegate(agentId, 600e18); // exactly at the cap
    }

    function test_Revert_delegate_WhenUnknownAgent() public {
        _fund(alice, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownAgent.selector, 5));
        vm.prank(alice);
        staking.delegate(5, 1e18);
    }

    function test_Revert_delegate_WhenZeroAssets() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroAmount.selector));
        vm.prank(alice);
        staking.delegate(agentId, 0);
    }

    function test_Revert_delegate_WhenZeroSharesMinted() public {
        _delegate(alice, agentId, MIN_POSITION_ASSETS); // the smallest position allowed
        _addVestedRewards(alice, agentId, 1e18);
        _fund(bob, 1);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroSharesMinted.selector, agentId, 1));
        vm.prank(bob);
        staking.delegate(agentId, 1);
    }

    function test_minPositionShares_IsAMillionTimesTheVirtualShares() public view {
        assertEq(staking.MIN_POSITION_SHARES(), MIN_POSITION_SHARES);
        assertEq(MIN_POSITION_SHARES, VIRTUAL_SHARES * 1e6);
    }

    function test_Revert_delegate_WhenPositionTooSmall() public {
        // 1 wei buys as many shares as the pool's virtual ones: refused.
        _fund(alice, MIN_POSITION_ASSETS);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingPositionTooSmall.selector, VIRTUAL_SHARES, MIN_POSITION_SHARES)
        );
        vm.prank(alice);
        staking.delegate(agentId, 1);
        // One wei short of the smallest position: refused too.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingPositionTooSmall.selector,
                MIN_POSITION_SHARES - VIRTUAL_SHARES,
                MIN_POSITION_SHARES
            )
        );
        vm.prank(alice);
        staking.delegate(agentId, MIN_POSITION_ASSETS - 1);
        assertEq(staking.sharesOf(agentId, alice), 0);
        assertEq(_agent(agentId).totalActiveShares, 0);
    }

    function test_delegate_SmallestPositionThenAnyTopUp() public {
        assertEq(_delegate(alice, agentId, MIN_POSITION_ASSETS), MIN_POSITION_SHARES);
        // The minimum bounds the position, not each delegation: 1 wei more is a fine top-up.
        assertEq(_delegate(alice, agentId, 1), VIRTUAL_SHARES);
        assertEq(staking.sharesOf(agentId, alice), MIN_POSITION_SHARES + VIRTUAL_SHARES);
    }

    /// @dev The minimum counts shares, not assets: after a slash a share is worth less, and a
    /// fresh position still needs MIN_POSITION_SHARES of them.
    function test_Revert_delegate_WhenPositionTooSmallAfterSlash() public {
        _delegate(alice, agentId, 1_000e18);
        _accept(_openDispute(disputer, agentId), SLASH_CAP_BPS); // the self-bond, then the pool
        _fund(operator, SELF_BOND); // the operator restores the self-bond, and so the cap
        vm.prank(operator);
        staking.addSelfBond(agentId, SELF_BOND);
        uint256 assets = 1;
        uint256 preview = staking.previewDelegate(agentId, assets);
        assertGt(preview, 0);
        assertLt(preview, MIN_POSITION_SHARES);
        _fund(bob, assets);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingPositionTooSmall.selector, preview, MIN_POSITION_SHARES)
        );
        vm.prank(bob);
        staking.delegate(agentId, assets);
    }

    function test_Revert_delegate_WhenAllowanceTooLow() public {
        token.mint(alice, 1e18);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(staking), 0, 1e18)
        );
        vm.prank(alice);
        staking.delegate(agentId, 1e18);
    }

    /// @dev At any point of the rewards' vesting (the preview counts what vested by now).
    function testFuzz_delegate_SharesMatchPreviewAndNeverOvervalue(
        uint256 first,
        uint256 rewards,
        uint256 assets,
        uint256 elapsed
    ) public {
        // A first position holds at least MIN_POSITION_SHARES: MIN_POSITION_ASSETS at the starting price.
        first = bound(first, MIN_POSITION_ASSETS, 1e24);
        rewards = bound(rewards, 1, 1e24);
        assets = bound(assets, 1, 1e24);
        _delegate(alice, agentId, first);
        _addRewards(stranger, agentId, rewards);
        vm.warp(block.timestamp + bound(elapsed, 0, 2 * REWARD_VESTING_PERIOD));
        uint256 preview = staking.previewDelegate(agentId, assets);
        vm.assume(preview > 0);
        // A top-up of alice's position, so that deposits of any size (from 1 wei) stay covered:
        // a fresh position as small as some of them would be refused.
        uint256 shares = _delegate(alice, agentId, assets);
        assertEq(shares, preview);
        uint256 value = staking.convertToAssets(agentId, shares);
        assertLe(value, assets, "minted shares worth more than paid");
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        // Loss bounded by one share's worth plus one wei of rounding.
        uint256 sharePrice = (a.totalActiveAssets + 1) / (a.totalActiveShares + VIRTUAL_SHARES) + 1;
        assertLe(assets - value, sharePrice + 1);
    }

    // ───────────────────────────── unbond ─────────────────────────────

    function test_unbond_MovesAssetsToUnbondingPool() public {
        uint256 shares = _delegate(alice, agentId, 100e18);
        uint256 id = _unbond(alice, agentId, shares / 4);
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        assertEq(id, 1);
        assertEq(staking.unbondingCount(), 1);
        assertEq(staking.sharesOf(agentId, alice), shares - shares / 4);
        assertEq(a.totalActiveAssets, 75e18);
        assertEq(a.totalActiveShares, shares - shares / 4);
        assertEq(a.totalUnbondingAssets, 25e18);
        assertEq(a.totalUnbondingShares, 25e18 * VIRTUAL_SHARES);
        IAgentStaking.Unbonding memory u = staking.getUnbonding(id);
        assertEq(u.agentId, agentId);
        assertEq(u.delegator, alice);
        assertEq(u.releaseAt, block.timestamp + UNBONDING_DELAY);
        assertEq(u.shares, 25e18 * VIRTUAL_SHARES);
        assertEq(staking.previewWithdraw(id), 25e18);
        assertEq(_poolsHeld(), 100e18);
    }

    function test_unbond_EmitsUnbondingStarted() public {
        uint256 shares = _delegate(alice, agentId, 100e18);
        vm.expectEmit(true, true, true, true);
        emit IAgentStaking.UnbondingStarted(
            1, agentId, alice, shares, 100e18, 100e18 * VIRTUAL_SHARES, uint64(block.timestamp) + UNBONDING_DELAY
        );
        _unbond(alice, agentId, shares);
    }

    function test_unbond_SecondEntryBuysAtSlashedPrice() public {
        uint256 shares = _delegate(alice, agentId, 1_000e18);
        _unbond(alice, agentId, shares / 2); // 500e18 unbonding
        // 50% of 1100 = 550: the 100 self-bond, then 450 from the pools (225 each): 275 left in each.
        _accept(_openDispute(disputer, agentId), 5_000);
        uint256 id2 = _unbond(alice, agentId, shares / 2); // 275e18 more at the slashed price (0.55)
        assertApproxEqAbs(staking.getUnbonding(id2).shares, 500e18 * VIRTUAL_SHARES, VIRTUAL_SHARES);
        assertApproxEqAbs(staking.previewWithdraw(1), 275e18, 1);
        assertApproxEqAbs(staking.previewWithdraw(id2), 275e18, 1);
    }

    function test_unbond_AllowedWhileDisputeOpen() public {
        uint256 shares = _delegate(alice, agentId, 100e18);
        _openDispute(disputer, agentId);
        uint256 id = _unbond(alice, agentId, shares);
        assertEq(staking.previewWithdraw(id), 100e18);
    }

    function test_Revert_unbond_WhenUnknownAgent() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownAgent.selector, 3));
        vm.prank(alice);
        staking.unbond(3, 1);
    }

    function test_Revert_unbond_WhenZeroShares() public {
        _delegate(alice, agentId, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroAmount.selector));
        vm.prank(alice);
        staking.unbond(agentId, 0);
    }

    function test_Revert_unbond_WhenInsufficientShares() public {
        uint256 shares = _delegate(alice, agentId, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingInsufficientShares.selector, shares, shares + 1));
        vm.prank(alice);
        staking.unbond(agentId, shares + 1);
    }

    function test_Revert_unbond_WhenDustRemainder() public {
        uint256 shares = _delegate(alice, agentId, 1e18);
        // Leaving one share, or one short of the minimum: refused.
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingPositionTooSmall.selector, 1, MIN_POSITION_SHARES));
        vm.prank(alice);
        staking.unbond(agentId, shares - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingPositionTooSmall.selector, MIN_POSITION_SHARES - 1, MIN_POSITION_SHARES
            )
        );
        vm.prank(alice);
        staking.unbond(agentId, shares - MIN_POSITION_SHARES + 1);
        // Leaving exactly the minimum, then nothing: both fine.
        _unbond(alice, agentId, shares - MIN_POSITION_SHARES);
        assertEq(staking.sharesOf(agentId, alice), MIN_POSITION_SHARES);
        _unbond(alice, agentId, MIN_POSITION_SHARES);
        assertEq(staking.sharesOf(agentId, alice), 0);
        assertEq(_agent(agentId).totalActiveShares, 0);
    }

    function test_Revert_unbond_WhenSharesWorthZero() public {
        _delegate(alice, agentId, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroAssetsUnbonded.selector, agentId, 1));
        vm.prank(alice);
        staking.unbond(agentId, 1);
    }

    function test_Revert_unbond_WhenZeroUnbondingSharesMinted() public {
        // Unreachable through the API (only rounding dust can raise the unbonding pool's price);
        // forge an absurd unbonding price in storage to exercise the defensive check.
        _delegate(alice, agentId, 1e18);
        bytes32 unbondingAssetsSlot = bytes32(uint256(keccak256(abi.encode(agentId, uint256(12)))) + 5);
        assertEq(uint256(vm.load(address(staking), unbondingAssetsSlot)), 0, "slot layout changed");
        vm.store(address(staking), unbondingAssetsSlot, bytes32(uint256(1e30)));
        assertEq(_agent(agentId).totalUnbondingAssets, 1e30, "slot layout changed");
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroSharesMinted.selector, agentId, 1e18));
        vm.prank(alice);
        staking.unbond(agentId, 1e18 * VIRTUAL_SHARES);
    }

    function testFuzz_unbond_RoundTripLosesAtMostDust(
        uint256 assets,
        uint256 rewards,
        uint256 fraction,
        uint256 elapsed
    ) public {
        // A position holds at least MIN_POSITION_SHARES: MIN_POSITION_ASSETS at the starting price.
        assets = bound(assets, MIN_POSITION_ASSETS, 1e24);
        rewards = bound(rewards, 0, 1e24);
        fraction = bound(fraction, 1, 10_000);
        uint256 shares = _delegate(alice, agentId, assets);
        if (rewards > 0) _addRewards(stranger, agentId, rewards);
        // Anywhere in the vesting: `worth` (a view) must be what unbond moves.
        vm.warp(block.timestamp + bound(elapsed, 0, 2 * REWARD_VESTING_PERIOD));
        uint256 toUnbond = shares * fraction / 10_000;
        // Leaving a dust remainder is refused (test_Revert_unbond_WhenDustRemainder): exit in full.
        if (shares - toUnbond < MIN_POSITION_SHARES) toUnbond = shares;
        vm.assume(toUnbond > 0 && staking.convertToAssets(agentId, toUnbond) > 0);
        uint256 worth = staking.convertToAssets(agentId, toUnbond);
        uint256 id = _unbond(alice, agentId, toUnbond);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.prank(alice);
        uint256 paid = staking.withdraw(id);
        assertLe(paid, worth);
        assertLe(worth - paid, 1, "unbonding pool lost more than a wei");
        // Alice alone owns the pool: she never gets more than what she and the rewarder paid in.
        assertLe(paid + staking.convertToAssets(agentId, staking.sharesOf(agentId, alice)), assets + rewards);
    }

    // ───────────────────────────── withdraw ─────────────────────────────

    function test_withdraw_PaysAfterRelease() public {
        uint256 shares = _delegate(alice, agentId, 100e18);
        uint256 id = _unbond(alice, agentId, shares);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.expectEmit(true, true, true, true);
        emit IAgentStaking.StakeWithdrawn(id, agentId, alice, 100e18 * VIRTUAL_SHARES, 100e18);
        vm.prank(alice);
        uint256 paid = staking.withdraw(id);
        assertEq(paid, 100e18);
        assertEq(token.balanceOf(alice), 100e18);
        assertEq(_poolsHeld(), 0);
        assertEq(staking.getUnbonding(id).delegator, address(0));
        assertEq(staking.previewWithdraw(id), 0);
        assertEq(_agent(agentId).totalUnbondingAssets, 0);
        assertEq(_agent(agentId).totalUnbondingShares, 0);
    }

    function test_withdraw_PaysSlashedValue() public {
        uint256 shares = _delegate(alice, agentId, 1_000e18);
        uint256 id = _unbond(alice, agentId, shares);
        // 30% of 1100 = 330: the 100 self-bond, then 230 from the unbonding pool.
        _accept(_openDispute(disputer, agentId), 3_000);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.prank(alice);
        assertEq(staking.withdraw(id), 770e18);
    }

    function test_withdraw_PaysZeroAfterFullSlash() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.slashCapBps = 10_000;
        _setParams(p);
        uint256 shares = _delegate(alice, agentId, 100e18);
        uint256 id = _unbond(alice, agentId, shares);
        _accept(_openDispute(disputer, agentId), 10_000);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.prank(alice);
        assertEq(staking.withdraw(id), 0);
        assertEq(staking.getUnbonding(id).delegator, address(0));
    }

    function test_withdraw_AfterDisputeRejected() public {
        uint256 shares = _delegate(alice, agentId, 100e18);
        uint256 id = _unbond(alice, agentId, shares);
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.prank(arbiter);
        staking.rejectDispute(disputeId);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.prank(alice);
        assertEq(staking.withdraw(id), 100e18);
    }

    function test_withdraw_AfterDisputeExpired() public {
        uint256 shares = _delegate(alice, agentId, 100e18);
        uint256 id = _unbond(alice, agentId, shares);
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        staking.expireDispute(disputeId);
        vm.prank(alice);
        assertEq(staking.withdraw(id), 100e18);
    }

    function test_Revert_withdraw_WhenUnknownUnbonding() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownUnbonding.selector, 1));
        vm.prank(alice);
        staking.withdraw(1);
    }

    function test_Revert_withdraw_WhenAlreadyWithdrawn() public {
        uint256 id = _unbond(alice, agentId, _delegate(alice, agentId, 1e18));
        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.prank(alice);
        staking.withdraw(id);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownUnbonding.selector, id));
        vm.prank(alice);
        staking.withdraw(id);
    }

    function test_Revert_withdraw_WhenNotDelegator() public {
        uint256 id = _unbond(alice, agentId, _delegate(alice, agentId, 1e18));
        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNotDelegator.selector, id, bob));
        vm.prank(bob);
        staking.withdraw(id);
    }

    function test_Revert_withdraw_WhenNotReleased() public {
        uint256 id = _unbond(alice, agentId, _delegate(alice, agentId, 1e18));
        uint64 releaseAt = uint64(block.timestamp) + UNBONDING_DELAY;
        vm.warp(releaseAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnbondingNotReleased.selector, id, releaseAt));
        vm.prank(alice);
        staking.withdraw(id);
    }

    function test_Revert_withdraw_WhenCoveredByDispute() public {
        uint256 id = _unbond(alice, agentId, _delegate(alice, agentId, 1e18));
        vm.warp(block.timestamp + UNBONDING_DELAY - 1);
        uint256 first = _openDispute(disputer, agentId);
        _openDispute(bob, agentId);
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingWithdrawalFrozen.selector, agentId, first));
        vm.prank(alice);
        staking.withdraw(id);
    }

    function testFuzz_withdraw_RespectsReleaseTime(uint64 delay, uint64 wait) public {
        delay = uint64(bound(delay, DISPUTE_WINDOW, staking.MAX_UNBONDING_DELAY()));
        wait = uint64(bound(wait, 0, 2 * uint256(staking.MAX_UNBONDING_DELAY())));
        IAgentStaking.Params memory p = _defaultParams();
        p.unbondingDelay = delay;
        _setParams(p);
        uint256 id = _unbond(alice, agentId, _delegate(alice, agentId, 1e18));
        uint64 releaseAt = staking.getUnbonding(id).releaseAt;
        vm.warp(block.timestamp + wait);
        vm.prank(alice);
        if (wait < delay) {
            vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnbondingNotReleased.selector, id, releaseAt));
            staking.withdraw(id);
        } else {
            assertEq(staking.withdraw(id), 1e18);
        }
    }

    // ───────────────────────────── addRewards ─────────────────────────────

    /// @dev Rewards used to raise the share price at once; they now vest over the period (issue 13:
    /// an instant raise paid whoever held shares at that moment), so the price moves only by the
    /// end of the period, pro rata as before.
    function test_addRewards_VestIntoSharePriceProRata() public {
        uint256 aliceShares = _delegate(alice, agentId, 300e18);
        uint256 bobShares = _delegate(bob, agentId, 100e18);
        _fund(stranger, 40e18);
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.RewardsAdded(
            agentId, stranger, 40e18, 40e18, uint64(block.timestamp) + REWARD_VESTING_PERIOD
        );
        vm.prank(stranger);
        staking.addRewards(agentId, 40e18);
        assertEq(_agent(agentId).totalActiveAssets, 400e18, "nothing vested yet");
        assertEq(staking.convertToAssets(agentId, aliceShares), 300e18, "price unchanged");
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);
        assertEq(_agent(agentId).totalActiveAssets, 440e18);
        assertApproxEqAbs(staking.convertToAssets(agentId, aliceShares), 330e18, 1);
        assertApproxEqAbs(staking.convertToAssets(agentId, bobShares), 110e18, 1);
        assertEq(_poolsHeld(), 440e18);
    }

    function test_addRewards_DoNotReachUnbondingStake() public {
        uint256 shares = _delegate(alice, agentId, 100e18);
        uint256 id = _unbond(alice, agentId, shares / 2);
        _addVestedRewards(stranger, agentId, 50e18);
        assertEq(staking.previewWithdraw(id), 50e18);
        assertEq(_agent(agentId).totalActiveAssets, 100e18);
    }

    function test_Revert_addRewards_WhenUnknownAgent() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownAgent.selector, 4));
        staking.addRewards(4, 1);
    }

    function test_Revert_addRewards_WhenZeroAmount() public {
        _delegate(alice, agentId, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroAmount.selector));
        staking.addRewards(agentId, 0);
    }

    function test_Revert_addRewards_WhenNoDelegators() public {
        _fund(stranger, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNoDelegators.selector, agentId));
        vm.prank(stranger);
        staking.addRewards(agentId, 1e18);
    }

    function testFuzz_addRewards_NeverLetsDelegatorsTakeMoreThanPool(uint256 a, uint256 b, uint256 rewards) public {
        // Both are fresh positions at the starting price: at least MIN_POSITION_ASSETS each.
        a = bound(a, MIN_POSITION_ASSETS, 1e24);
        b = bound(b, MIN_POSITION_ASSETS, 1e24);
        rewards = bound(rewards, 1, 1e24);
        uint256 aliceShares = _delegate(alice, agentId, a);
        vm.assume(staking.previewDelegate(agentId, b) > 0);
        uint256 bobShares = _delegate(bob, agentId, b);
        _addVestedRewards(stranger, agentId, rewards);
        uint256 total = staking.convertToAssets(agentId, aliceShares) + staking.convertToAssets(agentId, bobShares);
        uint256 pool = a + b + rewards;
        assertEq(_agent(agentId).totalActiveAssets, pool);
        assertLe(total, pool);
        // The virtual shares keep their pro-rata cut; delegators get the rest up to a wei each.
        uint256 virtualCut = (pool + 1) * VIRTUAL_SHARES / (aliceShares + bobShares + VIRTUAL_SHARES) + 1;
        assertGe(total + virtualCut + 2, pool);
    }

    // ───────────────────────────── openDispute ─────────────────────────────

    function test_openDispute_PullsBondAndRecords() public {
        _fund(disputer, DISPUTE_BOND);
        uint64 deadline = uint64(block.timestamp) + DISPUTE_WINDOW;
        vm.expectEmit(true, true, true, true);
        emit IAgentStaking.DisputeOpened(1, agentId, disputer, DISPUTE_BOND, deadline, EVIDENCE_HASH, EVIDENCE_URI);
        vm.prank(disputer);
        uint256 id = staking.openDispute(agentId, EVIDENCE_HASH, EVIDENCE_URI);
        assertEq(id, 1);
        assertEq(staking.disputeCount(), 1);
        IAgentStaking.Dispute memory d = staking.getDispute(id);
        assertEq(d.agentId, agentId);
        assertEq(d.disputer, disputer);
        assertEq(d.deadline, deadline);
        assertEq(uint8(d.status), uint8(IAgentStaking.DisputeStatus.Open));
        assertEq(d.bond, DISPUTE_BOND);
        assertEq(d.slashBps, 0);
        assertEq(d.slashed, 0);
        assertEq(d.evidenceHash, EVIDENCE_HASH);
        assertEq(d.evidenceURI, EVIDENCE_URI);
        assertEq(_agent(agentId).openDisputes, 1);
        assertEq(_poolsHeld(), DISPUTE_BOND);
        assertEq(token.balanceOf(disputer), 0);
    }

    function test_openDispute_RecordsOpenDisputeAndEvidence() public {
        assertEq(staking.openDisputeOf(agentId, disputer), 0);
        assertEq(staking.disputeOfEvidence(agentId, EVIDENCE_HASH), 0);
        uint256 id = _openDisputeWith(disputer, agentId, EVIDENCE_HASH);
        assertEq(staking.openDisputeOf(agentId, disputer), id);
        assertEq(staking.disputeOfEvidence(agentId, EVIDENCE_HASH), id);
        assertEq(staking.openDisputeOf(agentId, bob), 0);
    }

    function test_openDispute_SameDisputerOnOtherAgentAndAfterResolution() public {
        uint256 other = _register(operator, 0);
        uint256 first = _openDispute(disputer, agentId);
        uint256 onOther = _openDispute(disputer, other);
        assertEq(staking.openDisputeOf(other, disputer), onOther);

        vm.prank(arbiter);
        staking.rejectDispute(first);
        assertEq(staking.openDisputeOf(agentId, disputer), 0, "cleared when resolved");
        uint256 again = _openDispute(disputer, agentId);
        assertEq(staking.openDisputeOf(agentId, disputer), again);
    }

    function test_openDispute_SameEvidenceOnAnotherAgent() public {
        uint256 other = _register(operator, 0);
        uint256 a = _openDisputeWith(disputer, agentId, EVIDENCE_HASH);
        uint256 b = _openDisputeWith(bob, other, EVIDENCE_HASH);
        assertEq(staking.disputeOfEvidence(agentId, EVIDENCE_HASH), a);
        assertEq(staking.disputeOfEvidence(other, EVIDENCE_HASH), b);
    }

    function test_Revert_openDispute_WhenDisputerHasOpenDispute() public {
        uint256 first = _openDispute(disputer, agentId);
        bytes32 evidence = _freshEvidence();
        _fund(disputer, DISPUTE_BOND);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingDisputerHasOpenDispute.selector, agentId, disputer, first)
        );
        vm.prank(disputer);
        staking.openDispute(agentId, evidence, EVIDENCE_URI);
        assertEq(_agent(agentId).openDisputes, 1);
    }

    /// @dev One incident cannot be stacked into several disputes (each slashing up to the cap), by
    /// other disputers or after the first dispute was resolved, whatever its outcome.
    function test_Revert_openDispute_WhenEvidenceAlreadyUsed() public {
        _delegate(alice, agentId, 1_000e18);
        uint256 first = _openDisputeWith(disputer, agentId, EVIDENCE_HASH);
        _fund(bob, DISPUTE_BOND);
        bytes memory err =
            abi.encodeWithSelector(IAgentStaking.StakingEvidenceAlreadyUsed.selector, agentId, EVIDENCE_HASH, first);
        vm.expectRevert(err);
        vm.prank(bob);
        staking.openDispute(agentId, EVIDENCE_HASH, EVIDENCE_URI);

        _accept(first, SLASH_CAP_BPS);
        vm.expectRevert(err);
        vm.prank(bob);
        staking.openDispute(agentId, EVIDENCE_HASH, EVIDENCE_URI);
        vm.expectRevert(err);
        vm.prank(disputer);
        staking.openDispute(agentId, EVIDENCE_HASH, EVIDENCE_URI);
        assertEq(_agent(agentId).totalActiveAssets, 550e18, "slashed once, at the cap");
    }

    function test_Revert_openDispute_WhenEvidenceUsedByARejectedDispute() public {
        uint256 first = _openDisputeWith(disputer, agentId, EVIDENCE_HASH);
        vm.prank(arbiter);
        staking.rejectDispute(first);
        _fund(bob, DISPUTE_BOND);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingEvidenceAlreadyUsed.selector, agentId, EVIDENCE_HASH, first)
        );
        vm.prank(bob);
        staking.openDispute(agentId, EVIDENCE_HASH, EVIDENCE_URI);
    }

    function test_Revert_openDispute_WhenEvidenceHashZero() public {
        _fund(disputer, DISPUTE_BOND);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroEvidenceHash.selector));
        vm.prank(disputer);
        staking.openDispute(agentId, bytes32(0), EVIDENCE_URI);
    }

    function test_Revert_openDispute_WhenUnknownAgent() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownAgent.selector, 7));
        vm.prank(disputer);
        staking.openDispute(7, EVIDENCE_HASH, EVIDENCE_URI);
    }

    function test_Revert_openDispute_WhenBondNotApproved() public {
        token.mint(disputer, DISPUTE_BOND);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(staking), 0, DISPUTE_BOND)
        );
        vm.prank(disputer);
        staking.openDispute(agentId, EVIDENCE_HASH, EVIDENCE_URI);
    }

    // ───────────────────────────── acceptDispute ─────────────────────────────

    /// @dev alice 1000 active; bob 1000 of which 400 unbonding → active 1600, unbonding 400.
    function _stakeActiveAndUnbonding() internal returns (uint256 unbondingId) {
        _delegate(alice, agentId, 1_000e18);
        uint256 bobShares = _delegate(bob, agentId, 1_000e18);
        unbondingId = _unbond(bob, agentId, bobShares * 2 / 5);
    }

    function test_acceptDispute_SlashesBothPoolsProportionally() public {
        uint256 unbondingId = _stakeActiveAndUnbonding();
        uint256 disputeId = _openDispute(disputer, agentId);
        _accept(disputeId, 1_000);
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        // 210 = the 100 self-bond, then 110 from the pools pro rata (88 active, 22 unbonding).
        assertEq(a.selfBond, 0);
        assertEq(a.totalActiveAssets, 1_512e18);
        assertEq(a.totalUnbondingAssets, 378e18);
        assertEq(a.openDisputes, 0);
        assertApproxEqAbs(staking.convertToAssets(agentId, staking.sharesOf(agentId, alice)), 945e18, 1);
        assertApproxEqAbs(staking.convertToAssets(agentId, staking.sharesOf(agentId, bob)), 567e18, 1);
        assertApproxEqAbs(staking.previewWithdraw(unbondingId), 378e18, 1);
        IAgentStaking.Dispute memory d = staking.getDispute(disputeId);
        assertEq(uint8(d.status), uint8(IAgentStaking.DisputeStatus.Accepted));
        assertEq(d.slashBps, 1_000);
        assertEq(d.slashed, 210e18);
        assertEq(d.selfBondSnapshot, SELF_BOND);
        assertEq(d.delegatedSnapshot, 2_000e18);
        assertEq(staking.openDisputeOf(agentId, disputer), 0);
    }

    function test_acceptDispute_PaysDisputerRewardAndBondAndTreasuryRest() public {
        _stakeActiveAndUnbonding();
        uint256 disputeId = _openDispute(disputer, agentId);
        _accept(disputeId, 1_000);
        // 10% of 2100 (100 self-bond + 2000 delegated) = 210 slashed: 20% (42, within the
        // self-bond's loss) to the disputer plus the 100 bond back, 168 to the treasury.
        assertEq(token.balanceOf(disputer), 42e18 + DISPUTE_BOND);
        assertEq(token.balanceOf(treasury), 168e18);
        assertEq(_poolsHeld(), 1_890e18);
    }

    function test_acceptDispute_EmitsSlashedAndDisputeAccepted() public {
        _stakeActiveAndUnbonding();
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.SelfBondSlashed(agentId, disputeId, SELF_BOND, 0, 0, 0);
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.Slashed(agentId, disputeId, 88e18, 22e18, 1_512e18, 378e18);
        vm.expectEmit(true, true, true, true);
        emit IAgentStaking.DisputeAccepted(disputeId, agentId, disputer, 1_000, 88e18, 22e18, 42e18, 168e18);
        _accept(disputeId, 1_000);
    }

    function test_acceptDispute_AtCapWithAllToTreasury() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.disputerRewardBps = 0;
        _setParams(p);
        _delegate(alice, agentId, 1_000e18);
        uint256 disputeId = _openDispute(disputer, agentId);
        _accept(disputeId, SLASH_CAP_BPS); // 50% of 1100: the 100 self-bond, then 450
        assertEq(_agent(agentId).totalActiveAssets, 550e18);
        assertEq(token.balanceOf(treasury), 550e18);
        assertEq(token.balanceOf(disputer), DISPUTE_BOND);
    }

    function test_acceptDispute_WithNoDelegatedStakeSlashesOnlyTheSelfBond() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        _accept(disputeId, 1); // 1 bps of the 100 self-bond
        assertEq(staking.getDispute(disputeId).slashed, 0.01e18);
        assertEq(_agent(agentId).selfBond, SELF_BOND - 0.01e18);
        assertEq(token.balanceOf(disputer), DISPUTE_BOND + 0.002e18);
        assertEq(token.balanceOf(treasury), 0.008e18);
    }

    function test_acceptDispute_UnfreezesWithdrawalsAndDropsActiveStatus() public {
        uint256 unbondingId = _stakeActiveAndUnbonding();
        vm.prank(operator);
        staking.setMinStake(agentId, 1_500e18);
        assertTrue(staking.isActive(agentId));
        _accept(_openDispute(disputer, agentId), 1_000);
        assertFalse(staking.isActive(agentId), "self-bond below the minimum");
        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.prank(bob);
        assertEq(staking.withdraw(unbondingId), 378e18);
    }

    function test_Revert_acceptDispute_WhenNotArbiter() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        bytes32 role = staking.ARBITER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        staking.acceptDispute(disputeId, 1);
    }

    function test_Revert_acceptDispute_WhenUnknownDispute() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownDispute.selector, 1));
        _accept(1, 1);
    }

    function test_Revert_acceptDispute_WhenNotOpen() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        _accept(disputeId, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingDisputeNotOpen.selector, disputeId, IAgentStaking.DisputeStatus.Accepted
            )
        );
        _accept(disputeId, 1);
    }

    function test_Revert_acceptDispute_WhenDeadlineReached() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        uint64 deadline = uint64(block.timestamp) + DISPUTE_WINDOW;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingDisputeWindowClosed.selector, disputeId, deadline));
        _accept(disputeId, 1);
    }

    function test_acceptDispute_JustBeforeDeadline() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.warp(block.timestamp + DISPUTE_WINDOW - 1);
        _accept(disputeId, 1);
        assertEq(uint8(staking.getDispute(disputeId).status), uint8(IAgentStaking.DisputeStatus.Accepted));
    }

    function test_Revert_acceptDispute_WhenSlashBpsZero() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingSlashBpsOutOfRange.selector, uint16(0), SLASH_CAP_BPS)
        );
        _accept(disputeId, 0);
    }

    function test_Revert_acceptDispute_WhenSlashBpsAboveCap() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingSlashBpsOutOfRange.selector, SLASH_CAP_BPS + 1, SLASH_CAP_BPS)
        );
        _accept(disputeId, SLASH_CAP_BPS + 1);
    }

    function testFuzz_acceptDispute_SlashWithinCapSelfBondFirst(
        uint256 active,
        uint256 unbonding,
        uint16 slashBps,
        uint16 rewardBps
    ) public {
        // A position holds at least MIN_POSITION_SHARES: MIN_POSITION_ASSETS at the starting price.
        active = bound(active, MIN_POSITION_ASSETS, 1e24);
        unbonding = bound(unbonding, 1, active);
        slashBps = uint16(bound(slashBps, 1, SLASH_CAP_BPS));
        rewardBps = uint16(bound(rewardBps, 0, 10_000));
        IAgentStaking.Params memory p = _defaultParams();
        p.disputerRewardBps = rewardBps;
        _setParams(p);
        uint256 shares = _delegate(alice, agentId, active);
        uint256 toUnbond = shares * unbonding / active;
        // Leaving a dust remainder is refused (test_Revert_unbond_WhenDustRemainder): exit in full.
        if (shares - toUnbond < MIN_POSITION_SHARES) toUnbond = shares;
        _unbond(alice, agentId, toUnbond);
        IAgentStaking.AgentInfo memory before = _agent(agentId);
        uint256 disputeId = _openDispute(disputer, agentId);
        uint256 treasuryBefore = token.balanceOf(treasury);
        _accept(disputeId, slashBps);
        IAgentStaking.AgentInfo memory afterSlash = _agent(agentId);

        uint256 pools = before.totalActiveAssets + before.totalUnbondingAssets;
        uint256 amount = (SELF_BOND + pools) * slashBps / 10_000;
        uint256 fromSelf = amount < SELF_BOND ? amount : SELF_BOND;
        uint256 rest = amount - fromSelf;
        assertEq(afterSlash.selfBond, SELF_BOND - fromSelf, "self-bond first");
        uint256 slashedActive = before.totalActiveAssets - afterSlash.totalActiveAssets;
        uint256 slashedUnbonding = before.totalUnbondingAssets - afterSlash.totalUnbondingAssets;
        assertEq(slashedActive, rest * before.totalActiveAssets / pools, "active pro rata");
        assertEq(slashedActive + slashedUnbonding, rest, "the rest from the pools");
        // Delegators never lose more than the cap's share of their own stake.
        assertLe(rest * 10_000, pools * SLASH_CAP_BPS);
        assertEq(afterSlash.totalActiveShares, before.totalActiveShares);
        assertEq(afterSlash.totalUnbondingShares, before.totalUnbondingShares);
        uint256 reward = amount * rewardBps / 10_000;
        if (reward > fromSelf) reward = fromSelf;
        assertEq(token.balanceOf(disputer), reward + DISPUTE_BOND);
        assertEq(token.balanceOf(treasury) - treasuryBefore, amount - reward);
        assertEq(staking.getDispute(disputeId).slashed, amount);
        assertEq(_poolsHeld(), afterSlash.totalActiveAssets + afterSlash.totalUnbondingAssets);
    }

    // ───────────────────────────── rejectDispute ─────────────────────────────

    function test_rejectDispute_ForfeitsBondToTreasury() public {
        _delegate(alice, agentId, 100e18);
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.DisputeRejected(disputeId, agentId, DISPUTE_BOND);
        vm.prank(arbiter);
        staking.rejectDispute(disputeId);
        assertEq(token.balanceOf(treasury), DISPUTE_BOND);
        assertEq(token.balanceOf(disputer), 0);
        assertEq(_agent(agentId).openDisputes, 0);
        assertEq(_agent(agentId).totalActiveAssets, 100e18);
        assertEq(uint8(staking.getDispute(disputeId).status), uint8(IAgentStaking.DisputeStatus.Rejected));
        assertEq(staking.openDisputeOf(agentId, disputer), 0);
    }

    function test_Revert_rejectDispute_WhenNotArbiter() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        bytes32 role = staking.ARBITER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, disputer, role)
        );
        vm.prank(disputer);
        staking.rejectDispute(disputeId);
    }

    function test_Revert_rejectDispute_WhenUnknownDispute() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownDispute.selector, 3));
        vm.prank(arbiter);
        staking.rejectDispute(3);
    }

    function test_Revert_rejectDispute_WhenNotOpen() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.prank(arbiter);
        staking.rejectDispute(disputeId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingDisputeNotOpen.selector, disputeId, IAgentStaking.DisputeStatus.Rejected
            )
        );
        vm.prank(arbiter);
        staking.rejectDispute(disputeId);
    }

    function test_Revert_rejectDispute_WhenDeadlineReached() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        uint64 deadline = uint64(block.timestamp) + DISPUTE_WINDOW;
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingDisputeWindowClosed.selector, disputeId, deadline));
        vm.prank(arbiter);
        staking.rejectDispute(disputeId);
    }

    // ───────────────────────────── expireDispute ─────────────────────────────

    /// @dev The arbiter's silence is not the disputer's fault: an expired dispute returns its bond.
    function test_expireDispute_ReturnsBondToDisputer() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.DisputeExpired(disputeId, agentId, DISPUTE_BOND);
        vm.prank(stranger);
        staking.expireDispute(disputeId);
        assertEq(token.balanceOf(disputer), DISPUTE_BOND);
        assertEq(token.balanceOf(treasury), 0);
        assertEq(_poolsHeld(), 0);
        assertEq(_agent(agentId).openDisputes, 0);
        assertEq(staking.openDisputeOf(agentId, disputer), 0);
        assertEq(uint8(staking.getDispute(disputeId).status), uint8(IAgentStaking.DisputeStatus.Expired));
    }

    function test_Revert_expireDispute_WhenUnknownDispute() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownDispute.selector, 0));
        staking.expireDispute(0);
    }

    function test_Revert_expireDispute_WhenNotOpen() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        staking.expireDispute(disputeId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingDisputeNotOpen.selector, disputeId, IAgentStaking.DisputeStatus.Expired
            )
        );
        staking.expireDispute(disputeId);
    }

    function test_Revert_expireDispute_WhenWindowOpen() public {
        uint256 disputeId = _openDispute(disputer, agentId);
        uint64 deadline = uint64(block.timestamp) + DISPUTE_WINDOW;
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingDisputeWindowOpen.selector, disputeId, deadline));
        staking.expireDispute(disputeId);
    }

    function testFuzz_disputeTiming_ArbiterOrExpiryNeverBoth(uint64 wait) public {
        wait = uint64(bound(wait, 0, 2 * uint256(DISPUTE_WINDOW)));
        uint256 disputeId = _openDispute(disputer, agentId);
        vm.warp(block.timestamp + wait);
        uint64 deadline = staking.getDispute(disputeId).deadline;
        if (wait < DISPUTE_WINDOW) {
            vm.expectRevert(
                abi.encodeWithSelector(IAgentStaking.StakingDisputeWindowOpen.selector, disputeId, deadline)
            );
            staking.expireDispute(disputeId);
            vm.prank(arbiter);
            staking.rejectDispute(disputeId);
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(IAgentStaking.StakingDisputeWindowClosed.selector, disputeId, deadline)
            );
            vm.prank(arbiter);
            staking.rejectDispute(disputeId);
            staking.expireDispute(disputeId);
        }
        assertEq(_agent(agentId).openDisputes, 0);
    }

    // ───────────────────────────── setParams ─────────────────────────────

    function test_setParams_UpdatesAndEmits() public {
        IAgentStaking.Params memory p = IAgentStaking.Params({
            unbondingDelay: 14 days,
            disputeWindow: 5 days,
            disputeBond: 7e18,
            slashCapBps: 10_000,
            disputerRewardBps: 10_000,
            minSelfBond: 3e18,
            maxDelegationRatio: 20,
            rewardVestingPeriod: 30 days
        });
        vm.expectEmit(false, false, false, true);
        emit IAgentStaking.ParamsUpdated(p);
        _setParams(p);
        IAgentStaking.Params memory got = staking.params();
        assertEq(got.unbondingDelay, 14 days);
        assertEq(got.disputeWindow, 5 days);
        assertEq(got.disputeBond, 7e18);
        assertEq(got.slashCapBps, 10_000);
        assertEq(got.disputerRewardBps, 10_000);
        assertEq(got.minSelfBond, 3e18);
        assertEq(got.maxDelegationRatio, 20);
        assertEq(got.rewardVestingPeriod, 30 days);
    }

    function test_setParams_KeepsExistingEntriesTerms() public {
        uint256 unbondingId = _unbond(alice, agentId, _delegate(alice, agentId, 1e18));
        uint256 disputeId = _openDispute(disputer, agentId);
        uint64 releaseAt = staking.getUnbonding(unbondingId).releaseAt;
        uint64 deadline = staking.getDispute(disputeId).deadline;
        _setParams(
            IAgentStaking.Params({
                unbondingDelay: 30 days,
                disputeWindow: 30 days,
                disputeBond: 1e18,
                slashCapBps: 1,
                disputerRewardBps: 0,
                minSelfBond: 1,
                maxDelegationRatio: 1,
                rewardVestingPeriod: 1 hours
            })
        );
        assertEq(staking.getUnbonding(unbondingId).releaseAt, releaseAt);
        assertEq(staking.getDispute(disputeId).deadline, deadline);
        vm.prank(arbiter);
        staking.rejectDispute(disputeId);
        assertEq(token.balanceOf(treasury), DISPUTE_BOND, "the bond posted, not the new one, is forfeited");
    }

    function test_Revert_setParams_WhenNotParameterRole() public {
        bytes32 role = staking.PARAMETER_ROLE();
        IAgentStaking.Params memory p = _defaultParams();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, arbiter, role));
        vm.prank(arbiter);
        staking.setParams(p);
    }

    function test_Revert_setParams_WhenUnbondingDelayTooLong() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.unbondingDelay = 365 days + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingInvalidUnbondingDelay.selector, p.unbondingDelay, 365 days)
        );
        _setParams(p);
    }

    function test_Revert_setParams_WhenDisputeWindowTooShort() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.disputeWindow = 1 hours - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingInvalidDisputeWindow.selector, p.disputeWindow, 1 hours, 90 days
            )
        );
        _setParams(p);
    }

    function test_Revert_setParams_WhenDisputeWindowTooLong() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.disputeWindow = 90 days + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingInvalidDisputeWindow.selector, p.disputeWindow, 1 hours, 90 days
            )
        );
        _setParams(p);
    }

    function test_Revert_setParams_WhenUnbondingShorterThanDisputeWindow() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.unbondingDelay = 0;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingUnbondingShorterThanDisputeWindow.selector, uint64(0), DISPUTE_WINDOW
            )
        );
        _setParams(p);
        p.unbondingDelay = 5 days;
        p.disputeWindow = 5 days + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingUnbondingShorterThanDisputeWindow.selector, uint64(5 days), uint64(5 days + 1)
            )
        );
        _setParams(p);
    }

    function test_setParams_AcceptsUnbondingEqualToDisputeWindow() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.unbondingDelay = 5 days;
        p.disputeWindow = 5 days;
        _setParams(p);
        assertEq(staking.params().unbondingDelay, staking.params().disputeWindow);
    }

    function test_Revert_setParams_WhenSlashCapZero() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.slashCapBps = 0;
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingInvalidSlashCap.selector, uint16(0), uint16(10_000))
        );
        _setParams(p);
    }

    function test_Revert_setParams_WhenSlashCapAboveMax() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.slashCapBps = 10_001;
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingInvalidSlashCap.selector, uint16(10_001), uint16(10_000))
        );
        _setParams(p);
    }

    function test_Revert_setParams_WhenDisputerRewardAboveMax() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.disputerRewardBps = 10_001;
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingInvalidDisputerReward.selector, uint16(10_001), uint16(10_000))
        );
        _setParams(p);
    }

    function testFuzz_setParams_AcceptsEverythingInBounds(IAgentStaking.Params memory p) public {
        p.disputeWindow = uint64(bound(p.disputeWindow, 1 hours, 90 days));
        p.unbondingDelay = uint64(bound(p.unbondingDelay, p.disputeWindow, 365 days));
        p.slashCapBps = uint16(bound(p.slashCapBps, 1, 10_000));
        p.disputerRewardBps = uint16(bound(p.disputerRewardBps, 0, 10_000));
        p.disputeBond = bound(p.disputeBond, 1e18, type(uint256).max);
        p.minSelfBond = bound(p.minSelfBond, 1, type(uint256).max);
        p.maxDelegationRatio = uint16(bound(p.maxDelegationRatio, 1, type(uint16).max));
        p.rewardVestingPeriod = uint64(bound(p.rewardVestingPeriod, 1 hours, 30 days));
        _setParams(p);
        assertEq(keccak256(abi.encode(staking.params())), keccak256(abi.encode(p)));
    }

    function test_Revert_setParams_WhenDisputeBondBelowMinimum() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.disputeBond = 1e18 - 1;
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingInvalidDisputeBond.selector, 1e18 - 1, 1e18));
        _setParams(p);
    }

    function test_Revert_setParams_WhenMinSelfBondZero() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.minSelfBond = 0;
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingInvalidMinSelfBond.selector));
        _setParams(p);
    }

    function test_Revert_setParams_WhenDelegationRatioZero() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.maxDelegationRatio = 0;
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingInvalidDelegationRatio.selector));
        _setParams(p);
    }

    function testFuzz_setParams_RejectsUnbondingShorterThanDisputeWindow(uint64 unbondingDelay, uint64 disputeWindow)
        public
    {
        disputeWindow = uint64(bound(disputeWindow, 1 hours, 90 days));
        unbondingDelay = uint64(bound(unbondingDelay, 0, disputeWindow - 1));
        IAgentStaking.Params memory p = _defaultParams();
        p.unbondingDelay = unbondingDelay;
        p.disputeWindow = disputeWindow;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingUnbondingShorterThanDisputeWindow.selector, unbondingDelay, disputeWindow
            )
        );
        _setParams(p);
    }

    // ───────────────────────────── setTreasury ─────────────────────────────

    function test_setTreasury_UpdatesAndEmits() public {
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.TreasuryUpdated(treasury, stranger);
        vm.prank(admin);
        staking.setTreasury(stranger);
        assertEq(staking.treasury(), stranger);
    }

    function test_Revert_setTreasury_WhenNotParameterRole() public {
        bytes32 role = staking.PARAMETER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        staking.setTreasury(stranger);
    }

    function test_Revert_setTreasury_WhenZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingZeroAddress.selector));
        vm.prank(admin);
        staking.setTreasury(address(0));
    }

    // ───────────────────────────── views ─────────────────────────────

    function test_isActive_TracksActiveStakeAgainstMinStake() public {
        assertFalse(staking.isActive(agentId));
        uint256 shares = _delegate(alice, agentId, 999e18);
        assertFalse(staking.isActive(agentId));
        _delegate(bob, agentId, 1e18);
        assertTrue(staking.isActive(agentId));
        _unbond(alice, agentId, shares);
        assertFalse(staking.isActive(agentId), "unbonding stake does not count");
    }

    function test_isActive_UnknownAgentIsInactive() public view {
        assertFalse(staking.isActive(0));
        assertFalse(staking.isActive(2));
    }

    function test_isActive_ZeroMinStakeActiveWithoutStake() public {
        uint256 id = _register(alice, 0);
        assertTrue(staking.isActive(id));
    }

    function test_views_UnknownIdsReturnZeroes() public view {
        assertEq(_agent(42).operator, address(0));
        assertEq(staking.getUnbonding(42).delegator, address(0));
        assertEq(staking.previewWithdraw(42), 0);
        assertEq(uint8(staking.getDispute(42).status), uint8(IAgentStaking.DisputeStatus.None));
        assertEq(staking.openDisputeOf(42, alice), 0);
        assertEq(staking.disputeOfEvidence(42, EVIDENCE_HASH), 0);
        assertEq(staking.sharesOf(42, alice), 0);
        assertEq(staking.previewDelegate(42, 1), VIRTUAL_SHARES);
        // An empty pool converts at the initial rate of 10**6 shares per asset.
        assertEq(staking.convertToAssets(42, VIRTUAL_SHARES), 1);
    }

    /// @dev The staking contract's balance less the main agent's self-bond: what its pools and
    /// open dispute bonds hold.
    function _poolsHeld() internal view returns (uint256) {
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        (uint256 unvested,) = staking.rewardVesting(agentId);
        return token.balanceOf(address(staking)) - a.selfBond - a.selfBondUnbonding - unvested;
    }
}
