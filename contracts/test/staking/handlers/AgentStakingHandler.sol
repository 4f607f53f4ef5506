// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";

import {AgentStaking} from "../../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../../src/staking/IAgentStaking.sol";
import {StakingTestToken} from "../mocks/StakingTestToken.sol";

/// @dev Drives AgentStaking with several delegators, agents (operated by `operator`, who also
/// delegates) and disputers, and keeps ghost totals of every token flow for the invariant suite.
/// It predicts from its own model which calls the rules forbid (a withdrawal a dispute covers, a
/// delegation while a dispute is open or above the cap, a second open dispute by one disputer on
/// one agent, a reused evidence hash, an unbonding delay shorter than the dispute window), tries
/// them anyway, and counts every call whose outcome differs from the prediction.
/// Every action tallies the reward events it caused (added and vested, per agent), and one action
/// plays issue 13's just-in-time delegator (delegate, rewards arrive, unbond in the same block).
/// `governance` holds ARBITER_ROLE and PARAMETER_ROLE.
contract AgentStakingHandler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant BPS = 10_000;

    AgentStaking public immutable staking;
    StakingTestToken public immutable token;
    address public immutable governance;
    address public immutable treasury;
    address public immutable operator;
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
    uint256 public ghostSelfBonded;
    uint256 public ghostSelfBondWithdrawn;
    uint256 public ghostSlashed;
    uint256 public ghostBondsPosted;
    uint256 public ghostBondsReturned;
    uint256 public ghostBondsForfeited;
    uint256 public ghostDisputerRewards;
    uint256 public ghostTreasurySlashShare;

    // Reach: how far the run got into the money paths.
    uint256 public ghostAccepted;
    uint256 public ghostNonZeroUnbondingSlashes;
    uint256 public ghostSelfBondSlashes;
    uint256 public ghostFrozenWithdrawalsRefused;
    uint256 public ghostWithdrawalsDuringDispute;

    // Slash checks made at the moment of each accepted dispute (must stay 0).
    uint256 public ghostSlashCapViolations;
    uint256 public ghostDelegatorsPaidFirst;
    uint256 public ghostRewardAboveOperatorLoss;
    uint256 public ghostSharesTouched;
    uint256 public ghostSnapshotMismatches;

    // Calls whose outcome differs from the rules (must stay 0).
    uint256 public ghostFrozenWithdrawals;
    uint256 public ghostLateDelegationsAccepted;
    uint256 public ghostCapExceededAccepted;
    uint256 public ghostDuplicateDisputesOpened;
    uint256 public ghostReusedEvidenceAccepted;
    uint256 public ghostShortUnbondingAccepted;
    uint256 public ghostDustPositionsAccepted;
    uint256 public ghostUnexpectedReverts;
    // Dust positions the rules refused (reach: the refusal path was exercised).
    uint256 public ghostDustPositionsRefused;

    // Rewards per agent as the events tell them, and the just-in-time delegator's exits that paid
    // more than it put in (must stay 0).
    mapping(uint256 agentId => uint256) public ghostRewardsAddedOf;
    mapping(uint256 agentId => uint256) public ghostRewardsVestedOf;
    uint256 public ghostJitExits;
    uint256 public ghostJitProfits;
    uint256 internal _depth;

    /// @dev Records the logs of the outermost action (actions call each other through `this`) and
    /// tallies its reward events.
    modifier tallied() {
        if (_depth++ == 0) vm.recordLogs();
        _;
        if (--_depth == 0) _tally(vm.getRecordedLogs());
    }

    constructor(
        AgentStaking staking_,
        StakingTestToken token_,
        address governance_,
        address treasury_,
        address operator_,
        address[] memory delegators_,
        address[] memory disputers_,
        uint256[] memory agentIds_
    ) {
        staking = staking_;
        token = token_;
        governance = governance_;
        treasury = treasury_;
        operator = operator_;
        rewarder = makeAddr("rewarder");
        _sink = makeAddr("sink");
        _delegators = delegators_;
        _disputers = disputers_;
        _agentIds = agentIds_;
    }

    /// @dev Counts the self-bonds posted at registration (before the handler existed).
    function recordInitialSelfBond(uint256 amount) external {
        ghostSelfBonded += amount;
    }

    // ───────────────────────────── Actions: stake ─────────────────────────────

    function delegate(uint256 actorSeed, uint256 agentSeed, uint256 assets) external tallied {
        address who = _pick(_delegators, actorSeed);
        uint256 agentId = _pick(_agentIds, agentSeed);
        IAgentStaking.AgentInfo memory a = staking.getAgent(agentId);
        uint256 cap = a.selfBond * staking.params().maxDelegationRatio;
        // Mostly within the cap (one time in eight anything up to twice it).
        uint256 room = cap > a.totalActiveAssets ? cap - a.totalActiveAssets : 0;
        assets = assets % 8 == 0 ? bound(assets, 1, 2 * cap + 1) : bound(assets, 1, room == 0 ? 1 : room);
        uint256 preview;
        try staking.previewDelegate(agentId, assets) returns (uint256 previewed) {
            preview = previewed;
        } catch {
            return; // share math overflow after repeated total wipe-outs of the pool
        }
        if (preview == 0) return;
        bool underDispute = a.openDisputes != 0;
        bool aboveCap = a.totalActiveAssets + assets > cap;
        // The preview prices exactly as the delegation will (it accrues the same rewards first).
        bool dust = staking.sharesOf(agentId, who) + preview < staking.minPositionShares(agentId);
        token.mint(who, assets);
        vm.startPrank(who);
        token.approve(address(staking), assets);
        _tallyNow();
        try staking.delegate(agentId, assets) {
            ghostDelegated += assets;
            if (underDispute) ghostLateDelegationsAccepted++;
            if (aboveCap) ghostCapExceededAccepted++;
            if (dust) ghostDustPositionsAccepted++;
        } catch {
            _discardLogs(); // a refused delegation accrues nothing (its RewardsVested was reverted)
            if (!underDispute && !aboveCap && !dust) ghostUnexpectedReverts++;
            if (dust) ghostDustPositionsRefused++;
            token.approve(address(staking), 0);
            token.transfer(_sink, assets); // keep delegators' balances equal to what the rules paid them
        }
        vm.stopPrank();
    }

    function unbond(uint256 actorSeed, uint256 agentSeed, uint256 fractionBps) external tallied {
        address who = _pick(_delegators, actorSeed);
        uint256 agentId = _pick(_agentIds, agentSeed);
        uint256 have = staking.sharesOf(agentId, who);
        uint256 shares = have * bound(fractionBps, 1, BPS) / BPS;
        if (shares == 0 || staking.convertToAssets(agentId, shares) == 0) return;
        if (have - shares != 0 && have - shares < staking.minPositionShares(agentId)) {
            // It would leave a dust position: must be refused.
            _tallyNow();
            vm.prank(who);
            try staking.unbond(agentId, shares) returns (uint256 unbondingId) {
                ghostDustPositionsAccepted++;
                _pendingUnbondings.push(unbondingId);
            } catch {
                _discardLogs();
                ghostDustPositionsRefused++;
            }
            return;
        }
        vm.prank(who);
        _pendingUnbondings.push(staking.unbond(agentId, shares));
    }

    /// @dev Withdraws an entry once released, whether or not a dispute covers it; a covered one
    /// must be refused.
    function withdraw(uint256 entrySeed) external tallied {
        if (_pendingUnbondings.length == 0) return;
        uint256 index = entrySeed % _pendingUnbondings.length;
        uint256 unbondingId = _pendingUnbondings[index];
        IAgentStaking.Unbonding memory entry = staking.getUnbonding(unbondingId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < entry.releaseAt) vm.warp(entry.releaseAt);
        bool frozen = _covered(entry.agentId, entry.releaseAt);
        bool disputed = staking.getAgent(entry.agentId).openDisputes != 0;
        vm.prank(entry.delegator);
        try staking.withdraw(unbondingId) returns (uint256 assets) {
            ghostWithdrawn += assets;
            if (frozen) ghostFrozenWithdrawals++;
            if (disputed) ghostWithdrawalsDuringDispute++;
            _removeAt(_pendingUnbondings, index);
        } catch {
            if (frozen) ghostFrozenWithdrawalsRefused++;
            else ghostUnexpectedReverts++;
        }
    }

    function addRewards(uint256 agentSeed, uint256 amount) external tallied {
        uint256 agentId = _pick(_agentIds, agentSeed);
        if (staking.getAgent(agentId).totalActiveShares == 0) return;
        amount = bound(amount, 1, 1e21);
        token.mint(rewarder, amount);
        vm.startPrank(rewarder);
        token.approve(address(staking), amount);
        staking.addRewards(agentId, amount);
        vm.stopPrank();
        ghostRewards += amount;
    }

    /// @dev Issue 13's attack: delegate just before rewards arrive and unbond the new shares in the
    /// same block. The exit must not be worth more than the deposit: nothing has vested yet.
    function jitDelegateAroundRewards(uint256 actorSeed, uint256 agentSeed, uint256 assets, uint256 amount)
        external
        tallied
    {
        address who = _pick(_delegators, actorSeed);
        uint256 agentId = _pick(_agentIds, agentSeed);
        IAgentStaking.AgentInfo memory a = staking.getAgent(agentId);
        uint256 cap = a.selfBond * staking.params().maxDelegationRatio;
        if (a.openDisputes != 0 || a.totalActiveAssets >= cap) return;
        assets = bound(assets, 1, cap - a.totalActiveAssets);
        try staking.previewDelegate(agentId, assets) returns (uint256 preview) {
            // A dust position is refused (the `delegate` action checks the refusal); here it
            // would stop the attack before it starts.
            if (preview == 0 || staking.sharesOf(agentId, who) + preview < staking.minPositionShares(agentId)) return;
        } catch {
            return; // share math overflow after repeated total wipe-outs of the pool
        }
        token.mint(who, assets);
        vm.startPrank(who);
        token.approve(address(staking), assets);
        uint256 shares = staking.delegate(agentId, assets);
        vm.stopPrank();
        ghostDelegated += assets;
        this.addRewards(agentSeed, amount);
        if (staking.convertToAssets(agentId, shares) == 0) return; // a wiped pool: nothing to take
        vm.prank(who);
        uint256 unbondingId = staking.unbond(agentId, shares);
        _pendingUnbondings.push(unbondingId);
        ghostJitExits++;
        if (staking.previewWithdraw(unbondingId) > assets) ghostJitProfits++;
    }

    // ───────────────────────────── Actions: self-bond ─────────────────────────────

    function addSelfBond(uint256 agentSeed, uint256 amount) external tallied {
        uint256 agentId = _pick(_agentIds, agentSeed);
        amount = bound(amount, 1, 100e18);
        token.mint(operator, amount);
        vm.startPrank(operator);
        token.approve(address(staking), amount);
        staking.addSelfBond(agentId, amount);
        vm.stopPrank();
        ghostSelfBonded += amount;
    }

    function unbondSelfBond(uint256 agentSeed, uint256 fractionBps) external tallied {
        uint256 agentId = _pick(_agentIds, agentSeed);
        uint256 amount = staking.getAgent(agentId).selfBond * bound(fractionBps, 1, BPS) / BPS;
        if (amount == 0) return;
        vm.prank(operator);
        staking.unbondSelfBond(agentId, amount);
    }

    function withdrawSelfBond(uint256 agentSeed) external tallied {
        uint256 agentId = _pick(_agentIds, agentSeed);
        IAgentStaking.AgentInfo memory a = staking.getAgent(agentId);
        if (a.selfBondUnbonding == 0) return;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < a.selfBondReleaseAt) vm.warp(a.selfBondReleaseAt);
        bool frozen = _covered(agentId, a.selfBondReleaseAt);
        vm.prank(operator);
        try staking.withdrawSelfBond(agentId) returns (uint256 amount) {
            ghostSelfBondWithdrawn += amount;
            if (frozen) ghostFrozenWithdrawals++;
        } catch {
            if (frozen) ghostFrozenWithdrawalsRefused++;
            else ghostUnexpectedReverts++;
        }
    }

    // ───────────────────────────── Actions: disputes ─────────────────────────────

    /// @dev Opens a dispute over a new incident, or (one time in four) over an incident already
    /// disputed; the latter, and a second open dispute by the same disputer on the same agent, must
    /// revert.
    function openDispute(uint256 disputerSeed, uint256 agentSeed, uint256 evidenceSeed) external tallied {
        if (_openDisputes.length >= 4) return; // keep withdrawals possible most of the time
        address who = _pick(_disputers, disputerSeed);
        uint256 agentId = _pick(_agentIds, agentSeed);
        bytes32[] storage used = _usedEvidence[agentId];
        bool reuse = evidenceSeed % 4 == 0 && used.length != 0;
        bytes32 evidence = reuse ? used[evidenceSeed % used.length] : keccak256(abi.encode(++_evidenceNonce));
        bool duplicate = _hasOpenDispute(agentId, who);
        IAgentStaking.AgentInfo memory a = staking.getAgent(agentId);

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
            IAgentStaking.Dispute memory d = staking.getDispute(disputeId);
            if (
                d.selfBondSnapshot != a.selfBond + a.selfBondUnbonding
                    || d.delegatedSnapshot != a.totalActiveAssets + a.totalUnbondingAssets
                    || d.openedAt != block.timestamp
            ) ghostSnapshotMismatches++;
        } catch {
            // Expected exactly for the forbidden cases; anything else is a bug.
            if (!duplicate && !reuse) ghostUnexpectedReverts++;
            token.approve(address(staking), 0);
            token.transfer(_sink, bond); // keep the disputers' balances equal to what the rules paid them
        }
        vm.stopPrank();
    }

    function acceptDispute(uint256 disputeSeed, uint256 slashBps) external tallied {
        if (_openDisputes.length == 0) return;
        uint256 index = disputeSeed % _openDisputes.length;
        uint256 disputeId = _openDisputes[index];
        IAgentStaking.Dispute memory d = staking.getDispute(disputeId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= d.deadline) return;
        IAgentStaking.Params memory p = staking.params();
        uint16 bps = uint16(bound(slashBps, 1, p.slashCapBps));
        IAgentStaking.AgentInfo memory before = staking.getAgent(d.agentId);
        uint256 disputerBefore = token.balanceOf(d.disputer);

        vm.prank(governance);
        staking.acceptDispute(disputeId, bps);

        IAgentStaking.AgentInfo memory afterSlash = staking.getAgent(d.agentId);
        uint256 fromSelf =
            before.selfBond + before.selfBondUnbonding - afterSlash.selfBond - afterSlash.selfBondUnbonding;
        uint256 slashedActive = before.totalActiveAssets - afterSlash.totalActiveAssets;
        uint256 slashedUnbonding = before.totalUnbondingAssets - afterSlash.totalUnbondingAssets;
        uint256 slashed = fromSelf + slashedActive + slashedUnbonding;
        uint256 reward = token.balanceOf(d.disputer) - disputerBefore - d.bond;

        if (slashed * BPS > (d.selfBondSnapshot + d.delegatedSnapshot) * p.slashCapBps) ghostSlashCapViolations++;
        if (slashedActive + slashedUnbonding != 0 && afterSlash.selfBond + afterSlash.selfBondUnbonding != 0) {
            ghostDelegatorsPaidFirst++;
        }
        if (reward > fromSelf) ghostRewardAboveOperatorLoss++;
        if (
            afterSlash.totalActiveShares != before.totalActiveShares
                || afterSlash.totalUnbondingShares != before.totalUnbondingShares
        ) ghostSharesTouched++;
        if (slashedUnbonding != 0) ghostNonZeroUnbondingSlashes++;
        if (fromSelf != 0) ghostSelfBondSlashes++;

        ghostAccepted++;
        ghostSlashed += slashed;
        ghostDisputerRewards += reward;
        ghostTreasurySlashShare += slashed - reward;
        ghostBondsReturned += d.bond;
        _removeAt(_openDisputes, index);
    }

    function rejectDispute(uint256 disputeSeed) external tallied {
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

    function drawDispute(uint256 disputeSeed) external tallied {
        if (_openDisputes.length == 0) return;
        uint256 index = disputeSeed % _openDisputes.length;
        uint256 disputeId = _openDisputes[index];
        IAgentStaking.Dispute memory d = staking.getDispute(disputeId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= d.deadline) return;
        vm.prank(governance);
        staking.drawDispute(disputeId);
        ghostBondsReturned += d.bond;
        _removeAt(_openDisputes, index);
    }

    function expireDispute(uint256 disputeSeed) external tallied {
        if (_openDisputes.length == 0) return;
        uint256 index = disputeSeed % _openDisputes.length;
        uint256 disputeId = _openDisputes[index];
        IAgentStaking.Dispute memory d = staking.getDispute(disputeId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < d.deadline) vm.warp(d.deadline);
        staking.expireDispute(disputeId);
        ghostBondsReturned += d.bond; // the arbiter's silence returns the bond
        _removeAt(_openDisputes, index);
    }

    /// @dev The path the reach target is about: a delegator with stake in the agent starts
    /// unbonding part of it, a dispute opens over the agent, and the arbiter slashes at once (the
    /// self-bond first, then the pools, the unbonding one included).
    function slashUnbondingStake(uint256 actorSeed, uint256 agentSeed, uint256 fractionBps, uint256 slashBps)
        external
        tallied
    {
        if (!_stakeAndUnbond(actorSeed, agentSeed, fractionBps)) return;
        (bool opened, uint256 index) = _openFreshDispute(agentSeed);
        if (opened) this.acceptDispute(index, slashBps);
    }

    /// @dev The freeze: a delegator starts unbonding, a dispute opens before the release, the
    /// released entry's withdrawal must be refused while the dispute is open, and goes through once
    /// the dispute closes (here: left to expire, which returns the bond).
    function withdrawCoveredEntry(uint256 actorSeed, uint256 agentSeed, uint256 fractionBps) external tallied {
        if (!_stakeAndUnbond(actorSeed, agentSeed, fractionBps)) return;
        uint256 entryIndex = _pendingUnbondings.length - 1;
        (bool opened, uint256 index) = _openFreshDispute(agentSeed);
        if (!opened) return;
        uint256 disputeId = _openDisputes[index];
        this.withdraw(entryIndex); // released by now, covered: refused
        this.expireDispute(_indexOf(_openDisputes, disputeId));
        if (entryIndex < _pendingUnbondings.length) this.withdraw(entryIndex);
    }

    /// @dev M1's fix: an entry already released when a dispute opens is not frozen by it.
    function withdrawReleasedDuringDispute(uint256 actorSeed, uint256 agentSeed, uint256 fractionBps) external tallied {
        if (!_stakeAndUnbond(actorSeed, agentSeed, fractionBps)) return;
        uint256 entryIndex = _pendingUnbondings.length - 1;
        vm.warp(staking.getUnbonding(_pendingUnbondings[entryIndex]).releaseAt);
        _openFreshDispute(agentSeed);
        this.withdraw(entryIndex);
    }

    // ───────────────────────────── Actions: governance and time ─────────────────────────────

    function setParams(uint256 capSeed, uint256 rewardSeed, uint256 bondSeed) external tallied {
        IAgentStaking.Params memory p = staking.params();
        p.rewardVestingPeriod = uint64(bound(rewardSeed >> 16, 1 hours, 30 days));
        p.slashCapBps = uint16(bound(capSeed, 1, BPS));
        p.disputerRewardBps = uint16(bound(rewardSeed, 0, BPS));
        p.disputeBond = bound(bondSeed, 1e18, 1_000e18);
        p.maxDelegationRatio = uint16(bound(capSeed >> 16, 1, 32));
        vm.prank(governance);
        staking.setParams(p);
    }

    /// @dev Sets the dispute window and unbonding delay; an unbonding delay shorter than the window
    /// must be refused.
    function setDelays(uint256 windowSeed, uint256 unbondingSeed) external tallied {
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

    function warp(uint256 secondsAhead) external tallied {
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

    /// @dev Tallies what was recorded so far, before a call that may revert: forge records the logs
    /// of reverted calls too, so those must be told apart ({_discardLogs}).
    function _tallyNow() internal {
        if (_depth != 0) _tally(vm.getRecordedLogs());
    }

    function _discardLogs() internal {
        if (_depth != 0) vm.getRecordedLogs();
    }

    function _tally(Vm.Log[] memory logs) internal {
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(staking)) continue;
            uint256 agentId = log.topics.length > 1 ? uint256(log.topics[1]) : 0;
            if (log.topics[0] == IAgentStaking.RewardsAdded.selector) {
                (uint256 amount,,) = abi.decode(log.data, (uint256, uint256, uint64));
                ghostRewardsAddedOf[agentId] += amount;
            } else if (log.topics[0] == IAgentStaking.RewardsVested.selector) {
                (uint256 amount,) = abi.decode(log.data, (uint256, uint256));
                ghostRewardsVestedOf[agentId] += amount;
            }
        }
    }

    /// @dev Makes sure `who` has stake in the agent (delegating when it has none), then unbonds a
    /// fraction of it; false when that was not possible.
    function _stakeAndUnbond(uint256 actorSeed, uint256 agentSeed, uint256 fractionBps) internal returns (bool) {
        address who = _pick(_delegators, actorSeed);
        uint256 agentId = _pick(_agentIds, agentSeed);
        if (staking.sharesOf(agentId, who) == 0) {
            this.delegate(actorSeed, agentSeed, bound(fractionBps, 1, BPS) * 7919e15 + 1);
        }
        uint256 before = _pendingUnbondings.length;
        this.unbond(actorSeed, agentSeed, fractionBps);
        return _pendingUnbondings.length != before;
    }

    /// @dev Opens a dispute over a new incident by a disputer with none open on the agent.
    function _openFreshDispute(uint256 agentSeed) internal returns (bool opened, uint256 index) {
        uint256 agentId = _pick(_agentIds, agentSeed);
        for (uint256 i; i < _disputers.length; ++i) {
            if (_hasOpenDispute(agentId, _disputers[i])) continue;
            uint256 before = _openDisputes.length;
            this.openDispute(i, agentSeed, 1); // evidenceSeed 1: always a new incident
            if (_openDisputes.length != before) return (true, _openDisputes.length - 1);
            return (false, 0);
        }
    }

    function _indexOf(uint256[] storage list, uint256 value) internal view returns (uint256 i) {
        while (list[i] != value) ++i;
    }

    /// @dev From the handler's own list: whether an open dispute of the agent covers a withdrawal
    /// released at `releaseAt` (it opened before the release).
    function _covered(uint256 agentId, uint64 releaseAt) internal view returns (bool) {
        for (uint256 i; i < _openDisputes.length; ++i) {
            IAgentStaking.Dispute memory d = staking.getDispute(_openDisputes[i]);
            if (d.agentId == agentId && d.openedAt < releaseAt) return true;
        }
        return false;
    }

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
