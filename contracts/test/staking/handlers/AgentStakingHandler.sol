// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {AgentStaking} from "../../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../../src/staking/IAgentStaking.sol";
import {StakingTestToken} from "../mocks/StakingTestToken.sol";

/// @dev Drives AgentStaking with several delegators, agents and disputers, skipping calls that
/// would revert, and keeps ghost totals of every token flow for the invariant suite. It also tries
/// the calls the rules forbid (a second open dispute by one disputer on one agent, reusing an
/// incident's evidence hash, an unbonding delay shorter than the dispute window) and counts any
/// that succeed.
/// `governance` holds ARBITER_ROLE and PARAMETER_ROLE.
contract AgentStakingHandler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant BPS = 10_000;

    AgentStaking public immutable staking;
    StakingTestToken public immutable token;
    address public immutable governance;
    address public immutable treasury;
    address public immutable rewarder;

    address[] internal _delegators;
    address[] internal _disputers;
    uint256[] internal _agentIds;
    uint256[] internal _pendingUnbondings;
    uint256[] internal _openDisputes;
    mapping(uint256 agentId => bytes32[]) internal _usedEvidence;
    uint256 internal _evidenceNonce;
    address internal immutable _sink;

    // Ghost totals of every token flow into and out of the staking contract.
    uint256 public ghostDelegated;
    uint256 public ghostRewards;
    uint256 public ghostWithdrawn;
    uint256 public ghostSlashed;
    uint256 public ghostBondsPosted;
    uint256 public ghostBondsReturned;
    uint256 public ghostBondsForfeited;
    uint256 public ghostDisputerRewards;
    uint256 public ghostTreasurySlashShare;

    // Slash checks made at the moment of each accepted dispute.
    uint256 public ghostAccepted;
    uint256 public ghostSlashCapViolations;
    uint256 public ghostSlashDisproportions;
    uint256 public ghostNonZeroUnbondingSlashes;

    // Forbidden calls that succeeded (must stay 0).
    uint256 public ghostDuplicateDisputesOpened;
    uint256 public ghostReusedEvidenceAccepted;
    uint256 public ghostShortUnbondingAccepted;
    // Allowed calls that reverted (must stay 0; the fuzzer ignores handler reverts).
    uint256 public ghostUnexpectedReverts;

    constructor(
        AgentStaking staking_,
        StakingTestToken token_,
        address governance_,
        address treasury_,
        address[] memory delegators_,
        address[] memory disputers_,
        uint256[] memory agentIds_
    ) {
        staking = staking_;
        token = token_;
        governance = governance_;
        treasury = treasury_;
        rewarder = makeAddr("rewarder");
        _sink = makeAddr("sink");
        _delegators = delegators_;
        _disputers = disputers_;
        _agentIds = agentIds_;
    }

    // ───────────────────────────── Actions ─────────────────────────────

    function delegate(uint256 actorSeed, uint256 agentSeed, uint256 assets) external {
        address who = _pick(_delegators, actorSeed);
        uint256 agentId = _pick(_agentIds, agentSeed);
        assets = bound(assets, 1, 1e24);
        try staking.previewDelegate(agentId, assets) returns (uint256 preview) {
            if (preview == 0) return;
        } catch {
            return; // share math overflow after repeated total wipe-outs of the pool
        }
        token.mint(who, assets);
        vm.startPrank(who);
        token.approve(address(staking), assets);
        staking.delegate(agentId, assets);
        vm.stopPrank();
        ghostDelegated += assets;
    }

    function unbond(uint256 actorSeed, uint256 agentSeed, uint256 fractionBps) external {
        address who = _pick(_delegators, actorSeed);
        uint256 agentId = _pick(_agentIds, agentSeed);
        uint256 shares = staking.sharesOf(agentId, who) * bound(fractionBps, 1, BPS) / BPS;
        if (shares == 0 || staking.convertToAssets(agentId, shares) == 0) return;
        vm.prank(who);
        _pendingUnbondings.push(staking.unbond(agentId, shares));
    }

    function withdraw(uint256 entrySeed) external {
        if (_pendingUnbondings.length == 0) return;
        uint256 index = entrySeed % _pendingUnbondings.length;
        uint256 unbondingId = _pendingUnbondings[index];
        IAgentStaking.Unbonding memory entry = staking.getUnbonding(unbondingId);
        if (staking.getAgent(entry.agentId).openDisputes != 0) return;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < entry.releaseAt) vm.warp(entry.releaseAt);
        vm.prank(entry.delegator);
        ghostWithdrawn += staking.withdraw(unbondingId);
        _removeAt(_pendingUnbondings, index);
    }

    function addRewards(uint256 agentSeed, uint256 amount) external {
        uint256 agentId = _pick(_agentIds, agentSeed);
        if (staking.getAgent(agentId).totalActiveShares == 0) return;
        amount = bound(amount, 1, 1e23);
        token.mint(rewarder, amount);
        vm.startPrank(rewarder);
        token.approve(address(staking), amount);
        staking.addRewards(agentId, amount);
        vm.stopPrank();
        ghostRewards += amount;
    }

    /// @dev Opens a dispute over a new incident, or (one time in four) over an incident already
    /// disputed; the latter, and a second open dispute by the same disputer on the same agent, must
    /// revert.
    function openDispute(uint256 disputerSeed, uint256 agentSeed, uint256 evidenceSeed) external {
        if (_openDisputes.length >= 4) return; // keep withdrawals possible most of the time
        address who = _pick(_disputers, disputerSeed);
        uint256 agentId = _pick(_agentIds, agentSeed);
        bytes32[] storage used = _usedEvidence[agentId];
        bool reuse = evidenceSeed % 4 == 0 && used.length != 0;
        bytes32 evidence = reuse ? used[evidenceSeed % used.length] : keccak256(abi.encode(++_evidenceNonce));
        bool duplicate = _hasOpenDispute(agentId, who);

        uint256 bond = staking.params().disputeBond;
        token.mint(who, bond);
        vm.startPrank(who);
        token.approve(address(staking), bond);
        try staking.openDispute(agentId, evidence, "ipfs://e") returns (uint256 disputeId) {
            _openDisputes.push(disputeId);
            ghostBondsPosted += bond;
            if (duplicate) ghostDuplicateDisputesOpened++;
            if (reuse) ghostReusedEvidenceAccepted++;
            if (!reuse) used.push(evidence);
        } catch {
            // Expected exactly for the forbidden cases; anything else is a bug.
            if (!duplicate && !reuse) ghostUnexpectedReverts++;
            token.approve(address(staking), 0);
            token.transfer(_sink, bond); // keep the disputers' balances equal to what the rules paid them
        }
        vm.stopPrank();
    }

    function acceptDispute(uint256 disputeSeed, uint256 slashBps) external {
        if (_openDisputes.length == 0) return;
        uint256 index = disputeSeed % _openDisputes.length;
        uint256 disputeId = _openDisputes[index];
        IAgentStaking.Dispute memory d = staking.getDispute(disputeId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= d.deadline) return;
        IAgentStaking.Params memory p = staking.params();
        uint16 bps = uint16(bound(slashBps, 1, p.slashCapBps));
        IAgentStaking.AgentInfo memory before = staking.getAgent(d.agentId);

        vm.prank(governance);
        staking.acceptDispute(disputeId, bps);

        IAgentStaking.AgentInfo memory afterSlash = staking.getAgent(d.agentId);
        uint256 slashedActive = before.totalActiveAssets - afterSlash.totalActiveAssets;
        uint256 slashedUnbonding = before.totalUnbondingAssets - afterSlash.totalUnbondingAssets;
        uint256 slashed = slashedActive + slashedUnbonding;
        if (slashed * BPS > (before.totalActiveAssets + before.totalUnbondingAssets) * p.slashCapBps) {
            ghostSlashCapViolations++;
        }
        if (
            slashedActive != before.totalActiveAssets * bps / BPS
                || slashedUnbonding != before.totalUnbondingAssets * bps / BPS
                || afterSlash.totalActiveShares != before.totalActiveShares
                || afterSlash.totalUnbondingShares != before.totalUnbondingShares
        ) ghostSlashDisproportions++;
        if (slashedUnbonding != 0) ghostNonZeroUnbondingSlashes++;

        uint256 reward = slashed * p.disputerRewardBps / BPS;
        ghostAccepted++;
        ghostSlashed += slashed;
        ghostDisputerRewards += reward;
        ghostTreasurySlashShare += slashed - reward;
        ghostBondsReturned += d.bond;
        _removeAt(_openDisputes, index);
    }

    function rejectDispute(uint256 disputeSeed) external {
        if (_openDisputes.length == 0) return;
        uint256 index = disputeSeed % _openDisputes.length;
        uint256 disputeId = _openDisputes[index];
        IAgentStaking.Dispute memory d = staking.getDispute(disputeId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= d.deadline) return;
        vm.prank(governance);
        staking.rejectDispute(disputeId);
        ghostBondsForfeited += d.bond;
        _removeAt(_openDisputes, index);
    }

    function expireDispute(uint256 disputeSeed) external {
        if (_openDisputes.length == 0) return;
        uint256 index = disputeSeed % _openDisputes.length;
        uint256 disputeId = _openDisputes[index];
        IAgentStaking.Dispute memory d = staking.getDispute(disputeId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < d.deadline) vm.warp(d.deadline);
        staking.expireDispute(disputeId);
        ghostBondsForfeited += d.bond; // an ignored dispute forfeits its bond like a rejected one
        _removeAt(_openDisputes, index);
    }

    function setParams(uint256 capSeed, uint256 rewardSeed, uint256 bondSeed) external {
        IAgentStaking.Params memory p = staking.params();
        p.slashCapBps = uint16(bound(capSeed, 1, BPS));
        p.disputerRewardBps = uint16(bound(rewardSeed, 0, BPS));
        p.disputeBond = bound(bondSeed, 0, 1_000e18);
        vm.prank(governance);
        staking.setParams(p);
    }

    /// @dev Sets the dispute window and unbonding delay; an unbonding delay shorter than the window
    /// must be refused.
    function setDelays(uint256 windowSeed, uint256 unbondingSeed) external {
        IAgentStaking.Params memory p = staking.params();
        p.disputeWindow = uint64(bound(windowSeed, 1 hours, 5 days));
        p.unbondingDelay = uint64(bound(unbondingSeed, 0, 10 days));
        vm.prank(governance);
        try staking.setParams(p) {
            if (p.unbondingDelay < p.disputeWindow) ghostShortUnbondingAccepted++;
        } catch {
            if (p.unbondingDelay >= p.disputeWindow) ghostUnexpectedReverts++;
        }
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 10 days));
    }

    // ───────────────────────────── Views for the invariants ─────────────────────────────

    function delegators() external view returns (address[] memory) {
        return _delegators;
    }

    function disputers() external view returns (address[] memory) {
        return _disputers;
    }

    function agentIds() external view returns (uint256[] memory) {
        return _agentIds;
    }

    function pendingUnbondings() external view returns (uint256[] memory) {
        return _pendingUnbondings;
    }

    function openDisputeIds() external view returns (uint256[] memory) {
        return _openDisputes;
    }

    // ───────────────────────────── Internal ─────────────────────────────

    /// @dev Whether `who` has an open dispute against the agent, from the handler's own list.
    function _hasOpenDispute(uint256 agentId, address who) internal view returns (bool) {
        for (uint256 i; i < _openDisputes.length; ++i) {
            IAgentStaking.Dispute memory d = staking.getDispute(_openDisputes[i]);
            if (d.agentId == agentId && d.disputer == who) return true;
        }
        return false;
    }

    function _pick(address[] storage list, uint256 seed) internal view returns (address) {
        return list[seed % list.length];
    }

    function _pick(uint256[] storage list, uint256 seed) internal view returns (uint256) {
        return list[seed % list.length];
    }

    function _removeAt(uint256[] storage list, uint256 index) internal {
        list[index] = list[list.length - 1];
        list.pop();
    }
}
