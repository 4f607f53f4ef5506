// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IContributionVotes} from "../../src/governance/IContributionVotes.sol";
import {AttributionSettlement} from "../../src/settlement/AttributionSettlement.sol";
import {IAttributionSettlement} from "../../src/settlement/IAttributionSettlement.sol";
import {ERC1271WalletMock} from "./mocks/ERC1271WalletMock.sol";
import {GasBurnerERC1271Mock, RejectingERC1271Mock, ReturnBombERC1271Mock} from "./mocks/HostileERC1271Mocks.sol";
import {SettlementTestBase} from "./utils/SettlementTestBase.sol";
import {StandardMerkleTree} from "./utils/StandardMerkleTree.sol";

contract AttributionSettlementTest is SettlementTestBase {
    // ---------------------------------------------------------------------------------------------
    // constructor
    // ---------------------------------------------------------------------------------------------

    function test_constructor_SetsState() public view {
        assertEq(address(settlement.token()), address(token));
        assertEq(address(settlement.votes()), address(votes));
        IAttributionSettlement.Params memory p = settlement.params();
        assertEq(p.withdrawalDelay, WITHDRAWAL_DELAY);
        assertEq(p.challengeDelay, CHALLENGE_DELAY);
        assertTrue(settlement.hasRole(settlement.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(settlement.hasRole(settlement.PARAMETER_ROLE(), admin));
        assertFalse(settlement.hasRole(settlement.SETTLER_ROLE(), admin));
        assertFalse(settlement.hasRole(settlement.VETO_ROLE(), admin));
        assertEq(
            settlement.VOUCHER_TYPEHASH(), keccak256("Voucher(address payer,uint256 cumulativeAmount,uint64 expiry)")
        );
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = settlement.eip712Domain();
        assertEq(name, "Tributary Settlement");
        assertEq(version, "1");
        assertEq(chainId, block.chainid);
        assertEq(verifying, address(settlement));
        assertEq(settlement.latestLiveEpoch(), 0);
        assertEq(settlement.latestProposedEpoch(), 0);
        assertEq(settlement.rootCount(), 0);
    }

    function test_constructor_EmitsParamsUpdated() public {
        vm.expectEmit();
        emit IAttributionSettlement.ParamsUpdated(3 hours, 4 hours);
        new AttributionSettlement(admin, token, votes, _params(3 hours, 4 hours));
    }

    function test_Revert_constructor_WhenAdminZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAddress.selector));
        new AttributionSettlement(address(0), token, votes, _params(1 days, 1 days));
    }

    function test_Revert_constructor_WhenTokenZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAddress.selector));
        new AttributionSettlement(admin, IERC20(address(0)), votes, _params(1 days, 1 days));
    }

    function test_Revert_constructor_WhenVotesZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAddress.selector));
        new AttributionSettlement(admin, token, IContributionVotes(address(0)), _params(1 days, 1 days));
    }

    function test_Revert_constructor_WhenWithdrawalDelayOutOfBounds() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementWithdrawalDelayOutOfBounds.selector, uint64(0), 1 hours, 30 days
            )
        );
        new AttributionSettlement(admin, token, votes, _params(0, 1 days));
    }

    function test_Revert_constructor_WhenChallengeDelayOutOfBounds() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementChallengeDelayOutOfBounds.selector, uint64(31 days), 1 hours, 30 days
            )
        );
        new AttributionSettlement(admin, token, votes, _params(1 days, 31 days));
    }

    // ---------------------------------------------------------------------------------------------
    // deposit / depositFor
    // ---------------------------------------------------------------------------------------------

    function test_deposit_CreditsCallerEscrow() public {
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.Deposited(alice, alice, 100 ether);
        _deposit(alice, 100 ether);

        assertEq(settlement.escrowOf(alice), 100 ether);
        assertEq(token.balanceOf(address(settlement)), 100 ether);
        assertEq(token.balanceOf(alice), INITIAL_BALANCE - 100 ether);
    }

    function test_Revert_deposit_WhenZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAmount.selector));
        _deposit(alice, 0);
    }

    function test_Revert_deposit_WhenAllowanceTooLow() public {
        address poor = makeAddr("poor");
        vm.prank(admin);
        token.mint(poor, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(settlement), uint256(0), 10 ether
            )
        );
        _deposit(poor, 10 ether);
    }

    function testFuzz_deposit_Accumulates(uint256 a, uint256 b) public {
        a = bound(a, 1, INITIAL_BALANCE / 2);
        b = bound(b, 1, INITIAL_BALANCE / 2);
        _deposit(alice, a);
        _deposit(alice, b);
        assertEq(settlement.escrowOf(alice), a + b);
        assertEq(token.balanceOf(address(settlement)), a + b);
    }

    function test_depositFor_CreditsPayerFromCaller() public {
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.Deposited(alice, bob, 40 ether);
        vm.prank(bob);
        settlement.depositFor(alice, 40 ether);

        assertEq(settlement.escrowOf(alice), 40 ether);
        assertEq(settlement.escrowOf(bob), 0);
        assertEq(token.balanceOf(bob), INITIAL_BALANCE - 40 ether);
    }

    function test_Revert_depositFor_WhenPayerZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAddress.selector));
        vm.prank(bob);
        settlement.depositFor(address(0), 1 ether);
    }

    function test_Revert_depositFor_WhenZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAmount.selector));
        vm.prank(bob);
        settlement.depositFor(alice, 0);
    }

    // ---------------------------------------------------------------------------------------------
    // requestWithdrawal / cancelWithdrawal / executeWithdrawal
    // ---------------------------------------------------------------------------------------------

    function test_requestWithdrawal_StoresRequest() public {
        _deposit(alice, 100 ether);
        uint64 executableAt = uint64(block.timestamp) + WITHDRAWAL_DELAY;
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.WithdrawalRequested(alice, 60 ether, executableAt);
        vm.prank(alice);
        settlement.requestWithdrawal(60 ether);

        IAttributionSettlement.Withdrawal memory w = settlement.pendingWithdrawal(alice);
        assertEq(w.amount, 60 ether);
        assertEq(w.executableAt, executableAt);
        assertEq(settlement.escrowOf(alice), 100 ether, "escrow untouched until executed");
    }

    function test_requestWithdrawal_ReplacesPendingRequestAndRestartsTimer() public {
        _deposit(alice, 100 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(60 ether);
        vm.warp(block.timestamp + 1 days);
        vm.prank(alice);
        settlement.requestWithdrawal(30 ether);

        IAttributionSettlement.Withdrawal memory w = settlement.pendingWithdrawal(alice);
        assertEq(w.amount, 30 ether);
        assertEq(w.executableAt, uint64(block.timestamp) + WITHDRAWAL_DELAY);
    }

    function test_requestWithdrawal_AllowsMoreThanEscrow() public {
        _deposit(alice, 10 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(type(uint256).max);
        assertEq(settlement.pendingWithdrawal(alice).amount, type(uint256).max);
    }

    function test_Revert_requestWithdrawal_WhenZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAmount.selector));
        vm.prank(alice);
        settlement.requestWithdrawal(0);
    }

    function test_cancelWithdrawal_ClearsRequest() public {
        _deposit(alice, 100 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(60 ether);

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.WithdrawalCancelled(alice, 60 ether);
        vm.prank(alice);
        settlement.cancelWithdrawal();

        IAttributionSettlement.Withdrawal memory w = settlement.pendingWithdrawal(alice);
        assertEq(w.amount, 0);
        assertEq(w.executableAt, 0);
    }

    function test_Revert_cancelWithdrawal_WhenNoPending() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementNoPendingWithdrawal.selector, alice));
        vm.prank(alice);
        settlement.cancelWithdrawal();
    }

    function test_executeWithdrawal_PaysRequested() public {
        _deposit(alice, 100 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(60 ether);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.WithdrawalExecuted(alice, 60 ether, 60 ether);
        vm.prank(alice);
        uint256 paid = settlement.executeWithdrawal();

        assertEq(paid, 60 ether);
        assertEq(settlement.escrowOf(alice), 40 ether);
        assertEq(token.balanceOf(alice), INITIAL_BALANCE - 40 ether);
        assertEq(settlement.pendingWithdrawal(alice).amount, 0);
    }

    function test_executeWithdrawal_PaysEscrowWhenRequestExceedsIt() public {
        _deposit(alice, 10 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(type(uint256).max);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.WithdrawalExecuted(alice, type(uint256).max, 10 ether);
        vm.prank(alice);
        assertEq(settlement.executeWithdrawal(), 10 ether);
        assertEq(settlement.escrowOf(alice), 0);
    }

    function test_executeWithdrawal_EscrowStaysRedeemableDuringDelay() public {
        _deposit(alice, 100 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(100 ether);

        // The settler redeems a voucher while the request is pending: the payer cannot race it.
        vm.warp(block.timestamp + WITHDRAWAL_DELAY - 1);
        assertEq(_redeem(alicePk, alice, 70 ether), 70 ether);

        vm.warp(block.timestamp + 1);
        vm.prank(alice);
        assertEq(settlement.executeWithdrawal(), 30 ether);
        assertEq(settlement.escrowOf(alice), 0);
        assertEq(settlement.totalRedeemed(), 70 ether);
        assertEq(token.balanceOf(address(settlement)), 70 ether);
    }

    function test_executeWithdrawal_PaysZeroWhenEscrowFullyRedeemed() public {
        _deposit(alice, 50 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(50 ether);
        _redeem(alicePk, alice, 50 ether);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);

        uint256 before = token.balanceOf(alice);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.WithdrawalExecuted(alice, 50 ether, 0);
        vm.prank(alice);
        assertEq(settlement.executeWithdrawal(), 0);
        assertEq(token.balanceOf(alice), before);
        assertEq(settlement.pendingWithdrawal(alice).amount, 0, "request cleared");
    }

    function test_executeWithdrawal_KeepsDelayFixedAtRequest() public {
        _deposit(alice, 50 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(50 ether);
        vm.prank(admin);
        settlement.setParams(_params(30 days, CHALLENGE_DELAY));

        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        vm.prank(alice);
        assertEq(settlement.executeWithdrawal(), 50 ether);
    }

    function test_Revert_executeWithdrawal_WhenNoPending() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementNoPendingWithdrawal.selector, alice));
        vm.prank(alice);
        settlement.executeWithdrawal();
    }

    function test_Revert_executeWithdrawal_WhenCancelled() public {
        _deposit(alice, 50 ether);
        vm.startPrank(alice);
        settlement.requestWithdrawal(50 ether);
        settlement.cancelWithdrawal();
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementNoPendingWithdrawal.selector, alice));
        settlement.executeWithdrawal();
        vm.stopPrank();
    }

    function test_Revert_executeWithdrawal_WhenNotReady() public {
        _deposit(alice, 50 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(50 ether);
        uint64 executableAt = uint64(block.timestamp) + WITHDRAWAL_DELAY;
        vm.warp(executableAt - 1);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementWithdrawalNotReady.selector, alice, executableAt, executableAt - 1
            )
        );
        vm.prank(alice);
        settlement.executeWithdrawal();
    }

    function testFuzz_executeWithdrawal_PaysMinOfRequestAndEscrow(
        uint256 deposited,
        uint256 requested,
        uint256 redeemed,
        uint256 wait
    ) public {
        deposited = bound(deposited, 1, INITIAL_BALANCE);
        requested = bound(requested, 1, type(uint256).max);
        redeemed = bound(redeemed, 0, deposited);
        wait = bound(wait, WITHDRAWAL_DELAY, 2 * uint256(WITHDRAWAL_DELAY)); // inside the window

        _deposit(alice, deposited);
        vm.prank(alice);
        settlement.requestWithdrawal(requested);
        if (redeemed != 0) _redeem(alicePk, alice, redeemed);
        vm.warp(block.timestamp + wait);

        uint256 remaining = deposited - redeemed;
        uint256 expected = requested < remaining ? requested : remaining;
        vm.prank(alice);
        assertEq(settlement.executeWithdrawal(), expected);
        assertEq(settlement.escrowOf(alice), remaining - expected);
        assertEq(token.balanceOf(address(settlement)), settlement.escrowOf(alice) + settlement.totalRedeemed());
    }

    function test_withdrawalWindowEnd_SetByRequestClearedByCancelAndExecute() public {
        _deposit(alice, 100 ether);
        assertEq(settlement.withdrawalWindowEnd(alice), 0, "none pending");
        vm.prank(alice);
        settlement.requestWithdrawal(60 ether);
        uint64 executableAt = uint64(block.timestamp) + WITHDRAWAL_DELAY;
        assertEq(settlement.withdrawalWindowEnd(alice), executableAt + WITHDRAWAL_DELAY);

        vm.prank(alice);
        settlement.cancelWithdrawal();
        assertEq(settlement.withdrawalWindowEnd(alice), 0, "cleared by cancel");

        vm.prank(alice);
        settlement.requestWithdrawal(60 ether);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        vm.prank(alice);
        settlement.executeWithdrawal();
        assertEq(settlement.withdrawalWindowEnd(alice), 0, "cleared by execute");
    }

    function test_executeWithdrawal_AtLastSecondOfWindow() public {
        _deposit(alice, 50 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(50 ether);
        vm.warp(settlement.withdrawalWindowEnd(alice));
        vm.prank(alice);
        assertEq(settlement.executeWithdrawal(), 50 ether);
    }

    function test_Revert_executeWithdrawal_WhenLapsed() public {
        _deposit(alice, 50 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(50 ether);
        uint64 windowEnd = uint64(block.timestamp) + 2 * WITHDRAWAL_DELAY;
        vm.warp(windowEnd + 1);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementWithdrawalLapsed.selector, alice, windowEnd, windowEnd + 1
            )
        );
        vm.prank(alice);
        settlement.executeWithdrawal();
        assertEq(settlement.escrowOf(alice), 50 ether);
    }

    function test_executeWithdrawal_LapsedRequestIsRenewedOrCancelled() public {
        _deposit(alice, 50 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(50 ether);
        vm.warp(block.timestamp + 2 * WITHDRAWAL_DELAY + 1);

        // A lapsed request can be cancelled ...
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.WithdrawalCancelled(alice, 50 ether);
        vm.prank(alice);
        settlement.cancelWithdrawal();

        // ... or replaced by a new one, announced again, with a fresh delay and window.
        uint64 executableAt = uint64(block.timestamp) + WITHDRAWAL_DELAY;
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.WithdrawalRequested(alice, 50 ether, executableAt);
        vm.prank(alice);
        settlement.requestWithdrawal(50 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementWithdrawalNotReady.selector,
                alice,
                executableAt,
                uint64(block.timestamp)
            )
        );
        vm.prank(alice);
        settlement.executeWithdrawal();
        vm.warp(executableAt);
        vm.prank(alice);
        assertEq(settlement.executeWithdrawal(), 50 ether);
    }

    function test_executeWithdrawal_KeepsWindowFixedAtRequest() public {
        _deposit(alice, 50 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(50 ether);
        uint64 windowEnd = settlement.withdrawalWindowEnd(alice);
        vm.prank(admin);
        settlement.setParams(_params(30 days, CHALLENGE_DELAY));
        assertEq(settlement.withdrawalWindowEnd(alice), windowEnd);

        vm.warp(windowEnd + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementWithdrawalLapsed.selector, alice, windowEnd, windowEnd + 1
            )
        );
        vm.prank(alice);
        settlement.executeWithdrawal();
    }

    /// @dev The attack: request once, wait, then deposit and pay with vouchers, and race the
    /// settler's redemption with the long-ready withdrawal. The stale request has lapsed.
    function test_Revert_executeWithdrawal_WhenStaleRequestFrontRunsRedemption() public {
        vm.prank(alice);
        settlement.requestWithdrawal(type(uint256).max);
        vm.warp(block.timestamp + 30 days);

        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 100 ether, uint64(block.timestamp + 1 hours));
        bytes memory sig = _sign(alicePk, v);

        uint64 windowEnd = settlement.withdrawalWindowEnd(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementWithdrawalLapsed.selector, alice, windowEnd, uint64(block.timestamp)
            )
        );
        vm.prank(alice);
        settlement.executeWithdrawal();

        vm.prank(settler);
        assertEq(settlement.redeemVoucher(v, sig), 100 ether);
    }

    function testFuzz_executeWithdrawal_OnlyInsideWindow(uint64 delay, uint256 wait) public {
        delay = uint64(bound(delay, 1 hours, 30 days));
        wait = bound(wait, 0, 3 * uint256(delay));
        vm.prank(admin);
        settlement.setParams(_params(delay, CHALLENGE_DELAY));
        _deposit(alice, 10 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(10 ether);
        uint64 executableAt = uint64(block.timestamp) + delay;
        uint64 windowEnd = executableAt + delay;
        assertEq(settlement.withdrawalWindowEnd(alice), windowEnd);
        vm.warp(block.timestamp + wait);

        if (block.timestamp < executableAt) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAttributionSettlement.SettlementWithdrawalNotReady.selector,
                    alice,
                    executableAt,
                    uint64(block.timestamp)
                )
            );
        } else if (block.timestamp > windowEnd) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAttributionSettlement.SettlementWithdrawalLapsed.selector,
                    alice,
                    windowEnd,
                    uint64(block.timestamp)
                )
            );
        }
        vm.prank(alice);
        uint256 paid = settlement.executeWithdrawal();
        if (block.timestamp >= executableAt && block.timestamp <= windowEnd) assertEq(paid, 10 ether);
    }

    // ---------------------------------------------------------------------------------------------
    // redeemVoucher
    // ---------------------------------------------------------------------------------------------

    function test_redeemVoucher_RedeemsCumulativeAmount() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 30 ether, uint64(block.timestamp + 1 hours));
        bytes memory sig = _sign(alicePk, v);

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherRedeemed(alice, settler, 30 ether, 30 ether);
        vm.prank(settler);
        assertEq(settlement.redeemVoucher(v, sig), 30 ether);

        assertEq(settlement.escrowOf(alice), 70 ether);
        assertEq(settlement.redeemedOf(alice), 30 ether);
        assertEq(settlement.totalRedeemed(), 30 ether);
        assertEq(token.balanceOf(address(settlement)), 100 ether, "redemption moves no tokens");
    }

    function test_redeemVoucher_LargerVoucherRedeemsOnlyTheIncrease() public {
        _deposit(alice, 100 ether);
        _redeem(alicePk, alice, 30 ether);

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherRedeemed(alice, settler, 45 ether, 75 ether);
        assertEq(_redeem(alicePk, alice, 75 ether), 45 ether);
        assertEq(settlement.redeemedOf(alice), 75 ether);
        assertEq(settlement.escrowOf(alice), 25 ether);
    }

    function test_redeemVoucher_CappedByEscrowThenResumesAfterTopUp() public {
        _deposit(alice, 40 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 100 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);

        vm.prank(settler);
        assertEq(settlement.redeemVoucher(v, sig), 40 ether);
        assertEq(settlement.escrowOf(alice), 0);
        assertEq(settlement.redeemedOf(alice), 40 ether);

        // The same voucher redeems the rest once the payer tops up, and never more than its cap.
        _deposit(alice, 100 ether);
        vm.prank(settler);
        assertEq(settlement.redeemVoucher(v, sig), 60 ether);
        assertEq(settlement.redeemedOf(alice), 100 ether);
        assertEq(settlement.escrowOf(alice), 40 ether);
    }

    function test_redeemVoucher_ValidAtExpirySecond() public {
        _deposit(alice, 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 100));
        bytes memory sig = _sign(alicePk, v);
        vm.warp(v.expiry);
        vm.prank(settler);
        assertEq(settlement.redeemVoucher(v, sig), 10 ether);
    }

    function test_redeemVoucher_ERC1271WalletPayer() public {
        ERC1271WalletMock wallet = new ERC1271WalletMock(bob);
        vm.prank(bob);
        settlement.depositFor(address(wallet), 80 ether);

        IAttributionSettlement.Voucher memory v = _voucher(address(wallet), 50 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(bobPk, v);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherRedeemed(address(wallet), settler, 50 ether, 50 ether);
        vm.prank(settler);
        assertEq(settlement.redeemVoucher(v, sig), 50 ether);
        assertEq(settlement.escrowOf(address(wallet)), 30 ether);
    }

    function test_redeemVoucher_AcceptsViemSignature() public {
        // Vector produced by viem `signTypedData` (the TypeScript side) for this domain and voucher.
        address at = 0x000000000000000000000000000000000005e771;
        address payer = 0xe05fcC23807536bEe418f142D19fa0d21BB0cfF7; // private key 0xa11ce
        bytes32 viemDigest = 0xb478f4dfeec34b446eea3921c07471f5e84c0016397ad785e72992019f4d013c;
        bytes memory viemSig =
            hex"da5a864ee3c3483cf4c0bca290548356472dd7c6e376a848dd1250a5c9f37bb53e40e863e3efe2fc9a47e07b0e0e134c0fdce4949c0258b157c5b896f83109f91c";
        vm.chainId(31337);
        deployCodeTo(
            "AttributionSettlement.sol:AttributionSettlement",
            abi.encode(admin, token, votes, _params(WITHDRAWAL_DELAY, CHALLENGE_DELAY)),
            at
        );
        AttributionSettlement s = AttributionSettlement(at);
        vm.startPrank(admin);
        s.grantRole(s.SETTLER_ROLE(), settler);
        token.mint(admin, 2000 ether);
        token.approve(at, 2000 ether);
        s.depositFor(payer, 2000 ether);
        vm.stopPrank();

        IAttributionSettlement.Voucher memory v = _voucher(payer, 1234567890000000000000, 2000000000);
        assertEq(s.hashVoucher(v), viemDigest);
        assertEq(ECDSA.recover(viemDigest, viemSig), payer);
        vm.prank(settler);
        assertEq(s.redeemVoucher(v, viemSig), 1234567890000000000000);
    }

    function test_Revert_redeemVoucher_WhenNotSettler() public {
        _deposit(alice, 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, settlement.SETTLER_ROLE()
            )
        );
        vm.prank(stranger);
        settlement.redeemVoucher(v, sig);
    }

    function test_Revert_redeemVoucher_WhenExpired() public {
        _deposit(alice, 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 100));
        bytes memory sig = _sign(alicePk, v);
        vm.warp(v.expiry + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementVoucherExpired.selector, alice, v.expiry, v.expiry + 1
            )
        );
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);
    }

    function test_Revert_redeemVoucher_WhenWrongSigner() public {
        _deposit(alice, 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(bobPk, v);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);
    }

    function test_Revert_redeemVoucher_WhenAmountTampered() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        v.cumulativeAmount = 100 ether;
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);
    }

    function test_Revert_redeemVoucher_WhenExpiryTampered() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        v.expiry += 1;
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);
    }

    function test_Revert_redeemVoucher_WhenSignedForAnotherDeployment() public {
        _deposit(alice, 10 ether);
        AttributionSettlement other =
            new AttributionSettlement(admin, token, votes, _params(WITHDRAWAL_DELAY, CHALLENGE_DELAY));
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        (uint8 vv, bytes32 r, bytes32 s) = vm.sign(alicePk, other.hashVoucher(v));
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, abi.encodePacked(r, s, vv));
    }

    function test_Revert_redeemVoucher_WhenSignatureMalformed() public {
        _deposit(alice, 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, hex"deadbeef");
    }

    function test_Revert_redeemVoucher_WhenReplayed() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 30 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementVoucherNotAboveRedeemed.selector, alice, 30 ether, 30 ether
            )
        );
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);
    }

    function test_Revert_redeemVoucher_WhenSmallerThanRedeemed() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory older = _voucher(alice, 20 ether, uint64(block.timestamp + 1 days));
        bytes memory olderSig = _sign(alicePk, older);
        _redeem(alicePk, alice, 50 ether);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementVoucherNotAboveRedeemed.selector, alice, 20 ether, 50 ether
            )
        );
        vm.prank(settler);
        settlement.redeemVoucher(older, olderSig);
    }

    function test_Revert_redeemVoucher_WhenEscrowEmpty() public {
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementEscrowEmpty.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);
    }

    function test_Revert_redeemVoucher_WhenERC1271WalletRejects() public {
        ERC1271WalletMock wallet = new ERC1271WalletMock(bob);
        vm.prank(bob);
        settlement.depositFor(address(wallet), 80 ether);
        IAttributionSettlement.Voucher memory v = _voucher(address(wallet), 50 ether, uint64(block.timestamp + 1 days));

        // Signed by someone other than the wallet's owner.
        bytes memory sig = _sign(alicePk, v);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, address(wallet))
        );
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);

        // Signed by the owner, but the wallet revoked it.
        sig = _sign(bobPk, v);
        vm.prank(bob);
        wallet.setRevoked(true);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, address(wallet))
        );
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);
    }

    /// @dev An EOA that signed vouchers with its key and later gained code (an EIP-7702 delegation,
    /// here etched) whose ERC-1271 check rejects them cannot revoke those vouchers.
    function test_redeemVoucher_EOAWithRejectingDelegatedCodeStaysBound() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 60 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        vm.etch(alice, type(RejectingERC1271Mock).runtimeCode);
        assertGt(alice.code.length, 0);

        vm.prank(settler);
        assertEq(settlement.redeemVoucher(v, sig), 60 ether);
        assertEq(settlement.redeemedOf(alice), 60 ether);
    }

    function test_Revert_redeemVoucher_WhenEOAWithDelegatedCodeSignatureIsNotItsKeyAndCodeRejects() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 60 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(bobPk, v);
        vm.etch(alice, type(RejectingERC1271Mock).runtimeCode);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);
    }

    /// @dev With delegated code that does validate, both the EOA's own key (ECDSA first) and what the
    /// code accepts (ERC-1271 fallback) are valid.
    function test_redeemVoucher_EOAWithAcceptingDelegatedCodeTakesKeyAndERC1271() public {
        ERC1271WalletMock bobWallet = new ERC1271WalletMock(bob);
        vm.etch(alice, address(bobWallet).code); // accepts signatures by bob
        _deposit(alice, 100 ether);
        uint64 expiry = uint64(block.timestamp + 1 days);

        IAttributionSettlement.Voucher memory byKey = _voucher(alice, 30 ether, expiry);
        vm.prank(settler);
        assertEq(settlement.redeemVoucher(byKey, _sign(alicePk, byKey)), 30 ether);

        IAttributionSettlement.Voucher memory byCode = _voucher(alice, 50 ether, expiry);
        vm.prank(settler);
        assertEq(settlement.redeemVoucher(byCode, _sign(bobPk, byCode)), 20 ether);
    }

    /// @dev A true contract wallet cannot produce an ECDSA signature for its own address, so only the
    /// ERC-1271 path applies, and its rejection (revocation) still counts.
    function test_redeemVoucher_ContractWalletUsesERC1271Only() public {
        ERC1271WalletMock wallet = new ERC1271WalletMock(bob);
        vm.prank(bob);
        settlement.depositFor(address(wallet), 80 ether);
        IAttributionSettlement.Voucher memory v = _voucher(address(wallet), 50 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(bobPk, v);

        vm.prank(bob);
        wallet.setRevoked(true);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, address(wallet))
        );
        vm.prank(settler);
        settlement.redeemVoucher(v, sig);

        vm.prank(bob);
        wallet.setRevoked(false);
        vm.prank(settler);
        assertEq(settlement.redeemVoucher(v, sig), 50 ether);
    }

    function test_Revert_redeemVoucher_WhenERC1271WalletBurnsAllGas() public {
        GasBurnerERC1271Mock burner = new GasBurnerERC1271Mock();
        vm.prank(bob);
        settlement.depositFor(address(burner), 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(address(burner), 10 ether, uint64(block.timestamp + 1 days));
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, address(burner))
        );
        vm.prank(settler);
        settlement.redeemVoucher{gas: 1_000_000}(v, _sign(bobPk, v));
    }

    function test_Revert_redeemVoucher_WhenTooLittleGasForERC1271Check() public {
        ERC1271WalletMock wallet = new ERC1271WalletMock(bob);
        vm.prank(bob);
        settlement.depositFor(address(wallet), 80 ether);
        IAttributionSettlement.Voucher memory v = _voucher(address(wallet), 50 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(bobPk, v);
        vm.expectPartialRevert(IAttributionSettlement.SettlementInsufficientGas.selector);
        vm.prank(settler);
        settlement.redeemVoucher{gas: 80_000}(v, sig);
    }

    function testFuzz_redeemVoucher_NeverRedeemsTheSameTokensTwice(
        uint256 deposited,
        uint256 first,
        uint256 second,
        uint256 topUp
    ) public {
        deposited = bound(deposited, 1, INITIAL_BALANCE / 2);
        first = bound(first, 1, INITIAL_BALANCE);
        second = bound(second, 0, INITIAL_BALANCE);
        topUp = bound(topUp, 0, INITIAL_BALANCE / 2);
        _deposit(alice, deposited);

        uint256 got1 = _redeem(alicePk, alice, first);
        assertEq(got1, first < deposited ? first : deposited);
        if (topUp != 0) _deposit(alice, topUp);

        IAttributionSettlement.Voucher memory v = _voucher(alice, second, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        uint256 escrowBefore = settlement.escrowOf(alice);
        vm.prank(settler);
        if (second <= got1) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAttributionSettlement.SettlementVoucherNotAboveRedeemed.selector, alice, second, got1
                )
            );
            settlement.redeemVoucher(v, sig);
        } else if (escrowBefore == 0) {
            vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementEscrowEmpty.selector, alice));
            settlement.redeemVoucher(v, sig);
        } else {
            uint256 got2 = settlement.redeemVoucher(v, sig);
            uint256 open = second - got1;
            assertEq(got2, open < escrowBefore ? open : escrowBefore);
        }
        uint256 redeemed = settlement.redeemedOf(alice);
        assertLe(redeemed, first > second ? first : second, "never above the largest signed cap");
        assertEq(redeemed + settlement.escrowOf(alice), deposited + topUp, "escrow + redeemed == deposits");
        assertEq(settlement.totalRedeemed(), redeemed);
    }

    // ---------------------------------------------------------------------------------------------
    // redeemVouchers
    // ---------------------------------------------------------------------------------------------

    function test_redeemVouchers_RedeemsEach() public {
        _deposit(alice, 100 ether);
        _deposit(bob, 100 ether);
        uint64 expiry = uint64(block.timestamp + 1 days);
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](3);
        bytes[] memory sigs = new bytes[](3);
        vs[0] = _voucher(alice, 10 ether, expiry);
        vs[1] = _voucher(bob, 20 ether, expiry);
        vs[2] = _voucher(alice, 25 ether, expiry); // a later voucher of the same payer in the same batch
        sigs[0] = _sign(alicePk, vs[0]);
        sigs[1] = _sign(bobPk, vs[1]);
        sigs[2] = _sign(alicePk, vs[2]);

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherRedeemed(alice, settler, 10 ether, 10 ether);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherRedeemed(bob, settler, 20 ether, 20 ether);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherRedeemed(alice, settler, 15 ether, 25 ether);
        vm.prank(settler);
        assertEq(settlement.redeemVouchers(vs, sigs), 45 ether);

        assertEq(settlement.redeemedOf(alice), 25 ether);
        assertEq(settlement.redeemedOf(bob), 20 ether);
        assertEq(settlement.totalRedeemed(), 45 ether);
    }

    function test_Revert_redeemVouchers_WhenLengthMismatch() public {
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](2);
        bytes[] memory sigs = new bytes[](1);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementLengthMismatch.selector, 2, 1));
        vm.prank(settler);
        settlement.redeemVouchers(vs, sigs);
    }

    function test_redeemVouchers_SkipsEachKindOfBadVoucherAndRedeemsTheRest() public {
        _deposit(alice, 100 ether);
        uint64 expiry = uint64(block.timestamp + 1 days);
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](6);
        bytes[] memory sigs = new bytes[](6);
        vs[0] = _voucher(alice, 10 ether, expiry);
        vs[1] = _voucher(bob, 20 ether, expiry); // bob has no escrow
        vs[2] = _voucher(alice, 40 ether, uint64(block.timestamp - 1)); // expired
        vs[3] = _voucher(alice, 40 ether, expiry); // signed by bob
        vs[4] = _voucher(alice, 10 ether, expiry); // replay of vs[0]
        vs[5] = _voucher(alice, 25 ether, expiry);
        sigs[0] = _sign(alicePk, vs[0]);
        sigs[1] = _sign(bobPk, vs[1]);
        sigs[2] = _sign(alicePk, vs[2]);
        sigs[3] = _sign(bobPk, vs[3]);
        sigs[4] = sigs[0];
        sigs[5] = _sign(alicePk, vs[5]);

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherRedeemed(alice, settler, 10 ether, 10 ether);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherSkipped(bob, IAttributionSettlement.SettlementEscrowEmpty.selector);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherSkipped(alice, IAttributionSettlement.SettlementVoucherExpired.selector);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherSkipped(alice, IAttributionSettlement.SettlementInvalidSignature.selector);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherSkipped(
            alice, IAttributionSettlement.SettlementVoucherNotAboveRedeemed.selector
        );
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherRedeemed(alice, settler, 15 ether, 25 ether);
        vm.prank(settler);
        assertEq(settlement.redeemVouchers(vs, sigs), 25 ether);

        assertEq(settlement.redeemedOf(alice), 25 ether);
        assertEq(settlement.escrowOf(alice), 75 ether);
        assertEq(settlement.redeemedOf(bob), 0);
        assertEq(settlement.totalRedeemed(), 25 ether);
    }

    /// @dev A payer empties its escrow just before the batch lands: only its voucher is skipped.
    function test_redeemVouchers_FrontRunEmptiedEscrowSkipsOnlyThatPayer() public {
        _deposit(alice, 100 ether);
        _deposit(bob, 100 ether);
        vm.prank(alice);
        settlement.requestWithdrawal(type(uint256).max);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        uint64 expiry = uint64(block.timestamp + 1 hours);
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](2);
        bytes[] memory sigs = new bytes[](2);
        vs[0] = _voucher(alice, 50 ether, expiry);
        vs[1] = _voucher(bob, 20 ether, expiry);
        sigs[0] = _sign(alicePk, vs[0]);
        sigs[1] = _sign(bobPk, vs[1]);

        vm.prank(alice);
        settlement.executeWithdrawal(); // the front-run

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherSkipped(alice, IAttributionSettlement.SettlementEscrowEmpty.selector);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherRedeemed(bob, settler, 20 ether, 20 ether);
        vm.prank(settler);
        assertEq(settlement.redeemVouchers(vs, sigs), 20 ether);
    }

    function test_redeemVouchers_AllSkippedReturnsZero() public {
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](2);
        bytes[] memory sigs = new bytes[](2);
        vs[0] = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        vs[1] = _voucher(bob, 10 ether, uint64(block.timestamp + 1 days));
        sigs[0] = _sign(alicePk, vs[0]);
        sigs[1] = hex"deadbeef";
        vm.prank(settler);
        assertEq(settlement.redeemVouchers(vs, sigs), 0);
        assertEq(settlement.totalRedeemed(), 0);
    }

    /// @dev A wallet whose check burns all the gas it gets costs the batch at most ERC1271_GAS_LIMIT.
    function test_redeemVouchers_GasBurningWalletIsSkippedWithBoundedGas() public {
        GasBurnerERC1271Mock burner = new GasBurnerERC1271Mock();
        vm.prank(bob);
        settlement.depositFor(address(burner), 10 ether);
        _deposit(alice, 100 ether);
        uint64 expiry = uint64(block.timestamp + 1 days);
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](2);
        bytes[] memory sigs = new bytes[](2);
        vs[0] = _voucher(address(burner), 10 ether, expiry);
        vs[1] = _voucher(alice, 30 ether, expiry);
        sigs[0] = _sign(bobPk, vs[0]);
        sigs[1] = _sign(alicePk, vs[1]);

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherSkipped(
            address(burner), IAttributionSettlement.SettlementInvalidSignature.selector
        );
        vm.prank(settler);
        uint256 gasBefore = gasleft();
        uint256 total = settlement.redeemVouchers{gas: 1_000_000}(vs, sigs);
        uint256 used = gasBefore - gasleft();
        assertEq(total, 30 ether);
        assertEq(settlement.redeemedOf(alice), 30 ether);
        assertLt(used, settlement.ERC1271_GAS_LIMIT() + 150_000, "hostile wallet burnt more than its allowance");
    }

    /// @dev A wallet answering with a return-data bomb costs the batch nothing extra: only 32 bytes
    /// of its answer are copied.
    function test_redeemVouchers_ReturnBombWalletCostsBoundedGas() public {
        ReturnBombERC1271Mock bomb = new ReturnBombERC1271Mock();
        vm.prank(bob);
        settlement.depositFor(address(bomb), 10 ether);
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](1);
        bytes[] memory sigs = new bytes[](1);
        vs[0] = _voucher(address(bomb), 10 ether, uint64(block.timestamp + 1 days));
        sigs[0] = hex"00";
        vm.prank(settler);
        uint256 gasBefore = gasleft();
        assertEq(settlement.redeemVouchers(vs, sigs), 10 ether);
        assertLt(gasBefore - gasleft(), settlement.ERC1271_GAS_LIMIT() + 150_000);
    }

    /// @dev Whatever gas the settler's transaction carries (e.g. a tight eth_estimateGas), a valid
    /// wallet voucher is redeemed or the batch reverts: it is never skipped for lack of gas.
    function testFuzz_redeemVouchers_ValidWalletVoucherNeverSkippedForLackOfGas(uint256 gasLimit) public {
        gasLimit = bound(gasLimit, 30_000, 400_000);
        ERC1271WalletMock wallet = new ERC1271WalletMock(bob);
        vm.prank(bob);
        settlement.depositFor(address(wallet), 80 ether);
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](1);
        bytes[] memory sigs = new bytes[](1);
        vs[0] = _voucher(address(wallet), 50 ether, uint64(block.timestamp + 1 days));
        sigs[0] = _sign(bobPk, vs[0]);

        vm.prank(settler);
        try settlement.redeemVouchers{gas: gasLimit}(vs, sigs) returns (uint256 total) {
            assertEq(total, 50 ether, "valid voucher skipped");
            assertEq(settlement.redeemedOf(address(wallet)), 50 ether);
        } catch {
            assertEq(settlement.redeemedOf(address(wallet)), 0);
        }
    }

    function test_redeemVouchers_EOAWithRejectingDelegatedCodeStaysBound() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](1);
        bytes[] memory sigs = new bytes[](1);
        vs[0] = _voucher(alice, 40 ether, uint64(block.timestamp + 1 days));
        sigs[0] = _sign(alicePk, vs[0]);
        vm.etch(alice, type(RejectingERC1271Mock).runtimeCode);
        vm.prank(settler);
        assertEq(settlement.redeemVouchers(vs, sigs), 40 ether);
    }

    function test_Revert_redeemVouchers_WhenNotSettler() public {
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](0);
        bytes[] memory sigs = new bytes[](0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, settlement.SETTLER_ROLE()
            )
        );
        vm.prank(stranger);
        settlement.redeemVouchers(vs, sigs);
    }

    // ---------------------------------------------------------------------------------------------
    // hashVoucher / domainSeparator
    // ---------------------------------------------------------------------------------------------

    function testFuzz_hashVoucher_MatchesIndependentDigest(address payer, uint256 cumulative, uint64 expiry)
        public
        view
    {
        IAttributionSettlement.Voucher memory v = _voucher(payer, cumulative, expiry);
        assertEq(settlement.hashVoucher(v), _digest(v));
    }

    function test_domainSeparator_MatchesEip712Domain() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Tributary Settlement"),
                keccak256("1"),
                block.chainid,
                address(settlement)
            )
        );
        assertEq(settlement.domainSeparator(), expected);
    }

    // ---------------------------------------------------------------------------------------------
    // proposeRoot
    // ---------------------------------------------------------------------------------------------

    function test_proposeRoot_StoresPendingRoot() public {
        _fundRedeemed(100 ether);
        uint64 liveAt = uint64(block.timestamp) + CHALLENGE_DELAY;
        bytes32 dataHash = keccak256("receipts");

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.RootProposed(7, bytes32(uint256(1)), 60 ether, dataHash, "ipfs://r7", liveAt);
        vm.prank(settler);
        assertEq(settlement.proposeRoot(7, bytes32(uint256(1)), 60 ether, dataHash, "ipfs://r7"), liveAt);

        IAttributionSettlement.RootInfo memory info = settlement.rootOf(7);
        assertEq(info.root, bytes32(uint256(1)));
        assertEq(info.totalCumulative, 60 ether);
        assertEq(info.dataHash, dataHash);
        assertEq(info.proposedAt, uint64(block.timestamp));
        assertEq(info.liveAt, liveAt);
        assertFalse(info.vetoed);
        assertEq(settlement.latestProposedEpoch(), 7);
        assertEq(settlement.rootCount(), 1);
        assertEq(settlement.latestLiveEpoch(), 0, "not live during the challenge window");
    }

    function test_proposeRoot_AllowsEqualTotalAndEpochGaps() public {
        _fundRedeemed(100 ether);
        _propose(1, bytes32(uint256(1)), 50 ether);
        _propose(5, bytes32(uint256(2)), 50 ether);
        _propose(100, bytes32(uint256(3)), 100 ether);
        assertEq(settlement.latestProposedEpoch(), 100);
        assertEq(settlement.rootCount(), 3);
    }

    function test_proposeRoot_LiveAtNeverBeforeAnEarlierRoot() public {
        _fundRedeemed(100 ether);
        uint64 first = _propose(1, bytes32(uint256(1)), 10 ether);
        vm.prank(admin);
        settlement.setParams(_params(WITHDRAWAL_DELAY, 1 hours));
        vm.warp(block.timestamp + 1);
        uint64 second = _propose(2, bytes32(uint256(2)), 20 ether);
        assertEq(second, first, "a shorter delay cannot let a newer root overtake an older one");

        vm.warp(first + 1 hours);
        uint64 third = _propose(3, bytes32(uint256(3)), 30 ether);
        assertEq(third, uint64(block.timestamp) + 1 hours);
    }

    function test_proposeRoot_AfterVetoComparesWithLatestValidRoot() public {
        _fundRedeemed(100 ether);
        _propose(1, bytes32(uint256(1)), 10 ether);
        _propose(2, bytes32(uint256(2)), 90 ether); // inflated
        vm.prank(vetoer);
        settlement.vetoRoot(2);

        // The corrected root only has to beat the last non-vetoed root (epoch 1).
        _propose(3, bytes32(uint256(3)), 40 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementRootTotalDecreased.selector, 5 ether, 40 ether)
        );
        _propose(4, bytes32(uint256(4)), 5 ether);
    }

    function test_proposeRoot_AfterVetoOfEveryPendingRootComparesWithLiveRoot() public {
        _fundRedeemed(100 ether);
        uint64 liveAt = _propose(1, bytes32(uint256(1)), 30 ether);
        vm.warp(liveAt);
        _propose(2, bytes32(uint256(2)), 90 ether);
        vm.prank(vetoer);
        settlement.vetoRoot(2);

        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementRootTotalDecreased.selector, 20 ether, 30 ether)
        );
        _propose(3, bytes32(uint256(3)), 20 ether);
        _propose(3, bytes32(uint256(3)), 30 ether);
    }

    function test_Revert_proposeRoot_WhenNotSettler() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, settlement.SETTLER_ROLE()
            )
        );
        vm.prank(stranger);
        settlement.proposeRoot(1, bytes32(uint256(1)), 0, bytes32(0), "");
    }

    function test_Revert_proposeRoot_WhenEpochZero() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementEpochNotIncreasing.selector, 0, 0));
        _propose(0, bytes32(uint256(1)), 0);
    }

    function test_Revert_proposeRoot_WhenEpochNotIncreasing() public {
        _propose(5, bytes32(uint256(1)), 0);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementEpochNotIncreasing.selector, 5, 5));
        _propose(5, bytes32(uint256(2)), 0);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementEpochNotIncreasing.selector, 4, 5));
        _propose(4, bytes32(uint256(2)), 0);
    }

    function test_Revert_proposeRoot_WhenEpochReusedAfterVeto() public {
        _propose(5, bytes32(uint256(1)), 0);
        vm.prank(vetoer);
        settlement.vetoRoot(5);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementEpochNotIncreasing.selector, 5, 5));
        _propose(5, bytes32(uint256(2)), 0);
    }

    function test_Revert_proposeRoot_WhenZeroRoot() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroRoot.selector, 1));
        _propose(1, bytes32(0), 0);
    }

    function test_Revert_proposeRoot_WhenTotalDecreased() public {
        _fundRedeemed(100 ether);
        _propose(1, bytes32(uint256(1)), 50 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementRootTotalDecreased.selector, 49 ether, 50 ether)
        );
        _propose(2, bytes32(uint256(2)), 49 ether);
    }

    function test_Revert_proposeRoot_WhenTotalExceedsRedeemed() public {
        _fundRedeemed(100 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementRootExceedsRedeemed.selector, 100 ether + 1, 100 ether
            )
        );
        _propose(1, bytes32(uint256(1)), 100 ether + 1);
    }

    function testFuzz_proposeRoot_TotalBoundedByRedeemed(uint256 redeemed, uint256 total) public {
        redeemed = bound(redeemed, 0, INITIAL_BALANCE);
        total = bound(total, 0, 2 * INITIAL_BALANCE);
        if (redeemed != 0) _fundRedeemed(redeemed);
        if (total > redeemed) {
            vm.expectRevert(
                abi.encodeWithSelector(IAttributionSettlement.SettlementRootExceedsRedeemed.selector, total, redeemed)
            );
        }
        _propose(1, bytes32(uint256(1)), total);
    }

    // ---------------------------------------------------------------------------------------------
    // vetoRoot
    // ---------------------------------------------------------------------------------------------

    function test_vetoRoot_MarksVetoedAtLastSecond() public {
        uint64 liveAt = _propose(1, bytes32(uint256(1)), 0);
        vm.warp(liveAt - 1);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.RootVetoed(1, vetoer);
        vm.prank(vetoer);
        settlement.vetoRoot(1);

        assertTrue(settlement.rootOf(1).vetoed);
        vm.warp(liveAt + 365 days);
        assertEq(settlement.latestLiveEpoch(), 0, "a vetoed root never goes live");
    }

    function test_vetoRoot_OlderRootStaysClaimable() public {
        _fundRedeemed(100 ether);
        uint64 first = _propose(1, bytes32(uint256(1)), 10 ether);
        vm.warp(first);
        uint64 second = _propose(2, bytes32(uint256(2)), 20 ether);
        vm.prank(vetoer);
        settlement.vetoRoot(2);
        vm.warp(second);
        assertEq(settlement.latestLiveEpoch(), 1);
    }

    function test_Revert_vetoRoot_WhenNotVetoRole() public {
        _propose(1, bytes32(uint256(1)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, settler, settlement.VETO_ROLE()
            )
        );
        vm.prank(settler);
        settlement.vetoRoot(1);
    }

    function test_Revert_vetoRoot_WhenUnknownEpoch() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementUnknownEpoch.selector, 3));
        vm.prank(vetoer);
        settlement.vetoRoot(3);
    }

    function test_Revert_vetoRoot_WhenAlreadyVetoed() public {
        _propose(1, bytes32(uint256(1)), 0);
        vm.startPrank(vetoer);
        settlement.vetoRoot(1);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementRootAlreadyVetoed.selector, 1));
        settlement.vetoRoot(1);
        vm.stopPrank();
    }

    function test_Revert_vetoRoot_WhenAlreadyLive() public {
        uint64 liveAt = _propose(1, bytes32(uint256(1)), 0);
        vm.warp(liveAt);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementRootAlreadyLive.selector, 1, liveAt));
        vm.prank(vetoer);
        settlement.vetoRoot(1);
    }

    // ---------------------------------------------------------------------------------------------
    // latestLiveEpoch
    // ---------------------------------------------------------------------------------------------

    function test_latestLiveEpoch_FollowsChallengeDelay() public {
        _fundRedeemed(100 ether);
        uint64 liveAt1 = _propose(1, bytes32(uint256(1)), 10 ether);
        vm.warp(liveAt1 - 1);
        assertEq(settlement.latestLiveEpoch(), 0);
        vm.warp(liveAt1);
        assertEq(settlement.latestLiveEpoch(), 1);

        uint64 liveAt2 = _propose(2, bytes32(uint256(2)), 20 ether);
        vm.warp(block.timestamp + 1 hours);
        uint64 liveAt3 = _propose(3, bytes32(uint256(3)), 30 ether);
        vm.warp(liveAt2);
        assertEq(settlement.latestLiveEpoch(), 2);
        vm.warp(liveAt3);
        assertEq(settlement.latestLiveEpoch(), 3);
    }

    /// @dev Random proposals, vetoes, delay changes and warps; the binary search over the pending
    /// roots must agree with a naive scan of every root.
    function testFuzz_latestLiveEpoch_MatchesNaiveScan(uint256 seed) public {
        _fundRedeemed(1000 ether);
        uint256 epoch;
        uint256 total;
        for (uint256 step = 0; step < 40; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 action = r % 4;
            if (action == 0 || action == 1) {
                epoch += 1 + (r >> 8) % 3;
                total += (r >> 16) % 10;
                _propose(epoch, bytes32(epoch), total);
            } else if (action == 2 && epoch != 0) {
                uint256 target = 1 + (r >> 8) % epoch;
                IAttributionSettlement.RootInfo memory info = settlement.rootOf(target);
                if (info.proposedAt != 0 && !info.vetoed && block.timestamp < info.liveAt) {
                    vm.prank(vetoer);
                    settlement.vetoRoot(target);
                }
            } else {
                vm.prank(admin);
                settlement.setParams(_params(WITHDRAWAL_DELAY, uint64(1 hours + (r >> 8) % 3 days)));
            }
            vm.warp(block.timestamp + (r >> 32) % 1 days);
            assertEq(settlement.latestLiveEpoch(), _naiveLiveEpoch(epoch), "live epoch");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // claim
    // ---------------------------------------------------------------------------------------------

    function test_claim_AgainstOpenZeppelinMerkleTreeVector() public {
        // Root and proofs produced by @openzeppelin/merkle-tree `StandardMerkleTree.of(values,
        // ["address", "uint256"])` (the TypeScript side) for 8 leaves: 3-level proofs.
        (address[] memory accounts, uint256[] memory amounts) = _vectorLeaves();
        bytes32 jsRoot = 0xaddf6d629422cd1df9ae7a6009badac67d2629e059fc383c7eea44925e9e29c8;
        assertEq(StandardMerkleTree.root(accounts, amounts), jsRoot, "Solidity port matches the JS tree");

        uint256 total = 832333333333333333338;
        _fundRedeemed(total);
        vm.warp(_propose(1, jsRoot, total));

        bytes32[] memory proof = new bytes32[](3);
        proof[0] = 0x7d1f5dd640d5e0f308a4b363a01db3c5368b7cb22ab2fccfb37ab17857145e70;
        proof[1] = 0xfdd4379da41e761196861e81354d34a97e37355088a0575768282cadfaa10ef3;
        proof[2] = 0x26a0971cbfe3baca8cee11a38ddc4d7d237b4a6445ca59132964b9a6763ba4a4;
        vm.prank(stranger);
        assertEq(settlement.claim(accounts[1], amounts[1], proof), amounts[1]);
        assertEq(token.balanceOf(accounts[1]), amounts[1]);

        proof[0] = 0xcdbe3edc72a5659c3537228695cd4ec8f13d2d5713b23b25bfc5496506e6bf1e;
        proof[1] = 0x209fddf6402f62ba6333f25b2c4281ca10a96c20aec0fc29e69fcbd6fbefdeb4;
        proof[2] = 0x09e61eae1baff2354dc93cbbe2eba96886c79b47a3d4213347f701f089c4e11b;
        vm.prank(stranger);
        assertEq(settlement.claim(accounts[2], 1, proof), 1);

        // Every leaf of the Solidity-built tree claims too, and the pool is exactly drained.
        bytes32[] memory tree = StandardMerkleTree.build(accounts, amounts);
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (i == 1 || i == 2) continue;
            assertEq(_claim(tree, accounts[i], amounts[i]), amounts[i]);
        }
        assertEq(settlement.totalClaimed(), total);
        assertEq(token.balanceOf(address(settlement)), 0);
        assertEq(votes.totalSupply(), total);
    }

    function test_claim_PaysIncreaseAcrossEpochsAndMintsVotes() public {
        address carol = makeAddr("carol");
        address dave = makeAddr("dave");
        _fundRedeemed(100 ether);

        bytes32[] memory tree1 = _publishLive(1, _pair(carol, dave), _amounts(10 ether, 5 ether));
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.Claimed(carol, carol, 10 ether, 10 ether);
        assertEq(_claim(tree1, carol, 10 ether), 10 ether);

        bytes32[] memory tree2 = _publishLive(2, _pair(carol, dave), _amounts(35 ether, 5 ether));
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.Claimed(carol, carol, 25 ether, 35 ether);
        assertEq(_claim(tree2, carol, 35 ether), 25 ether);
        // dave never claimed epoch 1; the latest root pays him everything at once.
        assertEq(_claim(tree2, dave, 5 ether), 5 ether);

        assertEq(token.balanceOf(carol), 35 ether);
        assertEq(settlement.claimedOf(carol), 35 ether);
        assertEq(settlement.votesMintedOf(carol), 35 ether);
        assertEq(votes.balanceOf(carol), 35 ether);
        assertEq(votes.getVotes(carol), 35 ether, "self-delegated on first mint");
        assertEq(votes.totalSupply(), 40 ether);
        assertEq(settlement.totalClaimed(), 40 ether);
        assertEq(token.balanceOf(address(settlement)), 60 ether);
    }

    function test_claim_PaysRecipientAndMintsVotesToAccount() public {
        address carol = makeAddr("carol");
        address vault = makeAddr("vault");
        _fundRedeemed(100 ether);
        vm.prank(carol);
        settlement.setClaimRecipient(vault);

        bytes32[] memory tree = _publishLive(1, _pair(carol, bob), _amounts(10 ether, 5 ether));
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.Claimed(carol, vault, 10 ether, 10 ether);
        _claim(tree, carol, 10 ether);

        assertEq(token.balanceOf(vault), 10 ether);
        assertEq(token.balanceOf(carol), 0);
        assertEq(votes.balanceOf(carol), 10 ether);
        assertEq(votes.balanceOf(vault), 0);
    }

    function test_claim_IgnoresPendingRoot() public {
        address carol = makeAddr("carol");
        _fundRedeemed(100 ether);
        bytes32[] memory tree1 = _publishLive(1, _pair(carol, bob), _amounts(10 ether, 5 ether));
        bytes32[] memory tree2 = StandardMerkleTree.build(_pair(carol, bob), _amounts(30 ether, 5 ether));
        _propose(2, tree2[0], 35 ether);

        bytes32[] memory proof2 = StandardMerkleTree.proof(tree2, carol, 30 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidProof.selector, 1, carol, 30 ether)
        );
        settlement.claim(carol, 30 ether, proof2);
        assertEq(_claim(tree1, carol, 10 ether), 10 ether);
    }

    function test_Revert_claim_WhenNoLiveRoot() public {
        _fundRedeemed(10 ether);
        bytes32[] memory tree = StandardMerkleTree.build(_pair(alice, bob), _amounts(1 ether, 1 ether));
        _propose(1, tree[0], 2 ether);
        bytes32[] memory proof = StandardMerkleTree.proof(tree, alice, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementNoLiveRoot.selector));
        settlement.claim(alice, 1 ether, proof);
    }

    function test_Revert_claim_WhenInvalidProof() public {
        _fundRedeemed(10 ether);
        bytes32[] memory tree = _publishLive(1, _pair(alice, bob), _amounts(1 ether, 2 ether));
        bytes32[] memory proof = StandardMerkleTree.proof(tree, alice, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidProof.selector, 1, alice, 2 ether)
        );
        settlement.claim(alice, 2 ether, proof);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidProof.selector, 1, bob, 1 ether));
        settlement.claim(bob, 1 ether, proof);
    }

    function test_Revert_claim_WhenNothingNew() public {
        _fundRedeemed(10 ether);
        bytes32[] memory tree = _publishLive(1, _pair(alice, bob), _amounts(1 ether, 2 ether));
        _claim(tree, alice, 1 ether);
        bytes32[] memory proof = StandardMerkleTree.proof(tree, alice, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementNothingToClaim.selector, alice, 1 ether, 1 ether)
        );
        settlement.claim(alice, 1 ether, proof);
    }

    function test_Revert_claim_WhenLeafBelowClaimed() public {
        // A (buggy) later root lowering an account's cumulative pays nothing more.
        _fundRedeemed(10 ether);
        bytes32[] memory tree1 = _publishLive(1, _pair(alice, bob), _amounts(3 ether, 1 ether));
        _claim(tree1, alice, 3 ether);
        bytes32[] memory tree2 = _publishLive(2, _pair(alice, bob), _amounts(2 ether, 2 ether));
        bytes32[] memory proof = StandardMerkleTree.proof(tree2, alice, 2 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementNothingToClaim.selector, alice, 2 ether, 3 ether)
        );
        settlement.claim(alice, 2 ether, proof);
    }

    function test_Revert_claim_WhenProofIsForAnOlderRoot() public {
        _fundRedeemed(10 ether);
        bytes32[] memory tree1 = _publishLive(1, _pair(alice, bob), _amounts(1 ether, 1 ether));
        _publishLive(2, _pair(alice, bob), _amounts(2 ether, 2 ether));
        bytes32[] memory proof = StandardMerkleTree.proof(tree1, alice, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidProof.selector, 2, alice, 1 ether)
        );
        settlement.claim(alice, 1 ether, proof);
    }

    function test_Revert_claim_WhenProofIsForAVetoedRoot() public {
        _fundRedeemed(10 ether);
        _publishLive(1, _pair(alice, bob), _amounts(1 ether, 1 ether));
        bytes32[] memory tree2 = StandardMerkleTree.build(_pair(alice, bob), _amounts(5 ether, 1 ether));
        uint64 liveAt = _propose(2, tree2[0], 6 ether);
        vm.prank(vetoer);
        settlement.vetoRoot(2);
        vm.warp(liveAt);

        bytes32[] memory proof = StandardMerkleTree.proof(tree2, alice, 5 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidProof.selector, 1, alice, 5 ether)
        );
        settlement.claim(alice, 5 ether, proof);
    }

    function test_Revert_claim_WhenExceedingRootTotal() public {
        // A root whose leaves sum above its attested total: claims stop at the total (hard guard).
        _fundRedeemed(100 ether);
        bytes32[] memory tree = StandardMerkleTree.build(_pair(alice, bob), _amounts(6 ether, 6 ether));
        vm.warp(_propose(1, tree[0], 10 ether));
        _claim(tree, alice, 6 ether);

        bytes32[] memory proof = StandardMerkleTree.proof(tree, bob, 6 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementClaimExceedsRoot.selector, 1, 12 ether, 10 ether)
        );
        settlement.claim(bob, 6 ether, proof);
        assertLe(settlement.totalClaimed(), settlement.totalRedeemed());
    }

    function testFuzz_claim_PaysExactlyTheProvenIncrease(
        uint256 a1,
        uint256 b1,
        uint256 a2,
        uint256 b2,
        bool claimFirst
    ) public {
        a1 = bound(a1, 1, 1000 ether);
        b1 = bound(b1, 1, 1000 ether);
        a2 = bound(a2, a1, 2000 ether);
        b2 = bound(b2, b1, 2000 ether);
        address carol = makeAddr("carol");
        address dave = makeAddr("dave");
        _fundRedeemed(a2 + b2);

        bytes32[] memory tree1 = _publishLive(1, _pair(carol, dave), _amounts(a1, b1));
        if (claimFirst) {
            assertEq(_claim(tree1, carol, a1), a1);
            assertEq(_claim(tree1, dave, b1), b1);
        }
        bytes32[] memory tree2 = _publishLive(2, _pair(carol, dave), _amounts(a2, b2));
        uint256 carolOwed = claimFirst ? a2 - a1 : a2;
        if (carolOwed != 0) assertEq(_claim(tree2, carol, a2), carolOwed);
        uint256 daveOwed = claimFirst ? b2 - b1 : b2;
        if (daveOwed != 0) assertEq(_claim(tree2, dave, b2), daveOwed);

        assertEq(token.balanceOf(carol), a2);
        assertEq(token.balanceOf(dave), b2);
        assertEq(votes.balanceOf(carol), a2);
        assertEq(votes.balanceOf(dave), b2);
        assertEq(settlement.totalClaimed(), a2 + b2);
        assertEq(token.balanceOf(address(settlement)), 0);
    }

    function test_claim_GasGrowsOnlyLogarithmicallyWithPendingRoots() public {
        _fundRedeemed(100 ether);
        bytes32[] memory tree = _publishLive(1, _pair(alice, bob), _amounts(1 ether, 1 ether));
        uint256 baseline = _coldClaimGas(tree, alice, 1 ether);

        // The settler posts a root every minute within a day of challenge delay: 1000 pending roots.
        for (uint256 e = 2; e < 1002; ++e) {
            _propose(e, bytes32(e), 2 ether);
            vm.warp(block.timestamp + 1 minutes);
        }
        assertEq(settlement.latestLiveEpoch(), 1);
        uint256 withPending = _coldClaimGas(tree, bob, 1 ether);
        // A binary search touches ~10 roots (2 cold slots each); a linear scan would touch 1000.
        assertLt(withPending, baseline + 50_000, "claim gas grows with log(pending roots)");
    }

    // ---------------------------------------------------------------------------------------------
    // setClaimRecipient
    // ---------------------------------------------------------------------------------------------

    function test_setClaimRecipient_SetsAndResets() public {
        address vault = makeAddr("vault");
        assertEq(settlement.claimRecipientOf(alice), alice, "defaults to the account");

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.ClaimRecipientSet(alice, vault);
        vm.prank(alice);
        settlement.setClaimRecipient(vault);
        assertEq(settlement.claimRecipientOf(alice), vault);

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.ClaimRecipientSet(alice, alice);
        vm.prank(alice);
        settlement.setClaimRecipient(address(0));
        assertEq(settlement.claimRecipientOf(alice), alice);

        vm.prank(alice);
        settlement.setClaimRecipient(vault);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.ClaimRecipientSet(alice, alice);
        vm.prank(alice);
        settlement.setClaimRecipient(alice);
        assertEq(settlement.claimRecipientOf(alice), alice);
    }

    function test_Revert_setClaimRecipient_WhenSettlementItself() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidRecipient.selector, address(settlement))
        );
        vm.prank(alice);
        settlement.setClaimRecipient(address(settlement));
    }

    // ---------------------------------------------------------------------------------------------
    // setParams
    // ---------------------------------------------------------------------------------------------

    function test_setParams_Updates() public {
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.ParamsUpdated(1 hours, 30 days);
        vm.prank(admin);
        settlement.setParams(_params(1 hours, 30 days));
        IAttributionSettlement.Params memory p = settlement.params();
        assertEq(p.withdrawalDelay, 1 hours);
        assertEq(p.challengeDelay, 30 days);

        vm.prank(admin);
        settlement.setParams(_params(30 days, 1 hours));
        assertEq(settlement.params().withdrawalDelay, 30 days);
        assertEq(settlement.params().challengeDelay, 1 hours);
    }

    function test_Revert_setParams_WhenNotParameterRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, settler, settlement.PARAMETER_ROLE()
            )
        );
        vm.prank(settler);
        settlement.setParams(_params(1 days, 1 days));
    }

    function test_Revert_setParams_WhenWithdrawalDelayTooShort() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementWithdrawalDelayOutOfBounds.selector,
                uint64(1 hours - 1),
                1 hours,
                30 days
            )
        );
        vm.prank(admin);
        settlement.setParams(_params(1 hours - 1, 1 days));
    }

    function test_Revert_setParams_WhenWithdrawalDelayTooLong() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementWithdrawalDelayOutOfBounds.selector,
                uint64(30 days + 1),
                1 hours,
                30 days
            )
        );
        vm.prank(admin);
        settlement.setParams(_params(30 days + 1, 1 days));
    }

    function test_Revert_setParams_WhenChallengeDelayTooShort() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementChallengeDelayOutOfBounds.selector, uint64(0), 1 hours, 30 days
            )
        );
        vm.prank(admin);
        settlement.setParams(_params(1 days, 0));
    }

    function test_Revert_setParams_WhenChallengeDelayTooLong() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementChallengeDelayOutOfBounds.selector,
                uint64(30 days + 1),
                1 hours,
                30 days
            )
        );
        vm.prank(admin);
        settlement.setParams(_params(1 days, 30 days + 1));
    }

    function testFuzz_setParams_AcceptsOnlyBoundedDelays(uint64 w, uint64 c) public {
        bool wOk = w >= 1 hours && w <= 30 days;
        bool cOk = c >= 1 hours && c <= 30 days;
        if (!wOk) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAttributionSettlement.SettlementWithdrawalDelayOutOfBounds.selector, w, 1 hours, 30 days
                )
            );
        } else if (!cOk) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAttributionSettlement.SettlementChallengeDelayOutOfBounds.selector, c, 1 hours, 30 days
                )
            );
        }
        vm.prank(admin);
        settlement.setParams(_params(w, c));
        if (wOk && cOk) {
            assertEq(settlement.params().withdrawalDelay, w);
            assertEq(settlement.params().challengeDelay, c);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Flow
    // ---------------------------------------------------------------------------------------------

    function test_flow_DepositRedeemProposeVetoReproposeClaimWithdraw() public {
        address carol = makeAddr("carol");
        address dave = makeAddr("dave");

        // Two payers fund escrow and pay per call through growing vouchers.
        _deposit(alice, 100 ether);
        _deposit(bob, 50 ether);
        _redeem(alicePk, alice, 20 ether);
        _redeem(bobPk, bob, 10 ether);
        _redeem(alicePk, alice, 45 ether);
        assertEq(settlement.totalRedeemed(), 55 ether);

        // A bad root is vetoed; the corrected one goes live.
        bytes32[] memory bad = StandardMerkleTree.build(_pair(carol, dave), _amounts(50 ether, 5 ether));
        _propose(1, bad[0], 55 ether);
        vm.prank(vetoer);
        settlement.vetoRoot(1);
        bytes32[] memory good = _publishLive(2, _pair(carol, dave), _amounts(30 ether, 25 ether));

        _claim(good, carol, 30 ether);
        _claim(good, dave, 25 ether);

        // Alice closes her channel: the rest of her escrow comes back after the delay.
        vm.prank(alice);
        settlement.requestWithdrawal(type(uint256).max);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        vm.prank(alice);
        assertEq(settlement.executeWithdrawal(), 55 ether);

        assertEq(token.balanceOf(alice), INITIAL_BALANCE - 45 ether);
        assertEq(token.balanceOf(carol), 30 ether);
        assertEq(token.balanceOf(dave), 25 ether);
        assertEq(token.balanceOf(address(settlement)), settlement.escrowOf(bob));
        assertEq(votes.totalSupply(), 55 ether);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    function _params(uint64 w, uint64 c) internal pure returns (IAttributionSettlement.Params memory) {
        return IAttributionSettlement.Params({withdrawalDelay: w, challengeDelay: c});
    }

    /// @dev Puts `amount` in the redeemed pool (stranger deposits and signs a voucher as an EOA we control).
    function _fundRedeemed(uint256 amount) internal {
        (address payer, uint256 pk) = makeAddrAndKey("pool-payer");
        _fund(payer);
        vm.prank(admin);
        token.mint(payer, amount);
        _deposit(payer, amount);
        _redeem(pk, payer, settlement.redeemedOf(payer) + amount);
    }

    function _coldClaimGas(bytes32[] memory tree, address account, uint256 cumulative) internal returns (uint256) {
        bytes32[] memory proof = StandardMerkleTree.proof(tree, account, cumulative);
        vm.cool(address(settlement));
        vm.cool(address(votes));
        vm.cool(address(token));
        uint256 gasBefore = gasleft();
        settlement.claim(account, cumulative, proof);
        return gasBefore - gasleft();
    }

    function _naiveLiveEpoch(uint256 maxEpoch) internal view returns (uint256) {
        for (uint256 e = maxEpoch; e > 0; --e) {
            IAttributionSettlement.RootInfo memory info = settlement.rootOf(e);
            if (info.proposedAt != 0 && !info.vetoed && info.liveAt <= block.timestamp) return e;
        }
        return 0;
    }

    function _vectorLeaves() internal pure returns (address[] memory accounts, uint256[] memory amounts) {
        accounts = new address[](8);
        amounts = new uint256[](8);
        accounts[0] = 0x1000000000000000000000000000000000000001;
        accounts[1] = 0x1000000000000000000000000000000000000002;
        accounts[2] = 0x1000000000000000000000000000000000000003;
        accounts[3] = 0x1000000000000000000000000000000000000004;
        accounts[4] = 0x1000000000000000000000000000000000000005;
        accounts[5] = 0x1000000000000000000000000000000000000006;
        accounts[6] = 0x1000000000000000000000000000000000000007;
        accounts[7] = 0x1000000000000000000000000000000000000008;
        amounts[0] = 100000000000000000000;
        amounts[1] = 250000000000000000000;
        amounts[2] = 1;
        amounts[3] = 42000000000000000000;
        amounts[4] = 7000000000000000000;
        amounts[5] = 333333333333333333333;
        amounts[6] = 5;
        amounts[7] = 99999999999999999999;
    }
}
