// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IContributionVotes} from "../governance/IContributionVotes.sol";

/// @title IAttributionSettlement
/// @notice Proof-of-Attribution payouts: payer escrow, EIP-712 cumulative vouchers (one-way payment
/// channels) redeemed for exact amounts, sequential epoch Merkle roots of settlement leaves (see
/// `schema/settlement-leaf.md`) with a challenge delay, permissionless bonded challenges, a fast
/// veto, earner claims, staker-reward claims into AgentStaking, and separately minted votes.
/// @dev Every state change emits an event carrying enough data to rebuild state from logs alone:
/// escrow = Σ {Deposited} − Σ {VoucherRedeemed} − Σ {WithdrawalExecuted}; roots from {RootProposed},
/// {RootChallenged}, {RootChallengeResolved} and {RootVetoed}; claims from {Claimed} and
/// {StakerRewardsClaimed}; votes from {VotesRecorded} and {VotesMinted}; parameters from
/// {ParamsUpdated} (also emitted at deployment).
interface IAttributionSettlement {
    // ---------------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------------

    /// @notice Governance-tunable delays.
    /// @param withdrawalDelay Seconds between {requestWithdrawal} and {executeWithdrawal}; the
    /// settler's window to redeem the payer's outstanding vouchers.
    /// @param challengeDelay Seconds between {proposeRoot} and the root going live; the challenge and
    /// veto window. Never below {vetoLatency} (the time a governance veto needs) nor {MIN_CHALLENGE_DELAY}.
    /// @param challengeBond Payment tokens a challenger locks in {challengeRoot}; must be > 0.
    struct Params {
        uint64 withdrawalDelay;
        uint64 challengeDelay;
        uint256 challengeBond;
    }

    /// @notice Where a root stands. A `Pending` root whose `liveAt` has passed is live (final).
    /// `Challenged` roots are frozen (never live) until the veto role resolves the challenge.
    enum RootStatus {
        None,
        Pending,
        Challenged,
        Vetoed
    }

    /// @notice A payer's signed, cumulative spending cap (EIP-712 typed struct
    /// `Voucher(address payer,uint256 cumulativeAmount,uint64 expiry)`).
    /// @param payer The escrow owner whose signature authorises the spend.
    /// @param cumulativeAmount Total the payer has ever authorised to the settler, across all vouchers.
    /// @param expiry Last second (inclusive) at which the voucher can be redeemed.
    struct Voucher {
        address payer;
        uint256 cumulativeAmount;
        uint64 expiry;
    }

    /// @notice A payer's pending withdrawal (zero amount: none). It can be executed from
    /// `executableAt` up to and including {withdrawalWindowEnd}; after that it has lapsed.
    struct Withdrawal {
        uint256 amount;
        uint64 executableAt;
    }

    /// @notice An epoch root as stored on chain (the data URI is only in {RootProposed}).
    /// @param root Merkle root over StandardMerkleTree leaves `(uint8 kind, address account, uint256
    /// agentId, uint256 cumulativeAmount, uint256 cumulativeVoteEligible)` (`schema/settlement-leaf.md`).
    /// @param totalCumulative Σ of all leaves' `cumulativeAmount` (both kinds), as attested by the settler.
    /// @param dataHash StandardMerkleTree root (leaf type `bytes32`) of the epoch's receipt digests, so
    /// anyone can prove a receipt is in the epoch.
    /// @param redeemedAtProposal {totalRedeemed} when the root was proposed (bounds the next root's increase).
    /// @param proposedAt When the root was proposed (0: no root for this epoch).
    /// @param liveAt When the root becomes claimable unless challenged or vetoed.
    /// @param status See {RootStatus}.
    /// @param challenger Who challenged the root (zero: never challenged, or the challenge was rejected).
    /// @param challengeBond The bond the open challenge locked (0: no open challenge).
    struct RootInfo {
        bytes32 root;
        uint256 totalCumulative;
        bytes32 dataHash;
        uint256 redeemedAtProposal;
        uint64 proposedAt;
        uint64 liveAt;
        RootStatus status;
        address challenger;
        uint256 challengeBond;
    }

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice A required address (constructor argument, payer) is the zero address.
    error SettlementZeroAddress();

    /// @notice A token amount that must be positive is zero.
    error SettlementZeroAmount();

    /// @notice Claims cannot be paid to `recipient` (the settlement contract itself, where they would be stranded).
    error SettlementInvalidRecipient(address recipient);

