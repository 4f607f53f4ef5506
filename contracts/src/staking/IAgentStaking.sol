// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IAgentStaking
/// @notice Agents (an operator and the hash of an agent spec) backed by delegated stake held as
/// shares, with an unbonding delay during which stake stays slashable, bonded disputes that an
/// arbiter accepts (slash) or rejects within a dispute window (a dispute left to expire forfeits
/// its bond like a rejected one), and a slash cap per dispute.
/// @dev Every state change emits an event carrying enough data to rebuild all balances, shares
/// and pool totals from logs alone (see docs/AgentStaking.md, "Rebuilding state from events").
interface IAgentStaking {
    // ───────────────────────────── Types ─────────────────────────────

    /// @notice Governance parameters.
    /// @param unbondingDelay Seconds between {unbond} and the earliest {withdraw} of the entry; at
    /// least `disputeWindow`, so stake cannot exit faster than a dispute can be resolved.
    /// @param disputeWindow Seconds the arbiter has to accept or reject a dispute.
    /// @param disputeBond Tokens a disputer escrows when opening a dispute.
    /// @param slashCapBps Largest share of an agent's total stake one dispute may slash (bps).
    /// @param disputerRewardBps Share of a slash paid to the disputer (bps); the rest goes to the treasury.
    struct Params {
        uint64 unbondingDelay;
        uint64 disputeWindow;
        uint256 disputeBond;
        uint16 slashCapBps;
        uint16 disputerRewardBps;
    }

    /// @notice An agent as returned by {getAgent}. `operator == address(0)` means no such agent.
    struct AgentInfo {
        address operator;
        uint64 openDisputes;
        bytes32 specHash;
        string metadataURI;
        uint256 minStake;
        uint256 totalActiveAssets;
        uint256 totalActiveShares;
        uint256 totalUnbondingAssets;
        uint256 totalUnbondingShares;
    }

    /// @notice A pending withdrawal: shares of the agent's unbonding pool owned by `delegator`.
    /// `delegator == address(0)` means no such entry (never created, or already withdrawn).
    struct Unbonding {
        uint256 agentId;
        address delegator;
        uint64 releaseAt;
        uint256 shares;
    }

    /// @notice Life cycle of a dispute. `None` means no such dispute.
    enum DisputeStatus {
        None,
        Open,
        Accepted,
        Rejected,
        Expired
    }

    /// @notice A dispute against an agent.
    /// @param slashBps Basis points slashed (set when accepted).
    /// @param slashed Tokens slashed from both pools (set when accepted).
    struct Dispute {
        uint256 agentId;
        address disputer;
        uint64 deadline;
        DisputeStatus status;
        uint16 slashBps;
        uint256 bond;
        uint256 slashed;
        bytes32 evidenceHash;
        string evidenceURI;
    }

    // ───────────────────────────── Errors ─────────────────────────────

