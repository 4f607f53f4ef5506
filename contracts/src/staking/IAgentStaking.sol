// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IAgentStaking
/// @notice Agents (an operator, its self-bond and the hash of an agent spec) backed by delegated
/// stake held as shares, into which rewards vest linearly, with an unbonding delay during which stake stays slashable, bonded
/// disputes (plain, or with a signed receipt as evidence) that an arbiter accepts (slash, the
/// operator's bond first), rejects or draws within a dispute window (a dispute left to expire
/// returns its bond), a slash cap applied to a stake snapshot taken when the dispute opened, the
/// agents' receipt signers and the pool's usage signers with their history, and each agent's spec
/// hash history.
/// @dev Every state change emits an event carrying enough data to rebuild all balances, shares
/// and pool totals from logs alone (see docs/AgentStaking.md, "Rebuilding state from events").
interface IAgentStaking {
    // ───────────────────────────── Types ─────────────────────────────

    /// @notice Governance parameters.
    /// @param unbondingDelay Seconds between {unbond} and the earliest {withdraw} of the entry; at
    /// least `disputeWindow`, so stake cannot exit faster than a dispute can be resolved.
    /// @param disputeWindow Seconds the arbiter has to accept or reject a dispute.
    /// @param disputeBond Tokens a disputer escrows when opening a dispute (at least `MIN_DISPUTE_BOND`).
    /// @param slashCapBps Largest share of a dispute's stake snapshot (self-bond + delegated stake)
    /// one dispute may slash (bps).
    /// @param disputerRewardBps Share of a slash paid to the disputer (bps), paid only out of what the
    /// operator's self-bond lost; the rest goes to the treasury.
    /// @param minSelfBond Self-bond an operator must hold for its agent to be {isActive} (non-zero),
    /// and the least {registerAgent} accepts.
    /// @param maxDelegationRatio Delegation cap: {delegate} refuses to raise an agent's active stake
    /// above `maxDelegationRatio` times its operator's self-bond (at least 1).
    /// @param rewardVestingPeriod Seconds over which {addRewards} vests rewards into the active pool
    /// (`MIN_REWARD_VESTING_PERIOD` .. `MAX_REWARD_VESTING_PERIOD`; 1 day recommended, see
    /// docs/AgentStaking.md). Applies to rewards added after it is set.
    struct Params {
        uint64 unbondingDelay;
        uint64 disputeWindow;
        uint256 disputeBond;
        uint16 slashCapBps;
        uint16 disputerRewardBps;
        uint256 minSelfBond;
        uint16 maxDelegationRatio;
        uint64 rewardVestingPeriod;
    }