    /// @notice `withdrawalDelay` is outside `[min, max]`.
    error SettlementWithdrawalDelayOutOfBounds(uint64 withdrawalDelay, uint64 min, uint64 max);

    /// @notice `challengeDelay` is outside `[min, max]` (`min` is the larger of {MIN_CHALLENGE_DELAY}
    /// and {vetoLatency}).
    error SettlementChallengeDelayOutOfBounds(uint64 challengeDelay, uint64 min, uint64 max);

    /// @notice The challenge bond cannot be zero.
    error SettlementZeroChallengeBond();

    /// @notice The votes token's minter is `minter`, not this contract: claims could never mint votes.
    error SettlementNotVotesMinter(address minter);

    /// @notice `payer` has no pending withdrawal.
    error SettlementNoPendingWithdrawal(address payer);

    /// @notice The pending withdrawal cannot be executed before `executableAt`.
    error SettlementWithdrawalNotReady(address payer, uint64 executableAt, uint64 now_);

    /// @notice The pending withdrawal lapsed at `windowEnd` (executable up to and including that
    /// second); the payer must request again, restarting the delay.
    error SettlementWithdrawalLapsed(address payer, uint64 windowEnd, uint64 now_);

    /// @notice Too little gas is left to give a contract payer's ERC-1271 check its full
    /// {ERC1271_GAS_LIMIT}; reverting (rather than treating the signature as invalid) keeps a
    /// short gas limit from silently skipping valid vouchers.
    error SettlementInsufficientGas(uint256 gasLeft, uint256 required);

    /// @notice The voucher expired at `expiry` (redeemable up to and including that second).
    error SettlementVoucherExpired(address payer, uint64 expiry, uint64 now_);

    /// @notice The signature is not `payer`'s over the voucher: it neither ECDSA-recovers to `payer` nor
    /// is accepted by `payer`'s ERC-1271 `isValidSignature` (when `payer` has code).
    error SettlementInvalidSignature(address payer);

    /// @notice The voucher's cumulative cap is not above what was already redeemed for `payer`
    /// (a replayed or older voucher).
    error SettlementVoucherNotAboveRedeemed(address payer, uint256 cumulativeAmount, uint256 redeemed);

    /// @notice `amount` exceeds what the voucher still allows (`open` = its cap − redeemedOf(payer)).
    error SettlementRedeemExceedsVoucher(address payer, uint256 amount, uint256 open);

    /// @notice `amount` exceeds `payer`'s escrow.
    error SettlementRedeemExceedsEscrow(address payer, uint256 amount, uint256 escrow);

    /// @notice Batch arrays differ in length.
    error SettlementLengthMismatch(uint256 vouchers, uint256 signatures, uint256 amounts);

    /// @notice Epochs are sequential: the next root must be for `expected` (latest proposed + 1).
    error SettlementEpochNotNext(uint256 epoch, uint256 expected);

    /// @notice A root (or its data hash) cannot be zero.
    error SettlementZeroRoot(uint256 epoch);

    /// @notice The root of `epoch` is still pending or challenged: only one root is open at a time.
    error SettlementRootStillOpen(uint256 epoch);

    /// @notice A root's total is below the previous live root's total.
    error SettlementRootTotalDecreased(uint256 totalCumulative, uint256 previousTotalCumulative);

    /// @notice A root's total grew by more than was redeemed since the previous live root was proposed.
    error SettlementRootIncreaseExceedsRedeemed(uint256 increase, uint256 redeemedSince);

    /// @notice No root was proposed for `epoch`.
    error SettlementUnknownEpoch(uint256 epoch);

    /// @notice The root of `epoch` is not pending (already vetoed, or challenged when a challenge was attempted).
    error SettlementRootNotPending(uint256 epoch, RootStatus status);

    /// @notice The root of `epoch` has no open challenge.
    error SettlementRootNotChallenged(uint256 epoch);

    /// @notice The root of `epoch` went live at `liveAt`; it can no longer be challenged or vetoed.
    error SettlementRootAlreadyLive(uint256 epoch, uint64 liveAt);

    /// @notice No root is live yet.
    error SettlementNoLiveRoot();

    /// @notice The proof does not show the earner leaf `(account, cumulativeEarned, cumulativeVoteEligible)`
    /// in the live root of `epoch`.
    error SettlementInvalidProof(uint256 epoch, address account, uint256 cumulativeEarned);

