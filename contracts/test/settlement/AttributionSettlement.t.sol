// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {ContributionVotes} from "../../src/governance/ContributionVotes.sol";
import {IContributionVotes} from "../../src/governance/IContributionVotes.sol";
import {IAgentRewards} from "../../src/settlement/IAgentRewards.sol";
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
        emit IAttributionSettlement.ParamsUpdated(3 hours, 14 hours, CHALLENGE_BOND);
        _deploySettlement(_params(3 hours, 14 hours));
    }

    function _newSettlement(
        address admin_,
        IERC20 token_,
        IContributionVotes votes_,
        address staking_,
        address treasury_,
        uint64 vetoLatency_,
        IAttributionSettlement.Params memory p
    ) internal returns (AttributionSettlement) {
        return new AttributionSettlement(admin_, token_, votes_, IAgentRewards(staking_), treasury_, vetoLatency_, p);
    }

    /// @dev A votes token whose fixed minter is the next contract this test deploys.
    function _votesForNext() internal returns (IContributionVotes) {
        return IContributionVotes(
            address(new ContributionVotes(vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1)))
        );
    }

    function test_Revert_constructor_WhenAddressZero() public {
        IAttributionSettlement.Params memory p = _params(1 days, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAddress.selector));
        _newSettlement(address(0), token, votes, address(staking), treasury, VETO_LATENCY, p);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAddress.selector));
        _newSettlement(admin, IERC20(address(0)), votes, address(staking), treasury, VETO_LATENCY, p);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAddress.selector));
        _newSettlement(admin, token, IContributionVotes(address(0)), address(staking), treasury, VETO_LATENCY, p);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAddress.selector));
        _newSettlement(admin, token, votes, address(0), treasury, VETO_LATENCY, p);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroAddress.selector));
        _newSettlement(admin, token, votes, address(staking), address(0), VETO_LATENCY, p);
    }

    /// The votes token must name this very contract as its fixed minter (the deploy script predicts it).
    function test_Revert_constructor_WhenNotTheVotesMinter() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementNotVotesMinter.selector, address(settlement))
        );
        _newSettlement(admin, token, votes, address(staking), treasury, VETO_LATENCY, _params(1 days, 1 days));
    }

    function test_Revert_constructor_WhenWithdrawalDelayOutOfBounds() public {
        IContributionVotes v = _votesForNext();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementWithdrawalDelayOutOfBounds.selector, uint64(0), 1 hours, 30 days
            )
        );
        _newSettlement(admin, token, v, address(staking), treasury, VETO_LATENCY, _params(0, 1 days));
    }

    function test_Revert_constructor_WhenChallengeDelayOutOfBounds() public {
        IContributionVotes v = _votesForNext();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementChallengeDelayOutOfBounds.selector,
                uint64(31 days),
                VETO_LATENCY,
                30 days
            )
        );
        _newSettlement(admin, token, v, address(staking), treasury, VETO_LATENCY, _params(1 days, 31 days));
    }

    /// H2: the challenge delay can never be shorter than the time a governance veto needs.
    function test_attack_H2_challengeDelayShorterThanVetoLatency() public {
        IContributionVotes v = _votesForNext();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementChallengeDelayOutOfBounds.selector, uint64(1 hours), 3 days, 30 days
            )
        );
        _newSettlement(admin, token, v, address(staking), treasury, 3 days, _params(1 days, 1 hours));
        IAttributionSettlement.Params memory p = _params(1 days, VETO_LATENCY - 1);
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementChallengeDelayOutOfBounds.selector,
                VETO_LATENCY - 1,
                VETO_LATENCY,
                30 days
            )
        );
        settlement.setParams(p);
    }

    function test_Revert_constructor_WhenChallengeBondZero() public {
        IContributionVotes v = _votesForNext();
        IAttributionSettlement.Params memory p = _params(1 days, 1 days);
        p.challengeBond = 0;
        vm.expectRevert(IAttributionSettlement.SettlementZeroChallengeBond.selector);
        _newSettlement(admin, token, v, address(staking), treasury, VETO_LATENCY, p);
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
        settlement.redeemVoucher(v, sig, 100 ether);
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
        settlement.redeemVoucher(v, sig, 30 ether);

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
        settlement.redeemVoucher(v, sig, 40 ether);
        assertEq(settlement.escrowOf(alice), 0);
        assertEq(settlement.redeemedOf(alice), 40 ether);

        // The same voucher redeems the rest once the payer tops up, and never more than its cap.
        _deposit(alice, 100 ether);
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 60 ether);
        assertEq(settlement.redeemedOf(alice), 100 ether);
        assertEq(settlement.escrowOf(alice), 40 ether);
    }

    function test_redeemVoucher_ValidAtExpirySecond() public {
        _deposit(alice, 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 100));
        bytes memory sig = _sign(alicePk, v);
        vm.warp(v.expiry);
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 10 ether);
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
        settlement.redeemVoucher(v, sig, 50 ether);
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
            abi.encode(
                admin,
                token,
                new ContributionVotes(at),
                staking,
                treasury,
                VETO_LATENCY,
                _params(WITHDRAWAL_DELAY, CHALLENGE_DELAY)
            ),
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
        s.redeemVoucher(v, viemSig, 1234567890000000000000);
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
        settlement.redeemVoucher(v, sig, 1);
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
        settlement.redeemVoucher(v, sig, 1);
    }

    function test_Revert_redeemVoucher_WhenWrongSigner() public {
        _deposit(alice, 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(bobPk, v);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 1);
    }

    function test_Revert_redeemVoucher_WhenAmountTampered() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        v.cumulativeAmount = 100 ether;
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 1);
    }

    function test_Revert_redeemVoucher_WhenExpiryTampered() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        v.expiry += 1;
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 1);
    }

    function test_Revert_redeemVoucher_WhenSignedForAnotherDeployment() public {
        _deposit(alice, 10 ether);
        (, AttributionSettlement other) = _deploySettlement(_params(WITHDRAWAL_DELAY, CHALLENGE_DELAY));
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        (uint8 vv, bytes32 r, bytes32 s) = vm.sign(alicePk, other.hashVoucher(v));
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, abi.encodePacked(r, s, vv), 1);
    }

    function test_Revert_redeemVoucher_WhenSignatureMalformed() public {
        _deposit(alice, 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, hex"deadbeef", 1);
    }

    function test_Revert_redeemVoucher_WhenReplayed() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 30 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 30 ether);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementVoucherNotAboveRedeemed.selector, alice, 30 ether, 30 ether
            )
        );
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 1);
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
        settlement.redeemVoucher(older, olderSig, 1);
    }

    function test_Revert_redeemVoucher_WhenEscrowEmpty() public {
        IAttributionSettlement.Voucher memory v = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementRedeemExceedsEscrow.selector, alice, 1, 0)
        );
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 1);
    }

    /// New: the settler redeems exactly what receipts charged, never the whole cap.
    function test_attack_redeemTakesWholeCap() public {
        _deposit(alice, 1_000 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 500 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 5 ether);
        assertEq(settlement.redeemedOf(alice), 5 ether);
        assertEq(settlement.escrowOf(alice), 995 ether);
        // The same voucher later covers more charges, up to its cap and no further.
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 495 ether);
        assertEq(settlement.redeemedOf(alice), 500 ether);
    }

    function test_Revert_redeemVoucher_WhenAmountAboveVoucher() public {
        _deposit(alice, 1_000 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 50 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 20 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementRedeemExceedsVoucher.selector, alice, 30 ether + 1, 30 ether
            )
        );
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 30 ether + 1);
    }

    function test_Revert_redeemVoucher_WhenAmountAboveEscrow() public {
        _deposit(alice, 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 50 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementRedeemExceedsEscrow.selector, alice, 11 ether, 10 ether
            )
        );
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 11 ether);
    }

    function test_Revert_redeemVoucher_WhenAmountZero() public {
        _deposit(alice, 10 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 50 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(alicePk, v);
        vm.expectRevert(IAttributionSettlement.SettlementZeroAmount.selector);
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 0);
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
        settlement.redeemVoucher(v, sig, 1);

        // Signed by the owner, but the wallet revoked it.
        sig = _sign(bobPk, v);
        vm.prank(bob);
        wallet.setRevoked(true);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, address(wallet))
        );
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 1);
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
        settlement.redeemVoucher(v, sig, 60 ether);
        assertEq(settlement.redeemedOf(alice), 60 ether);
    }

    function test_Revert_redeemVoucher_WhenEOAWithDelegatedCodeSignatureIsNotItsKeyAndCodeRejects() public {
        _deposit(alice, 100 ether);
        IAttributionSettlement.Voucher memory v = _voucher(alice, 60 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(bobPk, v);
        vm.etch(alice, type(RejectingERC1271Mock).runtimeCode);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidSignature.selector, alice));
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 1);
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
        settlement.redeemVoucher(byKey, _sign(alicePk, byKey), 30 ether);

        IAttributionSettlement.Voucher memory byCode = _voucher(alice, 50 ether, expiry);
        vm.prank(settler);
        settlement.redeemVoucher(byCode, _sign(bobPk, byCode), 20 ether);
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
        settlement.redeemVoucher(v, sig, 1);

        vm.prank(bob);
        wallet.setRevoked(false);
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, 50 ether);
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
        settlement.redeemVoucher{gas: 1_000_000}(v, _sign(bobPk, v), 10 ether);
    }

    function test_Revert_redeemVoucher_WhenTooLittleGasForERC1271Check() public {
        ERC1271WalletMock wallet = new ERC1271WalletMock(bob);
        vm.prank(bob);
        settlement.depositFor(address(wallet), 80 ether);
        IAttributionSettlement.Voucher memory v = _voucher(address(wallet), 50 ether, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(bobPk, v);
        vm.expectPartialRevert(IAttributionSettlement.SettlementInsufficientGas.selector);
        vm.prank(settler);
        settlement.redeemVoucher{gas: 80_000}(v, sig, 50 ether);
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
            settlement.redeemVoucher(v, sig, 1);
        } else if (escrowBefore == 0) {
            vm.expectRevert(
                abi.encodeWithSelector(IAttributionSettlement.SettlementRedeemExceedsEscrow.selector, alice, 1, 0)
            );
            settlement.redeemVoucher(v, sig, 1);
        } else {
            uint256 open = second - got1;
            uint256 amount = open < escrowBefore ? open : escrowBefore;
            settlement.redeemVoucher(v, sig, amount);
            assertEq(settlement.redeemedOf(alice), got1 + amount);
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
        assertEq(settlement.redeemVouchers(vs, sigs, _amts(10 ether, 20 ether, 15 ether)), 45 ether);

        assertEq(settlement.redeemedOf(alice), 25 ether);
        assertEq(settlement.redeemedOf(bob), 20 ether);
        assertEq(settlement.totalRedeemed(), 45 ether);
    }

    function test_Revert_redeemVouchers_WhenLengthMismatch() public {
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](2);
        bytes[] memory sigs = new bytes[](1);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementLengthMismatch.selector, 2, 1, 2));
        vm.prank(settler);
        settlement.redeemVouchers(vs, sigs, new uint256[](2));
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
        emit IAttributionSettlement.VoucherSkipped(bob, IAttributionSettlement.SettlementRedeemExceedsEscrow.selector);
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
        assertEq(settlement.redeemVouchers(vs, sigs, _amts6()), 25 ether);

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
        emit IAttributionSettlement.VoucherSkipped(alice, IAttributionSettlement.SettlementRedeemExceedsEscrow.selector);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VoucherRedeemed(bob, settler, 20 ether, 20 ether);
        vm.prank(settler);
        assertEq(settlement.redeemVouchers(vs, sigs, _amts(50 ether, 20 ether)), 20 ether);
    }

    function test_redeemVouchers_AllSkippedReturnsZero() public {
        IAttributionSettlement.Voucher[] memory vs = new IAttributionSettlement.Voucher[](2);
        bytes[] memory sigs = new bytes[](2);
        vs[0] = _voucher(alice, 10 ether, uint64(block.timestamp + 1 days));
        vs[1] = _voucher(bob, 10 ether, uint64(block.timestamp + 1 days));
        sigs[0] = _sign(alicePk, vs[0]);
        sigs[1] = hex"deadbeef";
        vm.prank(settler);
        assertEq(settlement.redeemVouchers(vs, sigs, _amts(10 ether, 10 ether)), 0);
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
        uint256 total = settlement.redeemVouchers{gas: 1_000_000}(vs, sigs, _amts(10 ether, 30 ether));
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
        assertEq(settlement.redeemVouchers(vs, sigs, _amts(10 ether)), 10 ether);
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
        try settlement.redeemVouchers{gas: gasLimit}(vs, sigs, _amts(50 ether)) returns (uint256 total) {
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
        assertEq(settlement.redeemVouchers(vs, sigs, _amts(40 ether)), 40 ether);
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
        settlement.redeemVouchers(vs, sigs, new uint256[](0));
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
        bytes32 dataHash = keccak256(abi.encode("receipts", uint256(1)));
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.RootProposed(
            1, bytes32(uint256(1)), 60 ether, dataHash, "ipfs://receipts", uint64(block.timestamp) + CHALLENGE_DELAY
        );
        uint64 liveAt = _propose(1, bytes32(uint256(1)), 60 ether);
        IAttributionSettlement.RootInfo memory info = settlement.rootOf(1);
        assertEq(info.root, bytes32(uint256(1)));
        assertEq(info.totalCumulative, 60 ether);
        assertEq(info.dataHash, dataHash);
        assertEq(info.redeemedAtProposal, 100 ether);
        assertEq(info.proposedAt, block.timestamp);
        assertEq(info.liveAt, liveAt);
        assertEq(uint8(info.status), uint8(IAttributionSettlement.RootStatus.Pending));
        assertEq(settlement.latestProposedEpoch(), 1);
        assertEq(settlement.rootCount(), 1);
        assertEq(settlement.latestLiveEpoch(), 0);
        vm.warp(liveAt);
        assertEq(settlement.latestLiveEpoch(), 1);
    }

    /// M5: a root for the largest epoch used to brick root posting for ever, even after a veto.
    function test_attack_M5_maxEpochBricksRoots() public {
        _fundRedeemed(10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementEpochNotNext.selector, type(uint256).max, 1)
        );
        _propose(type(uint256).max, bytes32(uint256(7)), 1);
        _propose(1, bytes32(uint256(7)), 1);
        vm.prank(vetoer);
        settlement.vetoRoot(1);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementEpochNotNext.selector, 5, 2));
        _propose(5, bytes32(uint256(8)), 1);
        _propose(2, bytes32(uint256(8)), 1);
        assertEq(settlement.latestProposedEpoch(), 2);
    }

    function test_Revert_proposeRoot_WhenNotSettler() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, settlement.SETTLER_ROLE()
            )
        );
        vm.prank(stranger);
        settlement.proposeRoot(1, bytes32(uint256(1)), 0, bytes32(uint256(1)), "");
    }

    function test_Revert_proposeRoot_WhenZeroRootOrDataHash() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroRoot.selector, 1));
        _propose(1, bytes32(0), 0);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementZeroRoot.selector, 1));
        vm.prank(settler);
        settlement.proposeRoot(1, bytes32(uint256(1)), 0, bytes32(0), "");
    }

    /// One root open at a time: the settler cannot pile roots on a pending or challenged one.
    function test_Revert_proposeRoot_WhenPreviousStillOpen() public {
        _fundRedeemed(10 ether);
        uint64 liveAt = _propose(1, bytes32(uint256(1)), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementRootStillOpen.selector, 1));
        _propose(2, bytes32(uint256(2)), 1 ether);
        _challenge(1);
        vm.warp(liveAt + 1 days);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementRootStillOpen.selector, 1));
        _propose(2, bytes32(uint256(2)), 1 ether);
        assertEq(settlement.latestLiveEpoch(), 0, "a challenged root never goes live by itself");
    }

    function test_Revert_proposeRoot_WhenTotalDecreased() public {
        _fundRedeemed(10 ether);
        vm.warp(_propose(1, bytes32(uint256(1)), 5 ether));
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementRootTotalDecreased.selector, 4 ether, 5 ether)
        );
        _propose(2, bytes32(uint256(2)), 4 ether);
    }

    /// H2: a root may only grow by what was redeemed since the previous live root was proposed, so a
    /// settler's self-paying root can at most misallocate the newest redemptions, never older funds.
    function test_attack_H2_rootIncreaseBoundedByRedeemedSinceLastRoot() public {
        _fundRedeemed(100 ether);
        vm.warp(_propose(1, bytes32(uint256(1)), 60 ether)); // 40 redeemed but never attributed
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementRootIncreaseExceedsRedeemed.selector, 40 ether, 0)
        );
        _propose(2, bytes32(uint256(2)), 100 ether);
        _fundRedeemed(10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementRootIncreaseExceedsRedeemed.selector, 10 ether + 1, 10 ether
            )
        );
        _propose(2, bytes32(uint256(2)), 70 ether + 1);
        _propose(2, bytes32(uint256(2)), 70 ether);
    }

    /// H2: the settler posts a root paying itself the whole pool. Anyone freezes it with a bond before
    /// it goes live; the guardian upholds the challenge at once: the root never pays, the bond returns.
    function test_attack_H2_settlerRootPaysItselfFrozenByChallenge() public {
        _fundRedeemed(1_000 ether);
        address carol = makeAddr("carol");
        bytes32[] memory honest = _publishLive(1, _pair(carol, bob), _amounts(600 ether, 400 ether));
        _fundRedeemed(500 ether);
        bytes32[] memory selfPay = StandardMerkleTree.build(_pair(settler, bob), _amounts(1_100 ether, 400 ether));
        uint64 liveAt = _propose(2, selfPay[0], 1_500 ether);

        uint256 strangerBefore = token.balanceOf(stranger);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.RootChallenged(2, stranger, CHALLENGE_BOND, "settler pays itself");
        vm.prank(stranger);
        settlement.challengeRoot(2, "settler pays itself");
        assertEq(settlement.totalChallengeBonds(), CHALLENGE_BOND);

        vm.warp(liveAt);
        assertEq(settlement.latestLiveEpoch(), 1, "frozen: the honest root stays the live one");
        bytes32[] memory proof = StandardMerkleTree.proof(selfPay, settler, 1_100 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidProof.selector, 1, settler, 1_100 ether)
        );
        settlement.claim(settler, 1_100 ether, 1_100 ether, proof);

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.RootChallengeResolved(2, vetoer, stranger, true, CHALLENGE_BOND, liveAt);
        vm.prank(vetoer);
        settlement.resolveChallenge(2, true);
        assertEq(uint8(settlement.rootOf(2).status), uint8(IAttributionSettlement.RootStatus.Vetoed));
        assertEq(token.balanceOf(stranger), strangerBefore);
        assertEq(settlement.totalChallengeBonds(), 0);
        assertEq(_claim(honest, carol, 600 ether), 600 ether);
        assertEq(token.balanceOf(settler), 0);
    }

    /// H2: the guardian (VETO_ROLE) vetoes in the same block, without a governance cycle.
    function test_attack_H2_guardianVetoesBeforeAnyGovernanceCycle() public {
        _fundRedeemed(100 ether);
        _propose(1, StandardMerkleTree.build(_pair(settler, bob), _amounts(100 ether, 0))[0], 100 ether);
        vm.prank(vetoer);
        settlement.vetoRoot(1);
        vm.warp(block.timestamp + 30 days);
        assertEq(settlement.latestLiveEpoch(), 0);
    }

    function test_resolveChallenge_RejectedSendsBondToTreasuryAndRootGoesLive() public {
        _fundRedeemed(10 ether);
        uint64 liveAt = _propose(1, bytes32(uint256(1)), 10 ether);
        _challenge(1);
        vm.warp(liveAt + 5 days);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.RootChallengeResolved(1, vetoer, stranger, false, CHALLENGE_BOND, liveAt + 5 days);
        vm.prank(vetoer);
        settlement.resolveChallenge(1, false);
        assertEq(token.balanceOf(treasury), CHALLENGE_BOND);
        assertEq(settlement.latestLiveEpoch(), 1);
        IAttributionSettlement.RootInfo memory info = settlement.rootOf(1);
        assertEq(uint8(info.status), uint8(IAttributionSettlement.RootStatus.Pending));
        assertEq(info.challenger, address(0));
        assertEq(info.liveAt, liveAt + 5 days);
    }

    function test_resolveChallenge_RejectedEarlyKeepsLiveAtAndAllowsANewChallenge() public {
        _fundRedeemed(10 ether);
        uint64 liveAt = _propose(1, bytes32(uint256(1)), 10 ether);
        _challenge(1);
        vm.prank(vetoer);
        settlement.resolveChallenge(1, false);
        assertEq(settlement.rootOf(1).liveAt, liveAt);
        _challenge(1);
        assertEq(uint8(settlement.rootOf(1).status), uint8(IAttributionSettlement.RootStatus.Challenged));
    }

    function test_Revert_challengeRoot_WhenNotChallengeable() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementUnknownEpoch.selector, 1));
        _challenge(1);
        _fundRedeemed(10 ether);
        uint64 liveAt = _propose(1, bytes32(uint256(1)), 10 ether);
        _challenge(1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementRootNotPending.selector,
                1,
                IAttributionSettlement.RootStatus.Challenged
            )
        );
        _challenge(1);
        vm.prank(vetoer);
        settlement.resolveChallenge(1, false);
        vm.warp(liveAt);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementRootAlreadyLive.selector, 1, liveAt));
        _challenge(1);
    }

    function test_Revert_challengeRoot_WhenNoAllowance() public {
        _fundRedeemed(10 ether);
        _propose(1, bytes32(uint256(1)), 10 ether);
        address poor = makeAddr("poor");
        vm.expectRevert();
        vm.prank(poor);
        settlement.challengeRoot(1, "");
        assertEq(uint8(settlement.rootOf(1).status), uint8(IAttributionSettlement.RootStatus.Pending));
    }

    function test_Revert_resolveChallenge_WhenNotVetoRoleOrNotChallenged() public {
        _fundRedeemed(10 ether);
        _propose(1, bytes32(uint256(1)), 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementRootNotChallenged.selector, 1));
        vm.prank(vetoer);
        settlement.resolveChallenge(1, true);
        _challenge(1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, settlement.VETO_ROLE()
            )
        );
        vm.prank(stranger);
        settlement.resolveChallenge(1, true);
    }

    // ---------------------------------------------------------------------------------------------
    // vetoRoot
    // ---------------------------------------------------------------------------------------------

    function test_vetoRoot_OfChallengedRootRefundsBond() public {
        _fundRedeemed(10 ether);
        _propose(1, bytes32(uint256(1)), 10 ether);
        uint256 before = token.balanceOf(stranger);
        _challenge(1);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.RootVetoed(1, vetoer);
        vm.prank(vetoer);
        settlement.vetoRoot(1);
        assertEq(token.balanceOf(stranger), before);
        assertEq(uint8(settlement.rootOf(1).status), uint8(IAttributionSettlement.RootStatus.Vetoed));
    }

    function test_vetoRoot_AtLastSecondAndPreviousRootStaysClaimable() public {
        _fundRedeemed(100 ether);
        address carol = makeAddr("carol");
        bytes32[] memory tree = _publishLive(1, _pair(carol, bob), _amounts(10 ether, 5 ether));
        _fundRedeemed(5 ether);
        uint64 liveAt = _propose(2, bytes32(uint256(2)), 20 ether);
        vm.warp(liveAt - 1);
        vm.prank(vetoer);
        settlement.vetoRoot(2);
        vm.warp(liveAt);
        assertEq(settlement.latestLiveEpoch(), 1);
        assertEq(_claim(tree, carol, 10 ether), 10 ether);
    }

    function test_Revert_vetoRoot() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, settlement.VETO_ROLE()
            )
        );
        vm.prank(stranger);
        settlement.vetoRoot(1);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementUnknownEpoch.selector, 1));
        vm.prank(vetoer);
        settlement.vetoRoot(1);
        _fundRedeemed(10 ether);
        uint64 liveAt = _propose(1, bytes32(uint256(1)), 1 ether);
        vm.prank(vetoer);
        settlement.vetoRoot(1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementRootNotPending.selector, 1, IAttributionSettlement.RootStatus.Vetoed
            )
        );
        vm.prank(vetoer);
        settlement.vetoRoot(1);
        uint64 liveAt2 = _propose(2, bytes32(uint256(2)), 1 ether);
        assertGe(liveAt2, liveAt);
        vm.warp(liveAt2);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementRootAlreadyLive.selector, 2, liveAt2));
        vm.prank(vetoer);
        settlement.vetoRoot(2);
    }

    /// The data hash is the StandardMerkleTree root (leaf type bytes32) of the epoch's receipt digests:
    /// anyone proves a receipt is in the epoch against `rootOf(epoch).dataHash`.
    function test_dataHash_ProvesReceiptInclusion() public {
        bytes32[] memory digests = new bytes32[](3);
        for (uint256 i = 0; i < 3; ++i) {
            digests[i] = keccak256(abi.encode("receipt", i));
        }
        bytes32[] memory leaves = new bytes32[](3);
        for (uint256 i = 0; i < 3; ++i) {
            leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(digests[i]))));
        }
        bytes32[] memory tree = StandardMerkleTree.buildFromLeaves(leaves);
        _fundRedeemed(1 ether);
        vm.prank(settler);
        settlement.proposeRoot(1, bytes32(uint256(1)), 1 ether, tree[0], "ipfs://receipts-1.json");
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(digests[1]))));
        assertTrue(MerkleProof.verify(StandardMerkleTree.proofOf(tree, leaf), settlement.rootOf(1).dataHash, leaf));
    }

    // ---------------------------------------------------------------------------------------------
    // claim
    // ---------------------------------------------------------------------------------------------

    /// The leaf encoding pinned in schema/settlement-leaf.md: the root and proofs its vector lists
    /// (built by the merkle-tree package) verify on chain, earner and stakers leaves alike.
    function test_claim_AgainstSchemaVector() public {
        string memory json = vm.readFile("../schema/settlement-leaf-vector.json");
        bytes32 root = vm.parseJsonBytes32(json, ".root");
        uint256 total = vm.parseJsonUint(json, ".totalCumulative");
        _fundRedeemed(total);
        vm.warp(_propose(1, root, total));
        uint256 count = vm.parseJsonUint(json, ".count");
        for (uint256 i = 0; i < count; ++i) {
            string memory at = string.concat(".leaves[", vm.toString(i), "]");
            uint8 kind = uint8(vm.parseJsonUint(json, string.concat(at, ".kind")));
            address account = vm.parseJsonAddress(json, string.concat(at, ".account"));
            uint256 agentId = vm.parseJsonUint(json, string.concat(at, ".agentId"));
            uint256 amount = vm.parseJsonUint(json, string.concat(at, ".cumulativeAmount"));
            uint256 eligible = vm.parseJsonUint(json, string.concat(at, ".cumulativeVoteEligible"));
            bytes32 leafHash = vm.parseJsonBytes32(json, string.concat(at, ".leafHash"));
            bytes32[] memory proof = vm.parseJsonBytes32Array(json, string.concat(at, ".proof"));
            if (kind == 0) {
                assertEq(settlement.earnerLeaf(account, amount, eligible), leafHash);
                assertEq(settlement.claim(account, amount, eligible, proof), amount);
                assertEq(settlement.votesOwedOf(account), eligible);
            } else {
                assertEq(settlement.stakersLeaf(agentId, amount), leafHash);
                _stakeOn(agentId);
                assertEq(settlement.claimStakerRewards(agentId, amount, proof), amount);
            }
        }
        assertEq(settlement.totalClaimed(), total);
    }

    function test_claim_PaysIncreaseAcrossEpochsAndRecordsVotes() public {
        address carol = makeAddr("carol");
        address dave = makeAddr("dave");
        _fundRedeemed(15 ether);

        bytes32[] memory tree1 = _publishLive(1, _pair(carol, dave), _amounts(10 ether, 5 ether));
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VotesRecorded(carol, 10 ether, 10 ether);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.Claimed(carol, carol, 10 ether, 10 ether);
        assertEq(_claim(tree1, carol, 10 ether), 10 ether);

        _fundRedeemed(25 ether);
        bytes32[] memory tree2 = _publishLive(2, _pair(carol, dave), _amounts(35 ether, 5 ether));
        assertEq(_claim(tree2, carol, 35 ether), 25 ether);
        assertEq(_claim(tree2, dave, 5 ether), 5 ether);

        assertEq(token.balanceOf(carol), 35 ether);
        assertEq(settlement.claimedOf(carol), 35 ether);
        assertEq(settlement.votesRecordedOf(carol), 35 ether);
        assertEq(settlement.votesOwedOf(carol), 35 ether);
        assertEq(votes.balanceOf(carol), 0, "claims mint nothing");

        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.VotesMinted(carol, 35 ether);
        assertEq(settlement.mintVotes(carol), 35 ether);
        assertEq(votes.getVotes(carol), 35 ether, "self-delegated on first mint");
        assertEq(settlement.votesMintedOf(carol), 35 ether);
        assertEq(settlement.votesOwedOf(carol), 0);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementNoVotesOwed.selector, carol));
        settlement.mintVotes(carol);
        assertEq(settlement.totalClaimed(), 40 ether);
    }

    /// M6: a payer that is also an operator/adapter owner/contributor used to get 1:1 votes for fees it
    /// paid itself. The leaf now carries only vote-eligible earnings (data contributors, adapter
    /// builders, never payer == payee); the rest pays but mints nothing; the treasury never gets votes.
    function test_attack_M6_payerBuysVotesWithOwnFees() public {
        _fundRedeemed(100 ether);
        address carol = makeAddr("carol");
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = StandardMerkleTree.earnerLeaf(alice, 60 ether, 0); // alice paid herself: no votes
        leaves[1] = StandardMerkleTree.earnerLeaf(carol, 30 ether, 20 ether); // 20 of 30 as a contributor
        leaves[2] = StandardMerkleTree.earnerLeaf(treasury, 10 ether, 10 ether); // protocol share
        bytes32[] memory tree = StandardMerkleTree.buildFromLeaves(leaves);
        vm.warp(_propose(1, tree[0], 100 ether));

        settlement.claim(alice, 60 ether, 0, StandardMerkleTree.proofOf(tree, leaves[0]));
        settlement.claim(carol, 30 ether, 20 ether, StandardMerkleTree.proofOf(tree, leaves[1]));
        settlement.claim(treasury, 10 ether, 10 ether, StandardMerkleTree.proofOf(tree, leaves[2]));
        assertEq(token.balanceOf(alice), INITIAL_BALANCE + 60 ether - 0);
        assertEq(settlement.votesOwedOf(alice), 0);
        assertEq(settlement.votesOwedOf(carol), 20 ether);
        assertEq(settlement.votesOwedOf(treasury), 0);
        vm.expectRevert(abi.encodeWithSelector(IAttributionSettlement.SettlementNoVotesOwed.selector, alice));
        settlement.mintVotes(alice);
        settlement.mintVotes(carol);
        assertEq(votes.totalSupply(), 20 ether);
    }

    function test_Revert_claim_WhenVotesExceedEarnings() public {
        _fundRedeemed(10 ether);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = StandardMerkleTree.earnerLeaf(bob, 10 ether, 11 ether);
        bytes32[] memory tree = StandardMerkleTree.buildFromLeaves(leaves);
        vm.warp(_propose(1, tree[0], 10 ether));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementVotesExceedEarnings.selector, bob, 11 ether, 10 ether
            )
        );
        settlement.claim(bob, 10 ether, 11 ether, new bytes32[](0));
    }

    /// M7: claims used to revert when the settlement lost the votes-minting role. A claim now never
    /// touches the votes token; minting is separate and permissionless.
    function test_attack_M7_claimDependsOnMinting() public {
        _fundRedeemed(10 ether);
        address carol = makeAddr("carol");
        bytes32[] memory tree = _publishLive(1, _pair(carol, bob), _amounts(10 ether, 0));
        vm.expectCall(address(votes), abi.encodeWithSelector(votes.mint.selector), 0);
        assertEq(_claim(tree, carol, 10 ether), 10 ether);
        assertEq(token.balanceOf(carol), 10 ether);
        assertEq(settlement.votesOwedOf(carol), 10 ether);
    }

    function test_claim_PaysRecipientAndRecordsVotesForAccount() public {
        address carol = makeAddr("carol");
        address vault = makeAddr("vault");
        _fundRedeemed(15 ether);
        vm.prank(carol);
        settlement.setClaimRecipient(vault);
        bytes32[] memory tree = _publishLive(1, _pair(carol, bob), _amounts(10 ether, 5 ether));
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.Claimed(carol, vault, 10 ether, 10 ether);
        _claim(tree, carol, 10 ether);
        settlement.mintVotes(carol);
        assertEq(token.balanceOf(vault), 10 ether);
        assertEq(token.balanceOf(carol), 0);
        assertEq(votes.balanceOf(carol), 10 ether);
        assertEq(votes.balanceOf(vault), 0);
    }

    function test_claim_IgnoresPendingAndChallengedRoots() public {
        address carol = makeAddr("carol");
        _fundRedeemed(10 ether);
        bytes32[] memory tree1 = _publishLive(1, _pair(carol, bob), _amounts(4 ether, 0));
        _fundRedeemed(10 ether);
        bytes32[] memory tree2 = StandardMerkleTree.build(_pair(carol, bob), _amounts(9 ether, 0));
        uint64 liveAt = _propose(2, tree2[0], 9 ether);
        bytes32[] memory proof2 = StandardMerkleTree.proof(tree2, carol, 9 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidProof.selector, 1, carol, 9 ether)
        );
        settlement.claim(carol, 9 ether, 9 ether, proof2);
        _challenge(2);
        vm.warp(liveAt);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidProof.selector, 1, carol, 9 ether)
        );
        settlement.claim(carol, 9 ether, 9 ether, proof2);
        assertEq(_claim(tree1, carol, 4 ether), 4 ether);
    }

    function test_Revert_claim_WhenNoLiveRootOrBadProofOrNothingNew() public {
        vm.expectRevert(IAttributionSettlement.SettlementNoLiveRoot.selector);
        settlement.claim(bob, 1, 1, new bytes32[](0));
        _fundRedeemed(10 ether);
        address carol = makeAddr("carol");
        bytes32[] memory tree = _publishLive(1, _pair(carol, bob), _amounts(4 ether, 1 ether));
        bytes32[] memory proof = StandardMerkleTree.proof(tree, carol, 4 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidProof.selector, 1, carol, 5 ether)
        );
        settlement.claim(carol, 5 ether, 4 ether, proof);
        _claim(tree, carol, 4 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementNothingToClaim.selector, carol, 4 ether, 4 ether)
        );
        settlement.claim(carol, 4 ether, 4 ether, proof);
    }

    /// The hard solvency guard: a root whose leaves sum above its attested total pays only up to it.
    function test_Revert_claim_WhenExceedingRootTotal() public {
        _fundRedeemed(10 ether);
        address carol = makeAddr("carol");
        bytes32[] memory tree = StandardMerkleTree.build(_pair(carol, bob), _amounts(8 ether, 8 ether));
        vm.warp(_propose(1, tree[0], 10 ether));
        _claim(tree, carol, 8 ether);
        bytes32[] memory proof = StandardMerkleTree.proof(tree, bob, 8 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementClaimExceedsRoot.selector, 1, 16 ether, 10 ether)
        );
        settlement.claim(bob, 8 ether, 8 ether, proof);
    }

    function testFuzz_claim_PaysExactlyTheProvenIncrease(uint256 a1, uint256 a2) public {
        a1 = bound(a1, 1, 1_000 ether);
        a2 = bound(a2, a1, 2_000 ether);
        address carol = makeAddr("carol");
        _fundRedeemed(a1);
        bytes32[] memory tree1 = _publishLive(1, _pair(carol, bob), _amounts(a1, 0));
        assertEq(_claim(tree1, carol, a1), a1);
        _fundRedeemed(a2 - a1 + 1);
        bytes32[] memory tree2 = _publishLive(2, _pair(carol, bob), _amounts(a2, 1));
        if (a2 > a1) assertEq(_claim(tree2, carol, a2), a2 - a1);
        assertEq(token.balanceOf(carol), a2);
        assertEq(settlement.claimedOf(carol), a2);
    }

    // ---------------------------------------------------------------------------------------------
    // claimStakerRewards
    // ---------------------------------------------------------------------------------------------

    /// Staker rewards: the agent's stakers' share reaches AgentStaking through a per-agent leaf
    /// anyone can claim into `addRewards`.
    function test_claimStakerRewards_AddsToAgentStaking() public {
        uint256 agentId = _stakeOn(1);
        _fundRedeemed(30 ether);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = StandardMerkleTree.stakersLeaf(agentId, 12 ether);
        leaves[1] = StandardMerkleTree.earnerLeaf(bob, 18 ether, 18 ether);
        bytes32[] memory tree = StandardMerkleTree.buildFromLeaves(leaves);
        vm.warp(_propose(1, tree[0], 30 ether));
        uint256 stakingBefore = token.balanceOf(address(staking));
        bytes32[] memory proof = StandardMerkleTree.proofOf(tree, leaves[0]);
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.StakerRewardsClaimed(agentId, stranger, 12 ether, 12 ether);
        vm.prank(stranger);
        assertEq(settlement.claimStakerRewards(agentId, 12 ether, proof), 12 ether);
        assertEq(token.balanceOf(address(staking)), stakingBefore + 12 ether);
        assertEq(settlement.stakerRewardsClaimedOf(agentId), 12 ether);
        assertEq(settlement.totalClaimed(), 12 ether);
        assertEq(token.allowance(address(settlement), address(staking)), 0);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionSettlement.SettlementNoStakerRewards.selector, agentId, 12 ether, 12 ether
            )
        );
        settlement.claimStakerRewards(agentId, 12 ether, proof);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidStakersProof.selector, 1, agentId, 13 ether)
        );
        settlement.claimStakerRewards(agentId, 13 ether, proof);
        // An earner leaf never passes as a stakers leaf (the kind byte separates them).
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionSettlement.SettlementInvalidStakersProof.selector, 1, 0, 18 ether)
        );
        settlement.claimStakerRewards(0, 18 ether, StandardMerkleTree.proofOf(tree, leaves[1]));
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
        IAttributionSettlement.Params memory p = _params(1 hours, 30 days);
        p.challengeBond = 7 ether;
        vm.expectEmit(address(settlement));
        emit IAttributionSettlement.ParamsUpdated(1 hours, 30 days, 7 ether);
        vm.prank(admin);
        settlement.setParams(p);
        p = settlement.params();
        assertEq(p.withdrawalDelay, 1 hours);
        assertEq(p.challengeDelay, 30 days);
        assertEq(p.challengeBond, 7 ether);

        vm.prank(admin);
        settlement.setParams(_params(30 days, VETO_LATENCY));
        assertEq(settlement.params().withdrawalDelay, 30 days);
        assertEq(settlement.params().challengeDelay, VETO_LATENCY);
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

    function test_Revert_setParams_WhenChallengeBondZero() public {
        IAttributionSettlement.Params memory p = _params(1 days, 1 days);
        p.challengeBond = 0;
        vm.expectRevert(IAttributionSettlement.SettlementZeroChallengeBond.selector);
        vm.prank(admin);
        settlement.setParams(p);
    }

    function testFuzz_setParams_AcceptsOnlyBoundedDelays(uint64 w, uint64 c) public {
        bool wOk = w >= 1 hours && w <= 30 days;
        bool cOk = c >= VETO_LATENCY && c <= 30 days;
        if (!wOk) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAttributionSettlement.SettlementWithdrawalDelayOutOfBounds.selector, w, 1 hours, 30 days
                )
            );
        } else if (!cOk) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAttributionSettlement.SettlementChallengeDelayOutOfBounds.selector, c, VETO_LATENCY, 30 days
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
        settlement.mintVotes(carol);
        settlement.mintVotes(dave);
        assertEq(votes.totalSupply(), 55 ether);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    function _challenge(uint256 epoch) internal {
        vm.prank(stranger);
        settlement.challengeRoot(epoch, "suspect");
    }

    /// @dev Registers agent `expectedId` with one delegator (so its stakers can receive rewards).
    function _stakeOn(uint256 expectedId) internal returns (uint256 agentId) {
        address operator = makeAddr("operator");
        while (staking.agentCount() < expectedId) {
            vm.prank(admin);
            token.mint(operator, 101 ether);
            vm.startPrank(operator);
            token.approve(address(staking), 101 ether);
            agentId = staking.registerAgent(keccak256("spec"), "ipfs://agent", 0, 1 ether);
            staking.delegate(agentId, 100 ether);
            vm.stopPrank();
        }
        return expectedId;
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

    function _amts(uint256 a) internal pure returns (uint256[] memory r) {
        r = new uint256[](1);
        r[0] = a;
    }

    function _amts(uint256 a, uint256 b) internal pure returns (uint256[] memory r) {
        r = new uint256[](2);
        r[0] = a;
        r[1] = b;
    }

    function _amts(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory r) {
        r = new uint256[](3);
        r[0] = a;
        r[1] = b;
        r[2] = c;
    }

    /// @dev The amounts of test_redeemVouchers_SkipsEachKindOfBadVoucherAndRedeemsTheRest.
    function _amts6() internal pure returns (uint256[] memory r) {
        r = new uint256[](6);
        r[0] = 10 ether;
        r[1] = 20 ether;
        r[2] = 30 ether;
        r[3] = 30 ether;
        r[4] = 1;
        r[5] = 15 ether;
    }
}