    /// @notice An agent as returned by {getAgent}. `operator == address(0)` means no such agent.
    /// @param selfBond The operator's bonded self-stake (slashed before any delegator).
    /// @param selfBondUnbonding Self-bond the operator is withdrawing (still slashable).
    /// @param selfBondReleaseAt When `selfBondUnbonding` may be withdrawn.
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
        uint256 selfBond;
        uint256 selfBondUnbonding;
        uint64 selfBondReleaseAt;
    }

    /// @notice A pending withdrawal: shares of the agent's unbonding pool owned by `delegator`.
    /// `delegator == address(0)` means no such entry (never created, or already withdrawn).
    struct Unbonding {
        uint256 agentId;
        address delegator;
        uint64 releaseAt;
        uint256 shares;
    }

    /// @notice Life cycle of a dispute. `None` means no such dispute. `Expired`: the arbiter let the
    /// window pass (the bond is returned); `Drawn`: the arbiter closed it without a slash and
    /// returned the bond.
    enum DisputeStatus {
        None,
        Open,
        Accepted,
        Rejected,
        Expired,
        Drawn
    }

    /// @notice A dispute against an agent.
    /// @param openedAt When it was opened: it covers (freezes) unbonding entries released after this.
    /// @param slashBps Basis points of the snapshot slashed (set when accepted).
    /// @param slashed Tokens slashed in all, self-bond and pools (set when accepted).
    /// @param selfBondSnapshot The operator's self-bond (bonded + unbonding) when it was opened.
    /// @param delegatedSnapshot The agent's delegated stake (active + unbonding pools) when it was opened.
    struct Dispute {
        uint256 agentId;
        address disputer;
        uint64 openedAt;
        uint64 deadline;
        DisputeStatus status;
        uint16 slashBps;
        uint256 bond;
        uint256 slashed;
        bytes32 evidenceHash;
        string evidenceURI;
        uint256 selfBondSnapshot;
        uint256 delegatedSnapshot;
    }

    /// @notice A call receipt, field for field the EIP-712 `Receipt` type of `schema/receipt.md`
    /// (domain: name "Tributary", version "1", the chain id, this contract).
    struct Receipt {
        bytes32 requestId;
        uint256 agentId;
        bytes32 specHash;
        address payer;
        uint256 price;
        uint32 tokensIn;
        uint32 tokensOut;
        uint16 policyVersion;
        uint64 issuedAt;
        bytes32 adaptersHash;
        bytes32 retrievalHash;
        bytes32 citationsHash;
        bytes32 spansHash;
        bytes32 usageDigest;
    }

    /// @notice An ensemble member of a receipt (`adaptersHash` list entry).
    struct ReceiptAdapter {
        uint256 adapterId;
        uint32 weightPpm;
        address owner;
        bytes32 trainingManifestHash;
    }

    /// @notice A retrieved chunk of a receipt (`retrievalHash` list entry).
    struct ReceiptRetrieval {
        bytes32 chunkHash;
        uint256 contributionId;
        address contributor;
        uint32 scorePpm;
        bool cited;
    }

    /// @notice A checked citation of a receipt (`citationsHash` list entry).
    struct ReceiptCitation {
        bytes32 chunkHash;
        uint256 contributionId;
        address contributor;
        uint32 start;
        uint32 end;
    }

    /// @notice A verbatim span of a receipt (`spansHash` list entry).
    struct ReceiptSpan {
        uint256 contributionId;
        address contributor;
        uint32 start;
        uint32 end;
    }

    /// @notice The lists behind a receipt's four list hashes, each hashed as `keccak256(abi.encode(list))`.
    struct ReceiptLists {
        ReceiptAdapter[] adapters;
        ReceiptRetrieval[] retrieval;
        ReceiptCitation[] citations;
        ReceiptSpan[] spans;
    }

    /// @notice The fault a receipt dispute claims (the arbiter judges it).
    enum ReceiptFault {
        Overcharge,
        WrongSpec,
        MissingAttribution,
        FalseCitation,
        UsageMismatch,
        Other
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
    /// @notice A position would hold some active shares, but fewer than the minimum
    /// ({minPositionShares}): `shares` is what it would hold, `min` the minimum then.
    error StakingPositionTooSmall(uint256 shares, uint256 min);
    /// @notice Rewards need delegators to go to; the agent's active pool has no shares.
    error StakingNoDelegators(uint256 agentId);
    /// @notice No unbonding entry has this id (never created or already withdrawn).
    error StakingUnknownUnbonding(uint256 unbondingId);
    /// @notice Only the delegator who started the unbonding may withdraw it.
    error StakingNotDelegator(uint256 unbondingId, address caller);
    /// @notice The unbonding delay has not elapsed.
    error StakingUnbondingNotReleased(uint256 unbondingId, uint64 releaseAt);
    /// @notice Delegations are refused while the agent has open disputes (stake that arrives after a
    /// dispute opened must not pay for it).
    error StakingAgentUnderDispute(uint256 agentId, uint64 openDisputes);
    /// @notice The withdrawal is frozen: open dispute `disputeId` covers it (it was not yet
    /// withdrawable when the dispute opened).
    error StakingWithdrawalFrozen(uint256 agentId, uint256 disputeId);
    /// @notice The self-bond is below the protocol minimum.
    error StakingSelfBondTooLow(uint256 selfBond, uint256 minSelfBond);
    /// @notice The operator's bonded self-stake is smaller than requested.
    error StakingInsufficientSelfBond(uint256 have, uint256 want);
    /// @notice No self-bond is unbonding.
    error StakingNoSelfBondUnbonding(uint256 agentId);
    /// @notice The delegation would raise the agent's active stake above its cap
    /// (`maxDelegationRatio` times the self-bond).
    error StakingDelegationCapExceeded(uint256 agentId, uint256 cap, uint256 activeAfter);
    /// @notice The dispute bond is below `MIN_DISPUTE_BOND`.
    error StakingInvalidDisputeBond(uint256 disputeBond, uint256 min);
    /// @notice The minimum self-bond must be non-zero.
    error StakingInvalidMinSelfBond();
    /// @notice The delegation ratio must be at least 1.
    error StakingInvalidDelegationRatio();
    /// @notice The reward vesting period is outside the allowed range.
    error StakingInvalidRewardVestingPeriod(uint64 rewardVestingPeriod, uint64 min, uint64 max);
    /// @notice The receipt's list `index` (0 adapters, 1 retrieval, 2 citations, 3 spans) does not
    /// hash to the receipt's hash of it.
    error StakingReceiptListMismatch(uint8 index);
    /// @notice The receipt's signature is malformed.
    error StakingInvalidReceiptSignature();
    /// @notice The receipt's signer was not authorized for the agent at the receipt's time.
    error StakingReceiptSignerNotAuthorized(uint256 agentId, address signer, uint64 issuedAt);
    /// @notice The receipt claims a time after the current block.
    error StakingReceiptFromFuture(uint64 issuedAt);
    /// @notice A signer must not be the zero address, and the change must change something.
    error StakingSignerUnchanged(address signer, bool authorized);
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
    /// @notice `from` paid `amount` tokens of rewards for the agent's active pool. They vest into
    /// it linearly: `unvested` (this amount included) has all vested at `vestingEnd`. Any
    /// {RewardsVested} of the same call comes first. `from` is this contract when the amount is
    /// what the last shares left in the pool ({StrandedStakeRecycled}).
    event RewardsAdded(
        uint256 indexed agentId, address indexed from, uint256 amount, uint256 unvested, uint64 vestingEnd
    );
    /// @notice The last shares left the agent's active pool and left `amount` behind (their
    /// virtual shares' part and rounding dust): it left the pool, which starts again at the empty
    /// price, and joins the rewards, vesting to whoever stakes next (the {RewardsAdded} that follows,
    /// from this contract).
    event StrandedStakeRecycled(uint256 indexed agentId, uint256 amount);
    /// @notice `amount` of the agent's rewards vested into its active pool (its assets grew by
    /// `amount`, its shares did not change); `unvested` remain. Emitted by the first call after
    /// some time that touches the pool (delegate, unbond, addRewards, a dispute's snapshot or slash).
    event RewardsVested(uint256 indexed agentId, uint256 amount, uint256 unvested);
    /// @notice The agent's active pool had no shares since the last accrual, so nothing vested and
    /// the vesting end moved by that time to `vestingEnd`.
    event RewardVestingPostponed(uint256 indexed agentId, uint64 vestingEnd);
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
    /// @notice The dispute's window passed without a decision; the bond went back to the disputer.
    event DisputeExpired(uint256 indexed disputeId, uint256 indexed agentId, uint256 bondReturned);
    /// @notice The arbiter closed the dispute as a draw: no slash, the bond back to the disputer.
    event DisputeDrawn(uint256 indexed disputeId, uint256 indexed agentId, uint256 bondReturned);
    /// @notice The stake the dispute may slash, fixed when it opened: the operator's self-bond
    /// (bonded + unbonding) and the delegated stake (active + unbonding pools).
    event DisputeSnapshot(uint256 indexed disputeId, uint256 indexed agentId, uint256 selfBond, uint256 delegated);
    /// @notice The dispute's evidence is a receipt (its EIP-712 digest is the dispute's evidence
    /// hash) signed by `signer`, an authorized signer of the agent at `issuedAt`.
    event ReceiptDisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed agentId,
        bytes32 indexed receiptDigest,
        address signer,
        ReceiptFault fault,
        bytes32 requestId,
        uint64 issuedAt
    );
    /// @notice The operator bonded `amount` more tokens of self-stake (`selfBond` after).
    event SelfBondAdded(uint256 indexed agentId, address indexed operator, uint256 amount, uint256 selfBond);
    /// @notice The operator started withdrawing `amount` of its self-bond; the whole unbonding
    /// self-bond (`unbonding`) is withdrawable from `releaseAt`.
    event SelfBondUnbonding(
        uint256 indexed agentId, address indexed operator, uint256 amount, uint256 unbonding, uint64 releaseAt
    );
    /// @notice The operator withdrew `amount` of unbonding self-bond.
    event SelfBondWithdrawn(uint256 indexed agentId, address indexed operator, uint256 amount);
    /// @notice A slash took `fromBond` from the self-bond and `fromUnbonding` from the unbonding
    /// self-bond (what remains of each is given).
    event SelfBondSlashed(
        uint256 indexed agentId,
        uint256 indexed disputeId,
        uint256 fromBond,
        uint256 fromUnbonding,
        uint256 selfBondAfter,
        uint256 selfBondUnbondingAfter
    );
    /// @notice The operator authorized (or revoked) `signer` to sign the agent's receipts, from `since`.
    event AgentSignerSet(uint256 indexed agentId, address indexed signer, bool authorized, uint48 since);
    /// @notice Governance authorized (or revoked) `signer` as a pool usage-signing key, from `since`.
    event PoolSignerSet(address indexed signer, bool authorized, uint48 since);
    /// @notice The agent's spec hash became `specHash` (its `version`-th, counting from 1) from
    /// block `fromBlock`.
    event AgentSpecHashSet(uint256 indexed agentId, bytes32 indexed specHash, uint256 version, uint48 fromBlock);
    /// @notice Governance parameters were set (also emitted by the constructor).
    event ParamsUpdated(Params params);
    /// @notice The treasury changed (also emitted by the constructor, from `address(0)`).
    event TreasuryUpdated(address indexed previousTreasury, address indexed newTreasury);

    // ───────────────────────────── Agents ─────────────────────────────

    /// @notice Registers an agent operated by the caller, pulling `selfBond` tokens from it as the
    /// operator's self-bond.
    /// Emits an {AgentRegistered}, an {AgentSpecHashSet} and a {SelfBondAdded} event.
    /// @param specHash Canonical hash of the agent spec (non-zero).
    /// @param metadataURI Where the spec and metadata can be fetched.
    /// @param minStake Active stake the agent needs to be {isActive}.
    /// @param selfBond The operator's self-bond, at least `params().minSelfBond`.
    /// @return agentId The new agent's id (counter starting at 1).
    function registerAgent(bytes32 specHash, string calldata metadataURI, uint256 minStake, uint256 selfBond)
        external
        returns (uint256 agentId);

    /// @notice Adds `amount` tokens to the agent's self-bond. Operator only.
    /// Emits a {SelfBondAdded} event.
    function addSelfBond(uint256 agentId, uint256 amount) external;

    /// @notice Moves `amount` of the self-bond into the operator's unbonding self-bond (still
    /// slashable), withdrawable one unbonding delay from now (the whole unbonding amount). Operator only.
    /// Emits a {SelfBondUnbonding} event.
    function unbondSelfBond(uint256 agentId, uint256 amount) external;

    /// @notice Pays the unbonding self-bond to the operator once released and not frozen by a
    /// dispute that covers it. Operator only.
    /// Emits a {SelfBondWithdrawn} event.
    /// @return amount Tokens paid.
    function withdrawSelfBond(uint256 agentId) external returns (uint256 amount);

    /// @notice Authorizes (or revokes) `signer` to sign the agent's receipts from now on; the
    /// history stays readable ({isAgentSignerAt}). Operator only.
    /// Emits an {AgentSignerSet} event.
    function setAgentSigner(uint256 agentId, address signer, bool authorized) external;

    /// @notice Replaces the agent's spec hash and metadata URI. Operator only.
    /// Emits an {AgentUpdated} and an {AgentSpecHashSet} event.
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
    /// The caller's position after it must hold at least {minPositionShares} (a top-up of a
    /// position at the minimum may be any size), else {StakingPositionTooSmall}.
    /// Emits a {StakeDelegated} event.
    /// @return shares Active shares minted.
    function delegate(uint256 agentId, uint256 assets) external returns (uint256 shares);

    /// @notice Burns `shares` of the caller's active shares and moves the assets they are worth
    /// into the agent's unbonding pool, where they stay slashable until withdrawn.
    /// What the caller keeps must be none or at least {minPositionShares}, else
    /// {StakingPositionTooSmall}: to exit, unbond every share. When these are the pool's last
    /// shares, what they leave in it joins the rewards ({StrandedStakeRecycled}).
    /// Emits an {UnbondingStarted} event.
    /// @return unbondingId Id of the new unbonding entry.
    function unbond(uint256 agentId, uint256 shares) external returns (uint256 unbondingId);

    /// @notice Pays the entry's current value (after any slash) to its delegator and deletes it.
    /// Emits a {StakeWithdrawn} event.
    /// @return assets Tokens paid.
    function withdraw(uint256 unbondingId) external returns (uint256 assets);

    /// @notice Pulls `amount` tokens of rewards from the caller for the agent's active pool. They
    /// do not raise the share price at once: they vest into the pool linearly, merged with what is
    /// still vesting (the new end is the amount-weighted average of the remaining time of the
    /// unvested rewards and `rewardVestingPeriod` for the new ones), so they pay the stake held
    /// through the vesting window, not whoever holds shares at the moment they arrive. Nothing
    /// vests while the pool has no shares. Reverts while the pool has no shares.
    /// Emits a {RewardsAdded} event (after a {RewardsVested} event when some rewards vested).
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

    /// @notice Opens a dispute whose evidence is a receipt of the agent: the receipt must be signed
    /// by a signer authorized for `receipt.agentId` at `receipt.issuedAt`, and `lists` must hash to
    /// the receipt's four list hashes. The receipt's EIP-712 digest is the evidence hash (one
    /// dispute per receipt). Same bond and rules as {openDispute}.
    /// Emits a {DisputeOpened}, a {DisputeSnapshot} and a {ReceiptDisputeOpened} event.
    function openDisputeWithReceipt(
        Receipt calldata receipt,
        bytes calldata signature,
        ReceiptLists calldata lists,
        ReceiptFault fault,
        string calldata evidenceURI
    ) external returns (uint256 disputeId);

    /// @notice Upholds the dispute: slashes `slashBps` of the dispute's stake snapshot, the
    /// operator's self-bond first and only the rest from the delegators' pools (pro rata), pays the
    /// disputer their bond back and a reward taken from the self-bond's loss only, and the rest
    /// of the slash to the treasury.
    /// Emits a {SelfBondSlashed}, a {Slashed} and a {DisputeAccepted} event.
    function acceptDispute(uint256 disputeId, uint16 slashBps) external;

    /// @notice Dismisses the dispute; its bond goes to the treasury.
    /// Emits a {DisputeRejected} event.
    function rejectDispute(uint256 disputeId) external;

    /// @notice Closes the dispute without a slash or a penalty: the bond goes back to the disputer.
    /// Emits a {DisputeDrawn} event.
    function drawDispute(uint256 disputeId) external;

    /// @notice Closes a dispute the arbiter left undecided past its deadline (anyone may call); the
    /// bond goes back to the disputer.
    /// Emits a {DisputeExpired} event.
    function expireDispute(uint256 disputeId) external;

    // ───────────────────────────── Governance ─────────────────────────────

    /// @notice Replaces the governance parameters. Existing unbonding entries and disputes keep
    /// the release time, deadline and bond they were created with.
    /// Emits a {ParamsUpdated} event.
    function setParams(Params calldata newParams) external;

    /// @notice Replaces the treasury that receives forfeited bonds and the treasury's share of slashes.
    /// Emits a {TreasuryUpdated} event.
    function setTreasury(address newTreasury) external;

    /// @notice Authorizes (or revokes) `signer` as a pool usage-signing key from now on (governance).
    /// Emits a {PoolSignerSet} event.
    function setPoolSigner(address signer, bool authorized) external;

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

    /// @notice The agent's record and pool totals (zeroed for an unknown id). `totalActiveAssets`
    /// counts the rewards vested by now, as the next call that touches the pool will.
    function getAgent(uint256 agentId) external view returns (AgentInfo memory);

    /// @notice True when the agent exists, its self-bond is at least the minimum and its active
    /// stake (vested rewards included) at least its minimum stake.
    function isActive(uint256 agentId) external view returns (bool);

    /// @notice The agent's rewards not vested yet and when they will all have vested, as of now
    /// (`0, 0` when none). While the active pool has no shares vesting is paused and `vestingEnd`
    /// moves forward with time.
    function rewardVesting(uint256 agentId) external view returns (uint256 unvested, uint64 vestingEnd);

    /// @notice Active shares `delegator` holds in the agent's pool.
    function sharesOf(uint256 agentId, address delegator) external view returns (uint256);

    /// @notice Active shares {delegate} would mint for `assets` now (rounded down; rewards vested
    /// by now included in the price).
    function previewDelegate(uint256 agentId, uint256 assets) external view returns (uint256);

    /// @notice Fewest active shares a position in the agent may hold now, unless it holds none:
    /// `MIN_POSITION_SHARES`, or what `MIN_POSITION_VALUE` (1 token) buys when that is fewer.
    function minPositionShares(uint256 agentId) external view returns (uint256);

    /// @notice Assets `shares` active shares are worth now (rounded down; rewards vested by now
    /// included): what {unbond} moves.
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

    /// @notice The agent's open disputes, in no particular order.
    function openDisputeIds(uint256 agentId) external view returns (uint256[] memory);

    /// @notice Whether `signer` may sign the agent's receipts now.
    function isAgentSigner(uint256 agentId, address signer) external view returns (bool);

    /// @notice Whether `signer` could sign the agent's receipts at unix time `timestamp`.
    function isAgentSignerAt(uint256 agentId, address signer, uint64 timestamp) external view returns (bool);

    /// @notice Whether `signer` is a pool usage-signing key now.
    function isPoolSigner(address signer) external view returns (bool);

    /// @notice Whether `signer` was a pool usage-signing key at unix time `timestamp`.
    function isPoolSignerAt(address signer, uint64 timestamp) external view returns (bool);

    /// @notice The agent's spec hash live at block `blockNumber` (zero before it was registered).
    function specHashAt(uint256 agentId, uint256 blockNumber) external view returns (bytes32);

    /// @notice How many spec hashes the agent has had (its registration's counts as the first).
    function specHashCount(uint256 agentId) external view returns (uint256);

    /// @notice The EIP-712 digest of a receipt under this contract's domain.
    function hashReceipt(Receipt calldata receipt) external view returns (bytes32);

    /// @notice Who signed the receipt (`address(0)` for a malformed signature).
    function recoverReceiptSigner(Receipt calldata receipt, bytes calldata signature) external view returns (address);
}
