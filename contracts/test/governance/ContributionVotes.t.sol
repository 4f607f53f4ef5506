// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";

import {ContributionVotes} from "../../src/governance/ContributionVotes.sol";
import {IContributionVotes} from "../../src/governance/IContributionVotes.sol";

contract ContributionVotesTest is Test {
    ContributionVotes internal votes;

    address internal admin = makeAddr("admin");
    address internal minter = makeAddr("minter");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    function setUp() public {
        votes = new ContributionVotes(minter);
    }

    function _mint(address to, uint256 amount) internal {
        vm.prank(minter);
        votes.mint(to, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // constructor
    // ---------------------------------------------------------------------------------------------

    function test_constructor_SetsMetadataMinterAndClock() public view {
        assertEq(votes.name(), "Tributary Contribution Votes");
        assertEq(votes.symbol(), "TCV");
        assertEq(votes.decimals(), 18);
        assertEq(votes.totalSupply(), 0);
        assertEq(votes.minter(), minter);
        assertEq(votes.clock(), uint48(block.number));
        assertEq(votes.CLOCK_MODE(), "mode=blocknumber&from=default");
    }

    function test_Revert_constructor_WhenMinterZero() public {
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesZeroAddress.selector));
        new ContributionVotes(address(0));
    }

    // ---------------------------------------------------------------------------------------------
    // mint
    // ---------------------------------------------------------------------------------------------

    function test_mint_CreditsBalanceAndSupply() public {
        _mint(alice, 100e18);
        _mint(bob, 40e18);
        assertEq(votes.balanceOf(alice), 100e18);
        assertEq(votes.balanceOf(bob), 40e18);
        assertEq(votes.totalSupply(), 140e18);
    }

    function test_mint_SelfDelegatesOnFirstMint() public {
        vm.expectEmit(true, true, true, true, address(votes));
        emit IVotes.DelegateChanged(alice, address(0), alice);
        vm.expectEmit(true, true, true, true, address(votes));
        emit IERC20.Transfer(address(0), alice, 100e18);
        vm.expectEmit(true, true, true, true, address(votes));
        emit IVotes.DelegateVotesChanged(alice, 0, 100e18);
        _mint(alice, 100e18);

        assertEq(votes.delegates(alice), alice);
        assertEq(votes.getVotes(alice), 100e18);
    }

    function test_mint_SecondMintDoesNotRedelegate() public {
        _mint(alice, 100e18);
        vm.recordLogs();
        _mint(alice, 50e18);
        // Transfer + DelegateVotesChanged only; no DelegateChanged.
        assertEq(vm.getRecordedLogs().length, 2);
        assertEq(votes.getVotes(alice), 150e18);
    }

    function test_mint_KeepsDelegateChosenBeforeFirstMint() public {
        vm.prank(alice);
        votes.delegate(bob);
        _mint(alice, 100e18);
        assertEq(votes.delegates(alice), bob);
        assertEq(votes.getVotes(bob), 100e18);
        assertEq(votes.getVotes(alice), 0);
    }

    function test_mint_KeepsDelegationChangedAfterFirstMint() public {
        _mint(alice, 100e18);
        vm.prank(alice);
        votes.delegate(bob);
        _mint(alice, 20e18);
        assertEq(votes.delegates(alice), bob);
        assertEq(votes.getVotes(bob), 120e18);
        assertEq(votes.getVotes(alice), 0);
        assertEq(votes.balanceOf(alice), 120e18);
    }

    function test_mint_ZeroAmountSelfDelegatesOnly() public {
        _mint(alice, 0);
        assertEq(votes.delegates(alice), alice);
        assertEq(votes.balanceOf(alice), 0);
    }

    function test_Revert_mint_WhenCallerNotMinter() public {
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesUnauthorizedMinter.selector, alice));
        vm.prank(alice);
        votes.mint(alice, 1);
    }

    /// H1: there is no admin and no role system: nobody (the deployer, a captured timelock) can
    /// grant minting to anyone, and the minter can never change.
    function test_attack_H1_nobodyCanGrantVotesMinting() public {
        bytes32 minterRole = keccak256("MINTER_ROLE");
        (bool ok,) = address(votes).call(abi.encodeWithSignature("grantRole(bytes32,address)", minterRole, alice));
        assertFalse(ok, "grantRole exists");
        (ok,) = address(votes).call(abi.encodeWithSignature("MINTER_ROLE()"));
        assertFalse(ok, "a minter role exists");
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesUnauthorizedMinter.selector, admin));
        votes.mint(admin, 1);
        assertEq(votes.minter(), minter);
    }

    function test_Revert_mint_WhenToZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        _mint(address(0), 1);
    }

    function test_Revert_mint_WhenSupplyExceedsSafeSupply() public {
        uint256 cap = type(uint208).max;
        _mint(alice, cap);
        vm.expectRevert(abi.encodeWithSelector(ERC20Votes.ERC20ExceededSafeSupply.selector, cap + 1, cap));
        _mint(bob, 1);
    }

    function testFuzz_mint_AccumulatesBalanceAndVotes(uint256 a, uint256 b, uint256 c) public {
        a = bound(a, 0, 1e30);
        b = bound(b, 0, 1e30);
        c = bound(c, 0, 1e30);
        _mint(alice, a);
        _mint(alice, b);
        _mint(bob, c);
        assertEq(votes.balanceOf(alice), a + b);
        assertEq(votes.getVotes(alice), a + b);
        assertEq(votes.getVotes(bob), c);
        assertEq(votes.totalSupply(), a + b + c);
    }

    // ---------------------------------------------------------------------------------------------
    // transfer / transferFrom / approve
    // ---------------------------------------------------------------------------------------------

    function test_Revert_transfer_WhenCalled() public {
        _mint(alice, 100e18);
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesNonTransferable.selector));
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        votes.transfer(bob, 1);
    }

    function test_Revert_transferFrom_WhenCalled() public {
        _mint(alice, 100e18);
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesNonTransferable.selector));
        vm.prank(bob);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        votes.transferFrom(alice, bob, 1);
    }

    function test_Revert_transferFrom_WhenCalledByMinter() public {
        _mint(alice, 100e18);
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesNonTransferable.selector));
        vm.prank(minter);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        votes.transferFrom(alice, minter, 1);
    }

    function test_Revert_approve_WhenCalled() public {
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesNonTransferable.selector));
        vm.prank(alice);
        votes.approve(bob, 1);
    }

    function testFuzz_transfer_NeverMovesBalances(uint256 minted, uint256 amount) public {
        minted = bound(minted, 1, 1e30);
        amount = bound(amount, 0, minted);
        _mint(alice, minted);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesNonTransferable.selector));
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        votes.transfer(bob, amount);
        assertEq(votes.balanceOf(alice), minted);
        assertEq(votes.balanceOf(bob), 0);
        assertEq(votes.allowance(alice, bob), 0);
    }

    // ---------------------------------------------------------------------------------------------
    // delegate
    // ---------------------------------------------------------------------------------------------

    function test_delegate_MovesVotesNotBalances() public {
        _mint(alice, 100e18);
        vm.expectEmit(true, true, true, true, address(votes));
        emit IVotes.DelegateChanged(alice, alice, bob);
        vm.prank(alice);
        votes.delegate(bob);
        assertEq(votes.getVotes(bob), 100e18);
        assertEq(votes.getVotes(alice), 0);
        assertEq(votes.balanceOf(alice), 100e18);
        assertEq(votes.balanceOf(bob), 0);
    }

    // ---------------------------------------------------------------------------------------------
    // getPastVotes / getPastTotalSupply
    // ---------------------------------------------------------------------------------------------

    function test_getPastVotes_SnapshotsByBlockNumber() public {
        uint256 start = block.number;
        _mint(alice, 100e18);
        vm.roll(start + 1);
        _mint(alice, 50e18);
        _mint(bob, 10e18);
        vm.roll(start + 2);

        assertEq(votes.getPastVotes(alice, start), 100e18);
        assertEq(votes.getPastVotes(bob, start), 0);
        assertEq(votes.getPastVotes(alice, start + 1), 150e18);
        assertEq(votes.getPastVotes(bob, start + 1), 10e18);
        assertEq(votes.getPastTotalSupply(start), 100e18);
        assertEq(votes.getPastTotalSupply(start + 1), 160e18);
    }

    function test_Revert_getPastVotes_WhenTimepointNotPast() public {
        vm.expectRevert(
            abi.encodeWithSignature("ERC5805FutureLookup(uint256,uint48)", block.number, uint48(block.number))
        );
        votes.getPastVotes(alice, block.number);
    }

    function testFuzz_getPastVotes_UnchangedByLaterMints(uint256 before, uint256 later, uint8 gap) public {
        before = bound(before, 0, 1e30);
        later = bound(later, 1, 1e30);
        uint256 snapshotBlock = block.number;
        _mint(carol, before);
        vm.roll(snapshotBlock + 1 + uint256(gap));
        _mint(carol, later);
        vm.roll(block.number + 1);
        assertEq(votes.getPastVotes(carol, snapshotBlock), before);
        assertEq(votes.getVotes(carol), before + later);
    }
}
