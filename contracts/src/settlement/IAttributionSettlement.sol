// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IContributionVotes} from "../governance/IContributionVotes.sol";

/// @title IAttributionSettlement
/// @notice Proof-of-Attribution payouts: payer escrow, EIP-712 cumulative vouchers (one-way payment
/// channels), epoch Merkle roots of `(account, cumulativeEarned)` with a challenge delay, and claims.
/// @dev Every state change emits an event carrying enough data to rebuild state from logs alone:
/// escrow = Σ {Deposited} − Σ {VoucherRedeemed} − Σ {WithdrawalExecuted}; roots from {RootProposed}
/// and {RootVetoed}; claims from {Claimed}; parameters from {ParamsUpdated} (also emitted at deployment).
interface IAttributionSettlement {
    // ---------------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------------

    /// @notice Governance-tunable delays.
    /// @param withdrawalDelay Seconds between {requestWithdrawal} and {executeWithdrawal}; the
    /// settler's window to redeem the payer's outstanding vouchers.
    /// @param challengeDelay Seconds between {proposeRoot} and the root going live; the veto window.
    struct Params {
        uint64 withdrawalDelay;
        uint64 challengeDelay;
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
    /// @param root Merkle root over StandardMerkleTree leaves of `(address account, uint256 cumulativeEarned)`.
    /// @param totalCumulative Σ of all leaves' `cumulativeEarned`, as attested by the settler.
    /// @param dataHash Hash of the published receipts behind the root, so anyone can recompute it.
    /// @param proposedAt When the root was proposed (0: no root for this epoch).
    /// @param liveAt When the root becomes claimable unless vetoed.
    /// @param vetoed Whether governance vetoed the root during its challenge window.
    struct RootInfo {
        bytes32 root;
        uint256 totalCumulative;
        bytes32 dataHash;
        uint64 proposedAt;
        uint64 liveAt;
        bool vetoed;
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

    /// @notice `challengeDelay` is outside `[min, max]`.
    error SettlementChallengeDelayOutOfBounds(uint64 challengeDelay, uint64 min, uint64 max);

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

    /// @notice `payer`'s escrow is empty, so the voucher cannot redeem anything.
    error SettlementEscrowEmpty(address payer);

    /// @notice Batch arrays differ in length.
    error SettlementLengthMismatch(uint256 vouchers, uint256 signatures);

    /// @notice Epochs must strictly increase.
    error SettlementEpochNotIncreasing(uint256 epoch, uint256 lastEpoch);

    /// @notice A root cannot be zero.
    error SettlementZeroRoot(uint256 epoch);

    /// @notice A root's total is below the previous non-vetoed root's total.
    error SettlementRootTotalDecreased(uint256 totalCumulative, uint256 previousTotalCumulative);

    /// @notice A root's total exceeds everything ever redeemed.
    error SettlementRootExceedsRedeemed(uint256 totalCumulative, uint256 totalRedeemed);

    /// @notice No root was proposed for `epoch`.
    error SettlementUnknownEpoch(uint256 epoch);

    /// @notice The root of `epoch` is already vetoed.
    error SettlementRootAlreadyVetoed(uint256 epoch);

    /// @notice The root of `epoch` went live at `liveAt`; it can no longer be vetoed.
    error SettlementRootAlreadyLive(uint256 epoch, uint64 liveAt);

    /// @notice No root is live yet.
    error SettlementNoLiveRoot();

    /// @notice The proof does not show `(account, cumulativeEarned)` in the live root of `epoch`.
    error SettlementInvalidProof(uint256 epoch, address account, uint256 cumulativeEarned);

    /// @notice `cumulativeEarned` is not above what `account` already claimed.
    error SettlementNothingToClaim(address account, uint256 cumulativeEarned, uint256 claimed);

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
    /// `SettlementInvalidSignature`, `SettlementVoucherNotAboveRedeemed` or `SettlementEscrowEmpty`).
    event VoucherSkipped(address indexed payer, bytes4 reason);

    /// @notice The settler proposed `root` for `epoch`; claimable from `liveAt` unless vetoed.
    event RootProposed(
        uint256 indexed epoch, bytes32 root, uint256 totalCumulative, bytes32 dataHash, string dataURI, uint64 liveAt
    );

    /// @notice `vetoer` vetoed the root of `epoch`; it will never be claimable.
    event RootVetoed(uint256 indexed epoch, address indexed vetoer);

    /// @notice `amount` was paid to `recipient` for `account`, whose claimed total is now `cumulativeClaimed`.
    event Claimed(address indexed account, address indexed recipient, uint256 amount, uint256 cumulativeClaimed);

