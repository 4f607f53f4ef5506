// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../../src/governance/ContributionVotes.sol";
import {AttributionSettlement} from "../../src/settlement/AttributionSettlement.sol";
import {IAttributionSettlement} from "../../src/settlement/IAttributionSettlement.sol";
import {IAgentRewards} from "../../src/settlement/IAgentRewards.sol";
import {AgentStaking} from "../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {AttributionSettlementHandler} from "./handlers/AttributionSettlementHandler.sol";

contract AttributionSettlementInvariantTest is StdInvariant, Test {
    TributaryToken internal token;
    ContributionVotes internal votes;
    AttributionSettlement internal settlement;
    AttributionSettlementHandler internal handler;
    AgentStaking internal staking;
    address internal treasury = makeAddr("treasury");

    function setUp() public {
        vm.warp(1_700_000_000);
        address admin = makeAddr("admin");
        address settler = makeAddr("settler");
        address vetoer = makeAddr("vetoer");

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
        // Agent 1 with one delegator, so its stakers can receive rewards.
        address operator = makeAddr("operator");
        vm.prank(admin);
        token.mint(operator, 101 ether);
        vm.startPrank(operator);
        token.approve(address(staking), 101 ether);
        staking.registerAgent(keccak256("spec"), "ipfs://agent", 0, 1 ether);
        staking.delegate(1, 100 ether);
        vm.stopPrank();

        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        votes = new ContributionVotes(predicted);
        settlement = new AttributionSettlement(
            admin,
            token,
            votes,
            IAgentRewards(address(staking)),
            treasury,
            1 days,
            IAttributionSettlement.Params({withdrawalDelay: 1 days, challengeDelay: 1 days, challengeBond: 10 ether})
        );
        handler = new AttributionSettlementHandler(settlement, token, votes, staking, admin, settler, vetoer);

        vm.startPrank(admin);
        settlement.grantRole(settlement.SETTLER_ROLE(), settler);
        settlement.grantRole(settlement.VETO_ROLE(), vetoer);
        vm.stopPrank();

        // The money paths are listed more than once: money has to flow in, roots have to be
        // proposed and claims made for the properties to bite (see `afterInvariant` for the reach).
        bytes4[] memory selectors = new bytes4[](26);
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
        selectors[10] = handler.earn.selector;
        selectors[11] = handler.proposeRoot.selector;
        selectors[12] = handler.proposeRoot.selector;
        selectors[13] = handler.vetoRoot.selector;
        selectors[14] = handler.setChallengeDelay.selector;
        selectors[15] = handler.claim.selector;
        selectors[16] = handler.claim.selector;
        selectors[17] = handler.claim.selector;
        selectors[18] = handler.claimForged.selector;
        selectors[19] = handler.setClaimRecipient.selector;
        selectors[20] = handler.warp.selector;
        selectors[21] = handler.challengeRoot.selector;
        selectors[22] = handler.resolveChallenge.selector;
        selectors[23] = handler.claimStakerRewards.selector;
        selectors[24] = handler.mintVotes.selector;
        selectors[25] = handler.settleEpoch.selector;
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
        _checkVotesAndBonds(earners, totalClaimed);
        _checkNoViolationObserved();
    }

    /// @dev Reach: with SETTLEMENT_REACH_LOG=<file> set, appends this run's counters (claims, staker
    /// claims, vote mints, roots, challenges, redemptions) so the fraction of runs reaching each money
    /// path can be counted (contracts/README.md, "Invariant suites").
    function afterInvariant() public {
        string memory file = vm.envOr("SETTLEMENT_REACH_LOG", string(""));
        if (bytes(file).length == 0) return;
        (uint256 claims, uint256 stakerClaims, uint256 voteMints, uint256 roots, uint256 challenges, uint256 redeems) =
            handler.reach();
        vm.writeLine(
            file,
            string.concat(
                vm.toString(claims),
                " ",
                vm.toString(stakerClaims),
                " ",
                vm.toString(voteMints),
                " ",
                vm.toString(roots),
                " ",
                vm.toString(challenges),
                " ",
                vm.toString(redeems)
            )
        );
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

    /// @dev token balance == Σ escrow + totalRedeemed − totalClaimed + open challenge bonds, and equals
    /// what moved in and out.
    function _checkConservation(
        uint256 escrowSum,
        uint256 totalRedeemed,
        uint256 totalClaimed,
        uint256 deposited,
        uint256 withdrawn,
        uint256 paid
    ) internal view {
        uint256 held = token.balanceOf(address(settlement));
        (uint256 openBonds,,) = handler.bondGhost();
        _assertEq(settlement.totalChallengeBonds(), openBonds, "open bonds");
        _assertEq(held, escrowSum + totalRedeemed - totalClaimed + openBonds, "balance vs books");
        _assertEq(held, deposited - withdrawn - paid + openBonds, "balance vs flows");
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

    /// @dev No double claim: what the handler's model says each account was paid (each claim paying
    /// cumulative − what the model had paid before) == its claimed <= its latest proven cumulative;
    /// every recipient holds exactly what the model paid it (kills a claim paying the full cumulative);
    /// Σ earners' claimed + stakers' rewards == totalClaimed == Σ paid.
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
            claimedSum += claimed;
        }
        (,, uint256 stakersPaid) = handler.bondGhost();
        _assertEq(settlement.stakerRewardsClaimedOf(handler.AGENT_ID()), stakersPaid, "staker rewards claimed");
        claimedSum += stakersPaid;
        for (uint256 i = 0; i < vaults.length; ++i) {
            _assertEq(token.balanceOf(vaults[i]), handler.receivedBy(vaults[i]), "vault balance");
        }
        _assertEq(totalClaimed, claimedSum, "totalClaimed");
        _assertEq(paid, claimedSum, "total paid");
    }

    /// @dev Votes recorded and minted match the model; recorded <= claimed per account (votes only for
    /// vote-eligible earnings); supply == Σ minted <= totalClaimed. Challengers hold exactly their
    /// refunds; the treasury exactly the forfeited bonds.
    function _checkVotesAndBonds(address[4] memory earners, uint256 totalClaimed) internal view {
        uint256 mintedSum;
        for (uint256 i = 0; i < earners.length; ++i) {
            address a = earners[i];
            (uint256 recorded, uint256 minted) = handler.voteGhost(i);
            _assertEq(settlement.votesRecordedOf(a), recorded, "votes recorded");
            _assertEq(settlement.votesMintedOf(a), minted, "votes minted");
            _assertEq(votes.balanceOf(a), minted, "votes balance");
            _assertLe(recorded, settlement.claimedOf(a), "votes above earnings");
            mintedSum += minted;
        }
        _assertEq(votes.totalSupply(), mintedSum, "votes supply");
        _assertLe(mintedSum, totalClaimed, "votes above claimed");
        (, uint256 treasuryReceived,) = handler.bondGhost();
        _assertEq(token.balanceOf(treasury), treasuryReceived, "treasury bonds");
        for (uint256 i = 0; i < 2; ++i) {
            (address c, uint256 minted, uint256 out) = handler.challengerGhost(i);
            _assertEq(token.balanceOf(c), minted - out, "challenger balance");
        }
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
        _assertFalse(handler.validCallFailed(), "a valid claim reverted");
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
