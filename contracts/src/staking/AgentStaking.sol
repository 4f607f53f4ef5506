// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IAgentStaking} from "./IAgentStaking.sol";
import {SharePool} from "./SharePool.sol";

/// @title AgentStaking
/// @notice Delegated, slashable stake behind Tributary agents.
/// @dev Each agent has two share pools (see {SharePool}): the ACTIVE pool, in which delegators
/// hold shares that gain value when rewards are added, and the UNBONDING pool, whose shares are
/// held by unbonding entries. Unbonding burns active shares and deposits their value into the
/// unbonding pool, so a slash, which removes the same fraction of assets from both pools without
/// touching shares, hits active and unbonding stake proportionally. Withdrawals are frozen while
/// the agent has any open dispute, so stake that could not yet be withdrawn when a dispute was
/// opened stays slashable until the dispute is accepted, rejected or expired. The unbonding delay
/// is never shorter than the dispute window.
///
/// Freezing is not free: a dispute's bond is lost unless the arbiter accepts it (rejected and
/// expired disputes both forfeit it to the treasury), a disputer holds at most one open dispute per
/// agent, and an evidence hash serves at most one dispute per agent, so one incident cannot be
/// stacked into several disputes each slashing up to the cap.
///
/// Pool assets are tracked in storage, never derived from `balanceOf`: tokens sent straight to
/// this contract are ignored by the accounting. Apart from such stray transfers, the token
/// balance equals the assets of all pools plus the bonds of all open disputes (an invariant of
/// the test suite). The token must be a plain ERC20 (no fee on transfer, no rebasing).
///
/// Functions follow checks-effects-interactions with the token transfer last, and every function
/// that moves tokens is `nonReentrant`.
///
/// Roles: `DEFAULT_ADMIN_ROLE` manages roles; `PARAMETER_ROLE` sets {Params} and the treasury;
/// `ARBITER_ROLE` accepts or rejects disputes. The constructor grants all three to `admin`.
contract AgentStaking is IAgentStaking, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SharePool for SharePool.Pool;

    /// @notice Role allowed to call {setParams} and {setTreasury}.
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");
    /// @notice Role allowed to call {acceptDispute} and {rejectDispute}.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");

    /// @notice Virtual-share offset of every pool: 10**6 virtual shares face 1 virtual asset.
    uint8 public constant DECIMALS_OFFSET = SharePool.DECIMALS_OFFSET;
    /// @notice Basis-point denominator and the largest slash cap / disputer reward share.
    uint16 public constant MAX_BPS = 10_000;
    // Time checks compare `block.timestamp` with delays of hours to months; the few seconds a
    // block producer can skew it do not matter at that scale.

    /// @notice Largest unbonding delay governance may set.
    uint64 public constant MAX_UNBONDING_DELAY = 365 days;
    /// @notice Shortest dispute window governance may set (the arbiter needs time to act).
    uint64 public constant MIN_DISPUTE_WINDOW = 1 hours;
    /// @notice Longest dispute window governance may set (bounds how long withdrawals freeze).
    uint64 public constant MAX_DISPUTE_WINDOW = 90 days;

    /// @dev Storage form of an agent; {getAgent} flattens it into an {AgentInfo}.
    struct Agent {
        address operator;
        uint64 openDisputes;
        bytes32 specHash;
        uint256 minStake;
        SharePool.Pool active;
        SharePool.Pool unbonding;
        string metadataURI;
    }

    IERC20 private immutable _token;
    address private _treasury;
    Params private _params;

    uint256 private _agentCount;
    uint256 private _unbondingCount;
    uint256 private _disputeCount;

    mapping(uint256 agentId => Agent) private _agents;
    mapping(uint256 agentId => mapping(address delegator => uint256)) private _shares;
    mapping(uint256 unbondingId => Unbonding) private _unbondings;
    mapping(uint256 disputeId => Dispute) private _disputes;
    mapping(uint256 agentId => mapping(address disputer => uint256 disputeId)) private _openDisputeOf;
    mapping(uint256 agentId => mapping(bytes32 evidenceHash => uint256 disputeId)) private _disputeOfEvidence;

    /// @notice Sets the token, treasury and parameters, and grants every role to `admin`.
    /// Emits a {TreasuryUpdated} and a {ParamsUpdated} event.
    /// @param admin Receives `DEFAULT_ADMIN_ROLE`, `PARAMETER_ROLE` and `ARBITER_ROLE` (the governance timelock).
    /// @param token_ The staking token.
    /// @param treasury_ Receives forfeited bonds and the treasury's share of slashes.
    /// @param initialParams Initial governance parameters (bounds as in {setParams}).
    constructor(address admin, IERC20 token_, address treasury_, Params memory initialParams) {
        if (admin == address(0) || address(token_) == address(0)) revert StakingZeroAddress();
        _token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMETER_ROLE, admin);
        _grantRole(ARBITER_ROLE, admin);
        _setTreasury(treasury_);
        _setParams(initialParams);
    }

    // ───────────────────────────── External: agents ─────────────────────────────

    /// @inheritdoc IAgentStaking
    function registerAgent(bytes32 specHash, string calldata metadataURI, uint256 minStake)
        external
        returns (uint256 agentId)
    {
        if (specHash == bytes32(0)) revert StakingZeroSpecHash();
        agentId = ++_agentCount;
        Agent storage agent = _agents[agentId];
        agent.operator = msg.sender;
        agent.specHash = specHash;
        agent.metadataURI = metadataURI;
        agent.minStake = minStake;
        emit AgentRegistered(agentId, msg.sender, specHash, metadataURI, minStake);
    }

    /// @inheritdoc IAgentStaking
    function updateAgent(uint256 agentId, bytes32 specHash, string calldata metadataURI) external {
        Agent storage agent = _operatedAgent(agentId);
        if (specHash == bytes32(0)) revert StakingZeroSpecHash();
        agent.specHash = specHash;
        agent.metadataURI = metadataURI;
        emit AgentUpdated(agentId, specHash, metadataURI);
    }

    /// @inheritdoc IAgentStaking
    function setMinStake(uint256 agentId, uint256 minStake) external {
        Agent storage agent = _operatedAgent(agentId);
        uint256 previous = agent.minStake;
        agent.minStake = minStake;
        emit MinStakeUpdated(agentId, previous, minStake);
    }

    /// @inheritdoc IAgentStaking
    function transferOperator(uint256 agentId, address newOperator) external {
        Agent storage agent = _operatedAgent(agentId);
        // address(0) marks a missing agent, so it can never become an operator.
        if (newOperator == address(0)) revert StakingZeroAddress();
        agent.operator = newOperator;
        emit OperatorTransferred(agentId, msg.sender, newOperator);
    }

    // ───────────────────────────── External: stake ─────────────────────────────

    /// @inheritdoc IAgentStaking
    function delegate(uint256 agentId, uint256 assets) external nonReentrant returns (uint256 shares) {
        Agent storage agent = _existingAgent(agentId);
        if (assets == 0) revert StakingZeroAmount();
        shares = agent.active.deposit(assets);
        if (shares == 0) revert StakingZeroSharesMinted(agentId, assets);
        _shares[agentId][msg.sender] += shares;
        emit StakeDelegated(agentId, msg.sender, assets, shares);
        _token.safeTransferFrom(msg.sender, address(this), assets);
    }

    /// @inheritdoc IAgentStaking
    function unbond(uint256 agentId, uint256 shares) external nonReentrant returns (uint256 unbondingId) {
        Agent storage agent = _existingAgent(agentId);
        if (shares == 0) revert StakingZeroAmount();
        uint256 have = _shares[agentId][msg.sender];
        if (have < shares) revert StakingInsufficientShares(have, shares);
        // Cannot underflow: checked just above.
        unchecked {
            _shares[agentId][msg.sender] = have - shares;
        }
        uint256 assets = agent.active.redeem(shares);
        if (assets == 0) revert StakingZeroAssetsUnbonded(agentId, shares);
        uint256 unbondingShares = agent.unbonding.deposit(assets);
        // Defensive: no rewards go to the unbonding pool and only rounding dust can raise its
        // share price, so a non-zero deposit buys shares in practice.
        if (unbondingShares == 0) revert StakingZeroSharesMinted(agentId, assets);

        uint64 releaseAt = uint64(block.timestamp) + _params.unbondingDelay;
        unbondingId = ++_unbondingCount;
        _unbondings[unbondingId] =
            Unbonding({agentId: agentId, delegator: msg.sender, releaseAt: releaseAt, shares: unbondingShares});
        emit UnbondingStarted(unbondingId, agentId, msg.sender, shares, assets, unbondingShares, releaseAt);
    }

    /// @inheritdoc IAgentStaking
    function withdraw(uint256 unbondingId) external nonReentrant returns (uint256 assets) {
        Unbonding memory entry = _unbondings[unbondingId];
        if (entry.delegator == address(0)) revert StakingUnknownUnbonding(unbondingId);
        if (entry.delegator != msg.sender) revert StakingNotDelegator(unbondingId, msg.sender);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < entry.releaseAt) revert StakingUnbondingNotReleased(unbondingId, entry.releaseAt);
        Agent storage agent = _agents[entry.agentId];
        if (agent.openDisputes != 0) revert StakingAgentUnderDispute(entry.agentId, agent.openDisputes);

        delete _unbondings[unbondingId];
        assets = agent.unbonding.redeem(entry.shares);
        emit StakeWithdrawn(unbondingId, entry.agentId, msg.sender, entry.shares, assets);
        if (assets != 0) _token.safeTransfer(msg.sender, assets);
    }

    /// @inheritdoc IAgentStaking
    function addRewards(uint256 agentId, uint256 amount) external nonReentrant {
        Agent storage agent = _existingAgent(agentId);
        if (amount == 0) revert StakingZeroAmount();
        // With no shares the rewards would be stranded (owned by the virtual shares only).
        if (agent.active.shares == 0) revert StakingNoDelegators(agentId);
        agent.active.donate(amount);
        emit RewardsAdded(agentId, msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    // ───────────────────────────── External: disputes ─────────────────────────────

    /// @inheritdoc IAgentStaking
    function openDispute(uint256 agentId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        Agent storage agent = _existingAgent(agentId);
        if (evidenceHash == bytes32(0)) revert StakingZeroEvidenceHash();
        uint256 openId = _openDisputeOf[agentId][msg.sender];
        if (openId != 0) revert StakingDisputerHasOpenDispute(agentId, msg.sender, openId);
        uint256 usedBy = _disputeOfEvidence[agentId][evidenceHash];
        if (usedBy != 0) revert StakingEvidenceAlreadyUsed(agentId, evidenceHash, usedBy);

        uint256 bond = _params.disputeBond;
        uint64 deadline = uint64(block.timestamp) + _params.disputeWindow;
        disputeId = ++_disputeCount;
        _openDisputeOf[agentId][msg.sender] = disputeId;
        _disputeOfEvidence[agentId][evidenceHash] = disputeId;
        Dispute storage dispute = _disputes[disputeId];
        dispute.agentId = agentId;
        dispute.disputer = msg.sender;
        dispute.deadline = deadline;
        dispute.status = DisputeStatus.Open;
        dispute.bond = bond;
        dispute.evidenceHash = evidenceHash;
        dispute.evidenceURI = evidenceURI;
        agent.openDisputes += 1;
        emit DisputeOpened(disputeId, agentId, msg.sender, bond, deadline, evidenceHash, evidenceURI);
        if (bond != 0) _token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IAgentStaking
    function acceptDispute(uint256 disputeId, uint16 slashBps) external onlyRole(ARBITER_ROLE) nonReentrant {
        Dispute storage dispute = _arbitrableDispute(disputeId);
        uint16 cap = _params.slashCapBps;
        if (slashBps == 0 || slashBps > cap) revert StakingSlashBpsOutOfRange(slashBps, cap);

        uint256 agentId = dispute.agentId;
        (uint256 slashedActive, uint256 slashedUnbonding) = _slash(agentId, disputeId, slashBps);
        uint256 slashed = slashedActive + slashedUnbonding;
        uint256 disputerReward = Math.mulDiv(slashed, _params.disputerRewardBps, MAX_BPS);
        uint256 treasuryAmount = slashed - disputerReward;

        dispute.status = DisputeStatus.Accepted;
        dispute.slashBps = slashBps;
        dispute.slashed = slashed;
        address disputer = dispute.disputer;
        _closeDispute(agentId, disputer);
        emit DisputeAccepted(
            disputeId, agentId, disputer, slashBps, slashedActive, slashedUnbonding, disputerReward, treasuryAmount
        );

        uint256 toDisputer = disputerReward + dispute.bond;
        if (toDisputer != 0) _token.safeTransfer(disputer, toDisputer);
        if (treasuryAmount != 0) _token.safeTransfer(_treasury, treasuryAmount);
    }

    /// @inheritdoc IAgentStaking
    function rejectDispute(uint256 disputeId) external onlyRole(ARBITER_ROLE) nonReentrant {
        Dispute storage dispute = _arbitrableDispute(disputeId);
        dispute.status = DisputeStatus.Rejected;
        _closeDispute(dispute.agentId, dispute.disputer);
        uint256 bond = dispute.bond;
        emit DisputeRejected(disputeId, dispute.agentId, bond);
        if (bond != 0) _token.safeTransfer(_treasury, bond);
    }

    /// @inheritdoc IAgentStaking
    function expireDispute(uint256 disputeId) external nonReentrant {
        Dispute storage dispute = _openDispute(disputeId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < dispute.deadline) revert StakingDisputeWindowOpen(disputeId, dispute.deadline);
        dispute.status = DisputeStatus.Expired;
        uint256 agentId = dispute.agentId;
        _closeDispute(agentId, dispute.disputer);
        uint256 bond = dispute.bond;
        // The bond is forfeited as for a rejection; `bondReturned` stays in the event, always 0.
        emit DisputeBondForfeited(disputeId, agentId, bond);
        emit DisputeExpired(disputeId, agentId, 0);
        if (bond != 0) _token.safeTransfer(_treasury, bond);
    }

    // ───────────────────────────── External: governance ─────────────────────────────

    /// @inheritdoc IAgentStaking
    function setParams(Params calldata newParams) external onlyRole(PARAMETER_ROLE) {
        _setParams(newParams);
    }

    /// @inheritdoc IAgentStaking
    function setTreasury(address newTreasury) external onlyRole(PARAMETER_ROLE) {
        _setTreasury(newTreasury);
    }

    // ───────────────────────────── Internal ─────────────────────────────

    /// @dev Removes `slashBps` of both pools' assets (each rounded down, so the total is at most
    /// `slashBps` of the agent's total stake).
    /// Emits a {Slashed} event.
    function _slash(uint256 agentId, uint256 disputeId, uint16 slashBps)
        internal
        returns (uint256 slashedActive, uint256 slashedUnbonding)
    {
        Agent storage agent = _agents[agentId];
        slashedActive = agent.active.slash(slashBps);
        slashedUnbonding = agent.unbonding.slash(slashBps);
        emit Slashed(agentId, disputeId, slashedActive, slashedUnbonding, agent.active.assets, agent.unbonding.assets);
    }

    /// @dev Decrements the agent's open-dispute counter and frees the disputer's open-dispute slot
    /// (the evidence hash stays used).
    function _closeDispute(uint256 agentId, address disputer) internal {
        // Cannot underflow: every open dispute incremented the counter once and is closed once.
        unchecked {
            _agents[agentId].openDisputes -= 1;
        }
        delete _openDisputeOf[agentId][disputer];
    }

    /// @dev Validates and stores the parameters.
    /// Emits a {ParamsUpdated} event.
    function _setParams(Params memory newParams) internal {
        if (newParams.unbondingDelay > MAX_UNBONDING_DELAY) {
            revert StakingInvalidUnbondingDelay(newParams.unbondingDelay, MAX_UNBONDING_DELAY);
        }
        if (newParams.disputeWindow < MIN_DISPUTE_WINDOW || newParams.disputeWindow > MAX_DISPUTE_WINDOW) {
            revert StakingInvalidDisputeWindow(newParams.disputeWindow, MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW);
        }
        if (newParams.unbondingDelay < newParams.disputeWindow) {
            revert StakingUnbondingShorterThanDisputeWindow(newParams.unbondingDelay, newParams.disputeWindow);
        }
        if (newParams.slashCapBps == 0 || newParams.slashCapBps > MAX_BPS) {
            revert StakingInvalidSlashCap(newParams.slashCapBps, MAX_BPS);
        }
        if (newParams.disputerRewardBps > MAX_BPS) {
            revert StakingInvalidDisputerReward(newParams.disputerRewardBps, MAX_BPS);
        }
        _params = newParams;
        emit ParamsUpdated(newParams);
    }

    /// @dev Stores a non-zero treasury.
    /// Emits a {TreasuryUpdated} event.
    function _setTreasury(address newTreasury) internal {
        if (newTreasury == address(0)) revert StakingZeroAddress();
        emit TreasuryUpdated(_treasury, newTreasury);
        _treasury = newTreasury;
    }

    /// @dev The agent, which must exist.
    function _existingAgent(uint256 agentId) internal view returns (Agent storage agent) {
        agent = _agents[agentId];
        if (agent.operator == address(0)) revert StakingUnknownAgent(agentId);
    }

    /// @dev The agent, which must exist and be operated by the caller.
    function _operatedAgent(uint256 agentId) internal view returns (Agent storage agent) {
        agent = _existingAgent(agentId);
        if (agent.operator != msg.sender) revert StakingNotOperator(agentId, msg.sender);
    }

    /// @dev The dispute, which must exist and be open.
    function _openDispute(uint256 disputeId) internal view returns (Dispute storage dispute) {
        dispute = _disputes[disputeId];
        DisputeStatus status = dispute.status;
        if (status == DisputeStatus.None) revert StakingUnknownDispute(disputeId);
        if (status != DisputeStatus.Open) revert StakingDisputeNotOpen(disputeId, status);
    }

    /// @dev The dispute, which must be open with its deadline not yet reached.
    function _arbitrableDispute(uint256 disputeId) internal view returns (Dispute storage dispute) {
        dispute = _openDispute(disputeId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= dispute.deadline) revert StakingDisputeWindowClosed(disputeId, dispute.deadline);
    }

    // ───────────────────────────── Views ─────────────────────────────

    /// @inheritdoc IAgentStaking
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @inheritdoc IAgentStaking
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IAgentStaking
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IAgentStaking
    function agentCount() external view returns (uint256) {
        return _agentCount;
    }

    /// @inheritdoc IAgentStaking
    function unbondingCount() external view returns (uint256) {
        return _unbondingCount;
    }

    /// @inheritdoc IAgentStaking
    function disputeCount() external view returns (uint256) {
        return _disputeCount;
    }

    /// @inheritdoc IAgentStaking
    function getAgent(uint256 agentId) external view returns (AgentInfo memory) {
        Agent storage agent = _agents[agentId];
        return AgentInfo({
            operator: agent.operator,
            openDisputes: agent.openDisputes,
            specHash: agent.specHash,
            metadataURI: agent.metadataURI,
            minStake: agent.minStake,
            totalActiveAssets: agent.active.assets,
            totalActiveShares: agent.active.shares,
            totalUnbondingAssets: agent.unbonding.assets,
            totalUnbondingShares: agent.unbonding.shares
        });
    }

    /// @inheritdoc IAgentStaking
    function isActive(uint256 agentId) external view returns (bool) {
        Agent storage agent = _agents[agentId];
        return agent.operator != address(0) && agent.active.assets >= agent.minStake;
    }

    /// @inheritdoc IAgentStaking
    function sharesOf(uint256 agentId, address delegator) external view returns (uint256) {
        return _shares[agentId][delegator];
    }

    /// @inheritdoc IAgentStaking
    function previewDelegate(uint256 agentId, uint256 assets) external view returns (uint256) {
        return _agents[agentId].active.toShares(assets);
    }

    /// @inheritdoc IAgentStaking
    function convertToAssets(uint256 agentId, uint256 shares) external view returns (uint256) {
        return _agents[agentId].active.toAssets(shares);
    }

    /// @inheritdoc IAgentStaking
    function getUnbonding(uint256 unbondingId) external view returns (Unbonding memory) {
        return _unbondings[unbondingId];
    }

    /// @inheritdoc IAgentStaking
    function previewWithdraw(uint256 unbondingId) external view returns (uint256) {
        Unbonding storage entry = _unbondings[unbondingId];
        if (entry.delegator == address(0)) return 0;
        return _agents[entry.agentId].unbonding.toAssets(entry.shares);
    }

    /// @inheritdoc IAgentStaking
    function getDispute(uint256 disputeId) external view returns (Dispute memory) {
        return _disputes[disputeId];
    }

    /// @inheritdoc IAgentStaking
    function openDisputeOf(uint256 agentId, address disputer) external view returns (uint256) {
        return _openDisputeOf[agentId][disputer];
    }

    /// @inheritdoc IAgentStaking
    function disputeOfEvidence(uint256 agentId, bytes32 evidenceHash) external view returns (uint256) {
        return _disputeOfEvidence[agentId][evidenceHash];
    }
}
