// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../../../src/governance/ContributionVotes.sol";
import {AttributionSettlement} from "../../../src/settlement/AttributionSettlement.sol";
import {IAttributionSettlement} from "../../../src/settlement/IAttributionSettlement.sol";
import {AgentStaking} from "../../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../../src/staking/IAgentStaking.sol";
import {IAgentRewards} from "../../../src/settlement/IAgentRewards.sol";
import {TributaryToken} from "../../../src/token/TributaryToken.sol";
import {StandardMerkleTree} from "./StandardMerkleTree.sol";

/// @notice Deploys the real token, ContributionVotes and AttributionSettlement, with helpers to sign
/// vouchers, redeem them and publish live roots.
abstract contract SettlementTestBase is Test {
    uint64 internal constant WITHDRAWAL_DELAY = 2 days;
    uint64 internal constant CHALLENGE_DELAY = 1 days;
    uint64 internal constant VETO_LATENCY = 12 hours;
    uint256 internal constant CHALLENGE_BOND = 50 ether;
    uint256 internal constant INITIAL_BALANCE = 1_000_000 ether;

    TributaryToken internal token;
    ContributionVotes internal votes;
    AttributionSettlement internal settlement;
    AgentStaking internal staking;

    address internal admin = makeAddr("admin");
    address internal settler = makeAddr("settler");
    address internal vetoer = makeAddr("vetoer");
    address internal stranger = makeAddr("stranger");
    address internal treasury = makeAddr("treasury");

    uint256 internal alicePk;
    address internal alice;
    uint256 internal bobPk;
    address internal bob;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        (alice, alicePk) = makeAddrAndKey("alice");
        (bob, bobPk) = makeAddrAndKey("bob");

        token = new TributaryToken(admin);
        staking = new AgentStaking(
            admin,
            token,
            treasury,
            IAgentStaking.Params({
                unbondingDelay: 7 days,
                disputeWindow: 3 days,
                disputeBond: 10 ether,
                slashCapBps: 3000,
                disputerRewardBps: 1000,
                minSelfBond: 1 ether,
                maxDelegationRatio: 1000,
                rewardVestingPeriod: 1 days
            })
        );
        (votes, settlement) = _deploySettlement(_params(WITHDRAWAL_DELAY, CHALLENGE_DELAY));

        vm.startPrank(admin);
        settlement.grantRole(settlement.SETTLER_ROLE(), settler);
        settlement.grantRole(settlement.VETO_ROLE(), vetoer);
        vm.stopPrank();

        _fund(alice);
        _fund(bob);
        _fund(stranger);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    /// @dev Deploys ContributionVotes with the settlement's predicted address as its fixed minter,
    /// then the settlement (as ts/deploy.ts does).
    function _deploySettlement(IAttributionSettlement.Params memory p)
        internal
        returns (ContributionVotes votes_, AttributionSettlement settlement_)
    {
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        votes_ = new ContributionVotes(predicted);
        settlement_ =
            new AttributionSettlement(admin, token, votes_, IAgentRewards(address(staking)), treasury, VETO_LATENCY, p);
        assertEq(address(settlement_), predicted);
    }

    function _params(uint64 withdrawalDelay, uint64 challengeDelay)
        internal
        pure
        returns (IAttributionSettlement.Params memory)
    {
        return IAttributionSettlement.Params({
            withdrawalDelay: withdrawalDelay, challengeDelay: challengeDelay, challengeBond: CHALLENGE_BOND
        });
    }

    function _fund(address who) internal {
        vm.prank(admin);
        token.mint(who, INITIAL_BALANCE);
        vm.prank(who);
        token.approve(address(settlement), type(uint256).max);
    }

    function _deposit(address payer, uint256 amount) internal {
        vm.prank(payer);
        settlement.deposit(amount);
    }

    function _voucher(address payer, uint256 cumulative, uint64 expiry)
        internal
        pure
        returns (IAttributionSettlement.Voucher memory)
    {
        return IAttributionSettlement.Voucher({payer: payer, cumulativeAmount: cumulative, expiry: expiry});
    }

    /// @dev EIP-712 digest computed independently of the contract (and of OZ's EIP712).
    function _digest(IAttributionSettlement.Voucher memory v) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Tributary Settlement"),
                keccak256("1"),
                block.chainid,
                address(settlement)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Voucher(address payer,uint256 cumulativeAmount,uint64 expiry)"),
                v.payer,
                v.cumulativeAmount,
                v.expiry
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _sign(uint256 pk, IAttributionSettlement.Voucher memory v) internal view returns (bytes memory) {
        (uint8 vv, bytes32 r, bytes32 s) = vm.sign(pk, _digest(v));
        return abi.encodePacked(r, s, vv);
    }

    /// @dev Signs (with `pk`) a voucher for `payer` up to `cumulative`, valid for a day, and redeems
    /// all of it that is still open, capped by the escrow (what a settler charging the whole cap takes).
    function _redeem(uint256 pk, address payer, uint256 cumulative) internal returns (uint256 amount) {
        IAttributionSettlement.Voucher memory v = _voucher(payer, cumulative, uint64(block.timestamp + 1 days));
        bytes memory sig = _sign(pk, v);
        uint256 redeemed = settlement.redeemedOf(payer);
        uint256 open = cumulative > redeemed ? cumulative - redeemed : 0;
        uint256 escrow = settlement.escrowOf(payer);
        amount = open < escrow ? open : escrow;
        vm.prank(settler);
        settlement.redeemVoucher(v, sig, amount);
    }

    function _propose(uint256 epoch, bytes32 root, uint256 total) internal returns (uint64) {
        vm.prank(settler);
        return settlement.proposeRoot(epoch, root, total, keccak256(abi.encode("receipts", epoch)), "ipfs://receipts");
    }

    /// @dev The next epoch to propose.
    function _nextEpoch() internal view returns (uint256) {
        return settlement.latestProposedEpoch() + 1;
    }

    /// @dev Builds the tree of `(accounts, amounts)`, proposes it for `epoch` and warps until it is live.
    function _publishLive(uint256 epoch, address[] memory accounts, uint256[] memory amounts)
        internal
        returns (bytes32[] memory tree)
    {
        tree = StandardMerkleTree.build(accounts, amounts);
        uint256 total;
        for (uint256 i = 0; i < amounts.length; ++i) {
            total += amounts[i];
        }
        uint64 liveAt = _propose(epoch, tree[0], total);
        vm.warp(liveAt);
    }

    function _claim(bytes32[] memory tree, address account, uint256 cumulative) internal returns (uint256) {
        bytes32[] memory path = StandardMerkleTree.proof(tree, account, cumulative);
        vm.prank(stranger);
        return settlement.claim(account, cumulative, cumulative, path);
    }

    function _pair(address a, address b) internal pure returns (address[] memory accounts) {
        accounts = new address[](2);
        accounts[0] = a;
        accounts[1] = b;
    }

    function _amounts(uint256 a, uint256 b) internal pure returns (uint256[] memory amounts) {
        amounts = new uint256[](2);
        amounts[0] = a;
        amounts[1] = b;
    }
}