    /// @notice The proof does not show the stakers leaf `(agentId, cumulativeAmount)` in the live root of `epoch`.
    error SettlementInvalidStakersProof(uint256 epoch, uint256 agentId, uint256 cumulativeAmount);

    /// @notice A leaf's vote-eligible amount exceeds its earnings.
    error SettlementVotesExceedEarnings(address account, uint256 cumulativeVoteEligible, uint256 cumulativeEarned);

    /// @notice Neither earnings nor vote-eligible earnings are above what `account` already claimed / recorded.
    error SettlementNothingToClaim(address account, uint256 cumulativeEarned, uint256 claimed);

    /// @notice `cumulativeAmount` is not above what agent `agentId`'s stakers already received.
    error SettlementNoStakerRewards(uint256 agentId, uint256 cumulativeAmount, uint256 claimed);

    /// @notice `account` is owed no votes.
    error SettlementNoVotesOwed(address account);

    /// @notice The claim would lift `totalClaimed` above the live root's attested total (itself never
    /// above `totalRedeemed`): the hard solvency guard.
    error SettlementClaimExceedsRoot(uint256 epoch, uint256 totalClaimed, uint256 totalCumulative);

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice `from` moved `amount` tokens into `payer`'s escrow.
    event Deposited(address indexed payer, address indexed from, uint256 amount);

    /// @notice `payer` asked to withdraw up to `amount` from `executableAt`; replaces any earlier request.
    event WithdrawalRequested(address indexed payer, uint256 amount, uint64 executableAt);

    /// @notice `payer` cancelled its pending request for `amount`.
    event WithdrawalCancelled(address indexed payer, uint256 amount);

    /// @notice `payer`'s request for `requested` was executed, paying `amount` (= min(requested, escrow)).
    event WithdrawalExecuted(address indexed payer, uint256 requested, uint256 amount);

    /// @notice `settler` moved `amount` of `payer`'s escrow into the redeemed pool; `cumulativeRedeemed`
    /// is everything ever redeemed from `payer`.
    event VoucherRedeemed(address indexed payer, address indexed settler, uint256 amount, uint256 cumulativeRedeemed);

    /// @notice {redeemVouchers} skipped a voucher of `payer` that could not be redeemed; `reason` is the
    /// selector of the error {redeemVoucher} would have reverted with (`SettlementVoucherExpired`,
    /// `SettlementInvalidSignature`, `SettlementZeroAmount`, `SettlementVoucherNotAboveRedeemed`,
    /// `SettlementRedeemExceedsVoucher` or `SettlementRedeemExceedsEscrow`).
    event VoucherSkipped(address indexed payer, bytes4 reason);

    /// @notice The settler proposed `root` for `epoch`; claimable from `liveAt` unless challenged or vetoed.
    /// `dataHash` is the Merkle root of the epoch's receipt digests, `dataURI` where the receipts file lives.
    event RootProposed(
        uint256 indexed epoch, bytes32 root, uint256 totalCumulative, bytes32 dataHash, string dataURI, uint64 liveAt
    );

    /// @notice `challenger` froze the pending root of `epoch` with `bond`; `reason` says why (free text or a URI).
    event RootChallenged(uint256 indexed epoch, address indexed challenger, uint256 bond, string reason);

    /// @notice `resolver` resolved the challenge of `epoch`: `upheld` (the root is vetoed and the bond
    /// returned to `challenger`) or rejected (the bond went to the treasury and the root is pending
    /// again, live from `liveAt`).
    event RootChallengeResolved(
        uint256 indexed epoch,
        address indexed resolver,
        address indexed challenger,
        bool upheld,
        uint256 bond,
        uint64 liveAt
    );

    /// @notice `vetoer` vetoed the root of `epoch`; it will never be claimable.
    event RootVetoed(uint256 indexed epoch, address indexed vetoer);

    /// @notice `amount` was paid to `recipient` for `account`, whose claimed total is now `cumulativeClaimed`.
    event Claimed(address indexed account, address indexed recipient, uint256 amount, uint256 cumulativeClaimed);

    /// @notice A claim recorded `amount` more votes owed to `account` (vote-eligible earnings now
    /// `cumulativeVoteEligible`); {mintVotes} mints them.
    event VotesRecorded(address indexed account, uint256 amount, uint256 cumulativeVoteEligible);

    /// @notice `amount` ContributionVotes were minted to `account` (everything owed to it).
    event VotesMinted(address indexed account, uint256 amount);