    /// @notice A required address argument was the zero address.
    error StakingZeroAddress();
    /// @notice An amount of assets or shares passed in was zero.
    error StakingZeroAmount();
    /// @notice An agent's spec hash must not be zero.
    error StakingZeroSpecHash();
    /// @notice No agent has this id.
    error StakingUnknownAgent(uint256 agentId);
    /// @notice Only the agent's operator may call this.
    error StakingNotOperator(uint256 agentId, address caller);
    /// @notice The deposit is too small to buy a single share at the current price.
    error StakingZeroSharesMinted(uint256 agentId, uint256 assets);
    /// @notice The shares are worth zero assets at the current price.
    error StakingZeroAssetsUnbonded(uint256 agentId, uint256 shares);
    /// @notice The caller holds fewer active shares than requested.
    error StakingInsufficientShares(uint256 have, uint256 want);
    /// @notice Rewards need delegators to go to; the agent's active pool has no shares.
    error StakingNoDelegators(uint256 agentId);
    /// @notice No unbonding entry has this id (never created or already withdrawn).
    error StakingUnknownUnbonding(uint256 unbondingId);
    /// @notice Only the delegator who started the unbonding may withdraw it.
    error StakingNotDelegator(uint256 unbondingId, address caller);
    /// @notice The unbonding delay has not elapsed.
    error StakingUnbondingNotReleased(uint256 unbondingId, uint64 releaseAt);
    /// @notice Withdrawals are frozen while the agent has open disputes.
    error StakingAgentUnderDispute(uint256 agentId, uint64 openDisputes);
    /// @notice No dispute has this id.
    error StakingUnknownDispute(uint256 disputeId);
    /// @notice The dispute was already resolved or expired.
    error StakingDisputeNotOpen(uint256 disputeId, DisputeStatus status);
    /// @notice The arbiter can no longer act: the dispute's deadline has been reached.
    error StakingDisputeWindowClosed(uint256 disputeId, uint64 deadline);
    /// @notice The dispute cannot expire before its deadline.
    error StakingDisputeWindowOpen(uint256 disputeId, uint64 deadline);
    /// @notice A slash must be more than zero and at most the slash cap.
    error StakingSlashBpsOutOfRange(uint16 slashBps, uint16 slashCapBps);
    /// @notice The unbonding delay exceeds the allowed maximum.
    error StakingInvalidUnbondingDelay(uint64 unbondingDelay, uint64 max);
    /// @notice The dispute window is outside the allowed range.
    error StakingInvalidDisputeWindow(uint64 disputeWindow, uint64 min, uint64 max);
    /// @notice The slash cap must be more than zero and at most 10_000 bps.
    error StakingInvalidSlashCap(uint16 slashCapBps, uint16 max);
    /// @notice The disputer's reward share must be at most 10_000 bps.
    error StakingInvalidDisputerReward(uint16 disputerRewardBps, uint16 max);
    /// @notice The unbonding delay must be at least the dispute window, so stake cannot exit faster
    /// than a dispute against it can be resolved.
    error StakingUnbondingShorterThanDisputeWindow(uint64 unbondingDelay, uint64 disputeWindow);
    /// @notice A dispute's evidence hash must not be zero.
    error StakingZeroEvidenceHash();
    /// @notice The disputer already has dispute `disputeId` open against the agent (one open dispute
    /// per agent and disputer).
    error StakingDisputerHasOpenDispute(uint256 agentId, address disputer, uint256 disputeId);
    /// @notice Dispute `disputeId` against the agent already used this evidence hash (one dispute per
    /// agent and evidence hash, whatever its outcome).
    error StakingEvidenceAlreadyUsed(uint256 agentId, bytes32 evidenceHash, uint256 disputeId);

    // ───────────────────────────── Events ─────────────────────────────

