// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {ContributionVotes} from "../../../src/governance/ContributionVotes.sol";
import {AttributionSettlement} from "../../../src/settlement/AttributionSettlement.sol";
import {IAttributionSettlement} from "../../../src/settlement/IAttributionSettlement.sol";
import {AgentStaking} from "../../../src/staking/AgentStaking.sol";
import {TributaryToken} from "../../../src/token/TributaryToken.sol";
import {ERC1271WalletMock} from "../mocks/ERC1271WalletMock.sol";
import {RejectingERC1271Mock} from "../mocks/HostileERC1271Mocks.sol";
import {StandardMerkleTree} from "../utils/StandardMerkleTree.sol";

/// @notice Drives AttributionSettlement like the real system: payers (an EOA, an EOA whose
/// EIP-7702-style delegated code rejects every ERC-1271 check, and an ERC-1271 wallet) deposit, sign
/// ever-larger vouchers and withdraw (only inside the withdrawal window; lapsed requests must never
/// pay); the settler redeems single vouchers and batches mixing good and bad ones, accrues earnings
/// to earners (with a vote-eligible part) and to an agent's stakers, and posts real StandardMerkleTree
/// roots of the cumulative amounts (sequential epochs, one open root at a time); anyone challenges a
/// pending root with a bond and the vetoer upholds, rejects or vetoes; anyone claims (earners, and
/// stakers into AgentStaking) and mints owed votes; time passes. Ghost variables record every token
/// movement, and the handler's own model (never the contract's return values) says what each claim
/// must pay, so the invariant suite can check the contract against them. Reach counters record how
/// often the money paths succeed (see `reach()`).
contract AttributionSettlementHandler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant PAYERS = 3;
    uint256 internal constant EARNERS = 4;
    uint256 internal constant VAULTS = 2;
    /// @dev The agent whose stakers earn (leaf kind 1).
    uint256 public constant AGENT_ID = 1;

    AttributionSettlement public immutable settlement;
    TributaryToken public immutable token;
    ContributionVotes public immutable votes;
    address internal immutable _admin;
    address internal immutable _settler;
    address internal immutable _vetoer;
    AgentStaking public immutable staking;
    address internal immutable _treasury;

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
    uint256[EARNERS] internal _eligible;
    uint256 internal _stakersEarned;
    uint256 internal _ghostTotalEarned;
    uint256[] internal _epochs;
    mapping(uint256 epoch => uint256[EARNERS]) internal _snapshots;
    mapping(uint256 epoch => uint256[EARNERS]) internal _eligibleSnapshots;
    mapping(uint256 epoch => uint256) internal _stakersSnapshots;
    mapping(uint256 epoch => uint256) internal _totals;
    mapping(uint256 epoch => uint256) internal _redeemedAt;
    mapping(uint256 epoch => uint64) internal _liveAts;
    mapping(uint256 epoch => bool) internal _vetoed;
    mapping(uint256 epoch => bool) internal _challenged;
    mapping(uint256 epoch => address) internal _challengers;
    mapping(uint256 epoch => uint256) internal _bonds;
    /// @dev The model's newest live root recorded when the newest root was proposed.
    uint256 internal _settledLive;

    // --- claim ghosts (the handler's model: what each account has been paid, independent of the contract)
    mapping(address => uint256) internal _ghostPaidFor; // per earning account
    mapping(address => uint256) internal _ghostReceived; // per recipient
    mapping(address => uint256) internal _ghostVotesRecorded;
    mapping(address => uint256) internal _ghostVotesMinted;
    uint256 internal _ghostStakersPaid;
    uint256 internal _ghostTotalPaid;

    // --- challenge ghosts
    uint256 internal _ghostOpenBonds;
    uint256 internal _ghostTreasuryReceived;
    mapping(address => uint256) internal _ghostChallengerOut; // bonds paid in minus refunds
    mapping(address => uint256) internal _ghostBondMinted;
    address[2] internal _challengerActors;

    // --- reach counters (per run: the suite logs them after each run)
    uint256 public claimsSucceeded;
    uint256 public stakerClaimsSucceeded;
    uint256 public votesMintsSucceeded;
    uint256 public rootsProposed;
    uint256 public challengesOpened;
    uint256 public redemptions;
    bool internal _validCallFailed;

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
        AgentStaking staking_,
        address admin,
        address settler,
        address vetoer
    ) {
        settlement = settlement_;
        token = token_;
        votes = votes_;
        staking = staking_;
        _admin = admin;
        _settler = settler;
        _vetoer = vetoer;
        _treasury = settlement_.treasury();

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
        _challengerActors[0] = makeAddr("challenger0");
        _challengerActors[1] = makeAddr("challenger1");
    }

    // ---------------------------------------------------------------------------------------------
    // Payers
    // ---------------------------------------------------------------------------------------------

    function deposit(uint256 payerSeed, uint256 amount) public {
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

    /// @dev The payer signs a voucher `increment` above its last cap; the settler redeems exactly
    /// part of what is open (what receipts charged), or tries more than is open or escrowed (must fail).
    function redeem(uint256 payerSeed, uint256 increment, uint256 ttl, uint256 charged) public {
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
        uint256 max = _expectedRedeem(payer, cap);
        if (charged % 5 == 0) {
            // One more than allowed: exactly `amount` or nothing.
            vm.prank(_settler);
            try settlement.redeemVoucher(v, sig, max + 1) {
                _staleVoucherRedeemed = true;
            } catch {}
            return;
        }
        uint256 amount = bound(charged, 1, max);
        uint256 before = settlement.redeemedOf(payer);
        vm.prank(_settler);
        settlement.redeemVoucher(v, sig, amount);
        if (settlement.redeemedOf(payer) != before + amount) _amountMismatch = true;
        _ghostRedeemed[payer] += amount;
        ++redemptions;
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
        uint256[] memory amounts = new uint256[](3);
        vs[0] = IAttributionSettlement.Voucher(pa, _ghostSignedCap[pa] + increment, uint64(block.timestamp));
        vs[2] = IAttributionSettlement.Voucher(pb, _ghostSignedCap[pb] + increment, uint64(block.timestamp));
        sigs[0] = _sign(ia, vs[0]);
        sigs[2] = _sign(ib, vs[2]);
        (vs[1], sigs[1]) = _badVoucher(ia, vs[0].cumulativeAmount + 1_000 ether, badKind);
        _ghostSignedCap[pa] = vs[0].cumulativeAmount;
        _ghostSignedCap[pb] = vs[2].cumulativeAmount;
        uint256 expectedA = _expectedRedeem(pa, vs[0].cumulativeAmount);
        uint256 expectedB = _expectedRedeem(pb, vs[2].cumulativeAmount);
        amounts[0] = expectedA;
        amounts[1] = 1 ether;
        amounts[2] = expectedB;
        vm.prank(_settler);
        uint256 total = settlement.redeemVouchers(vs, sigs, amounts);
        if (total != expectedA + expectedB) _amountMismatch = true;
        _ghostRedeemed[pa] += expectedA;
        _ghostRedeemed[pb] += expectedB;
        if (settlement.redeemedOf(pa) != _ghostRedeemed[pa]) _badVoucherRedeemed = true;
        if (total != 0) ++redemptions;
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
        try settlement.redeemVoucher(v, sig, 1) {
            _staleVoucherRedeemed = true;
        } catch {}
    }

    /// @dev Attributes part of what was redeemed since the refEpoch root to an earner (with a
    /// vote-eligible share) or to the agent's stakers.
    function earn(uint256 seed, uint256 amount, uint256 eligiblePercent) public {
        uint256 attributable = _attributable();
        if (attributable == 0) return;
        amount = bound(amount, 1, attributable);
        uint256 index = seed % (EARNERS + 1);
        if (index == EARNERS) {
            _stakersEarned += amount;
        } else {
            _earned[index] += amount;
            _eligible[index] += (amount * bound(eligiblePercent, 0, 100)) / 100;
        }
        _ghostTotalEarned += amount;
    }

    /// @dev Publishes the current cumulative amounts as the next epoch's root. Half the time it first
    /// waits for the open root to go live (as the settlement service does); when the model says the
    /// contract must refuse (a root still open, a total above what the bound allows) it checks that.
    function proposeRoot(uint256 seed) public {
        uint256 last = _lastEpoch();
        if (last != 0 && seed % 2 == 0 && !_vetoed[last] && !_challenged[last] && block.timestamp < _liveAts[last]) {
            vm.warp(_liveAts[last]);
        }
        uint256 epoch = last + 1;
        bytes32 root = _root(_earned, _eligible, _stakersEarned);
        bool open = last != 0 && !_vetoed[last] && (_challenged[last] || block.timestamp < _liveAts[last]);
        uint256 refEpoch = open ? 0 : _referenceAfter(last);
        uint256 refTotal = refEpoch == 0 ? 0 : _totals[refEpoch];
        uint256 refRedeemed = refEpoch == 0 ? 0 : _redeemedAt[refEpoch];
        bool valid = !open && _ghostTotalEarned >= refTotal
            && _ghostTotalEarned - refTotal <= settlement.totalRedeemed() - refRedeemed;
        if (!valid) {
            vm.prank(_settler);
            try settlement.proposeRoot(
                epoch, root, _ghostTotalEarned, keccak256(abi.encode(epoch)), "ipfs://x"
            ) returns (
                uint64
            ) {
                _liveAtMismatch = true; // accepted a root the rules forbid
            } catch {}
            return;
        }
        uint64 expectedLiveAt = uint64(block.timestamp) + settlement.params().challengeDelay;
        vm.prank(_settler);
        uint64 liveAt = settlement.proposeRoot(epoch, root, _ghostTotalEarned, keccak256(abi.encode(epoch)), "ipfs://x");
        if (liveAt != expectedLiveAt) _liveAtMismatch = true;

        _settledLive = refEpoch;
        _epochs.push(epoch);
        _snapshots[epoch] = _earned;
        _eligibleSnapshots[epoch] = _eligible;
        _stakersSnapshots[epoch] = _stakersEarned;
        _totals[epoch] = _ghostTotalEarned;
        _redeemedAt[epoch] = settlement.totalRedeemed();
        _liveAts[epoch] = liveAt;
        ++rootsProposed;
    }

    /// @dev One settlement epoch as the settlement service runs it: a payer pays (deposit if its escrow
    /// is empty), the settler redeems what receipts charged, attributes it (earners and stakers) and
    /// proposes the root once the previous one is live; half the time the challenge delay then passes.
    function settleEpoch(uint256 seed, uint256 amount) external {
        uint256 payerSeed = seed % PAYERS;
        if (settlement.escrowOf(_payers[payerSeed]) == 0) deposit(payerSeed, amount);
        redeem(payerSeed, amount, 7 days, (amount % 4) + 1 + (amount >> 8));
        for (uint256 i = 0; i < 3 && _attributable() != 0; ++i) {
            earn(seed >> (8 * i), _attributable() / (3 - i) + 1, seed >> (16 * i));
        }
        proposeRoot(0);
        uint256 last = _lastEpoch();
        if (
            (seed >> 40) % 2 == 0 && last != 0 && !_vetoed[last] && !_challenged[last]
                && _liveAts[last] > block.timestamp
        ) {
            vm.warp(_liveAts[last]);
        }
    }

    /// @dev Anyone freezes the open pending root with a bond.
    function challengeRoot(uint256 challengerSeed) external {
        uint256 last = _lastEpoch();
        if (last == 0 || _vetoed[last] || _challenged[last] || block.timestamp >= _liveAts[last]) return;
        address challenger = _challengerActors[challengerSeed % 2];
        uint256 bond = settlement.params().challengeBond;
        vm.prank(_admin);
        token.mint(challenger, bond);
        vm.startPrank(challenger);
        token.approve(address(settlement), bond);
        settlement.challengeRoot(last, "suspect");
        vm.stopPrank();
        _challenged[last] = true;
        _challengers[last] = challenger;
        _bonds[last] = bond;
        _ghostOpenBonds += bond;
        _ghostChallengerOut[challenger] += bond;
        _ghostBondMinted[challenger] += bond;
        ++challengesOpened;
    }

    /// @dev The vetoer resolves the open challenge: upheld (veto, bond back) or rejected (bond to the treasury).
    function resolveChallenge(bool upheld) external {
        uint256 last = _lastEpoch();
        if (last == 0 || !_challenged[last]) return;
        vm.prank(_vetoer);
        settlement.resolveChallenge(last, upheld);
        uint256 bond = _bonds[last];
        _ghostOpenBonds -= bond;
        _challenged[last] = false;
        _bonds[last] = 0;
        if (upheld) {
            _vetoed[last] = true;
            _ghostChallengerOut[_challengers[last]] -= bond;
        } else {
            _ghostTreasuryReceived += bond;
            if (_liveAts[last] < block.timestamp) _liveAts[last] = uint64(block.timestamp);
        }
    }

    function vetoRoot() external {
        uint256 last = _lastEpoch();
        if (last == 0 || _vetoed[last] || block.timestamp >= _liveAts[last]) return;
        vm.prank(_vetoer);
        settlement.vetoRoot(last);
        _vetoed[last] = true;
        if (_challenged[last]) {
            _challenged[last] = false;
            _ghostOpenBonds -= _bonds[last];
            _ghostChallengerOut[_challengers[last]] -= _bonds[last];
            _bonds[last] = 0;
        }
    }

    function setChallengeDelay(uint256 delay) external {
        IAttributionSettlement.Params memory p = settlement.params();
        p.challengeDelay = uint64(bound(delay, settlement.vetoLatency(), 3 days));
        vm.prank(_admin);
        settlement.setParams(p);
    }

    // ---------------------------------------------------------------------------------------------
    // Earners
    // ---------------------------------------------------------------------------------------------

    /// @dev Anyone claims an earner's latest proven cumulative earnings. When no root is live yet but
    /// one is pending, it usually waits for it first (claimants wait for the challenge delay).
    function claim(uint256 earnerSeed, address caller) external {
        _maybeWaitForLive(earnerSeed);
        uint256 epoch = modelLiveEpoch();
        if (epoch == 0) return;
        uint256 index = earnerSeed % EARNERS;
        // Claimants with something to claim are the ones who call (3 in 4); else whoever the seed names.
        if ((earnerSeed >> 8) % 4 != 3) {
            for (uint256 k = 0; k < EARNERS; ++k) {
                uint256 j = (index + k) % EARNERS;
                if (_snapshots[epoch][j] > _ghostPaidFor[_earners[j]]) {
                    index = j;
                    break;
                }
            }
        }
        address account = _earners[index];
        uint256 cumulative = _snapshots[epoch][index];
        uint256 eligible = _eligibleSnapshots[epoch][index];
        uint256 already = _ghostPaidFor[account]; // the model's, not the contract's
        uint256 newVotes = account == _treasury || eligible <= _ghostVotesRecorded[account]
            ? 0
            : eligible - _ghostVotesRecorded[account];
        bytes32[] memory proof = _proof(epoch, StandardMerkleTree.earnerLeaf(account, cumulative, eligible));
        if (cumulative <= already && newVotes == 0) {
            vm.prank(caller);
            try settlement.claim(account, cumulative, eligible, proof) returns (uint256) {
                _forgedClaimPaid = true;
            } catch {}
            return;
        }
        uint256 expected = cumulative > already ? cumulative - already : 0;
        address recipient = settlement.claimRecipientOf(account);
        uint256 balanceBefore = token.balanceOf(recipient);
        vm.prank(caller);
        try settlement.claim(account, cumulative, eligible, proof) returns (uint256) {
            if (token.balanceOf(recipient) != balanceBefore + expected) _amountMismatch = true;
        } catch {
            _validCallFailed = true; // the model says this claim is valid
            return;
        }
        _ghostPaidFor[account] += expected;
        _ghostReceived[recipient] += expected;
        _ghostTotalPaid += expected;
        _ghostVotesRecorded[account] += newVotes;
        if (expected != 0) ++claimsSucceeded;
    }

    /// @dev Anyone moves the agent's stakers' latest proven rewards into AgentStaking.
    function claimStakerRewards(uint256 seed) external {
        _maybeWaitForLive(seed);
        uint256 epoch = modelLiveEpoch();
        if (epoch == 0) return;
        uint256 cumulative = _stakersSnapshots[epoch];
        bytes32[] memory proof = _proof(epoch, StandardMerkleTree.stakersLeaf(AGENT_ID, cumulative));
        if (cumulative <= _ghostStakersPaid) {
            try settlement.claimStakerRewards(AGENT_ID, cumulative, proof) returns (uint256) {
                _forgedClaimPaid = true;
            } catch {}
            return;
        }
        uint256 expected = cumulative - _ghostStakersPaid;
        uint256 stakingBefore = token.balanceOf(address(staking));
        try settlement.claimStakerRewards(AGENT_ID, cumulative, proof) returns (uint256) {
            if (token.balanceOf(address(staking)) != stakingBefore + expected) _amountMismatch = true;
        } catch {
            _validCallFailed = true;
            return;
        }
        _ghostStakersPaid += expected;
        _ghostTotalPaid += expected;
        ++stakerClaimsSucceeded;
    }

    /// @dev Anyone mints an earner's owed votes.
    function mintVotes(uint256 earnerSeed) external {
        uint256 index = earnerSeed % EARNERS;
        // Accounts owed votes are the ones who call (3 in 4).
        if ((earnerSeed >> 8) % 4 != 3) {
            for (uint256 k = 0; k < EARNERS; ++k) {
                address candidate = _earners[(index + k) % EARNERS];
                if (_ghostVotesRecorded[candidate] > _ghostVotesMinted[candidate]) {
                    index = (index + k) % EARNERS;
                    break;
                }
            }
        }
        address account = _earners[index];
        uint256 owed = _ghostVotesRecorded[account] - _ghostVotesMinted[account];
        if (owed == 0) {
            try settlement.mintVotes(account) returns (uint256) {
                _forgedClaimPaid = true;
            } catch {}
            return;
        }
        uint256 before = votes.balanceOf(account);
        settlement.mintVotes(account);
        if (votes.balanceOf(account) != before + owed) _amountMismatch = true;
        _ghostVotesMinted[account] += owed;
        ++votesMintsSucceeded;
    }

    /// @dev Claims more than proven (or with a proof from a stale root): must never pay.
    function claimForged(uint256 earnerSeed, uint256 extra, uint256 epochSeed) external {
        if (_epochs.length == 0) return;
        uint256 epoch = _epochs[epochSeed % _epochs.length];
        uint256 index = earnerSeed % EARNERS;
        address account = _earners[index];
        uint256 cumulative = _snapshots[epoch][index];
        uint256 eligible = _eligibleSnapshots[epoch][index];
        bytes32[] memory proof = _proof(epoch, StandardMerkleTree.earnerLeaf(account, cumulative, eligible));
        uint256 claimed = cumulative + bound(extra, 1, 1_000 ether);
        try settlement.claim(account, claimed, eligible, proof) returns (uint256) {
            _forgedClaimPaid = true;
        } catch {}
        // More votes than proven, with the real earnings.
        try settlement.claim(account, cumulative, eligible + 1, proof) returns (uint256) {
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

    /// @notice The newest root that is neither vetoed nor challenged and whose liveAt passed, by a
    /// naive scan of the handler's model.
    function modelLiveEpoch() public view returns (uint256) {
        for (uint256 i = _epochs.length; i > 0; --i) {
            uint256 epoch = _epochs[i - 1];
            if (!_vetoed[epoch] && !_challenged[epoch] && _liveAts[epoch] <= block.timestamp) return epoch;
        }
        return 0;
    }

    /// @notice The reach counters of the current run.
    function reach()
        external
        view
        returns (
            uint256 claims,
            uint256 stakerClaims,
            uint256 voteMints,
            uint256 roots,
            uint256 challenges,
            uint256 redeems
        )
    {
        return (
            claimsSucceeded, stakerClaimsSucceeded, votesMintsSucceeded, rootsProposed, challengesOpened, redemptions
        );
    }

    /// @notice Votes the model says were recorded / minted for earner `index`, and staker rewards paid.
    function voteGhost(uint256 index) external view returns (uint256 recorded, uint256 minted) {
        address account = _earners[index];
        return (_ghostVotesRecorded[account], _ghostVotesMinted[account]);
    }

    /// @notice Bonds held, bonds forfeited to the treasury, staker rewards paid.
    function bondGhost() external view returns (uint256 openBonds, uint256 treasuryReceived, uint256 stakersPaid) {
        return (_ghostOpenBonds, _ghostTreasuryReceived, _ghostStakersPaid);
    }

    /// @notice The challengers, the bond tokens minted to each and what each has locked (paid in minus refunded).
    function challengerGhost(uint256 i) external view returns (address challenger, uint256 minted, uint256 out) {
        challenger = _challengerActors[i];
        return (challenger, _ghostBondMinted[challenger], _ghostChallengerOut[challenger]);
    }

    /// @notice Whether a call the model deemed valid reverted.
    function validCallFailed() external view returns (bool) {
        return _validCallFailed;
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

    function _lastEpoch() internal view returns (uint256) {
        return _epochs.length == 0 ? 0 : _epochs[_epochs.length - 1];
    }

    /// @dev The root the next proposal is bounded against, given the newest is `last` and not open:
    /// `last` itself when it went live, else the one recorded when it was proposed.
    function _referenceAfter(uint256 last) internal view returns (uint256) {
        if (last != 0 && !_vetoed[last] && !_challenged[last] && _liveAts[last] <= block.timestamp) return last;
        return _settledLive;
    }

    /// @dev What may still be attributed in the next root: redeemed since the refEpoch root's
    /// proposal, less what was attributed on top of its total.
    function _attributable() internal view returns (uint256) {
        uint256 last = _lastEpoch();
        uint256 refEpoch = _referenceAfter(last);
        uint256 refTotal = refEpoch == 0 ? 0 : _totals[refEpoch];
        uint256 refRedeemed = refEpoch == 0 ? 0 : _redeemedAt[refEpoch];
        uint256 allowed = settlement.totalRedeemed() - refRedeemed;
        uint256 used = _ghostTotalEarned - refTotal;
        return allowed > used ? allowed - used : 0;
    }

    /// @dev Usually (3 in 4) waits for a pending root to go live when none is live yet or a newer
    /// one is pending: claimants and the settlement service wait for the challenge delay.
    function _maybeWaitForLive(uint256 seed) internal {
        uint256 last = _lastEpoch();
        if (last == 0 || seed % 4 == 3) return;
        if (_vetoed[last] || _challenged[last] || block.timestamp >= _liveAts[last]) return;
        vm.warp(_liveAts[last]);
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

    function _leafHashes(uint256[EARNERS] memory earned, uint256[EARNERS] memory eligible, uint256 stakers)
        internal
        view
        returns (bytes32[] memory leaves)
    {
        leaves = new bytes32[](EARNERS + 1);
        for (uint256 i = 0; i < EARNERS; ++i) {
            leaves[i] = StandardMerkleTree.earnerLeaf(_earners[i], earned[i], eligible[i]);
        }
        leaves[EARNERS] = StandardMerkleTree.stakersLeaf(AGENT_ID, stakers);
    }

    function _root(uint256[EARNERS] memory earned, uint256[EARNERS] memory eligible, uint256 stakers)
        internal
        view
        returns (bytes32)
    {
        return StandardMerkleTree.buildFromLeaves(_leafHashes(earned, eligible, stakers))[0];
    }

    function _proof(uint256 epoch, bytes32 leaf) internal view returns (bytes32[] memory) {
        bytes32[] memory tree = StandardMerkleTree.buildFromLeaves(
            _leafHashes(_snapshots[epoch], _eligibleSnapshots[epoch], _stakersSnapshots[epoch])
        );
        return StandardMerkleTree.proofOf(tree, leaf);
    }
}