    /// @notice `amount` was added to agent `agentId`'s staking rewards; its stakers have now received
    /// `cumulativeClaimed`.
    event StakerRewardsClaimed(
        uint256 indexed agentId, address indexed caller, uint256 amount, uint256 cumulativeClaimed
    );

    /// @notice `account`'s claims now pay `recipient` (the account itself when it reset the choice).
    event ClaimRecipientSet(address indexed account, address indexed recipient);

    /// @notice The parameters are now `withdrawalDelay`, `challengeDelay` and `challengeBond`.
    event ParamsUpdated(uint64 withdrawalDelay, uint64 challengeDelay, uint256 challengeBond);

    // ---------------------------------------------------------------------------------------------
    // Escrow
    // ---------------------------------------------------------------------------------------------

    /// @notice Moves `amount` tokens from the caller into the caller's escrow.
    /// @dev Requires an allowance. Emits a {Deposited} event.
    function deposit(uint256 amount) external;

    /// @notice Moves `amount` tokens from the caller into `payer`'s escrow.
    /// @dev Requires an allowance. Emits a {Deposited} event.
    function depositFor(address payer, uint256 amount) external;

    /// @notice Starts the withdrawal timer for up to `amount` of the caller's escrow, replacing any
    /// pending request. The escrow stays redeemable until the withdrawal is executed. The request
    /// can be executed from `executableAt = now + withdrawalDelay` until `executableAt +
    /// withdrawalDelay` ({withdrawalWindowEnd}); after that it lapses and must be made again.
    /// @dev `amount` may exceed the current escrow (e.g. `type(uint256).max` to close the channel):
    /// execution pays the minimum of the two. Emits a {WithdrawalRequested} event.
    function requestWithdrawal(uint256 amount) external;

    /// @notice Cancels the caller's pending withdrawal.
    /// @dev Emits a {WithdrawalCancelled} event.
    function cancelWithdrawal() external;

    /// @notice Executes the caller's pending withdrawal once its delay has passed and before it
    /// lapsed (`executableAt <= now <= withdrawalWindowEnd`), paying min(requested, escrow) and
    /// clearing the request.
    /// @return amount The tokens paid out (possibly zero when the escrow was redeemed meanwhile).
    /// @dev Emits a {WithdrawalExecuted} event.
    function executeWithdrawal() external returns (uint256 amount);

    // ---------------------------------------------------------------------------------------------
    // Vouchers
    // ---------------------------------------------------------------------------------------------

    /// @notice Redeems exactly `amount` of `payer`'s escrow under `voucher` (what the receipts charged).
    /// Only the settler. Requires `0 < amount <= voucher.cumulativeAmount − redeemedOf(payer)` and
    /// `amount <= escrowOf(payer)`.
    /// @dev Emits a {VoucherRedeemed} event.
    function redeemVoucher(Voucher calldata voucher, bytes calldata signature, uint256 amount) external;

    /// @notice Redeems several vouchers in order, each for exactly its `amounts[i]`, skipping (instead
    /// of reverting on) any that cannot be redeemed at its turn (see {VoucherSkipped}). Only the
    /// settler. A contract payer's ERC-1271 check gets at most {ERC1271_GAS_LIMIT} gas.
    /// @return total The sum redeemed (skipped vouchers count 0).
    /// @dev Emits a {VoucherRedeemed} event per redeemed voucher and a {VoucherSkipped} event per
    /// skipped one.
    function redeemVouchers(Voucher[] calldata vouchers, bytes[] calldata signatures, uint256[] calldata amounts)
        external
        returns (uint256 total);

    // ---------------------------------------------------------------------------------------------
    // Roots
    // ---------------------------------------------------------------------------------------------

    /// @notice Proposes the Merkle root of `epoch`; it becomes claimable at `now + challengeDelay`
    /// unless challenged or vetoed before. Only the settler. Epochs are sequential (`epoch ==
    /// latestProposedEpoch() + 1`) and one root is open at a time: the previous root must be live or
    /// vetoed.
    /// @param totalCumulative Σ of all leaves' cumulativeAmount; at least the previous live root's
    /// total, and above it by at most what was redeemed since that root was proposed.
    /// @param dataHash StandardMerkleTree root of the epoch's receipt digests (non-zero).
    /// @param dataURI Where the epoch's receipts file is published.
    /// @return liveAt When the root becomes claimable.
    /// @dev Emits a {RootProposed} event.
    function proposeRoot(
        uint256 epoch,
        bytes32 root,
        uint256 totalCumulative,
        bytes32 dataHash,
        string calldata dataURI
    ) external returns (uint64 liveAt);

