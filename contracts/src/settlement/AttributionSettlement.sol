// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IContributionVotes} from "../governance/IContributionVotes.sol";
import {IAttributionSettlement} from "./IAttributionSettlement.sol";

/// @title AttributionSettlement
/// @notice Proof-of-Attribution payouts. Payers escrow tokens and sign cumulative EIP-712 vouchers
/// (one-way payment channels); the settler redeems them into a pooled "redeemed" balance and posts
/// per-epoch Merkle roots of `(account, cumulativeEarned)`; after a challenge delay in which
/// governance may veto, anyone claims `cumulativeEarned − claimed` for an account against the
/// latest live root, which also mints the same amount of ContributionVotes to the account.
/// @dev Solvency rests on three facts that hold for the contract's whole life:
/// 1. Tokens held == Σ escrow + totalRedeemed − totalClaimed. Escrow only leaves through
///    redemption (into the redeemed pool) or the payer's own delayed withdrawal; the pool only
///    leaves through claims.
/// 2. A root's `totalCumulative` is at most `totalRedeemed` when proposed (and `totalRedeemed` never
///    decreases), and at least the previous non-vetoed root's, so the live root's total never
///    decreases over time (a live root can no longer be vetoed).
/// 3. A claim never lifts `totalClaimed` above the live root's `totalCumulative`, hence never above
///    `totalRedeemed`: a wrong root can at worst misallocate the redeemed pool, never touch escrow.
/// Roots are kept in proposal order with non-decreasing `liveAt` (a root never goes live before an
/// earlier one, even if the challenge delay was shortened), so the live root is found by a binary
/// search over the roots proposed since a cursor that {proposeRoot} advances: claim gas grows with
/// the log of the pending roots, not with history. Vetoed roots are skipped by a short backward scan
/// bounded by the number of vetoes. The receipts behind each root are published (hash + URI) in
/// {RootProposed}; the URI is not stored. Timestamps gate delays of an hour or more, so the few
/// seconds a block producer can skew them do not matter (hence the `block-timestamp` lint exemptions).
///
/// A withdrawal request is executable only inside `[executableAt, executableAt + withdrawalDelay]`:
/// a request left to lapse cannot later be used to race the settler's redemption of vouchers signed
/// long after the {WithdrawalRequested} the settler saw. Voucher signatures are checked by ECDSA
/// recovery first and only then by ERC-1271 (with bounded gas), so an EOA that gains code (EIP-7702)
/// cannot revoke the vouchers it signed with its key. {redeemVouchers} skips vouchers that cannot be
/// redeemed instead of reverting, so one front-run or bad voucher cannot sink a batch.
contract AttributionSettlement is IAttributionSettlement, AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IAttributionSettlement
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");
    /// @inheritdoc IAttributionSettlement
    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");
    /// @inheritdoc IAttributionSettlement
    bytes32 public constant VETO_ROLE = keccak256("VETO_ROLE");
    /// @inheritdoc IAttributionSettlement
    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address payer,uint256 cumulativeAmount,uint64 expiry)");

    /// @inheritdoc IAttributionSettlement
    uint256 public constant ERC1271_GAS_LIMIT = 100_000;

    /// @inheritdoc IAttributionSettlement
    uint64 public constant MIN_WITHDRAWAL_DELAY = 1 hours;
    /// @inheritdoc IAttributionSettlement
    uint64 public constant MAX_WITHDRAWAL_DELAY = 30 days;
    /// @inheritdoc IAttributionSettlement
    uint64 public constant MIN_CHALLENGE_DELAY = 1 hours;
    /// @inheritdoc IAttributionSettlement
    uint64 public constant MAX_CHALLENGE_DELAY = 30 days;

    /// @dev Storage form of a {Withdrawal}; `windowEnd` shares the slot with `executableAt`.
    struct PendingWithdrawal {
        uint256 amount;
        uint64 executableAt;
        uint64 windowEnd;
    }

    IERC20 private immutable _token;
    IContributionVotes private immutable _votes;

    Params private _params;

    mapping(address payer => uint256) private _escrow;
    mapping(address payer => uint256) private _redeemed;
    mapping(address payer => PendingWithdrawal) private _withdrawals;
    uint256 private _totalRedeemed;

    mapping(uint256 epoch => RootInfo) private _roots;
    /// @dev Proposed epochs in proposal (= increasing) order; their `liveAt` never decreases.
    uint256[] private _epochs;
    /// @dev The first `_settledCount` entries of `_epochs` are past their `liveAt`, hence final.
    uint256 private _settledCount;
    /// @dev The newest non-vetoed epoch among those first `_settledCount` entries (0: none).
    uint256 private _settledLiveEpoch;

    mapping(address account => uint256) private _claimed;
    mapping(address account => uint256) private _votesMinted;
    /// @dev Zero means "the account itself".
    mapping(address account => address) private _recipients;
    uint256 private _totalClaimed;

    /// @param admin Receives DEFAULT_ADMIN_ROLE and PARAMETER_ROLE (SETTLER_ROLE and VETO_ROLE are granted by it).
    /// @param token_ The escrowed payment token (plain ERC-20: no fee on transfer, no rebasing).
    /// @param votes_ The ContributionVotes token; this contract needs its MINTER_ROLE.
    /// @param p The initial delays, within the MIN/MAX bounds.
    constructor(address admin, IERC20 token_, IContributionVotes votes_, Params memory p)
        EIP712("Tributary Settlement", "1")
    {
        if (admin == address(0) || address(token_) == address(0) || address(votes_) == address(0)) {
            revert SettlementZeroAddress();
        }
        _token = token_;
        _votes = votes_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMETER_ROLE, admin);
        _setParams(p);
    }

    // ---------------------------------------------------------------------------------------------
    // External: escrow
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IAttributionSettlement
    function deposit(uint256 amount) external nonReentrant {
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IAttributionSettlement
    function depositFor(address payer, uint256 amount) external nonReentrant {
        if (payer == address(0)) revert SettlementZeroAddress();
        _deposit(payer, amount);
    }

    /// @inheritdoc IAttributionSettlement
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert SettlementZeroAmount();
        uint64 delay = _params.withdrawalDelay;
        uint64 executableAt = uint64(block.timestamp) + delay;
        _withdrawals[msg.sender] =
            PendingWithdrawal({amount: amount, executableAt: executableAt, windowEnd: executableAt + delay});
        emit WithdrawalRequested(msg.sender, amount, executableAt);
    }

    /// @inheritdoc IAttributionSettlement
    function cancelWithdrawal() external {
        uint256 amount = _withdrawals[msg.sender].amount;
        if (amount == 0) revert SettlementNoPendingWithdrawal(msg.sender);
        delete _withdrawals[msg.sender];
        emit WithdrawalCancelled(msg.sender, amount);
    }

    /// @inheritdoc IAttributionSettlement
    function executeWithdrawal() external nonReentrant returns (uint256 amount) {
        PendingWithdrawal memory w = _withdrawals[msg.sender];
        if (w.amount == 0) revert SettlementNoPendingWithdrawal(msg.sender);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < w.executableAt) {
            revert SettlementWithdrawalNotReady(msg.sender, w.executableAt, uint64(block.timestamp));
        }
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > w.windowEnd) {
            revert SettlementWithdrawalLapsed(msg.sender, w.windowEnd, uint64(block.timestamp));
        }
        delete _withdrawals[msg.sender];

        uint256 escrow = _escrow[msg.sender];
        amount = w.amount < escrow ? w.amount : escrow;
        // Cannot underflow: amount <= escrow.
        unchecked {
            _escrow[msg.sender] = escrow - amount;
        }
        emit WithdrawalExecuted(msg.sender, w.amount, amount);

        if (amount != 0) _token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // External: vouchers
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IAttributionSettlement
    function redeemVoucher(Voucher calldata voucher, bytes calldata signature)
        external
        onlyRole(SETTLER_ROLE)
        nonReentrant
        returns (uint256 amount)
    {
        amount = _redeem(voucher, signature, true);
    }

    /// @inheritdoc IAttributionSettlement
    function redeemVouchers(Voucher[] calldata vouchers, bytes[] calldata signatures)
        external
        onlyRole(SETTLER_ROLE)
        nonReentrant
        returns (uint256 total)
    {
        if (vouchers.length != signatures.length) {
            revert SettlementLengthMismatch(vouchers.length, signatures.length);
        }
        for (uint256 i = 0; i < vouchers.length; ++i) {
            total += _redeem(vouchers[i], signatures[i], false);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // External: roots
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IAttributionSettlement
    function proposeRoot(
        uint256 epoch,
        bytes32 root,
        uint256 totalCumulative,
        bytes32 dataHash,
        string calldata dataURI
    ) external onlyRole(SETTLER_ROLE) returns (uint64 liveAt) {
        uint256 count = _epochs.length;
        uint256 lastEpoch = count == 0 ? 0 : _epochs[count - 1];
        if (epoch <= lastEpoch) revert SettlementEpochNotIncreasing(epoch, lastEpoch);
        if (root == bytes32(0)) revert SettlementZeroRoot(epoch);

        _advanceCursor();
        uint256 previousTotal = _latestValidTotal();
        if (totalCumulative < previousTotal) revert SettlementRootTotalDecreased(totalCumulative, previousTotal);
        if (totalCumulative > _totalRedeemed) revert SettlementRootExceedsRedeemed(totalCumulative, _totalRedeemed);

        // Keep liveAt non-decreasing in proposal order (the binary search in {_findLive} relies on it).
        liveAt = uint64(block.timestamp) + _params.challengeDelay;
        if (count != 0) {
            uint64 previousLiveAt = _roots[lastEpoch].liveAt;
            if (liveAt < previousLiveAt) liveAt = previousLiveAt;
        }

        _roots[epoch] = RootInfo({
            root: root,
            totalCumulative: totalCumulative,
            dataHash: dataHash,
            proposedAt: uint64(block.timestamp),
            liveAt: liveAt,
            vetoed: false
        });
        _epochs.push(epoch);
        emit RootProposed(epoch, root, totalCumulative, dataHash, dataURI, liveAt);
    }

    /// @inheritdoc IAttributionSettlement
    function vetoRoot(uint256 epoch) external onlyRole(VETO_ROLE) {
        RootInfo storage info = _roots[epoch];
        if (info.proposedAt == 0) revert SettlementUnknownEpoch(epoch);
        if (info.vetoed) revert SettlementRootAlreadyVetoed(epoch);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= info.liveAt) revert SettlementRootAlreadyLive(epoch, info.liveAt);
        info.vetoed = true;
        emit RootVetoed(epoch, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // External: claims
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IAttributionSettlement
    function claim(address account, uint256 cumulativeEarned, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 amount)
    {
        (, uint256 epoch) = _findLive();
        if (epoch == 0) revert SettlementNoLiveRoot();
        RootInfo storage info = _roots[epoch];

        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeEarned))));
        if (!MerkleProof.verifyCalldata(proof, info.root, leaf)) {
            revert SettlementInvalidProof(epoch, account, cumulativeEarned);
        }

        uint256 alreadyClaimed = _claimed[account];
        if (cumulativeEarned <= alreadyClaimed) {
            revert SettlementNothingToClaim(account, cumulativeEarned, alreadyClaimed);
        }
        // Cannot underflow: cumulativeEarned > alreadyClaimed.
        unchecked {
            amount = cumulativeEarned - alreadyClaimed;
        }
        uint256 newTotalClaimed = _totalClaimed + amount;
        if (newTotalClaimed > info.totalCumulative) {
            revert SettlementClaimExceedsRoot(epoch, newTotalClaimed, info.totalCumulative);
        }

        _claimed[account] = cumulativeEarned;
        _totalClaimed = newTotalClaimed;
        uint256 votesToMint = _recordVotes(account, cumulativeEarned);
        address recipient = claimRecipientOf(account);
        emit Claimed(account, recipient, amount, cumulativeEarned);

        if (votesToMint != 0) _votes.mint(account, votesToMint);
        _token.safeTransfer(recipient, amount);
    }

    /// @inheritdoc IAttributionSettlement
    function setClaimRecipient(address recipient) external {
        if (recipient == address(this)) revert SettlementInvalidRecipient(recipient);
        if (recipient == msg.sender) recipient = address(0);
        _recipients[msg.sender] = recipient;
        emit ClaimRecipientSet(msg.sender, recipient == address(0) ? msg.sender : recipient);
    }

    // ---------------------------------------------------------------------------------------------
    // External: governance
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IAttributionSettlement
    function setParams(Params calldata p) external onlyRole(PARAMETER_ROLE) {
        _setParams(p);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    function _deposit(address payer, uint256 amount) internal {
        if (amount == 0) revert SettlementZeroAmount();
        _escrow[payer] += amount;
        emit Deposited(payer, msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @dev Redeems one voucher: the part above what was already redeemed, capped by the escrow. A
    /// voucher that cannot be redeemed reverts with its typed error when `strict`; otherwise it is
    /// skipped: a {VoucherSkipped} event carrying that error's selector, and 0 returned.
    function _redeem(Voucher calldata voucher, bytes calldata signature, bool strict)
        internal
        returns (uint256 amount)
    {
        address payer = voucher.payer;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > voucher.expiry) {
            if (strict) revert SettlementVoucherExpired(payer, voucher.expiry, uint64(block.timestamp));
            return _skip(payer, SettlementVoucherExpired.selector);
        }
        if (!_isValidSignature(payer, _hashVoucher(voucher), signature)) {
            if (strict) revert SettlementInvalidSignature(payer);
            return _skip(payer, SettlementInvalidSignature.selector);
        }
        uint256 redeemed = _redeemed[payer];
        if (voucher.cumulativeAmount <= redeemed) {
            if (strict) revert SettlementVoucherNotAboveRedeemed(payer, voucher.cumulativeAmount, redeemed);
            return _skip(payer, SettlementVoucherNotAboveRedeemed.selector);
        }
        uint256 escrow = _escrow[payer];
        if (escrow == 0) {
            if (strict) revert SettlementEscrowEmpty(payer);
            return _skip(payer, SettlementEscrowEmpty.selector);
        }

        uint256 newRedeemed;
        // Cannot overflow or underflow: cumulativeAmount > redeemed, amount <= escrow, and
        // redeemed + amount <= cumulativeAmount.
        unchecked {
            uint256 open = voucher.cumulativeAmount - redeemed;
            amount = open < escrow ? open : escrow;
            _escrow[payer] = escrow - amount;
            newRedeemed = redeemed + amount;
        }
        _redeemed[payer] = newRedeemed;
        _totalRedeemed += amount;
        emit VoucherRedeemed(payer, msg.sender, amount, newRedeemed);
    }

    /// @dev Records a skipped voucher of `payer`; returns the 0 it redeemed.
    /// Emits a {VoucherSkipped} event.
    function _skip(address payer, bytes4 reason) internal returns (uint256) {
        emit VoucherSkipped(payer, reason);
        return 0;
    }

    /// @dev Whether `signature` is `signer`'s over `hash`: an ECDSA signature recovering to `signer`
    /// (checked first, whether or not `signer` has code, so an EOA that later gains code through an
    /// EIP-7702 delegation stays bound by what it signed with its key), otherwise, when `signer` has
    /// code, its ERC-1271 approval. The ERC-1271 call gets at most {ERC1271_GAS_LIMIT} gas and only 32
    /// bytes of its answer are copied, so a hostile wallet cannot burn a batch's gas; if less than
    /// that limit is left the call reverts ({SettlementInsufficientGas}) rather than deem the
    /// signature invalid, so a short gas limit can never make a batch skip a valid voucher. (The
    /// ERC-1271 part is OpenZeppelin's `SignatureChecker.isValidERC1271SignatureNowCalldata` with
    /// the gas bound added.)
    function _isValidSignature(address signer, bytes32 hash, bytes calldata signature) internal view returns (bool) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(hash, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        if (signer.code.length == 0) return false;

        // All but 1/64 of what is left is forwarded (EIP-150): keep enough for the full limit, plus a
        // margin for the call's own costs (cold account access, memory).
        uint256 required = ERC1271_GAS_LIMIT + ERC1271_GAS_LIMIT / 63 + 5_000;
        uint256 left = gasleft();
        if (left < required) revert SettlementInsufficientGas(left, required);
        return _isValidERC1271Signature(signer, hash, signature);
    }

    /// @dev `signer`'s ERC-1271 `isValidSignature(hash, signature)` returned the magic value, with at
    /// most {ERC1271_GAS_LIMIT} gas and a 32-byte return buffer.
    function _isValidERC1271Signature(address signer, bytes32 hash, bytes calldata signature)
        internal
        view
        returns (bool result)
    {
        bytes4 selector = IERC1271.isValidSignature.selector;
        uint256 length = signature.length;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), hash)
            mstore(add(ptr, 0x24), 0x40)
            mstore(add(ptr, 0x44), length)
            calldatacopy(add(ptr, 0x64), signature.offset, length)
            mstore(add(add(ptr, 0x64), length), 0)

            length := shl(5, shr(5, add(length, 0x1F)))

            let success := staticcall(ERC1271_GAS_LIMIT, signer, ptr, add(length, 0x64), 0x00, 0x20)
            result := and(success, and(gt(returndatasize(), 0x1f), eq(mload(0x00), selector)))
        }
    }

    /// @dev Records `cumulativeEarned` as proven for `account`; returns the votes not yet minted for it.
    function _recordVotes(address account, uint256 cumulativeEarned) internal returns (uint256 toMint) {
        uint256 minted = _votesMinted[account];
        if (cumulativeEarned > minted) {
            _votesMinted[account] = cumulativeEarned;
            // Cannot underflow: checked just above.
            unchecked {
                toMint = cumulativeEarned - minted;
            }
        }
    }

    /// @dev Moves the settled cursor past every root whose liveAt has passed (final: no veto any more).
    function _advanceCursor() internal {
        (uint256 liveCount, uint256 liveEpoch) = _findLive();
        if (liveCount != _settledCount) {
            _settledCount = liveCount;
            _settledLiveEpoch = liveEpoch;
        }
    }

    function _setParams(Params memory p) internal {
        if (p.withdrawalDelay < MIN_WITHDRAWAL_DELAY || p.withdrawalDelay > MAX_WITHDRAWAL_DELAY) {
            revert SettlementWithdrawalDelayOutOfBounds(p.withdrawalDelay, MIN_WITHDRAWAL_DELAY, MAX_WITHDRAWAL_DELAY);
        }
        if (p.challengeDelay < MIN_CHALLENGE_DELAY || p.challengeDelay > MAX_CHALLENGE_DELAY) {
            revert SettlementChallengeDelayOutOfBounds(p.challengeDelay, MIN_CHALLENGE_DELAY, MAX_CHALLENGE_DELAY);
        }
        _params = p;
        emit ParamsUpdated(p.withdrawalDelay, p.challengeDelay);
    }

    /// @dev Returns how many roots (a prefix of `_epochs`) have reached their liveAt, and the newest
    /// non-vetoed one among them (0: none).
    function _findLive() internal view returns (uint256 liveCount, uint256 liveEpoch) {
        uint256 settled = _settledCount;
        uint256 lo = settled;
        uint256 hi = _epochs.length;
        // First index in [settled, length) whose liveAt is still in the future (liveAt is sorted).
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            // forge-lint: disable-next-line(block-timestamp)
            if (_roots[_epochs[mid]].liveAt <= block.timestamp) lo = mid + 1;
            else hi = mid;
        }
        liveCount = lo;
        for (uint256 i = lo; i > settled;) {
            // Cannot underflow: i > settled >= 0.
            unchecked {
                --i;
            }
            uint256 epoch = _epochs[i];
            if (!_roots[epoch].vetoed) return (liveCount, epoch);
        }
        liveEpoch = _settledLiveEpoch;
    }

    /// @dev The total of the newest non-vetoed root (0: none). Call after {_advanceCursor}.
    function _latestValidTotal() internal view returns (uint256) {
        uint256 settled = _settledCount;
        for (uint256 i = _epochs.length; i > settled;) {
            // Cannot underflow: i > settled >= 0.
            unchecked {
                --i;
            }
            RootInfo storage info = _roots[_epochs[i]];
            if (!info.vetoed) return info.totalCumulative;
        }
        uint256 epoch = _settledLiveEpoch;
        return epoch == 0 ? 0 : _roots[epoch].totalCumulative;
    }

    function _hashVoucher(Voucher calldata voucher) internal view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(VOUCHER_TYPEHASH, voucher.payer, voucher.cumulativeAmount, voucher.expiry))
        );
    }

    // ---------------------------------------------------------------------------------------------
    // View
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IAttributionSettlement
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @inheritdoc IAttributionSettlement
    function votes() external view returns (IContributionVotes) {
        return _votes;
    }

    /// @inheritdoc IAttributionSettlement
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IAttributionSettlement
    function escrowOf(address payer) external view returns (uint256) {
        return _escrow[payer];
    }

    /// @inheritdoc IAttributionSettlement
    function redeemedOf(address payer) external view returns (uint256) {
        return _redeemed[payer];
    }

    /// @inheritdoc IAttributionSettlement
    function pendingWithdrawal(address payer) external view returns (Withdrawal memory) {
        PendingWithdrawal storage w = _withdrawals[payer];
        return Withdrawal({amount: w.amount, executableAt: w.executableAt});
    }

    /// @inheritdoc IAttributionSettlement
    function withdrawalWindowEnd(address payer) external view returns (uint64) {
        return _withdrawals[payer].windowEnd;
    }

    /// @inheritdoc IAttributionSettlement
    function rootOf(uint256 epoch) external view returns (RootInfo memory) {
        return _roots[epoch];
    }

    /// @inheritdoc IAttributionSettlement
    function latestProposedEpoch() external view returns (uint256) {
        uint256 count = _epochs.length;
        return count == 0 ? 0 : _epochs[count - 1];
    }

    /// @inheritdoc IAttributionSettlement
    function rootCount() external view returns (uint256) {
        return _epochs.length;
    }

    /// @inheritdoc IAttributionSettlement
    function latestLiveEpoch() external view returns (uint256 epoch) {
        (, epoch) = _findLive();
    }

    /// @inheritdoc IAttributionSettlement
    function claimedOf(address account) external view returns (uint256) {
        return _claimed[account];
    }

    /// @inheritdoc IAttributionSettlement
    function votesMintedOf(address account) external view returns (uint256) {
        return _votesMinted[account];
    }

    /// @inheritdoc IAttributionSettlement
    function claimRecipientOf(address account) public view returns (address) {
        address recipient = _recipients[account];
        return recipient == address(0) ? account : recipient;
    }

    /// @inheritdoc IAttributionSettlement
    function totalRedeemed() external view returns (uint256) {
        return _totalRedeemed;
    }

    /// @inheritdoc IAttributionSettlement
    function totalClaimed() external view returns (uint256) {
        return _totalClaimed;
    }

    /// @inheritdoc IAttributionSettlement
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32) {
        return _hashVoucher(voucher);
    }

    /// @inheritdoc IAttributionSettlement
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
