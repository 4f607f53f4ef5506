// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Test} from "forge-std/Test.sol";

import {DatanetRegistry} from "../../src/registry/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../src/registry/IDatanetRegistry.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {DatanetRegistryHandler} from "./handlers/DatanetRegistryHandler.sol";

contract DatanetRegistryInvariantTest is StdInvariant, Test {
    TributaryToken internal token;
    DatanetRegistry internal registry;
    DatanetRegistryHandler internal handler;
    address internal treasury = makeAddr("treasury");

    function setUp() public {
        address admin = makeAddr("admin");
        token = new TributaryToken(admin);
        registry = new DatanetRegistry(admin, token, treasury);
        handler = new DatanetRegistryHandler(registry, token, treasury, admin);
        targetContract(address(handler));
    }

    // Each invariant below runs its own 256 x 50 campaign, so related checks are grouped to keep
    // the suite fast on a 2-core CI machine.

    /// The registry holds exactly the bonds of Pending contributions, which is also what the
    /// handler deposited minus what left (never negative).
    function invariant_escrowEqualsPendingBonds() public view {
        uint256 pending;
        uint256 n = registry.contributionCount();
        for (uint256 id = 1; id <= n; ++id) {
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            if (c.status == IDatanetRegistry.ContributionStatus.Pending) pending += c.bond;
        }
        uint256 balance = token.balanceOf(address(registry));
        assertEq(balance, pending, "balance != sum of Pending bonds");
        uint256 out = handler.ghostReturned() + handler.ghostForfeited();
        assertGe(handler.ghostDeposited(), out, "more left than was deposited");
        assertEq(balance, handler.ghostDeposited() - out, "balance != deposited - returned - forfeited");
    }

    /// Every forfeited bond reached the treasury (and nothing else did); tokens are conserved
    /// among contributors, the registry and the treasury.
    function invariant_forfeitsReachTreasuryAndTokensConserved() public view {
        uint256 toTreasury = token.balanceOf(treasury);
        assertEq(toTreasury, handler.ghostForfeited(), "treasury != forfeited bonds");
        address[] memory cs = handler.contributors();
        uint256 sum = token.balanceOf(address(registry)) + toTreasury;
        for (uint256 i = 0; i < cs.length; ++i) {
            sum += token.balanceOf(cs[i]);
        }
        assertEq(sum, handler.ghostMinted(), "tokens not conserved");
    }

    /// Every contribution agrees with the handler's independent model (status, tallies, bond,
    /// quorum, latest contribution per hash, one live contribution per hash); statuses only moved Pending -> {Accepted, Rejected,
    /// Withdrawn} and Accepted -> Withdrawn; every call succeeded or reverted exactly as the
    /// model predicted.
    function invariant_contributionsMatchModel() public view {
        assertEq(handler.ghostBadTransitions(), 0, "illegal status transition");
        assertEq(handler.ghostMispredictions(), 0, "call outcome differs from model");
        DatanetRegistryHandler.Model[] memory models = handler.models();
        uint256 n = registry.contributionCount();
        assertEq(n, models.length);
        for (uint256 id = 1; id <= n; ++id) {
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            DatanetRegistryHandler.Model memory m = models[id - 1];
            assertEq(uint256(c.status), uint256(m.status), "status");
            assertEq(c.bond, m.bond, "bond");
            assertEq(c.quorum, m.quorum, "quorum");
            assertEq(c.acceptVotes, m.accepts, "accept votes");
            assertEq(c.rejectVotes, m.rejects, "reject votes");
            assertEq(c.contributor, m.contributor, "contributor");
            assertEq(c.datanetId, m.datanetId, "datanet");
            if (c.status == IDatanetRegistry.ContributionStatus.Pending) {
                assertLt(c.acceptVotes, c.quorum, "pending with accept quorum");
                assertLt(c.rejectVotes, c.quorum, "pending with reject quorum");
            }
            // A hash has at most one live contribution per Datanet, and it is the latest one.
            uint256 latest = registry.contributionOf(m.datanetId, m.contentHash);
            assertEq(latest, handler.ghostLatest(m.datanetId, m.contentHash), "latest by hash");
            if (latest != id) {
                assertGt(latest, id, "latest by hash older than a contribution of it");
                assertTrue(
                    c.status == IDatanetRegistry.ContributionStatus.Rejected
                        || c.status == IDatanetRegistry.ContributionStatus.Withdrawn,
                    "two live contributions of one hash"
                );
            }
        }
    }
}