    /// @notice Freezes the pending root of `epoch` until the veto role resolves the challenge, locking
    /// `params().challengeBond` payment tokens from the caller. Anyone may call, before the root's `liveAt`.
    /// @dev Requires an allowance. Emits a {RootChallenged} event.
    function challengeRoot(uint256 epoch, string calldata reason) external;

    /// @notice Resolves the open challenge of `epoch`. Only the veto role. Upheld: the root is vetoed
    /// and the bond returned to the challenger. Rejected: the bond goes to the treasury and the root is
    /// pending again, live at the later of its `liveAt` and now.
    /// @dev Emits {RootChallengeResolved} (and {RootVetoed} when upheld).
    function resolveChallenge(uint256 epoch, bool upheld) external;

    /// @notice Vetoes the pending or challenged root of `epoch` before it goes live (an open challenge
    /// counts as upheld: its bond is returned). Only the veto role (the guardian: fast; the timelock).
    /// @dev Emits a {RootVetoed} event (and {RootChallengeResolved} when it was challenged).
    function vetoRoot(uint256 epoch) external;

    // ---------------------------------------------------------------------------------------------
    // Claims
    // ---------------------------------------------------------------------------------------------

    /// @notice Pays `account` (to its claim recipient) `cumulativeEarned − claimedOf(account)` and
    /// records `cumulativeVoteEligible − votesRecordedOf(account)` votes owed to it, for the earner leaf
    /// proven against the latest live root. Mints nothing ({mintVotes} does), so claims never depend on
    /// the votes token. Votes are never recorded for the {treasury}. Anyone may call.
    /// @return amount The tokens paid (may be 0 when only votes were recorded).
    /// @dev Emits {Claimed} when tokens are paid and {VotesRecorded} when votes are recorded.
    function claim(address account, uint256 cumulativeEarned, uint256 cumulativeVoteEligible, bytes32[] calldata proof)
        external
        returns (uint256 amount);

