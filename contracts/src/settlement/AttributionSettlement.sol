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
import {IAgentRewards} from "./IAgentRewards.sol";
import {IAttributionSettlement} from "./IAttributionSettlement.sol";

/// @title AttributionSettlement
/// @notice Proof-of-Attribution payouts. Payers escrow tokens and sign cumulative EIP-712 vouchers
/// (one-way payment channels); the settler redeems exactly what receipts charged into a pooled
/// "redeemed" balance and posts sequential epoch Merkle roots of settlement leaves (earners with
/// their vote-eligible earnings, and each agent's stakers; `schema/settlement-leaf.md`). A root goes
/// live after a challenge delay, unless anyone froze it with a bonded {challengeRoot} or the veto role
/// (the bootstrap guardian: fast; the timelock) vetoed it. Anyone then claims `cumulative − claimed`
/// against the latest live root: to an earner, or into AgentStaking rewards for an agent's stakers.
/// Claims record the votes owed; {mintVotes} mints them separately.
/// @dev Solvency rests on three facts that hold for the contract's whole life:
/// 1. Tokens held == Σ escrow + totalRedeemed − totalClaimed + Σ open challenge bonds. Escrow only
///    leaves through redemption (into the redeemed pool) or the payer's own delayed withdrawal; the
///    pool only leaves through claims; a bond only leaves when its challenge is resolved.
/// 2. A root's `totalCumulative` is at least the previous live root's, and above it by at most what
///    was redeemed since that root was proposed, hence at most `totalRedeemed` (by induction); the
///    live root's total never decreases over time (a live root can no longer be vetoed).
/// 3. A claim never lifts `totalClaimed` above the live root's `totalCumulative`, hence never above
///    `totalRedeemed`: a wrong root can at worst misallocate what was redeemed since the last live
///    root, never touch escrow or what earlier roots attested.
/// Epochs are sequential and at most one root is open (pending or challenged) at a time, as in
/// Merkl's distributor: the live root is either the newest root (pending, past its `liveAt`) or the
/// one recorded when the newest was proposed, so finding it is O(1). A challenged root never goes
/// live until the veto role resolves the challenge; while it is open the settler cannot propose
/// (claims keep using the previous live root). The challenge delay can never be shorter than
/// {vetoLatency}, the time a governance veto needs, fixed at deployment. Timestamps gate delays of
/// an hour or more, so the few seconds a block producer can skew them do not matter (hence the
/// `block-timestamp` lint exemptions).
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
    uint8 public constant LEAF_EARNER = 0;
    /// @inheritdoc IAttributionSettlement
    uint8 public constant LEAF_AGENT_STAKERS = 1;

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
    IAgentRewards private immutable _staking;
    address private immutable _treasury;
    uint64 private immutable _vetoLatency;

    Params private _params;

    mapping(address payer => uint256) private _escrow;
    mapping(address payer => uint256) private _redeemed;
    mapping(address payer => PendingWithdrawal) private _withdrawals;
    uint256 private _totalRedeemed;

    mapping(uint256 epoch => RootInfo) private _roots;
    /// @dev The newest proposed epoch (epochs are 1, 2, 3, …; 0: none).
    uint256 private _lastEpoch;
    /// @dev The newest epoch known live when `_lastEpoch` was proposed (0: none).
    uint256 private _settledLiveEpoch;
    uint256 private _totalBonds;

    mapping(address account => uint256) private _claimed;
    mapping(address account => uint256) private _votesRecorded;
    mapping(address account => uint256) private _votesMinted;
    mapping(uint256 agentId => uint256) private _stakerClaimed;
    /// @dev Zero means "the account itself".
    mapping(address account => address) private _recipients;
    uint256 private _totalClaimed;

    /// @param admin Receives DEFAULT_ADMIN_ROLE and PARAMETER_ROLE (SETTLER_ROLE and VETO_ROLE are granted by it).
    /// @param token_ The escrowed payment token (plain ERC-20: no fee on transfer, no rebasing).
    /// @param votes_ The ContributionVotes token; its fixed minter must be this contract (the deploy
    /// script predicts this contract's address).
    /// @param staking_ The AgentStaking contract staker rewards go to.
    /// @param treasury_ Receives forfeited challenge bonds.
    /// @param vetoLatency_ The time a governance veto needs, in seconds (voting delay + voting period +
    /// timelock delay); the floor of the challenge delay.
    /// @param p The initial parameters, within the bounds.
    constructor(
        address admin,
        IERC20 token_,
        IContributionVotes votes_,
        IAgentRewards staking_,
        address treasury_,
        uint64 vetoLatency_,
        Params memory p
    ) EIP712("Tributary Settlement", "1") {
        if (
            admin == address(0) || address(token_) == address(0) || address(votes_) == address(0)
                || address(staking_) == address(0) || treasury_ == address(0)
        ) {
            revert SettlementZeroAddress();
        }
        address votesMinter = votes_.minter();
        if (votesMinter != address(this)) revert SettlementNotVotesMinter(votesMinter);
        _token = token_;
        _votes = votes_;
        _staking = staking_;
        _treasury = treasury_;
        _vetoLatency = vetoLatency_;
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
    function redeemVoucher(Voucher calldata voucher, bytes calldata signature, uint256 amount)
        external
        onlyRole(SETTLER_ROLE)
        nonReentrant
    {
        _redeem(voucher, signature, amount, true);
    }

    /// @inheritdoc IAttributionSettlement
    function redeemVouchers(Voucher[] calldata vouchers, bytes[] calldata signatures, uint256[] calldata amounts)
        external
        onlyRole(SETTLER_ROLE)
        nonReentrant
        returns (uint256 total)
    {
        if (vouchers.length != signatures.length || vouchers.length != amounts.length) {
            revert SettlementLengthMismatch(vouchers.length, signatures.length, amounts.length);
        }
        for (uint256 i = 0; i < vouchers.length; ++i) {
            total += _redeem(vouchers[i], signatures[i], amounts[i], false);
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
        uint256 last = _lastEpoch;
        if (epoch != last + 1) revert SettlementEpochNotNext(epoch, last + 1);
        if (root == bytes32(0) || dataHash == bytes32(0)) revert SettlementZeroRoot(epoch);

        // One root open at a time: the previous one must be live (then it is the settled live root) or vetoed.
        if (last != 0) {
            RootInfo storage previous = _roots[last];
            RootStatus status = previous.status;
            if (status == RootStatus.Challenged) revert SettlementRootStillOpen(last);
            if (status == RootStatus.Pending) {
                // forge-lint: disable-next-line(block-timestamp)
                if (block.timestamp < previous.liveAt) revert SettlementRootStillOpen(last);
                _settledLiveEpoch = last;
            }
        }

        uint256 previousTotal;
        uint256 previousRedeemed;
        uint256 liveEpoch = _settledLiveEpoch;
        if (liveEpoch != 0) {
            RootInfo storage live = _roots[liveEpoch];
            previousTotal = live.totalCumulative;
            previousRedeemed = live.redeemedAtProposal;
        }
        if (totalCumulative < previousTotal) revert SettlementRootTotalDecreased(totalCumulative, previousTotal);
        uint256 redeemedNow = _totalRedeemed;
        // Cannot underflow: totalRedeemed never decreases; totalCumulative >= previousTotal (checked).
        unchecked {
            uint256 increase = totalCumulative - previousTotal;
            uint256 redeemedSince = redeemedNow - previousRedeemed;
            if (increase > redeemedSince) revert SettlementRootIncreaseExceedsRedeemed(increase, redeemedSince);
        }

        liveAt = uint64(block.timestamp) + _params.challengeDelay;
        _roots[epoch] = RootInfo({
            root: root,
            totalCumulative: totalCumulative,
            dataHash: dataHash,
            redeemedAtProposal: redeemedNow,
            proposedAt: uint64(block.timestamp),
            liveAt: liveAt,
            status: RootStatus.Pending,
            challenger: address(0),
            challengeBond: 0
        });
        _lastEpoch = epoch;
        emit RootProposed(epoch, root, totalCumulative, dataHash, dataURI, liveAt);
    }

    /// @inheritdoc IAttributionSettlement
    function challengeRoot(uint256 epoch, string calldata reason) external nonReentrant {
        RootInfo storage info = _openRoot(epoch);
        if (info.status != RootStatus.Pending) revert SettlementRootNotPending(epoch, info.status);
        uint256 bond = _params.challengeBond;
        info.status = RootStatus.Challenged;
        info.challenger = msg.sender;
        info.challengeBond = bond;
        _totalBonds += bond;
        emit RootChallenged(epoch, msg.sender, bond, reason);
        _token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IAttributionSettlement
    function resolveChallenge(uint256 epoch, bool upheld) external onlyRole(VETO_ROLE) nonReentrant {
        RootInfo storage info = _roots[epoch];
        if (info.status != RootStatus.Challenged) revert SettlementRootNotChallenged(epoch);
        if (upheld) {
            _vetoChallenged(epoch, info);
        } else {
            address challenger = info.challenger;
            uint256 bond = info.challengeBond;
            info.status = RootStatus.Pending;
            info.challenger = address(0);
            info.challengeBond = 0;
            _totalBonds -= bond;
            uint64 liveAt = info.liveAt;
            // forge-lint: disable-next-line(block-timestamp)
            if (liveAt < block.timestamp) {
                liveAt = uint64(block.timestamp);
                info.liveAt = liveAt;
            }
            emit RootChallengeResolved(epoch, msg.sender, challenger, false, bond, liveAt);
            if (bond != 0) _token.safeTransfer(_treasury, bond);
        }
    }

    /// @inheritdoc IAttributionSettlement
    function vetoRoot(uint256 epoch) external onlyRole(VETO_ROLE) nonReentrant {
        RootInfo storage info = _roots[epoch];
        RootStatus status = info.status;
        if (status == RootStatus.Challenged) {
            _vetoChallenged(epoch, info);
            return;
        }
        info = _openRoot(epoch);
        if (status != RootStatus.Pending) revert SettlementRootNotPending(epoch, status);
        info.status = RootStatus.Vetoed;
        emit RootVetoed(epoch, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // External: claims
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IAttributionSettlement
    function claim(address account, uint256 cumulativeEarned, uint256 cumulativeVoteEligible, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 amount)
    {
        uint256 epoch = _liveEpoch();
        if (epoch == 0) revert SettlementNoLiveRoot();
        RootInfo storage info = _roots[epoch];
        if (cumulativeVoteEligible > cumulativeEarned) {
            revert SettlementVotesExceedEarnings(account, cumulativeVoteEligible, cumulativeEarned);
        }
        if (!MerkleProof.verifyCalldata(
                proof, info.root, _earnerLeaf(account, cumulativeEarned, cumulativeVoteEligible)
            )) {
            revert SettlementInvalidProof(epoch, account, cumulativeEarned);
        }

        uint256 alreadyClaimed = _claimed[account];
        uint256 newVotes;
        if (account != _treasury) {
            uint256 recorded = _votesRecorded[account];
            if (cumulativeVoteEligible > recorded) {
                // Cannot underflow: checked just above.
                unchecked {
                    newVotes = cumulativeVoteEligible - recorded;
                }
            }
        }
        if (cumulativeEarned <= alreadyClaimed && newVotes == 0) {
            revert SettlementNothingToClaim(account, cumulativeEarned, alreadyClaimed);
        }

        if (newVotes != 0) {
            _votesRecorded[account] = cumulativeVoteEligible;
            emit VotesRecorded(account, newVotes, cumulativeVoteEligible);
        }
        if (cumulativeEarned > alreadyClaimed) {
            // Cannot underflow: cumulativeEarned > alreadyClaimed.
            unchecked {
                amount = cumulativeEarned - alreadyClaimed;
            }
            _addClaimed(epoch, info.totalCumulative, amount);
            _claimed[account] = cumulativeEarned;
            address recipient = claimRecipientOf(account);
            emit Claimed(account, recipient, amount, cumulativeEarned);
            _token.safeTransfer(recipient, amount);
        }
    }

    /// @inheritdoc IAttributionSettlement
    function claimStakerRewards(uint256 agentId, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 amount)
    {
        uint256 epoch = _liveEpoch();
        if (epoch == 0) revert SettlementNoLiveRoot();
        RootInfo storage info = _roots[epoch];
        if (!MerkleProof.verifyCalldata(proof, info.root, _stakersLeaf(agentId, cumulativeAmount))) {
            revert SettlementInvalidStakersProof(epoch, agentId, cumulativeAmount);
        }
        uint256 alreadyClaimed = _stakerClaimed[agentId];
        if (cumulativeAmount <= alreadyClaimed) {
            revert SettlementNoStakerRewards(agentId, cumulativeAmount, alreadyClaimed);
        }
        // Cannot underflow: cumulativeAmount > alreadyClaimed.
        unchecked {
            amount = cumulativeAmount - alreadyClaimed;
        }
        _addClaimed(epoch, info.totalCumulative, amount);
        _stakerClaimed[agentId] = cumulativeAmount;
        emit StakerRewardsClaimed(agentId, msg.sender, amount, cumulativeAmount);

        _token.forceApprove(address(_staking), amount);
        _staking.addRewards(agentId, amount);
    }

    /// @inheritdoc IAttributionSettlement
    function mintVotes(address account) external nonReentrant returns (uint256 amount) {
        uint256 recorded = _votesRecorded[account];
        uint256 minted = _votesMinted[account];
        if (recorded <= minted) revert SettlementNoVotesOwed(account);
        // Cannot underflow: recorded > minted.
        unchecked {
            amount = recorded - minted;
        }
        _votesMinted[account] = recorded;
        emit VotesMinted(account, amount);
        _votes.mint(account, amount);
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

    /// @dev Redeems exactly `amount` under one voucher. A voucher that cannot be redeemed for it
    /// reverts with its typed error when `strict`; otherwise it is skipped: a {VoucherSkipped} event
    /// carrying that error's selector, and 0 returned.
    function _redeem(Voucher calldata voucher, bytes calldata signature, uint256 amount, bool strict)
        internal
        returns (uint256)
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
        if (amount == 0) {
            if (strict) revert SettlementZeroAmount();
            return _skip(payer, SettlementZeroAmount.selector);
        }
        uint256 redeemed = _redeemed[payer];
        if (voucher.cumulativeAmount <= redeemed) {
            if (strict) revert SettlementVoucherNotAboveRedeemed(payer, voucher.cumulativeAmount, redeemed);
            return _skip(payer, SettlementVoucherNotAboveRedeemed.selector);
        }
        uint256 open;
        // Cannot underflow: cumulativeAmount > redeemed.
        unchecked {
            open = voucher.cumulativeAmount - redeemed;
        }
        if (amount > open) {
            if (strict) revert SettlementRedeemExceedsVoucher(payer, amount, open);
            return _skip(payer, SettlementRedeemExceedsVoucher.selector);
        }
        uint256 escrow = _escrow[payer];
        if (amount > escrow) {
            if (strict) revert SettlementRedeemExceedsEscrow(payer, amount, escrow);
            return _skip(payer, SettlementRedeemExceedsEscrow.selector);
        }

        uint256 newRedeemed;
        // Cannot overflow or underflow: amount <= escrow and redeemed + amount <= cumulativeAmount.
        unchecked {
            _escrow[payer] = escrow - amount;
            newRedeemed = redeemed + amount;
        }
        _redeemed[payer] = newRedeemed;
        _totalRedeemed += amount;
        emit VoucherRedeemed(payer, msg.sender, amount, newRedeemed);
        return amount;
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

    /// @dev Adds `amount` to the claimed total, which may never exceed the live root's attested total.
    function _addClaimed(uint256 epoch, uint256 rootTotal, uint256 amount) internal {
        uint256 newTotalClaimed = _totalClaimed + amount;
        if (newTotalClaimed > rootTotal) revert SettlementClaimExceedsRoot(epoch, newTotalClaimed, rootTotal);
        _totalClaimed = newTotalClaimed;
    }

    /// @dev The root of `epoch`, which must exist and not be live yet (still challengeable / vetoable).
    function _openRoot(uint256 epoch) internal view returns (RootInfo storage info) {
        info = _roots[epoch];
        if (info.status == RootStatus.None) revert SettlementUnknownEpoch(epoch);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= info.liveAt) revert SettlementRootAlreadyLive(epoch, info.liveAt);
    }

    /// @dev Vetoes a challenged root (the challenge is upheld): the bond goes back to the challenger.
    function _vetoChallenged(uint256 epoch, RootInfo storage info) internal {
        address challenger = info.challenger;
        uint256 bond = info.challengeBond;
        info.status = RootStatus.Vetoed;
        info.challengeBond = 0;
        _totalBonds -= bond;
        emit RootChallengeResolved(epoch, msg.sender, challenger, true, bond, info.liveAt);
        emit RootVetoed(epoch, msg.sender);
        if (bond != 0) _token.safeTransfer(challenger, bond);
    }

    function _setParams(Params memory p) internal {
        if (p.withdrawalDelay < MIN_WITHDRAWAL_DELAY || p.withdrawalDelay > MAX_WITHDRAWAL_DELAY) {
            revert SettlementWithdrawalDelayOutOfBounds(p.withdrawalDelay, MIN_WITHDRAWAL_DELAY, MAX_WITHDRAWAL_DELAY);
        }
        uint64 minChallengeDelay = _vetoLatency > MIN_CHALLENGE_DELAY ? _vetoLatency : MIN_CHALLENGE_DELAY;
        if (p.challengeDelay < minChallengeDelay || p.challengeDelay > MAX_CHALLENGE_DELAY) {
            revert SettlementChallengeDelayOutOfBounds(p.challengeDelay, minChallengeDelay, MAX_CHALLENGE_DELAY);
        }
        if (p.challengeBond == 0) revert SettlementZeroChallengeBond();
        _params = p;
        emit ParamsUpdated(p.withdrawalDelay, p.challengeDelay, p.challengeBond);
    }

    /// @dev The newest live root: the newest root when it is pending and past its `liveAt`, else the
    /// one that was live when the newest was proposed (0: none).
    function _liveEpoch() internal view returns (uint256) {
        uint256 last = _lastEpoch;
        if (last != 0) {
            RootInfo storage info = _roots[last];
            // forge-lint: disable-next-line(block-timestamp)
            if (info.status == RootStatus.Pending && info.liveAt <= block.timestamp) return last;
        }
        return _settledLiveEpoch;
    }

    function _earnerLeaf(address account, uint256 cumulativeEarned, uint256 cumulativeVoteEligible)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            bytes.concat(
                keccak256(abi.encode(LEAF_EARNER, account, uint256(0), cumulativeEarned, cumulativeVoteEligible))
            )
        );
    }

    function _stakersLeaf(uint256 agentId, uint256 cumulativeAmount) internal pure returns (bytes32) {
        return keccak256(
            bytes.concat(keccak256(abi.encode(LEAF_AGENT_STAKERS, address(0), agentId, cumulativeAmount, uint256(0))))
        );
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
    function staking() external view returns (address) {
        return address(_staking);
    }

    /// @inheritdoc IAttributionSettlement
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IAttributionSettlement
    function vetoLatency() external view returns (uint64) {
        return _vetoLatency;
    }

    /// @inheritdoc IAttributionSettlement
    function totalChallengeBonds() external view returns (uint256) {
        return _totalBonds;
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
        return _lastEpoch;
    }

    /// @inheritdoc IAttributionSettlement
    function rootCount() external view returns (uint256) {
        return _lastEpoch;
    }

    /// @inheritdoc IAttributionSettlement
    function latestLiveEpoch() external view returns (uint256) {
        return _liveEpoch();
    }

    /// @inheritdoc IAttributionSettlement
    function claimedOf(address account) external view returns (uint256) {
        return _claimed[account];
    }

    /// @inheritdoc IAttributionSettlement
    function votesRecordedOf(address account) external view returns (uint256) {
        return _votesRecorded[account];
    }

    /// @inheritdoc IAttributionSettlement
    function votesMintedOf(address account) external view returns (uint256) {
        return _votesMinted[account];
    }

    /// @inheritdoc IAttributionSettlement
    function votesOwedOf(address account) external view returns (uint256) {
        return _votesRecorded[account] - _votesMinted[account];
    }

    /// @inheritdoc IAttributionSettlement
    function stakerRewardsClaimedOf(uint256 agentId) external view returns (uint256) {
        return _stakerClaimed[agentId];
    }

    /// @inheritdoc IAttributionSettlement
    function earnerLeaf(address account, uint256 cumulativeEarned, uint256 cumulativeVoteEligible)
        external
        pure
        returns (bytes32)
    {
        return _earnerLeaf(account, cumulativeEarned, cumulativeVoteEligible);
    }

    /// @inheritdoc IAttributionSettlement
    function stakersLeaf(uint256 agentId, uint256 cumulativeAmount) external pure returns (bytes32) {
        return _stakersLeaf(agentId, cumulativeAmount);
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
