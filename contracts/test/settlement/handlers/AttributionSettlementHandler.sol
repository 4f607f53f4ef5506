// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {ContributionVotes} from "../../../src/governance/ContributionVotes.sol";
import {AttributionSettlement} from "../../../src/settlement/AttributionSettlement.sol";
import {IAttributionSettlement} from "../../../src/settlement/IAttributionSettlement.sol";
import {TributaryToken} from "../../../src/token/TributaryToken.sol";
import {ERC1271WalletMock} from "../mocks/ERC1271WalletMock.sol";
import {RejectingERC1271Mock} from "../mocks/HostileERC1271Mocks.sol";
import {StandardMerkleTree} from "../utils/StandardMerkleTree.sol";

/// @notice Drives AttributionSettlement like the real system: payers (an EOA, an EOA whose
/// EIP-7702-style delegated code rejects every ERC-1271 check, and an ERC-1271 wallet) deposit, sign
/// ever-larger vouchers and withdraw (only inside the withdrawal window; lapsed requests must never
/// pay); the settler redeems single vouchers and batches mixing good and bad ones, accrues earnings
/// to earners (never more than redeemed) and posts real StandardMerkleTree roots of their
/// cumulative earnings; governance vetoes; anyone claims; time passes. Ghost variables record
/// every token movement so the invariant suite can check the contract against them.
contract AttributionSettlementHandler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant PAYERS = 3;
    uint256 internal constant EARNERS = 4;
    uint256 internal constant VAULTS = 2;

    AttributionSettlement public immutable settlement;
    TributaryToken public immutable token;
    ContributionVotes public immutable votes;
    address internal immutable _admin;
    address internal immutable _settler;
    address internal immutable _vetoer;

    address[PAYERS] internal _payers;
    uint256[PAYERS] internal _signerKeys; // key signing for each payer (the wallet's owner for the wallet)
    address[EARNERS] internal _earners;
    address[VAULTS] internal _vaults;

    // --- payer ghosts
    mapping(address => uint256) internal _ghostDeposited;
    mapping(address => uint256) internal _ghostWithdrawn;
    mapping(address => uint256) internal _ghostRedeemed;
    mapping(address => uint256) internal _ghostSignedCap;
    uint256 internal _ghostTotalDeposited;
    uint256 internal _ghostTotalWithdrawn;

    // --- earnings / roots ghosts
    uint256[EARNERS] internal _earned;
    uint256 internal _ghostTotalEarned;
    uint256[] internal _epochs;
    mapping(uint256 epoch => uint256[EARNERS]) internal _snapshots;
    mapping(uint256 epoch => uint64) internal _liveAts;
    mapping(uint256 epoch => bool) internal _vetoed;

    // --- claim ghosts
    mapping(address => uint256) internal _ghostPaidFor; // per earning account
    mapping(address => uint256) internal _ghostReceived; // per recipient
    uint256 internal _ghostTotalPaid;

    // --- violations observed inside actions (must stay false)
    bool internal _staleVoucherRedeemed;
    bool internal _forgedClaimPaid;
    bool internal _liveAtMismatch;
    bool internal _amountMismatch;
    bool internal _lapsedWithdrawalPaid;
    bool internal _badVoucherRedeemed;

    constructor(
        AttributionSettlement settlement_,
        TributaryToken token_,
        ContributionVotes votes_,
        address admin,
        address settler,
        address vetoer
    ) {
        settlement = settlement_;
        token = token_;
        votes = votes_;
        _admin = admin;
        _settler = settler;
        _vetoer = vetoer;

        for (uint256 i = 0; i < PAYERS - 1; ++i) {
            (_payers[i], _signerKeys[i]) = makeAddrAndKey(string.concat("payer", vm.toString(i)));
            vm.prank(_payers[i]);
            token.approve(address(settlement), type(uint256).max);
        }
        // Payer 1 signs with its key but has code rejecting ERC-1271 checks (an EIP-7702 delegation):
        // its vouchers must stay redeemable.
        vm.etch(_payers[1], type(RejectingERC1271Mock).runtimeCode);
        (address owner, uint256 ownerKey) = makeAddrAndKey("walletOwner");
        _payers[PAYERS - 1] = address(new ERC1271WalletMock(owner));
        _signerKeys[PAYERS - 1] = ownerKey;

        for (uint256 i = 0; i < EARNERS; ++i) {
            _earners[i] = makeAddr(string.concat("earner", vm.toString(i)));
        }
        for (uint256 i = 0; i < VAULTS; ++i) {
            _vaults[i] = makeAddr(string.concat("vault", vm.toString(i)));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Payers
    // ---------------------------------------------------------------------------------------------

    function deposit(uint256 payerSeed, uint256 amount) external {
        address payer = _payer(payerSeed);
        amount = bound(amount, 1, 1_000 ether);
        // The wallet is funded by its owner through depositFor; EOAs deposit for themselves.
        address from = payerSeed % PAYERS == PAYERS - 1 ? ERC1271WalletMock(payer).owner() : payer;
        vm.prank(_admin);
        token.mint(from, amount);
        vm.startPrank(from);
        if (from == payer) {
            settlement.deposit(amount);
        } else {
            token.approve(address(settlement), amount);
            settlement.depositFor(payer, amount);
        }
        vm.stopPrank();
        _ghostDeposited[payer] += amount;
        _ghostTotalDeposited += amount;
    }

    function requestWithdrawal(uint256 payerSeed, uint256 amount) external {
        address payer = _payer(payerSeed);
        amount = bound(amount, 1, 2_000 ether);
        vm.prank(payer);
        settlement.requestWithdrawal(amount);
    }

    function cancelWithdrawal(uint256 payerSeed) external {
        address payer = _payer(payerSeed);
        if (settlement.pendingWithdrawal(payer).amount == 0) return;
        vm.prank(payer);
        settlement.cancelWithdrawal();
    }

    function executeWithdrawal(uint256 payerSeed) external {
        address payer = _payer(payerSeed);
        IAttributionSettlement.Withdrawal memory w = settlement.pendingWithdrawal(payer);
        if (w.amount == 0 || block.timestamp < w.executableAt) return;
        if (block.timestamp > settlement.withdrawalWindowEnd(payer)) {
            // Lapsed: it must never pay (the payer has to request again).
            vm.prank(payer);
            try settlement.executeWithdrawal() returns (uint256) {
                _lapsedWithdrawalPaid = true;
            } catch {}
            return;
        }
        uint256 escrow = settlement.escrowOf(payer);
        uint256 balanceBefore = token.balanceOf(payer);
        vm.prank(payer);
        uint256 paid = settlement.executeWithdrawal();
        if (paid != (w.amount < escrow ? w.amount : escrow) || token.balanceOf(payer) != balanceBefore + paid) {
            _amountMismatch = true;
        }
        _ghostWithdrawn[payer] += paid;
        _ghostTotalWithdrawn += paid;
    }

    // ---------------------------------------------------------------------------------------------
    // Settler
    // ---------------------------------------------------------------------------------------------

    /// @dev The payer signs a voucher `increment` above its last cap; the settler redeems it.
    function redeem(uint256 payerSeed, uint256 increment, uint256 ttl) external {
        uint256 index = payerSeed % PAYERS;
        address payer = _payers[index];
        uint256 escrow = settlement.escrowOf(payer);
        if (escrow == 0) return;
        uint256 cap = _ghostSignedCap[payer] + bound(increment, 1, 500 ether);
        IAttributionSettlement.Voucher memory v = IAttributionSettlement.Voucher({
            payer: payer, cumulativeAmount: cap, expiry: uint64(block.timestamp + bound(ttl, 0, 7 days))
        });
        _ghostSignedCap[payer] = cap;
        bytes memory sig = _sign(index, v);
        uint256 expected = _expectedRedeem(payer, cap);
        vm.prank(_settler);
        uint256 amount = settlement.redeemVoucher(v, sig);
        if (amount != expected) _amountMismatch = true;
        _ghostRedeemed[payer] += expected;
    }

    /// @dev Two payers' next vouchers in one batch, with a bad voucher (forged, expired or stale)
    /// between them: the bad one is skipped and must redeem nothing; payers with an empty escrow are
    /// skipped too.
    function redeemBatch(uint256 seedA, uint256 seedB, uint256 increment, uint256 badKind) external {
        uint256 ia = seedA % PAYERS;
        uint256 ib = seedB % PAYERS;
        if (ia == ib) ib = (ib + 1) % PAYERS;
        address pa = _payers[ia];
        address pb = _payers[ib];
        increment = bound(increment, 1, 300 ether);
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](3);
        bytes[] memory sigs = new bytes[](3);
        vs[0] = IAttributionSettlement.Voucher(pa, _ghostSignedCap[pa] + increment, uint64(block.timestamp));
        vs[2] = IAttributionSettlement.Voucher(pb, _ghostSignedCap[pb] + increment, uint64(block.timestamp));
        sigs[0] = _sign(ia, vs[0]);
        sigs[2] = _sign(ib, vs[2]);
        (vs[1], sigs[1]) = _badVoucher(ia, vs[0].cumulativeAmount + 1_000 ether, badKind);
        _ghostSignedCap[pa] = vs[0].cumulativeAmount;
        _ghostSignedCap[pb] = vs[2].cumulativeAmount;
        uint256 expectedA = _expectedRedeem(pa, vs[0].cumulativeAmount);
        uint256 expectedB = _expectedRedeem(pb, vs[2].cumulativeAmount);
        vm.prank(_settler);
        uint256 total = settlement.redeemVouchers(vs, sigs);
        if (total != expectedA + expectedB) _amountMismatch = true;
        _ghostRedeemed[pa] += expectedA;
        _ghostRedeemed[pb] += expectedB;
        if (settlement.redeemedOf(pa) != _ghostRedeemed[pa]) _badVoucherRedeemed = true;
    }

    /// @dev Replays a voucher at or below what was already redeemed: it must never pay.
    function redeemStale(uint256 payerSeed, uint256 below) external {
        uint256 index = payerSeed % PAYERS;
        address payer = _payers[index];
        uint256 redeemed = _ghostRedeemed[payer];
        IAttributionSettlement.Voucher memory v = IAttributionSettlement.Voucher({
            payer: payer,
            cumulativeAmount: redeemed - bound(below, 0, redeemed),
            expiry: uint64(block.timestamp + 1 days)
        });
        bytes memory sig = _sign(index, v);
        vm.prank(_settler);
        try settlement.redeemVoucher(v, sig) returns (uint256) {
            _staleVoucherRedeemed = true;
        } catch {}
    }

    /// @dev Attributes part of the not-yet-attributed redeemed pool to an earner.
    function earn(uint256 earnerSeed, uint256 amount) external {
        uint256 unattributed = settlement.totalRedeemed() - _ghostTotalEarned;
        if (unattributed == 0) return;
        amount = bound(amount, 1, unattributed);
        _earned[earnerSeed % EARNERS] += amount;
        _ghostTotalEarned += amount;
    }

    /// @dev Publishes the current cumulative earnings as the next epoch's root.
    function proposeRoot(uint256 gap) external {
        uint256 epoch = (_epochs.length == 0 ? 0 : _epochs[_epochs.length - 1]) + 1 + (gap % 3);
        (address[] memory accounts, uint256[] memory amounts) = _leaves(_earned);
        bytes32 root = StandardMerkleTree.root(accounts, amounts);

        uint64 expectedLiveAt = uint64(block.timestamp) + settlement.params().challengeDelay;
        if (_epochs.length != 0) {
            uint64 previous = _liveAts[_epochs[_epochs.length - 1]];
            if (expectedLiveAt < previous) expectedLiveAt = previous;
        }
        vm.prank(_settler);
        uint64 liveAt = settlement.proposeRoot(epoch, root, _ghostTotalEarned, keccak256(abi.encode(epoch)), "ipfs://x");
        if (liveAt != expectedLiveAt) _liveAtMismatch = true;

        _epochs.push(epoch);
        _snapshots[epoch] = _earned;
        _liveAts[epoch] = liveAt;
    }

    function vetoRoot(uint256 seed) external {
        if (_epochs.length == 0) return;
        uint256 epoch = _epochs[seed % _epochs.length];
        if (_vetoed[epoch] || block.timestamp >= _liveAts[epoch]) return;
        vm.prank(_vetoer);
        settlement.vetoRoot(epoch);
        _vetoed[epoch] = true;
    }

    function setChallengeDelay(uint256 delay) external {
        IAttributionSettlement.Params memory p = settlement.params();
        p.challengeDelay = uint64(bound(delay, 1 hours, 3 days));
        vm.prank(_admin);
        settlement.setParams(p);
    }

    // ---------------------------------------------------------------------------------------------
    // Earners
    // ---------------------------------------------------------------------------------------------

    /// @dev Anyone claims an earner's latest proven cumulative earnings.
    function claim(uint256 earnerSeed, address caller) external {
        uint256 epoch = modelLiveEpoch();
        if (epoch == 0) return;
        uint256 index = earnerSeed % EARNERS;
        address account = _earners[index];
        uint256 cumulative = _snapshots[epoch][index];
        uint256 already = settlement.claimedOf(account);
        bytes32[] memory proof = _proof(epoch, account, cumulative);
        if (cumulative <= already) {
            vm.prank(caller);
            try settlement.claim(account, cumulative, proof) returns (uint256) {
                _forgedClaimPaid = true;
            } catch {}
            return;
        }
        address recipient = settlement.claimRecipientOf(account);
        vm.prank(caller);
        uint256 paid = settlement.claim(account, cumulative, proof);
        if (paid != cumulative - already) _amountMismatch = true;
        _ghostPaidFor[account] += paid;
        _ghostReceived[recipient] += paid;
        _ghostTotalPaid += paid;
    }

    /// @dev Claims more than proven (or with a proof from a stale root): must never pay.
    function claimForged(uint256 earnerSeed, uint256 extra, uint256 epochSeed) external {
        if (_epochs.length == 0) return;
        uint256 epoch = _epochs[epochSeed % _epochs.length];
        uint256 index = earnerSeed % EARNERS;
        address account = _earners[index];
        uint256 cumulative = _snapshots[epoch][index];
        bytes32[] memory proof = _proof(epoch, account, cumulative);
        uint256 claimed = cumulative + bound(extra, 1, 1_000 ether);
        // A stale proof can still verify a leaf that really is in the live root; that is no forgery.
        uint256 live = modelLiveEpoch();
        if (live != 0 && claimed == _snapshots[live][index]) return;
        try settlement.claim(account, claimed, proof) returns (uint256) {
            _forgedClaimPaid = true;
        } catch {}
    }

    function setClaimRecipient(uint256 earnerSeed, uint256 choice) external {
        address account = _earners[earnerSeed % EARNERS];
        choice = choice % (VAULTS + EARNERS + 1);
        address recipient =
            choice < VAULTS ? _vaults[choice] : choice < VAULTS + EARNERS ? _earners[choice - VAULTS] : address(0);
        vm.prank(account);
        settlement.setClaimRecipient(recipient);
    }

    // ---------------------------------------------------------------------------------------------
    // Time
    // ---------------------------------------------------------------------------------------------

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 3 days));
    }

    // ---------------------------------------------------------------------------------------------
    // Views for the invariant suite
    // ---------------------------------------------------------------------------------------------

    /// @notice The newest non-vetoed root whose liveAt passed, by a naive scan of the handler's model.
    function modelLiveEpoch() public view returns (uint256) {
        for (uint256 i = _epochs.length; i > 0; --i) {
            uint256 epoch = _epochs[i - 1];
            if (!_vetoed[epoch] && _liveAts[epoch] <= block.timestamp) return epoch;
        }
        return 0;
    }

    /// @notice What the handler moved for `payer`, and the largest cap it signed.
    function payerGhost(address payer)
        external
        view
        returns (uint256 deposited, uint256 withdrawn, uint256 redeemed, uint256 signedCap)
    {
        return (_ghostDeposited[payer], _ghostWithdrawn[payer], _ghostRedeemed[payer], _ghostSignedCap[payer]);
    }

    /// @notice Claims paid for earner `index`, tokens its address received, and its cumulative
    /// earnings in the root of `epoch` (0 for epoch 0).
    function earnerGhost(uint256 index, uint256 epoch)
        external
        view
        returns (uint256 paidFor, uint256 received, uint256 proven)
    {
        address account = _earners[index];
        return (_ghostPaidFor[account], _ghostReceived[account], _snapshots[epoch][index]);
    }

    /// @notice Tokens `recipient` received from claims.
    function receivedBy(address recipient) external view returns (uint256) {
        return _ghostReceived[recipient];
    }

    /// @notice Flows in and out of the contract, earnings attributed, and the model's live epoch.
    function totals()
        external
        view
        returns (uint256 deposited, uint256 withdrawn, uint256 paid, uint256 earned, uint256 liveEpoch)
    {
        return (_ghostTotalDeposited, _ghostTotalWithdrawn, _ghostTotalPaid, _ghostTotalEarned, modelLiveEpoch());
    }

    /// @notice Violations observed inside actions.
    function violations()
        external
        view
        returns (
            bool staleVoucherRedeemed,
            bool forgedClaimPaid,
            bool liveAtMismatch,
            bool amountMismatch,
            bool lapsedWithdrawalPaid,
            bool badVoucherRedeemed
        )
    {
        return (
            _staleVoucherRedeemed,
            _forgedClaimPaid,
            _liveAtMismatch,
            _amountMismatch,
            _lapsedWithdrawalPaid,
            _badVoucherRedeemed
        );
    }

    function actors() external view returns (address[PAYERS] memory, address[EARNERS] memory, address[VAULTS] memory) {
        return (_payers, _earners, _vaults);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    function _payer(uint256 seed) internal view returns (address) {
        return _payers[seed % PAYERS];
    }

    function _expectedRedeem(address payer, uint256 cap) internal view returns (uint256) {
        uint256 open = cap - _ghostRedeemed[payer];
        uint256 escrow = settlement.escrowOf(payer);
        return open < escrow ? open : escrow;
    }

    /// @dev A voucher of payer `index` for `cap` that must not redeem: signed by the wrong key,
    /// expired, or (stale) not above what was already redeemed.
    function _badVoucher(uint256 index, uint256 cap, uint256 kind)
        internal
        view
        returns (IAttributionSettlement.Voucher memory v, bytes memory sig)
    {
        address payer = _payers[index];
        kind %= 3;
        v = IAttributionSettlement.Voucher({payer: payer, cumulativeAmount: cap, expiry: uint64(block.timestamp)});
        if (kind == 1) v.expiry = uint64(block.timestamp) - 1;
        if (kind == 2) v.cumulativeAmount = _ghostRedeemed[payer];
        sig = _sign(kind == 0 ? (index + 1) % PAYERS : index, v);
    }

    function _sign(uint256 payerIndex, IAttributionSettlement.Voucher memory v) internal view returns (bytes memory) {
        (uint8 vv, bytes32 r, bytes32 s) = vm.sign(_signerKeys[payerIndex], settlement.hashVoucher(v));
        return abi.encodePacked(r, s, vv);
    }

    function _leaves(uint256[EARNERS] memory amounts_)
        internal
        view
        returns (address[] memory accounts, uint256[] memory amounts)
    {
        accounts = new address[](EARNERS);
        amounts = new uint256[](EARNERS);
        for (uint256 i = 0; i < EARNERS; ++i) {
            accounts[i] = _earners[i];
            amounts[i] = amounts_[i];
        }
    }

    function _proof(uint256 epoch, address account, uint256 cumulative) internal view returns (bytes32[] memory) {
        (address[] memory accounts, uint256[] memory amounts) = _leaves(_snapshots[epoch]);
        return StandardMerkleTree.proof(StandardMerkleTree.build(accounts, amounts), account, cumulative);
    }
}
