// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IAgentStaking} from "./IAgentStaking.sol";
import {RewardVesting} from "./RewardVesting.sol";
import {SharePool} from "./SharePool.sol";

/// @title AgentStaking
/// @notice Delegated, slashable stake behind Tributary agents, with an operator self-bond that is
/// slashed first, receipt-backed disputes and the agents' signer and spec histories.
/// @dev Each agent has an operator SELF-BOND (plain amounts, no shares: bonded and unbonding) and
/// two share pools (see {SharePool}) for delegators: the ACTIVE pool, whose shares gain value as
/// rewards vest into it, and the UNBONDING pool, whose shares are held by unbonding entries.
/// Unbonding burns active shares and deposits their value into the unbonding pool, so a slash of
/// the pools, which removes the same fraction of assets from both without touching shares, hits
/// active and unbonding stake proportionally.
///
/// Rewards VEST into the active pool linearly over `rewardVestingPeriod` (see {RewardVesting}):
/// rewards that raised the share price on arrival would go to whoever held shares at that moment,
/// so anyone could delegate just before rewards land (AttributionSettlement lets anyone move an
/// agent's stakers' leaf) and unbond right after with a share of what others earned. Vesting pays
/// rewards to the stake held, slashable, through the vesting window. Every function that reads or
/// changes the active pool's price or shares first accrues what vested since the last accrual
/// ({_accrueRewards}); the views count it too, so previews match execution. Unvested rewards are
/// not stake: a slash does not take them and a dispute's snapshot does not count them.
///
/// A dispute takes a SNAPSHOT of the agent's stake when it opens (self-bond and pools); the slash
/// cap applies to the snapshot, and a slash takes the operator's self-bond first and only the rest
/// from the pools. Delegations are refused while a dispute is open, so no stake that arrives after
/// the snapshot can be slashed for it. A dispute freezes only what it covers: unbonding entries
/// (and unbonding self-bond) that were not yet withdrawable when it opened. The unbonding delay is
/// never shorter than the dispute window. The disputer's reward is paid from the self-bond's loss only.
///
/// Disputes need a bond of at least `MIN_DISPUTE_BOND`, lost if the arbiter rejects the dispute and
/// returned if it accepts it, draws it, or lets the window pass (the disputer is not punished for
/// the arbiter's silence). A disputer holds at most one open dispute per agent, and an evidence hash
/// (a receipt's EIP-712 digest for {openDisputeWithReceipt}) serves at most one dispute per agent.
///
/// Pool assets and self-bonds are tracked in storage, never derived from `balanceOf`: tokens sent
/// straight to this contract are ignored by the accounting. Apart from such stray transfers, the
/// token balance equals the assets of all pools plus all self-bonds plus the unvested rewards plus
/// the bonds of all open disputes (an invariant of the test suite). The token must be a plain ERC20 (no fee on
/// transfer, no rebasing).
///
/// Functions follow checks-effects-interactions with the token transfer last, and every function
/// that moves tokens is `nonReentrant`.
///
/// Roles: `DEFAULT_ADMIN_ROLE` manages roles; `PARAMETER_ROLE` sets {Params}, the treasury and the
/// pool's usage signers; `ARBITER_ROLE` accepts, rejects or draws disputes. The constructor grants
/// all three to `admin`.
contract AgentStaking is IAgentStaking, AccessControl, ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;
    using SharePool for SharePool.Pool;
    using RewardVesting for RewardVesting.Schedule;
    using Checkpoints for Checkpoints.Trace208;
    using EnumerableSet for EnumerableSet.UintSet;

    /// @notice Role allowed to call {setParams}, {setTreasury} and {setPoolSigner}.
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");
    /// @notice Role allowed to call {acceptDispute}, {rejectDispute} and {drawDispute}.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");

    /// @notice The EIP-712 type hash of {Receipt}, exactly as `schema/receipt.md` pins it.
    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(bytes32 requestId,uint256 agentId,bytes32 specHash,address payer,uint256 price,uint32 tokensIn,"
        "uint32 tokensOut,uint16 policyVersion,uint64 issuedAt,bytes32 adaptersHash,bytes32 retrievalHash,"
        "bytes32 citationsHash,bytes32 spansHash,bytes32 usageDigest)"
    );

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
    /// @notice Smallest dispute bond governance may set (1 token of 18 decimals): disputes, and the
    /// freezes they cause, are never free.
    uint256 public constant MIN_DISPUTE_BOND = 1e18;
    /// @notice Shortest reward vesting period governance may set: long enough that joining just
    /// before rewards arrive means holding slashable stake for a while to earn them.
    uint64 public constant MIN_REWARD_VESTING_PERIOD = 1 hours;
    /// @notice Longest reward vesting period governance may set (bounds how long stakers wait).
    uint64 public constant MAX_REWARD_VESTING_PERIOD = 30 days;
    /// @notice Fewest active shares a position may hold, unless it holds none: 10**6 times the
    /// pool's virtual shares. A position of a few wei holds as many shares as the virtual ones,
    /// so rewards donated to a pool held only by it went half to the virtual shares, stranded
    /// for good, and dust kept a pool "non-empty" so that vesting never paused. At the starting
    /// price this minimum costs 10**6 wei.
    uint256 public constant MIN_POSITION_SHARES = 10 ** (2 * DECIMALS_OFFSET);
    /// @notice Value at which the minimum position stops growing with the share price: a position
    /// worth 1 token is always large enough. Without it, anyone who raised the price (a donation
    /// through addRewards, or staker rewards earned by a tiny first position) made the smallest
    /// position cost about what the price rose by, and that price stays while any position
    /// does, long after the one who raised it left (issue 13's attack review).
    uint256 public constant MIN_POSITION_VALUE = 1e18;

    /// @dev Storage form of an agent; {getAgent} flattens it into an {AgentInfo}.
    struct Agent {
        address operator;
        uint64 selfBondReleaseAt;
        bytes32 specHash;
        uint256 minStake;
        SharePool.Pool active;
        SharePool.Pool unbonding;
        string metadataURI;
        uint256 selfBond;
        uint256 selfBondUnbonding;
        RewardVesting.Schedule rewards;
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
    mapping(uint256 agentId => EnumerableSet.UintSet) private _openDisputes;
    mapping(uint256 agentId => mapping(address disputer => uint256 disputeId)) private _openDisputeOf;
    mapping(uint256 agentId => mapping(bytes32 evidenceHash => uint256 disputeId)) private _disputeOfEvidence;
    /// @dev Per agent and signer: unix time => 1 (authorized) or 0 (revoked).
    mapping(uint256 agentId => mapping(address signer => Checkpoints.Trace208)) private _agentSigners;
    /// @dev Per pool signer: unix time => 1 (authorized) or 0 (revoked).
    mapping(address signer => Checkpoints.Trace208) private _poolSigners;
    /// @dev Per agent: block number => version (1-based index into `_specHashes`).
    mapping(uint256 agentId => Checkpoints.Trace208) private _specHistory;
    mapping(uint256 agentId => bytes32[]) private _specHashes;

    /// @notice Sets the token, treasury and parameters, and grants every role to `admin`.
    /// Emits a {TreasuryUpdated} and a {ParamsUpdated} event.
    /// @param admin Receives `DEFAULT_ADMIN_ROLE`, `PARAMETER_ROLE` and `ARBITER_ROLE` (the governance timelock).
    /// @param token_ The staking token.
    /// @param treasury_ Receives forfeited bonds and the treasury's share of slashes.
    /// @param initialParams Initial governance parameters (bounds as in {setParams}).
    constructor(address admin, IERC20 token_, address treasury_, Params memory initialParams) EIP712("Tributary", "1") {
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
    function registerAgent(bytes32 specHash, string calldata metadataURI, uint256 minStake, uint256 selfBond)
        external
        nonReentrant
        returns (uint256 agentId)
    {
        if (specHash == bytes32(0)) revert StakingZeroSpecHash();
        uint256 minSelfBond = _params.minSelfBond;
        if (selfBond < minSelfBond) revert StakingSelfBondTooLow(selfBond, minSelfBond);
        agentId = ++_agentCount;
        Agent storage agent = _agents[agentId];
        agent.operator = msg.sender;
        agent.specHash = specHash;
        agent.metadataURI = metadataURI;
        agent.minStake = minStake;
        agent.selfBond = selfBond;
        emit AgentRegistered(agentId, msg.sender, specHash, metadataURI, minStake);
        _recordSpecHash(agentId, specHash);
        emit SelfBondAdded(agentId, msg.sender, selfBond, selfBond);
        _token.safeTransferFrom(msg.sender, address(this), selfBond);
    }

    /// @inheritdoc IAgentStaking
    function updateAgent(uint256 agentId, bytes32 specHash, string calldata metadataURI) external {
        Agent storage agent = _operatedAgent(agentId);
        if (specHash == bytes32(0)) revert StakingZeroSpecHash();
        agent.specHash = specHash;
        agent.metadataURI = metadataURI;
        emit AgentUpdated(agentId, specHash, metadataURI);
        _recordSpecHash(agentId, specHash);
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

    /// @inheritdoc IAgentStaking
    function addSelfBond(uint256 agentId, uint256 amount) external nonReentrant {
        Agent storage agent = _operatedAgent(agentId);
        if (amount == 0) revert StakingZeroAmount();
        uint256 selfBond = agent.selfBond + amount;
        agent.selfBond = selfBond;
        emit SelfBondAdded(agentId, msg.sender, amount, selfBond);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IAgentStaking
    function unbondSelfBond(uint256 agentId, uint256 amount) external {
        Agent storage agent = _operatedAgent(agentId);
        if (amount == 0) revert StakingZeroAmount();
        uint256 have = agent.selfBond;
        if (have < amount) revert StakingInsufficientSelfBond(have, amount);
        // Cannot underflow: checked just above.
        unchecked {
            agent.selfBond = have - amount;
        }
        uint256 unbonding = agent.selfBondUnbonding + amount;
        uint64 releaseAt = uint64(block.timestamp) + _params.unbondingDelay;
        agent.selfBondUnbonding = unbonding;
        agent.selfBondReleaseAt = releaseAt;
        emit SelfBondUnbonding(agentId, msg.sender, amount, unbonding, releaseAt);
    }

    /// @inheritdoc IAgentStaking
    function withdrawSelfBond(uint256 agentId) external nonReentrant returns (uint256 amount) {
        Agent storage agent = _operatedAgent(agentId);
        amount = agent.selfBondUnbonding;
        if (amount == 0) revert StakingNoSelfBondUnbonding(agentId);
        uint64 releaseAt = agent.selfBondReleaseAt;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < releaseAt) revert StakingUnbondingNotReleased(0, releaseAt);
        uint256 covering = _coveringDispute(agentId, releaseAt);
        if (covering != 0) revert StakingWithdrawalFrozen(agentId, covering);
        agent.selfBondUnbonding = 0;
        emit SelfBondWithdrawn(agentId, msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IAgentStaking
    function setAgentSigner(uint256 agentId, address signer, bool authorized) external {
        _operatedAgent(agentId);
        uint48 since = _setSigner(_agentSigners[agentId][signer], signer, authorized);
        emit AgentSignerSet(agentId, signer, authorized, since);
    }

    // ───────────────────────────── External: stake ─────────────────────────────

    /// @inheritdoc IAgentStaking
    function delegate(uint256 agentId, uint256 assets) external nonReentrant returns (uint256 shares) {
        Agent storage agent = _existingAgent(agentId);
        if (assets == 0) revert StakingZeroAmount();
        uint256 open = _openDisputes[agentId].length();
        // casting to 'uint64' is safe because each open dispute holds a bond of at least 1 token.
        // forge-lint: disable-next-line(unsafe-typecast)
        if (open != 0) revert StakingAgentUnderDispute(agentId, uint64(open));
        _accrueRewards(agentId, agent);
        uint256 activeAfter = agent.active.assets + assets;
        uint256 cap = agent.selfBond * _params.maxDelegationRatio;
        if (activeAfter > cap) revert StakingDelegationCapExceeded(agentId, cap, activeAfter);
        uint256 minimum = _minPositionShares(agent.active);
        shares = agent.active.deposit(assets);
        if (shares == 0) revert StakingZeroSharesMinted(agentId, assets);
        uint256 position = _shares[agentId][msg.sender] + shares;
        if (position < minimum) revert StakingPositionTooSmall(position, minimum);
        _shares[agentId][msg.sender] = position;
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
        uint256 left;
        unchecked {
            left = have - shares;
        }
        _accrueRewards(agentId, agent);
        if (left != 0) {
            uint256 minimum = _minPositionShares(agent.active);
            if (left < minimum) revert StakingPositionTooSmall(left, minimum);
        }
        _shares[agentId][msg.sender] = left;
        uint256 assets = agent.active.redeem(shares);
        if (assets == 0) revert StakingZeroAssetsUnbonded(agentId, shares);
        if (agent.active.shares == 0) _recycleStranded(agentId, agent);
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
        uint256 covering = _coveringDispute(entry.agentId, entry.releaseAt);
        if (covering != 0) revert StakingWithdrawalFrozen(entry.agentId, covering);

        delete _unbondings[unbondingId];
        assets = _agents[entry.agentId].unbonding.redeem(entry.shares);
        emit StakeWithdrawn(unbondingId, entry.agentId, msg.sender, entry.shares, assets);
        if (assets != 0) _token.safeTransfer(msg.sender, assets);
    }

    /// @inheritdoc IAgentStaking
    function addRewards(uint256 agentId, uint256 amount) external nonReentrant {
        Agent storage agent = _existingAgent(agentId);
        if (amount == 0) revert StakingZeroAmount();
        // With no shares the rewards would be stranded (owned by the virtual shares only).
        if (agent.active.shares == 0) revert StakingNoDelegators(agentId);
        RewardVesting.Schedule memory schedule =
            _accrueRewards(agentId, agent).toppedUp(amount, _params.rewardVestingPeriod, block.timestamp);
        agent.rewards = schedule;
        emit RewardsAdded(agentId, msg.sender, amount, schedule.unvested, schedule.end);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    // ───────────────────────────── External: disputes ─────────────────────────────

    /// @inheritdoc IAgentStaking
    function openDispute(uint256 agentId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        uint256 bond;
        (disputeId, bond) = _openDispute(agentId, evidenceHash, evidenceURI);
        _token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IAgentStaking
    function openDisputeWithReceipt(
        Receipt calldata receipt,
        bytes calldata signature,
        ReceiptLists calldata lists,
        ReceiptFault fault,
        string calldata evidenceURI
    ) external nonReentrant returns (uint256 disputeId) {
        (bytes32 digest, address signer) = _verifyReceipt(receipt, signature, lists);
        uint256 bond;
        (disputeId, bond) = _openDispute(receipt.agentId, digest, evidenceURI);
        _emitReceiptDispute(disputeId, receipt, digest, signer, fault);
        _token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IAgentStaking
    function acceptDispute(uint256 disputeId, uint16 slashBps) external onlyRole(ARBITER_ROLE) nonReentrant {
        Dispute storage dispute = _arbitrableDispute(disputeId);
        uint16 cap = _params.slashCapBps;
        if (slashBps == 0 || slashBps > cap) revert StakingSlashBpsOutOfRange(slashBps, cap);

        uint256 agentId = dispute.agentId;
        uint256 amount =
            Math.mulDiv(dispute.selfBondSnapshot + dispute.delegatedSnapshot, slashBps, MAX_BPS, Math.Rounding.Floor);
        uint256 fromSelfBond = _slashSelfBond(agentId, disputeId, amount);
        (uint256 slashedActive, uint256 slashedUnbonding) = _slashPools(agentId, disputeId, amount - fromSelfBond);
        uint256 slashed = fromSelfBond + slashedActive + slashedUnbonding;
        // The disputer's reward comes out of the operator's loss only, never out of delegators.
        uint256 disputerReward = Math.min(Math.mulDiv(slashed, _params.disputerRewardBps, MAX_BPS), fromSelfBond);

        dispute.status = DisputeStatus.Accepted;
        dispute.slashBps = slashBps;
        dispute.slashed = slashed;
        address disputer = dispute.disputer;
        _closeDispute(agentId, disputeId, disputer);
        emit DisputeAccepted(
            disputeId,
            agentId,
            disputer,
            slashBps,
            slashedActive,
            slashedUnbonding,
            disputerReward,
            slashed - disputerReward
        );

        _token.safeTransfer(disputer, disputerReward + dispute.bond);
        if (slashed != disputerReward) _token.safeTransfer(_treasury, slashed - disputerReward);
    }

    /// @inheritdoc IAgentStaking
    function rejectDispute(uint256 disputeId) external onlyRole(ARBITER_ROLE) nonReentrant {
        Dispute storage dispute = _arbitrableDispute(disputeId);
        dispute.status = DisputeStatus.Rejected;
        _closeDispute(dispute.agentId, disputeId, dispute.disputer);
        uint256 bond = dispute.bond;
        emit DisputeRejected(disputeId, dispute.agentId, bond);
        _token.safeTransfer(_treasury, bond);
    }

    /// @inheritdoc IAgentStaking
    function drawDispute(uint256 disputeId) external onlyRole(ARBITER_ROLE) nonReentrant {
        Dispute storage dispute = _arbitrableDispute(disputeId);
        dispute.status = DisputeStatus.Drawn;
        address disputer = dispute.disputer;
        _closeDispute(dispute.agentId, disputeId, disputer);
        uint256 bond = dispute.bond;
        emit DisputeDrawn(disputeId, dispute.agentId, bond);
        _token.safeTransfer(disputer, bond);
    }

    /// @inheritdoc IAgentStaking
    function expireDispute(uint256 disputeId) external nonReentrant {
        Dispute storage dispute = _openDispute(disputeId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < dispute.deadline) revert StakingDisputeWindowOpen(disputeId, dispute.deadline);
        dispute.status = DisputeStatus.Expired;
        address disputer = dispute.disputer;
        _closeDispute(dispute.agentId, disputeId, disputer);
        uint256 bond = dispute.bond;
        // The arbiter's silence is not the disputer's fault: the bond goes back.
        emit DisputeExpired(disputeId, dispute.agentId, bond);
        _token.safeTransfer(disputer, bond);
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

    /// @inheritdoc IAgentStaking
    function setPoolSigner(address signer, bool authorized) external onlyRole(PARAMETER_ROLE) {
        uint48 since = _setSigner(_poolSigners[signer], signer, authorized);
        emit PoolSignerSet(signer, authorized, since);
    }

    // ───────────────────────────── Internal ─────────────────────────────

    /// @dev Opens a dispute, snapshotting the agent's stake; the caller pulls the returned bond.
    /// Emits a {DisputeOpened} and a {DisputeSnapshot} event.
    function _openDispute(uint256 agentId, bytes32 evidenceHash, string calldata evidenceURI)
        internal
        returns (uint256 disputeId, uint256 bond)
    {
        _existingAgent(agentId);
        if (evidenceHash == bytes32(0)) revert StakingZeroEvidenceHash();
        {
            uint256 openId = _openDisputeOf[agentId][msg.sender];
            if (openId != 0) revert StakingDisputerHasOpenDispute(agentId, msg.sender, openId);
            uint256 usedBy = _disputeOfEvidence[agentId][evidenceHash];
            if (usedBy != 0) revert StakingEvidenceAlreadyUsed(agentId, evidenceHash, usedBy);
        }

        bond = _params.disputeBond;
        uint64 deadline = uint64(block.timestamp) + _params.disputeWindow;
        disputeId = ++_disputeCount;
        _openDisputeOf[agentId][msg.sender] = disputeId;
        _disputeOfEvidence[agentId][evidenceHash] = disputeId;
        _openDisputes[agentId].add(disputeId);
        Dispute storage dispute = _disputes[disputeId];
        dispute.agentId = agentId;
        dispute.disputer = msg.sender;
        dispute.openedAt = uint64(block.timestamp);
        dispute.deadline = deadline;
        dispute.status = DisputeStatus.Open;
        dispute.bond = bond;
        dispute.evidenceHash = evidenceHash;
        dispute.evidenceURI = evidenceURI;
        emit DisputeOpened(disputeId, agentId, msg.sender, bond, deadline, evidenceHash, evidenceURI);
        _snapshot(dispute, disputeId, agentId);
    }

    /// @dev Records the agent's stake now (vested rewards included, unvested ones not) as the
    /// dispute's snapshot.
    /// Emits a {DisputeSnapshot} event.
    function _snapshot(Dispute storage dispute, uint256 disputeId, uint256 agentId) internal {
        Agent storage agent = _agents[agentId];
        _accrueRewards(agentId, agent);
        uint256 selfBond = agent.selfBond + agent.selfBondUnbonding;
        uint256 delegated = agent.active.assets + agent.unbonding.assets;
        dispute.selfBondSnapshot = selfBond;
        dispute.delegatedSnapshot = delegated;
        emit DisputeSnapshot(disputeId, agentId, selfBond, delegated);
    }

    /// @dev Takes up to `amount` from the operator's self-bond, bonded part first.
    /// Emits a {SelfBondSlashed} event.
    function _slashSelfBond(uint256 agentId, uint256 disputeId, uint256 amount) internal returns (uint256 taken) {
        Agent storage agent = _agents[agentId];
        uint256 bonded = agent.selfBond;
        uint256 unbonding = agent.selfBondUnbonding;
        uint256 fromBond = Math.min(amount, bonded);
        uint256 fromUnbonding = Math.min(amount - fromBond, unbonding);
        agent.selfBond = bonded - fromBond;
        agent.selfBondUnbonding = unbonding - fromUnbonding;
        taken = fromBond + fromUnbonding;
        emit SelfBondSlashed(agentId, disputeId, fromBond, fromUnbonding, bonded - fromBond, unbonding - fromUnbonding);
    }

    /// @dev Takes up to `amount` from the agent's two pools, pro rata to their assets (the active
    /// pool's part rounded down), without touching shares. Rewards vested by now are part of the
    /// active pool and slashed with it; unvested ones are not stake yet and keep vesting to the
    /// shares that remain.
    /// Emits a {Slashed} event.
    function _slashPools(uint256 agentId, uint256 disputeId, uint256 amount)
        internal
        returns (uint256 slashedActive, uint256 slashedUnbonding)
    {
        Agent storage agent = _agents[agentId];
        _accrueRewards(agentId, agent);
        uint256 activeAssets = agent.active.assets;
        uint256 pools = activeAssets + agent.unbonding.assets;
        if (amount > pools) amount = pools;
        if (amount != 0) {
            slashedActive = Math.mulDiv(amount, activeAssets, pools);
            // amount - floor(amount * A / P) = ceil(amount * U / P) <= U because amount <= P.
            slashedUnbonding = amount - slashedActive;
            agent.active.remove(slashedActive);
            agent.unbonding.remove(slashedUnbonding);
        }
        emit Slashed(agentId, disputeId, slashedActive, slashedUnbonding, agent.active.assets, agent.unbonding.assets);
    }

    /// @dev Moves the rewards vested since the last accrual into the active pool or, while the pool
    /// has no shares, slides the schedule forward; returns the schedule after it.
    /// Emits a {RewardsVested} or a {RewardVestingPostponed} event when the schedule changed.
    function _accrueRewards(uint256 agentId, Agent storage agent)
        internal
        returns (RewardVesting.Schedule memory next)
    {
        RewardVesting.Schedule memory schedule = agent.rewards;
        uint256 vested;
        (next, vested) = schedule.accrued(block.timestamp, agent.active.shares == 0);
        if (next.lastAccrual == schedule.lastAccrual) return next;
        agent.rewards = next;
        if (vested != 0) {
            agent.active.donate(vested);
            emit RewardsVested(agentId, vested, next.unvested);
        } else {
            emit RewardVestingPostponed(agentId, next.end);
        }
    }

    /// @dev Fewest active shares a position may hold in `pool` now: MIN_POSITION_SHARES, or what
    /// MIN_POSITION_VALUE buys when that is fewer (the price has risen above 1 token per
    /// MIN_POSITION_SHARES). A lone position that small shares its rewards with the virtual shares
    /// in proportion; what the virtual shares hold goes back to the stakers at the next full exit.
    /// Priced through the minimum's cost first: `toShares` of 1 token could overflow in a pool
    /// whose assets were wiped out under many shares, where the minimum is MIN_POSITION_SHARES.
    function _minPositionShares(SharePool.Pool memory pool) internal pure returns (uint256) {
        if (pool.toAssets(MIN_POSITION_SHARES) <= MIN_POSITION_VALUE) return MIN_POSITION_SHARES;
        return pool.toShares(MIN_POSITION_VALUE);
    }

    /// @dev The last shares just left the active pool. What they left behind (the virtual shares'
    /// part of the pool and rounding dust) would stay in it and set the price of the next
    /// delegation: an attacker who raised the price with rewards and then left would make the
    /// smallest position cost about what it donated, for good. It joins the rewards instead, so
    /// the empty pool starts again at the empty price and those assets vest to whoever stakes next.
    /// `_accrueRewards` ran in this call while the pool still had shares, as `toppedUp` requires.
    /// Emits a {StrandedStakeRecycled} and a {RewardsAdded} event (from this contract).
    function _recycleStranded(uint256 agentId, Agent storage agent) internal {
        uint256 stranded = agent.active.assets;
        if (stranded == 0) return;
        agent.active.remove(stranded);
        RewardVesting.Schedule memory schedule =
            agent.rewards.toppedUp(stranded, _params.rewardVestingPeriod, block.timestamp);
        agent.rewards = schedule;
        emit StrandedStakeRecycled(agentId, stranded);
        emit RewardsAdded(agentId, address(this), stranded, schedule.unvested, schedule.end);
    }

    /// @dev The agent's active pool and reward schedule as an accrual now would leave them.
    function _accruedView(Agent storage agent)
        internal
        view
        returns (SharePool.Pool memory active, RewardVesting.Schedule memory schedule)
    {
        active = agent.active;
        uint256 vested;
        (schedule, vested) = agent.rewards.accrued(block.timestamp, active.shares == 0);
        active.assets += vested;
    }

    /// @dev Frees the dispute's place in the agent's open disputes and the disputer's slot (the
    /// evidence hash stays used).
    function _closeDispute(uint256 agentId, uint256 disputeId, address disputer) internal {
        _openDisputes[agentId].remove(disputeId);
        delete _openDisputeOf[agentId][disputer];
    }

    /// @dev An open dispute of the agent that covers a withdrawal released at `releaseAt` (one
    /// opened before it was released), or 0. Disputes cost a bond each and at most one is open per
    /// disputer, so the loop is bounded by what an attacker is willing to lock up.
    function _coveringDispute(uint256 agentId, uint64 releaseAt) internal view returns (uint256) {
        EnumerableSet.UintSet storage open = _openDisputes[agentId];
        uint256 n = open.length();
        for (uint256 i; i < n; ++i) {
            uint256 disputeId = open.at(i);
            if (_disputes[disputeId].openedAt < releaseAt) return disputeId;
        }
        return 0;
    }

    /// @dev Records the agent's new spec hash from the current block.
    /// Emits an {AgentSpecHashSet} event.
    function _recordSpecHash(uint256 agentId, bytes32 specHash) internal {
        bytes32[] storage hashes = _specHashes[agentId];
        hashes.push(specHash);
        uint256 version = hashes.length;
        uint48 fromBlock = SafeCast.toUint48(block.number);
        _specHistory[agentId].push(fromBlock, SafeCast.toUint208(version));
        emit AgentSpecHashSet(agentId, specHash, version, fromBlock);
    }

    /// @dev Records a signer's authorization from now on; returns the time it takes effect.
    function _setSigner(Checkpoints.Trace208 storage history, address signer, bool authorized)
        internal
        returns (uint48 since)
    {
        if (signer == address(0) || (history.latest() != 0) == authorized) {
            revert StakingSignerUnchanged(signer, authorized);
        }
        since = SafeCast.toUint48(block.timestamp);
        history.push(since, authorized ? 1 : 0);
    }

    /// @dev Whether the history authorizes its signer at `timestamp`.
    function _isSignerAt(Checkpoints.Trace208 storage history, uint64 timestamp) internal view returns (bool) {
        return history.upperLookupRecent(SafeCast.toUint48(timestamp)) != 0;
    }

    /// @dev Checks a receipt offered as evidence: its agent exists, its lists match its hashes, it
    /// is not from the future, and an authorized signer of its agent at its time signed it.
    function _verifyReceipt(Receipt calldata receipt, bytes calldata signature, ReceiptLists calldata lists)
        internal
        view
        returns (bytes32 digest, address signer)
    {
        uint256 agentId = receipt.agentId;
        _existingAgent(agentId);
        _checkReceiptLists(receipt, lists);
        // forge-lint: disable-next-line(block-timestamp)
        if (receipt.issuedAt > block.timestamp) revert StakingReceiptFromFuture(receipt.issuedAt);
        digest = _hashReceipt(receipt);
        ECDSA.RecoverError error;
        (signer, error,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (error != ECDSA.RecoverError.NoError) revert StakingInvalidReceiptSignature();
        if (!_isSignerAt(_agentSigners[agentId][signer], receipt.issuedAt)) {
            revert StakingReceiptSignerNotAuthorized(agentId, signer, receipt.issuedAt);
        }
    }

    /// @dev Emits a {ReceiptDisputeOpened} event.
    function _emitReceiptDispute(
        uint256 disputeId,
        Receipt calldata receipt,
        bytes32 digest,
        address signer,
        ReceiptFault fault
    ) internal {
        emit ReceiptDisputeOpened(
            disputeId, receipt.agentId, digest, signer, fault, receipt.requestId, receipt.issuedAt
        );
    }

    /// @dev Reverts unless each list hashes to the receipt's hash of it.
    function _checkReceiptLists(Receipt calldata receipt, ReceiptLists calldata lists) internal pure {
        if (keccak256(abi.encode(lists.adapters)) != receipt.adaptersHash) revert StakingReceiptListMismatch(0);
        if (keccak256(abi.encode(lists.retrieval)) != receipt.retrievalHash) revert StakingReceiptListMismatch(1);
        if (keccak256(abi.encode(lists.citations)) != receipt.citationsHash) revert StakingReceiptListMismatch(2);
        if (keccak256(abi.encode(lists.spans)) != receipt.spansHash) revert StakingReceiptListMismatch(3);
    }

    /// @dev The receipt's EIP-712 digest (every field is static, so `abi.encode` of the struct is
    /// the concatenation of its 14 words).
    function _hashReceipt(Receipt calldata receipt) internal view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(RECEIPT_TYPEHASH, receipt)));
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
        if (newParams.disputeBond < MIN_DISPUTE_BOND) {
            revert StakingInvalidDisputeBond(newParams.disputeBond, MIN_DISPUTE_BOND);
        }
        if (newParams.minSelfBond == 0) revert StakingInvalidMinSelfBond();
        if (newParams.maxDelegationRatio == 0) revert StakingInvalidDelegationRatio();
        uint64 vesting = newParams.rewardVestingPeriod;
        if (vesting < MIN_REWARD_VESTING_PERIOD || vesting > MAX_REWARD_VESTING_PERIOD) {
            revert StakingInvalidRewardVestingPeriod(vesting, MIN_REWARD_VESTING_PERIOD, MAX_REWARD_VESTING_PERIOD);
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
    function minPositionShares(uint256 agentId) external view returns (uint256) {
        (SharePool.Pool memory active,) = _accruedView(_agents[agentId]);
        return _minPositionShares(active);
    }

    /// @inheritdoc IAgentStaking
    function getAgent(uint256 agentId) external view returns (AgentInfo memory) {
        Agent storage agent = _agents[agentId];
        (SharePool.Pool memory active,) = _accruedView(agent);
        return AgentInfo({
            operator: agent.operator,
            // casting to 'uint64' is safe because each open dispute holds a bond of at least 1 token.
            // forge-lint: disable-next-line(unsafe-typecast)
            openDisputes: uint64(_openDisputes[agentId].length()),
            specHash: agent.specHash,
            metadataURI: agent.metadataURI,
            minStake: agent.minStake,
            totalActiveAssets: active.assets,
            totalActiveShares: active.shares,
            totalUnbondingAssets: agent.unbonding.assets,
            totalUnbondingShares: agent.unbonding.shares,
            selfBond: agent.selfBond,
            selfBondUnbonding: agent.selfBondUnbonding,
            selfBondReleaseAt: agent.selfBondReleaseAt
        });
    }

    /// @inheritdoc IAgentStaking
    function isActive(uint256 agentId) external view returns (bool) {
        Agent storage agent = _agents[agentId];
        (SharePool.Pool memory active,) = _accruedView(agent);
        return agent.operator != address(0) && agent.selfBond >= _params.minSelfBond && active.assets >= agent.minStake;
    }

    /// @inheritdoc IAgentStaking
    function rewardVesting(uint256 agentId) external view returns (uint256 unvested, uint64 vestingEnd) {
        (, RewardVesting.Schedule memory schedule) = _accruedView(_agents[agentId]);
        unvested = schedule.unvested;
        if (unvested != 0) vestingEnd = schedule.end;
    }

    /// @inheritdoc IAgentStaking
    function sharesOf(uint256 agentId, address delegator) external view returns (uint256) {
        return _shares[agentId][delegator];
    }

    /// @inheritdoc IAgentStaking
    function previewDelegate(uint256 agentId, uint256 assets) external view returns (uint256) {
        (SharePool.Pool memory active,) = _accruedView(_agents[agentId]);
        return active.toShares(assets);
    }

    /// @inheritdoc IAgentStaking
    function convertToAssets(uint256 agentId, uint256 shares) external view returns (uint256) {
        (SharePool.Pool memory active,) = _accruedView(_agents[agentId]);
        return active.toAssets(shares);
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

    /// @inheritdoc IAgentStaking
    function openDisputeIds(uint256 agentId) external view returns (uint256[] memory) {
        return _openDisputes[agentId].values();
    }

    /// @inheritdoc IAgentStaking
    function isAgentSigner(uint256 agentId, address signer) external view returns (bool) {
        return _agentSigners[agentId][signer].latest() != 0;
    }

    /// @inheritdoc IAgentStaking
    function isAgentSignerAt(uint256 agentId, address signer, uint64 timestamp) external view returns (bool) {
        return _isSignerAt(_agentSigners[agentId][signer], timestamp);
    }

    /// @inheritdoc IAgentStaking
    function isPoolSigner(address signer) external view returns (bool) {
        return _poolSigners[signer].latest() != 0;
    }

    /// @inheritdoc IAgentStaking
    function isPoolSignerAt(address signer, uint64 timestamp) external view returns (bool) {
        return _isSignerAt(_poolSigners[signer], timestamp);
    }

    /// @inheritdoc IAgentStaking
    function specHashAt(uint256 agentId, uint256 blockNumber) external view returns (bytes32) {
        uint256 version = _specHistory[agentId].upperLookupRecent(SafeCast.toUint48(blockNumber));
        return version == 0 ? bytes32(0) : _specHashes[agentId][version - 1];
    }

    /// @inheritdoc IAgentStaking
    function specHashCount(uint256 agentId) external view returns (uint256) {
        return _specHashes[agentId].length;
    }

    /// @inheritdoc IAgentStaking
    function hashReceipt(Receipt calldata receipt) external view returns (bytes32) {
        return _hashReceipt(receipt);
    }

    /// @inheritdoc IAgentStaking
    function recoverReceiptSigner(Receipt calldata receipt, bytes calldata signature) external view returns (address) {
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(_hashReceipt(receipt), signature);
        return error == ECDSA.RecoverError.NoError ? signer : address(0);
    }
}
