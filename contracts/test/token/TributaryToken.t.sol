// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

import {TributaryToken} from "../../src/token/TributaryToken.sol";

contract TributaryTokenTest is Test {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    TributaryToken internal token;
    address internal admin = makeAddr("admin");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        token = new TributaryToken(admin);
    }

    // ----------------------------------------------------------------------------- metadata

    function test_constructor_setsMetadataAndRoles() public view {
        assertEq(token.name(), "Tributary");
        assertEq(token.symbol(), "TRIB");
        assertEq(token.decimals(), 18);
        assertEq(token.totalSupply(), 0);
        assertTrue(token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(token.hasRole(token.MINTER_ROLE(), admin));
        assertEq(token.MINTER_ROLE(), keccak256("MINTER_ROLE"));
    }

    function test_supportsInterface_accessControl() public view {
        assertTrue(token.supportsInterface(type(IAccessControl).interfaceId));
        assertFalse(token.supportsInterface(0xffffffff));
    }

    // ----------------------------------------------------------------------------- mint

    function test_mint_creditsAndEmits() public {
        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(address(0), alice, 100e18);
        vm.prank(admin);
        token.mint(alice, 100e18);
        assertEq(token.balanceOf(alice), 100e18);
        assertEq(token.totalSupply(), 100e18);
    }

    function test_mint_byGrantedMinter() public {
        bytes32 role = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(role, bob);
        vm.prank(bob);
        token.mint(alice, 1);
        assertEq(token.balanceOf(alice), 1);
    }

    function test_Revert_mint_WhenCallerNotMinter() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, token.MINTER_ROLE())
        );
        vm.prank(alice);
        token.mint(alice, 1);
    }

    function test_Revert_mint_WhenMinterRoleRevoked() public {
        bytes32 role = token.MINTER_ROLE();
        vm.prank(admin);
        token.revokeRole(role, admin);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        vm.prank(admin);
        token.mint(alice, 1);
    }

    function test_Revert_mint_WhenRecipientZero() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        vm.prank(admin);
        token.mint(address(0), 1);
    }

    function test_Revert_grantRole_WhenCallerNotAdmin() public {
        bytes32 minter = token.MINTER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice, token.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(alice);
        token.grantRole(minter, alice);
    }

    function testFuzz_mint_accumulatesSupply(uint256 a, uint256 b) public {
        a = bound(a, 0, type(uint128).max);
        b = bound(b, 0, type(uint128).max);
        vm.startPrank(admin);
        token.mint(alice, a);
        token.mint(bob, b);
        vm.stopPrank();
        assertEq(token.totalSupply(), a + b);
        assertEq(token.balanceOf(alice) + token.balanceOf(bob), a + b);
    }

    // ----------------------------------------------------------------------------- transfer

    function testFuzz_transfer_movesExactAmount(uint256 minted, uint256 amount) public {
        minted = bound(minted, 0, type(uint128).max);
        amount = bound(amount, 0, minted);
        vm.prank(admin);
        token.mint(alice, minted);

        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(alice, bob, amount);
        vm.prank(alice);
        assertTrue(token.transfer(bob, amount));

        assertEq(token.balanceOf(alice), minted - amount);
        assertEq(token.balanceOf(bob), amount);
        assertEq(token.totalSupply(), minted);
    }

    function testFuzz_Revert_transfer_WhenBalanceTooLow(uint256 minted, uint256 amount) public {
        minted = bound(minted, 0, type(uint128).max);
        amount = bound(amount, minted + 1, type(uint256).max);
        vm.prank(admin);
        token.mint(alice, minted);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, minted, amount)
        );
        vm.prank(alice);
        token.transfer(bob, amount);
    }

    function testFuzz_transferFrom_spendsAllowance(uint256 allowance, uint256 amount) public {
        allowance = bound(allowance, 0, type(uint128).max);
        amount = bound(amount, 0, allowance);
        vm.prank(admin);
        token.mint(alice, allowance);
        vm.prank(alice);
        token.approve(bob, allowance);

        vm.prank(bob);
        assertTrue(token.transferFrom(alice, bob, amount));
        assertEq(token.allowance(alice, bob), allowance - amount);
        assertEq(token.balanceOf(bob), amount);
    }

    // ----------------------------------------------------------------------------- permit

    function _permitDigest(address owner, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    function test_permit_setsAllowanceWithSignature() public {
        (address owner, uint256 key) = makeAddrAndKey("owner");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _permitDigest(owner, bob, 42e18, 0, deadline));

        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Approval(owner, bob, 42e18);
        token.permit(owner, bob, 42e18, deadline, v, r, s);

        assertEq(token.allowance(owner, bob), 42e18);
        assertEq(token.nonces(owner), 1);
    }

    function test_permit_domainSeparatorUsesName() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Tributary"),
                keccak256("1"),
                block.chainid,
                address(token)
            )
        );
        assertEq(token.DOMAIN_SEPARATOR(), expected);
    }

    function test_Revert_permit_WhenDeadlineExpired() public {
        (address owner, uint256 key) = makeAddrAndKey("owner");
        vm.warp(1_000_000);
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _permitDigest(owner, bob, 1e18, 0, deadline));

        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(owner, bob, 1e18, deadline, v, r, s);
    }

    function test_Revert_permit_WhenSignerIsNotOwner() public {
        (address owner,) = makeAddrAndKey("owner");
        (address mallory, uint256 malloryKey) = makeAddrAndKey("mallory");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(malloryKey, _permitDigest(owner, bob, 1e18, 0, deadline));

        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, mallory, owner));
        token.permit(owner, bob, 1e18, deadline, v, r, s);
    }

    function test_Revert_permit_WhenSignatureReplayed() public {
        (address owner, uint256 key) = makeAddrAndKey("owner");
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _permitDigest(owner, bob, 1e18, 0, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        token.permit(owner, bob, 1e18, deadline, v, r, s);

        // The nonce moved on, so the same signature now recovers to a different address.
        bytes32 replayDigest = _permitDigest(owner, bob, 1e18, 1, deadline);
        address recovered = ecrecover(replayDigest, v, r, s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, owner));
        token.permit(owner, bob, 1e18, deadline, v, r, s);
    }

    function testFuzz_permit_thenTransferFrom(uint256 value, uint256 spend) public {
        value = bound(value, 1, type(uint128).max);
        spend = bound(spend, 0, value);
        (address owner, uint256 key) = makeAddrAndKey("owner");
        vm.prank(admin);
        token.mint(owner, value);
        uint256 deadline = block.timestamp + 1 days;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _permitDigest(owner, bob, value, 0, deadline));

        vm.startPrank(bob);
        token.permit(owner, bob, value, deadline, v, r, s);
        assertTrue(token.transferFrom(owner, alice, spend));
        vm.stopPrank();

        assertEq(token.balanceOf(alice), spend);
        assertEq(token.allowance(owner, bob), value - spend);
    }
}