    /// @notice Adds `cumulativeAmount − stakerRewardsClaimedOf(agentId)` to agent `agentId`'s staking
    /// rewards (`AgentStaking.addRewards`), for the stakers leaf proven against the latest live root.
    /// Anyone may call: AgentStaking vests rewards into the pool over its `rewardVestingPeriod`, so
    /// timing a delegation around this call gains nothing. Reverts (and the rewards wait) while
    /// AgentStaking cannot take them (e.g. no stakers).
    /// @return amount The tokens moved to AgentStaking.
    /// @dev Emits a {StakerRewardsClaimed} event.
    function claimStakerRewards(uint256 agentId, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        returns (uint256 amount);

    /// @notice Mints every vote owed to `account` ({votesOwedOf}). Anyone may call.
    /// @return amount The votes minted.
    /// @dev Emits a {VotesMinted} event.
    function mintVotes(address account) external returns (uint256 amount);

    /// @notice Sets where the caller's claims are paid; `address(0)` resets it to the caller itself.
    /// @dev The recipient cannot be this contract. Emits a {ClaimRecipientSet} event.
    function setClaimRecipient(address recipient) external;

    // ---------------------------------------------------------------------------------------------
    // Governance
    // ---------------------------------------------------------------------------------------------

    /// @notice Updates the parameters. Only the parameter role.
    /// @dev Emits a {ParamsUpdated} event.
    function setParams(Params calldata p) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The role allowed to change {params}.
    function PARAMETER_ROLE() external view returns (bytes32);

    /// @notice The role allowed to redeem vouchers and propose roots (the pool's settlement service).
    function SETTLER_ROLE() external view returns (bytes32);

    /// @notice The role allowed to veto pending roots and resolve challenges (the governance timelock
    /// and the bootstrap guardian).
    function VETO_ROLE() external view returns (bytes32);

    /// @notice Leaf kind of an earner: `(0, account, 0, cumulativeEarned, cumulativeVoteEligible)`.
    function LEAF_EARNER() external view returns (uint8);

    /// @notice Leaf kind of an agent's stakers: `(1, address(0), agentId, cumulativeAmount, 0)`.
    function LEAF_AGENT_STAKERS() external view returns (uint8);

    /// @notice The time a governance veto needs (seconds), fixed at deployment: the floor of
    /// {Params-challengeDelay}.
    function vetoLatency() external view returns (uint64);

    /// @notice Smallest allowed {Params-withdrawalDelay}.
    function MIN_WITHDRAWAL_DELAY() external view returns (uint64);

    /// @notice Largest allowed {Params-withdrawalDelay}.
    function MAX_WITHDRAWAL_DELAY() external view returns (uint64);

    /// @notice Smallest allowed {Params-challengeDelay}.
    function MIN_CHALLENGE_DELAY() external view returns (uint64);

    /// @notice Largest allowed {Params-challengeDelay}.
    function MAX_CHALLENGE_DELAY() external view returns (uint64);

    /// @notice Most gas forwarded to a payer's ERC-1271 `isValidSignature` (100,000).
    function ERC1271_GAS_LIMIT() external view returns (uint256);

    /// @notice keccak256("Voucher(address payer,uint256 cumulativeAmount,uint64 expiry)").
    function VOUCHER_TYPEHASH() external view returns (bytes32);

    /// @notice The escrowed payment token.
    function token() external view returns (IERC20);

    /// @notice The votes token {mintVotes} mints (this contract is its only minter).
    function votes() external view returns (IContributionVotes);

    /// @notice The AgentStaking contract staker rewards are added to.
    function staking() external view returns (address);

    /// @notice Receives forfeited challenge bonds; never earns votes.
    function treasury() external view returns (address);

    /// @notice Σ bonds of open challenges (held by this contract).
    function totalChallengeBonds() external view returns (uint256);

    /// @notice The current delays.
    function params() external view returns (Params memory);

    /// @notice Tokens in `payer`'s escrow (still redeemable by the settler).
    function escrowOf(address payer) external view returns (uint256);

    /// @notice Everything ever redeemed from `payer`'s vouchers.
    function redeemedOf(address payer) external view returns (uint256);

    /// @notice `payer`'s pending withdrawal (amount 0: none).
    function pendingWithdrawal(address payer) external view returns (Withdrawal memory);

    /// @notice The last second at which `payer`'s pending withdrawal can be executed (0: none pending).
    /// After it the request has lapsed: {executeWithdrawal} reverts until the payer requests again.
    function withdrawalWindowEnd(address payer) external view returns (uint64);

    /// @notice The root proposed for `epoch` (`proposedAt == 0`: none).
    function rootOf(uint256 epoch) external view returns (RootInfo memory);

    /// @notice The highest epoch ever proposed (0: none); epochs are 1, 2, 3, …
    function latestProposedEpoch() external view returns (uint256);

    /// @notice The number of roots ever proposed, vetoed ones included (equals {latestProposedEpoch}).
    function rootCount() external view returns (uint256);

    /// @notice The epoch claims verify against: the newest pending root whose `liveAt` has passed (0: none).
    function latestLiveEpoch() external view returns (uint256);

    /// @notice `account`'s claimed cumulative earnings.
    function claimedOf(address account) external view returns (uint256);

    /// @notice `account`'s vote-eligible cumulative earnings recorded by claims.
    function votesRecordedOf(address account) external view returns (uint256);

    /// @notice ContributionVotes ever minted to `account` by {mintVotes}.
    function votesMintedOf(address account) external view returns (uint256);

    /// @notice Votes recorded for `account` and not minted yet.
    function votesOwedOf(address account) external view returns (uint256);

    /// @notice What agent `agentId`'s stakers have received through {claimStakerRewards}.
    function stakerRewardsClaimedOf(uint256 agentId) external view returns (uint256);

    /// @notice The StandardMerkleTree leaf hash of an earner leaf.
    function earnerLeaf(address account, uint256 cumulativeEarned, uint256 cumulativeVoteEligible)
        external
        pure
        returns (bytes32);

    /// @notice The StandardMerkleTree leaf hash of an agent's stakers leaf.
    function stakersLeaf(uint256 agentId, uint256 cumulativeAmount) external pure returns (bytes32);

    /// @notice Where `account`'s claims are paid (the account itself unless it chose otherwise).
    function claimRecipientOf(address account) external view returns (address);

    /// @notice Everything ever redeemed from all payers.
    function totalRedeemed() external view returns (uint256);

    /// @notice Everything ever claimed by all accounts.
    function totalClaimed() external view returns (uint256);

    /// @notice The EIP-712 digest a payer signs for `voucher`.
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32);

    /// @notice The EIP-712 domain separator (name "Tributary Settlement", version "1").
    function domainSeparator() external view returns (bytes32);
}
