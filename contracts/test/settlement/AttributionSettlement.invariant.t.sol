// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../../src/governance/ContributionVotes.sol";
import {AttributionSettlement} from "../../src/settlement/AttributionSettlement.sol";
import {IAttributionSettlement} from "../../src/settlement/IAttributionSettlement.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {AttributionSettlementHandler} from "./handlers/AttributionSettlementHandler.sol";

contract AttributionSettlementInvariantTest is StdInvariant, Test {
    TributaryToken internal token;
    ContributionVotes internal votes;
    AttributionSettlement internal settlement;
    AttributionSettlementHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        address admin = makeAddr("admin");
        address settler = makeAddr("settler");
        address vetoer = makeAddr("vetoer");

        token = new TributaryToken(admin);
        votes = new ContributionVotes(admin);
        settlement = new AttributionSettlement(
            admin, token, votes, IAttributionSettlement.Params({withdrawalDelay: 1 days, challengeDelay: 1 days})
        );
        handler = new AttributionSettlementHandler(settlement, token, votes, admin, settler, vetoer);

        vm.startPrank(admin);
        votes.grantRole(votes.MINTER_ROLE(), address(settlement));
        settlement.grantRole(settlement.SETTLER_ROLE(), settler);
        settlement.grantRole(settlement.VETO_ROLE(), vetoer);
        vm.stopPrank();

        // deposit and redeem are listed twice: money has to flow in for the rest to matter.
        bytes4[] memory selectors = new bytes4[](17);
        selectors[0] = handler.deposit.selector;
        selectors[1] = handler.deposit.selector;
        selectors[2] = handler.requestWithdrawal.selector;
        selectors[3] = handler.cancelWithdrawal.selector;
        selectors[4] = handler.executeWithdrawal.selector;
        selectors[5] = handler.redeem.selector;
        selectors[6] = handler.redeem.selector;
        selectors[7] = handler.redeemBatch.selector;
        selectors[8] = handler.redeemStale.selector;
        selectors[9] = handler.earn.selector;
        selectors[10] = handler.proposeRoot.selector;
        selectors[11] = handler.vetoRoot.selector;
        selectors[12] = handler.setChallengeDelay.selector;
        selectors[13] = handler.claim.selector;
        selectors[14] = handler.claimForged.selector;
        selectors[15] = handler.setClaimRecipient.selector;
        selectors[16] = handler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @dev One campaign checks every property after each call (one campaign per invariant function
    /// would multiply the suite's run time on the 2-core CI machine); each value is read once.
    function invariant_Settlement() public view {
        (address[3] memory payers, address[4] memory earners, address[2] memory vaults) = handler.actors();
        (uint256 deposited, uint256 withdrawn, uint256 paid, uint256 earned, uint256 modelLive) = handler.totals();
        uint256 totalRedeemed = settlement.totalRedeemed();
        uint256 totalClaimed = settlement.totalClaimed();
        uint256 liveEpoch = settlement.latestLiveEpoch();

        uint256 escrowSum = _checkPayers(payers);
        _checkConservation(escrowSum, totalRedeemed, totalClaimed, deposited, withdrawn, paid);
        _checkRoots(liveEpoch, modelLive, totalClaimed, totalRedeemed, earned);
        _checkClaims(earners, vaults, liveEpoch, totalClaimed, paid);
        _checkNoViolationObserved();
    }

    // ---------------------------------------------------------------------------------------------
    // Properties
    // ---------------------------------------------------------------------------------------------

    /// @dev Per payer: escrow == deposited − withdrawn − redeemed (never negative: the subtraction
    /// would underflow); redeemed <= the largest cap the payer signed; Σ redeemed == totalRedeemed.
    function _checkPayers(address[3] memory payers) internal view returns (uint256 escrowSum) {
        uint256 redeemedSum;
        for (uint256 i = 0; i < payers.length; ++i) {
            address p = payers[i];
            (uint256 deposited, uint256 withdrawn, uint256 ghostRedeemed, uint256 signedCap) = handler.payerGhost(p);
            uint256 redeemed = settlement.redeemedOf(p);
            uint256 escrow = settlement.escrowOf(p);
            _assertEq(redeemed, ghostRedeemed, "redeemed");
            _assertLe(redeemed, signedCap, "redeemed above signed cap");
            _assertEq(escrow, deposited - withdrawn - ghostRedeemed, "escrow");
            redeemedSum += redeemed;
            escrowSum += escrow;
        }
        _assertEq(settlement.totalRedeemed(), redeemedSum, "totalRedeemed");
    }

    /// @dev token balance == Σ escrow + totalRedeemed − totalClaimed, and equals what moved in and out.
    function _checkConservation(
        uint256 escrowSum,
        uint256 totalRedeemed,
        uint256 totalClaimed,
        uint256 deposited,
        uint256 withdrawn,
        uint256 paid
    ) internal view {
        uint256 held = token.balanceOf(address(settlement));
        _assertEq(held, escrowSum + totalRedeemed - totalClaimed, "balance vs books");
        _assertEq(held, deposited - withdrawn - paid, "balance vs flows");
    }

    /// @dev totalClaimed <= totalCumulative of the latest live root <= totalRedeemed; the live root is
    /// the one a naive scan of the handler's model picks; attributed earnings never exceed redeemed.
    function _checkRoots(
        uint256 liveEpoch,
        uint256 modelLive,
        uint256 totalClaimed,
        uint256 totalRedeemed,
        uint256 earned
    ) internal view {
        _assertEq(liveEpoch, modelLive, "latest live epoch");
        _assertLe(earned, totalRedeemed, "earnings above redeemed");
        if (liveEpoch == 0) {
            _assertEq(totalClaimed, 0, "claimed without a live root");
            return;
        }
        uint256 rootTotal = settlement.rootOf(liveEpoch).totalCumulative;
        _assertLe(totalClaimed, rootTotal, "claimed above live root");
        _assertLe(rootTotal, totalRedeemed, "live root above redeemed");
    }

    /// @dev No double claim: Σ paid for each account == its claimed <= its latest proven cumulative;
    /// every recipient holds exactly what claims paid it. Votes minted == Σ claimed increases, so
    /// ContributionVotes' supply == Σ proven (claimed) earnings.
    function _checkClaims(
        address[4] memory earners,
        address[2] memory vaults,
        uint256 liveEpoch,
        uint256 totalClaimed,
        uint256 paid
    ) internal view {
        uint256 claimedSum;
        for (uint256 i = 0; i < earners.length; ++i) {
            address a = earners[i];
            (uint256 paidFor, uint256 received, uint256 proven) = handler.earnerGhost(i, liveEpoch);
            uint256 claimed = settlement.claimedOf(a);
            _assertEq(paidFor, claimed, "paid vs claimed");
            _assertLe(claimed, proven, "claimed above proven");
            _assertEq(token.balanceOf(a), received, "earner balance");
            _assertEq(votes.balanceOf(a), claimed, "votes balance");
            _assertEq(settlement.votesMintedOf(a), claimed, "votesMinted");
            claimedSum += claimed;
        }
        for (uint256 i = 0; i < vaults.length; ++i) {
            _assertEq(token.balanceOf(vaults[i]), handler.receivedBy(vaults[i]), "vault balance");
        }
        _assertEq(totalClaimed, claimedSum, "totalClaimed");
        _assertEq(paid, claimedSum, "total paid");
        _assertEq(votes.totalSupply(), totalClaimed, "votes supply");
    }

    /// @dev Violations the handler watches for inside its actions.
    function _checkNoViolationObserved() internal view {
        (bool stale, bool forged, bool liveAt, bool amount, bool lapsed, bool bad) = handler.violations();
        _assertFalse(stale, "stale voucher redeemed");
        _assertFalse(lapsed, "lapsed withdrawal paid");
        _assertFalse(bad, "bad voucher in a batch redeemed");
        _assertFalse(forged, "forged or repeated claim paid");
        _assertFalse(liveAt, "liveAt");
        _assertFalse(amount, "amount mismatch");
    }

    // ---------------------------------------------------------------------------------------------
    // Plain-Solidity assertions
    // ---------------------------------------------------------------------------------------------
    // forge-std's assertions are cheatcode calls; at ~45 checks after each of 12,800 calls they
    // tripled this suite's run time. These only reach the VM (to format the values) on failure.

    function _assertEq(uint256 left, uint256 right, string memory what) internal pure {
        if (left != right) revert(string.concat(what, ": ", vm.toString(left), " != ", vm.toString(right)));
    }

    function _assertLe(uint256 left, uint256 right, string memory what) internal pure {
        if (left > right) revert(string.concat(what, ": ", vm.toString(left), " > ", vm.toString(right)));
    }

    function _assertFalse(bool data, string memory what) internal pure {
        if (data) revert(what);
    }
}