    /// @notice A new agent was registered with `operator` as its operator.
    event AgentRegistered(
        uint256 indexed agentId, address indexed operator, bytes32 specHash, string metadataURI, uint256 minStake
    );
    /// @notice The agent's spec hash and metadata URI were replaced.
    event AgentUpdated(uint256 indexed agentId, bytes32 specHash, string metadataURI);
    /// @notice The agent's operator changed.
    event OperatorTransferred(uint256 indexed agentId, address indexed previousOperator, address indexed newOperator);
    /// @notice The agent's minimum active stake changed.
    event MinStakeUpdated(uint256 indexed agentId, uint256 previousMinStake, uint256 newMinStake);
    /// @notice `delegator` paid `assets` into the agent's active pool and received `shares`.
    event StakeDelegated(uint256 indexed agentId, address indexed delegator, uint256 assets, uint256 shares);
    /// @notice `delegator` burnt `shares` active shares worth `assets`, which moved into the
    /// unbonding pool as `unbondingShares`, withdrawable from `releaseAt`.
    event UnbondingStarted(
        uint256 indexed unbondingId,
        uint256 indexed agentId,
        address indexed delegator,
        uint256 shares,
        uint256 assets,
        uint256 unbondingShares,
        uint64 releaseAt
    );
    /// @notice The unbonding entry was paid out: `unbondingShares` burnt for `assets` tokens.
    event StakeWithdrawn(
        uint256 indexed unbondingId,
        uint256 indexed agentId,
        address indexed delegator,
        uint256 unbondingShares,
        uint256 assets
    );
    /// @notice `from` paid `amount` tokens into the agent's active pool as rewards.
    event RewardsAdded(uint256 indexed agentId, address indexed from, uint256 amount);
    /// @notice `disputer` opened a dispute against the agent, escrowing `bond`.
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed agentId,
        address indexed disputer,
        uint256 bond,
        uint64 deadline,
        bytes32 evidenceHash,
        string evidenceURI
    );
    /// @notice The arbiter accepted the dispute: `slashBps` of the agent's stake was slashed,
    /// `disputerReward` (plus the returned bond) went to the disputer, `treasuryAmount` to the treasury.
    event DisputeAccepted(
        uint256 indexed disputeId,
        uint256 indexed agentId,
        address indexed disputer,
        uint16 slashBps,
        uint256 slashedActive,
        uint256 slashedUnbonding,
        uint256 disputerReward,
        uint256 treasuryAmount
    );
    /// @notice The agent's pools lost `slashedActive` and `slashedUnbonding` assets; shares are
    /// unchanged. The pools' assets after the slash are given for reconciliation.
    event Slashed(
        uint256 indexed agentId,
        uint256 indexed disputeId,
        uint256 slashedActive,
        uint256 slashedUnbonding,
        uint256 activeAssetsAfter,
        uint256 unbondingAssetsAfter
    );
    /// @notice The arbiter rejected the dispute; the bond went to the treasury.
    event DisputeRejected(uint256 indexed disputeId, uint256 indexed agentId, uint256 bondForfeited);
    /// @notice The dispute's window passed unresolved. `bondReturned` is always 0: the bond is
    /// forfeited to the treasury, reported by the {DisputeBondForfeited} event emitted just before.
    event DisputeExpired(uint256 indexed disputeId, uint256 indexed agentId, uint256 bondReturned);
    /// @notice The expired dispute's bond, `amount` tokens (possibly 0), went to the treasury.
    event DisputeBondForfeited(uint256 indexed disputeId, uint256 indexed agentId, uint256 amount);
    /// @notice Governance parameters were set (also emitted by the constructor).
    event ParamsUpdated(Params params);
    /// @notice The treasury changed (also emitted by the constructor, from `address(0)`).
    event TreasuryUpdated(address indexed previousTreasury, address indexed newTreasury);

    // ───────────────────────────── Agents ─────────────────────────────

    /// @notice Registers an agent operated by the caller.
    /// Emits an {AgentRegistered} event.
    /// @param specHash Canonical hash of the agent spec (non-zero).
    /// @param metadataURI Where the spec and metadata can be fetched.
    /// @param minStake Active stake the agent needs to be {isActive}.
    /// @return agentId The new agent's id (counter starting at 1).
    function registerAgent(bytes32 specHash, string calldata metadataURI, uint256 minStake)
        external
        returns (uint256 agentId);

    /// @notice Replaces the agent's spec hash and metadata URI. Operator only.
    /// Emits an {AgentUpdated} event.
    function updateAgent(uint256 agentId, bytes32 specHash, string calldata metadataURI) external;

    /// @notice Sets the agent's minimum active stake. Operator only.
    /// Emits a {MinStakeUpdated} event.
    function setMinStake(uint256 agentId, uint256 minStake) external;

    /// @notice Hands the agent to `newOperator` (single step). Operator only.
    /// Emits an {OperatorTransferred} event.
    function transferOperator(uint256 agentId, address newOperator) external;

    // ───────────────────────────── Stake ─────────────────────────────

    /// @notice Pulls `assets` tokens from the caller into the agent's active pool and mints
    /// active shares to the caller (rounded down). The operator self-stakes the same way.
    /// Emits a {StakeDelegated} event.
    /// @return shares Active shares minted.
    function delegate(uint256 agentId, uint256 assets) external returns (uint256 shares);

    /// @notice Burns `shares` of the caller's active shares and moves the assets they are worth
    /// into the agent's unbonding pool, where they stay slashable until withdrawn.
    /// Emits an {UnbondingStarted} event.
    /// @return unbondingId Id of the new unbonding entry.
    function unbond(uint256 agentId, uint256 shares) external returns (uint256 unbondingId);

    /// @notice Pays the entry's current value (after any slash) to its delegator and deletes it.
    /// Emits a {StakeWithdrawn} event.
    /// @return assets Tokens paid.
    function withdraw(uint256 unbondingId) external returns (uint256 assets);

    /// @notice Pulls `amount` tokens from the caller into the agent's active pool without
    /// minting shares, raising the value of every active share.
    /// Emits a {RewardsAdded} event.
    function addRewards(uint256 agentId, uint256 amount) external;

    // ───────────────────────────── Disputes ─────────────────────────────

    /// @notice Opens a dispute against the agent, pulling the current dispute bond from the caller.
    /// The caller may have only one open dispute per agent, and an evidence hash serves at most one
    /// dispute per agent (one incident cannot be stacked into several slashes).
    /// Emits a {DisputeOpened} event.
    /// @return disputeId The new dispute's id (counter starting at 1).
    function openDispute(uint256 agentId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        returns (uint256 disputeId);

    /// @notice Upholds the dispute: slashes `slashBps` of the agent's active and unbonding pools,
    /// pays the disputer their reward and their bond back, and the rest of the slash to the treasury.
    /// Emits a {Slashed} and a {DisputeAccepted} event.
    function acceptDispute(uint256 disputeId, uint16 slashBps) external;

    /// @notice Dismisses the dispute; its bond goes to the treasury.
    /// Emits a {DisputeRejected} event.
    function rejectDispute(uint256 disputeId) external;

    /// @notice Closes a dispute left unresolved past its deadline; its bond is forfeited to the
    /// treasury, as for a rejected dispute, so an unanswered dispute is not a free withdrawal freeze.
    /// Emits a {DisputeBondForfeited} and a {DisputeExpired} event.
    function expireDispute(uint256 disputeId) external;

    // ───────────────────────────── Governance ─────────────────────────────

    /// @notice Replaces the governance parameters. Existing unbonding entries and disputes keep
    /// the release time, deadline and bond they were created with.
    /// Emits a {ParamsUpdated} event.
    function setParams(Params calldata newParams) external;

    /// @notice Replaces the treasury that receives forfeited bonds and the treasury's share of slashes.
    /// Emits a {TreasuryUpdated} event.
    function setTreasury(address newTreasury) external;

    // ───────────────────────────── Views ─────────────────────────────

    /// @notice The staking token.
    function token() external view returns (IERC20);

    /// @notice The treasury.
    function treasury() external view returns (address);

    /// @notice The current governance parameters.
    function params() external view returns (Params memory);

    /// @notice Number of agents registered (the latest agent id).
    function agentCount() external view returns (uint256);

    /// @notice Number of unbonding entries ever created (the latest unbonding id).
    function unbondingCount() external view returns (uint256);

    /// @notice Number of disputes ever opened (the latest dispute id).
    function disputeCount() external view returns (uint256);

    /// @notice The agent's record and pool totals (zeroed for an unknown id).
    function getAgent(uint256 agentId) external view returns (AgentInfo memory);

    /// @notice True when the agent exists and its active stake is at least its minimum stake.
    function isActive(uint256 agentId) external view returns (bool);

    /// @notice Active shares `delegator` holds in the agent's pool.
    function sharesOf(uint256 agentId, address delegator) external view returns (uint256);

    /// @notice Active shares {delegate} would mint for `assets` now (rounded down).
    function previewDelegate(uint256 agentId, uint256 assets) external view returns (uint256);

    /// @notice Assets `shares` active shares are worth now (rounded down): what {unbond} moves.
    function convertToAssets(uint256 agentId, uint256 shares) external view returns (uint256);

    /// @notice The unbonding entry (zeroed when it does not exist).
    function getUnbonding(uint256 unbondingId) external view returns (Unbonding memory);

    /// @notice What {withdraw} would pay for the entry now (rounded down; zero when it does not exist).
    function previewWithdraw(uint256 unbondingId) external view returns (uint256);

    /// @notice The dispute (status `None` when it does not exist).
    function getDispute(uint256 disputeId) external view returns (Dispute memory);

    /// @notice The dispute `disputer` has open against the agent (0: none).
    function openDisputeOf(uint256 agentId, address disputer) external view returns (uint256);

    /// @notice The dispute against the agent that used `evidenceHash`, whatever its status (0: none).
    function disputeOfEvidence(uint256 agentId, bytes32 evidenceHash) external view returns (uint256);
}