    /// @notice `account`'s claims now pay `recipient` (the account itself when it reset the choice).
    event ClaimRecipientSet(address indexed account, address indexed recipient);

    /// @notice The delays are now `withdrawalDelay` and `challengeDelay`.
    event ParamsUpdated(uint64 withdrawalDelay, uint64 challengeDelay);

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

    /// @notice Redeems the part of `voucher` not redeemed before, capped by the payer's escrow.
    /// Only the settler.
    /// @return amount min(voucher.cumulativeAmount − redeemedOf(payer), escrowOf(payer)).
    /// @dev Emits a {VoucherRedeemed} event.
    function redeemVoucher(Voucher calldata voucher, bytes calldata signature) external returns (uint256 amount);

    /// @notice Redeems several vouchers in order, skipping (instead of reverting on) any that cannot be
    /// redeemed at its turn: expired, badly signed, not above what was redeemed, or escrow empty.
    /// Only the settler. A contract payer's ERC-1271 check gets at most {ERC1271_GAS_LIMIT} gas.
    /// @return total The sum redeemed (skipped vouchers count 0).
    /// @dev Emits a {VoucherRedeemed} event per redeemed voucher and a {VoucherSkipped} event per
    /// skipped one.
    function redeemVouchers(Voucher[] calldata vouchers, bytes[] calldata signatures) external returns (uint256 total);

    // ---------------------------------------------------------------------------------------------
    // Roots
    // ---------------------------------------------------------------------------------------------

    /// @notice Proposes the Merkle root of `epoch`; it becomes claimable after the challenge delay.
    /// Only the settler. `liveAt` is `now + challengeDelay`, raised to the previous root's `liveAt` if
    /// that is later, so roots go live in proposal order even after the delay was shortened.
    /// @param totalCumulative Σ of all leaves' cumulativeEarned; MUST be at least the previous
    /// non-vetoed root's and at most {totalRedeemed}.
    /// @param dataHash Hash of the published receipts behind the root.
    /// @param dataURI Where those receipts are published.
    /// @return liveAt When the root becomes claimable.
    /// @dev Emits a {RootProposed} event.
    function proposeRoot(
        uint256 epoch,
        bytes32 root,
        uint256 totalCumulative,
        bytes32 dataHash,
        string calldata dataURI
    ) external returns (uint64 liveAt);

    /// @notice Vetoes the pending root of `epoch` before it goes live. Only the veto role.
    /// @dev Emits a {RootVetoed} event.
    function vetoRoot(uint256 epoch) external;

    // ---------------------------------------------------------------------------------------------
    // Claims
    // ---------------------------------------------------------------------------------------------

    /// @notice Pays `account` (to its claim recipient) `cumulativeEarned − claimedOf(account)`, proven
    /// against the latest live root, and mints that many ContributionVotes to `account`. Anyone may call.
    /// @return amount The tokens paid.
    /// @dev Emits a {Claimed} event.
    function claim(address account, uint256 cumulativeEarned, bytes32[] calldata proof)
        external
        returns (uint256 amount);

    /// @notice Sets where the caller's claims are paid; `address(0)` resets it to the caller itself.
    /// @dev The recipient cannot be this contract. Emits a {ClaimRecipientSet} event.
    function setClaimRecipient(address recipient) external;

    // ---------------------------------------------------------------------------------------------
    // Governance
    // ---------------------------------------------------------------------------------------------

    /// @notice Updates the delays. Only the parameter role.
    /// @dev Emits a {ParamsUpdated} event.
    function setParams(Params calldata p) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The role allowed to change {params}.
    function PARAMETER_ROLE() external view returns (bytes32);

    /// @notice The role allowed to redeem vouchers and propose roots (the pool's settlement service).
    function SETTLER_ROLE() external view returns (bytes32);

    /// @notice The role allowed to veto pending roots (the governance timelock).
    function VETO_ROLE() external view returns (bytes32);

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

    /// @notice The votes token minted to earners on claims.
    function votes() external view returns (IContributionVotes);

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

    /// @notice The highest epoch ever proposed (0: none).
    function latestProposedEpoch() external view returns (uint256);

    /// @notice The number of roots ever proposed, vetoed ones included.
    function rootCount() external view returns (uint256);

    /// @notice The epoch claims verify against: the newest non-vetoed root whose `liveAt` has passed (0: none).
    function latestLiveEpoch() external view returns (uint256);

    /// @notice `account`'s claimed cumulative earnings.
    function claimedOf(address account) external view returns (uint256);

    /// @notice ContributionVotes ever minted to `account` by claims (equals {claimedOf}).
    function votesMintedOf(address account) external view returns (uint256);

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
