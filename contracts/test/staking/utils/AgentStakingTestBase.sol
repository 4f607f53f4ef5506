// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {AgentStaking} from "../../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../../src/staking/IAgentStaking.sol";
import {StakingTestToken} from "../mocks/StakingTestToken.sol";

/// @dev Shared fixture: a deployed AgentStaking with default params, a funded cast and helpers.
abstract contract AgentStakingTestBase is Test {
    uint64 internal constant UNBONDING_DELAY = 7 days;
    uint64 internal constant DISPUTE_WINDOW = 3 days;
    uint256 internal constant DISPUTE_BOND = 100e18;
    uint16 internal constant SLASH_CAP_BPS = 5_000;
    uint16 internal constant DISPUTER_REWARD_BPS = 2_000;
    uint256 internal constant VIRTUAL_SHARES = 1e6;
    /// @dev AgentStaking.MIN_POSITION_SHARES: a position holds no active shares or at least these.
    uint256 internal constant MIN_POSITION_SHARES = 1e12;
    /// @dev What the smallest position costs at the starting price (1 wei buys VIRTUAL_SHARES).
    uint256 internal constant MIN_POSITION_ASSETS = MIN_POSITION_SHARES / VIRTUAL_SHARES;
    uint256 internal constant MIN_SELF_BOND = 10e18;
    /// @dev Large in the unit suite so that the cap only matters where a test sets it lower.
    uint16 internal constant MAX_DELEGATION_RATIO = type(uint16).max;
    /// @dev The self-bond {_register} posts: the cap allows ~6.5M tokens of delegation.
    uint256 internal constant SELF_BOND = 100e18;
    /// @dev Rewards vest into the active pool over this period (the recommended default).
    uint64 internal constant REWARD_VESTING_PERIOD = 1 days;

    bytes32 internal constant SPEC_HASH = keccak256("agent-spec-v1");
    string internal constant METADATA_URI = "ipfs://agent-spec-v1";
    bytes32 internal constant EVIDENCE_HASH = keccak256("evidence");
    string internal constant EVIDENCE_URI = "ipfs://evidence";

    AgentStaking internal staking;
    StakingTestToken internal token;

    address internal admin = makeAddr("admin");
    address internal arbiter = makeAddr("arbiter");
    address internal treasury = makeAddr("treasury");
    address internal operator = makeAddr("operator");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal disputer = makeAddr("disputer");
    address internal stranger = makeAddr("stranger");

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        token = new StakingTestToken();
        staking = new AgentStaking(admin, token, treasury, _defaultParams());
        bytes32 arbiterRole = staking.ARBITER_ROLE();
        vm.prank(admin);
        staking.grantRole(arbiterRole, arbiter);
    }

    function _defaultParams() internal pure returns (IAgentStaking.Params memory) {
        return IAgentStaking.Params({
            unbondingDelay: UNBONDING_DELAY,
            disputeWindow: DISPUTE_WINDOW,
            disputeBond: DISPUTE_BOND,
            slashCapBps: SLASH_CAP_BPS,
            disputerRewardBps: DISPUTER_REWARD_BPS,
            minSelfBond: MIN_SELF_BOND,
            maxDelegationRatio: MAX_DELEGATION_RATIO,
            rewardVestingPeriod: REWARD_VESTING_PERIOD
        });
    }

    function _setParams(IAgentStaking.Params memory p) internal {
        vm.prank(admin);
        staking.setParams(p);
    }

    function _register(address who, uint256 minStake) internal returns (uint256 agentId) {
        agentId = _registerWithBond(who, minStake, SELF_BOND);
    }

    function _registerWithBond(address who, uint256 minStake, uint256 selfBond) internal returns (uint256 agentId) {
        _fund(who, selfBond);
        vm.prank(who);
        agentId = staking.registerAgent(SPEC_HASH, METADATA_URI, minStake, selfBond);
    }

    function _fund(address who, uint256 amount) internal {
        token.mint(who, amount);
        vm.prank(who);
        token.approve(address(staking), type(uint256).max);
    }

    function _delegate(address who, uint256 agentId, uint256 assets) internal returns (uint256 shares) {
        _fund(who, assets);
        vm.prank(who);
        shares = staking.delegate(agentId, assets);
    }

    function _unbond(address who, uint256 agentId, uint256 shares) internal returns (uint256 unbondingId) {
        vm.prank(who);
        unbondingId = staking.unbond(agentId, shares);
    }

    function _addRewards(address who, uint256 agentId, uint256 amount) internal {
        _fund(who, amount);
        vm.prank(who);
        staking.addRewards(agentId, amount);
    }

    /// @dev Adds rewards and lets them vest in full (for tests about a raised share price, which
    /// rewards reach only once vested).
    function _addVestedRewards(address who, uint256 agentId, uint256 amount) internal {
        _addRewards(who, agentId, amount);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);
    }

    /// @dev Opens a dispute over a fresh incident (an evidence hash never used before).
    function _openDispute(address who, uint256 agentId) internal returns (uint256 disputeId) {
        disputeId = _openDisputeWith(who, agentId, _freshEvidence());
    }

    function _openDisputeWith(address who, uint256 agentId, bytes32 evidenceHash) internal returns (uint256 disputeId) {
        _fund(who, staking.params().disputeBond);
        vm.prank(who);
        disputeId = staking.openDispute(agentId, evidenceHash, EVIDENCE_URI);
    }

    /// @dev An evidence hash unique to the next dispute id.
    function _freshEvidence() internal view returns (bytes32) {
        return keccak256(abi.encode(EVIDENCE_HASH, staking.disputeCount() + 1));
    }

    function _accept(uint256 disputeId, uint16 slashBps) internal {
        vm.prank(arbiter);
        staking.acceptDispute(disputeId, slashBps);
    }

    function _agent(uint256 agentId) internal view returns (IAgentStaking.AgentInfo memory) {
        return staking.getAgent(agentId);
    }
}
