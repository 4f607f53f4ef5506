// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {AgentStaking} from "../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {AgentStakingTestBase} from "./utils/AgentStakingTestBase.sol";

/// @dev The receipt's EIP-712 type against `schema/receipt-vector.json`, receipt disputes, agent and
/// pool signers with their history, the spec-hash history, the self-bond and the draw outcome.
contract AgentStakingReceiptTest is AgentStakingTestBase {
    using ReceiptJson for string;

    uint256 internal agentId;
    uint256 internal signerKey = 0xA11CE;
    address internal signer;

    function setUp() public override {
        super.setUp();
        agentId = _register(operator, 0);
        signer = vm.addr(signerKey);
        vm.prank(operator);
        staking.setAgentSigner(agentId, signer, true);
        _delegate(alice, agentId, 1_000e18);
        vm.warp(block.timestamp + 1 hours);
    }

    // ───────────────────────────── The shared test vector ─────────────────────────────

    /// The TypeScript side (agents/src/receipt/receipt.test.ts) checks the same file: the list
    /// hashes, the typed-data digest and the signer must agree with this contract's.
    function test_receiptVector_MatchesSchema() public {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/../schema/receipt-vector.json"));
        vm.chainId(json.readUint(".domain.chainId"));
        address verifying = json.readAddress(".domain.verifyingContract");
        deployCodeTo("AgentStaking.sol:AgentStaking", abi.encode(admin, token, treasury, _defaultParams()), verifying);
        AgentStaking atVector = AgentStaking(verifying);

        IAgentStaking.ReceiptLists memory lists = json.readLists();
        IAgentStaking.Receipt memory r = json.readMessage();
        assertEq(keccak256(abi.encode(lists.adapters)), r.adaptersHash, "adaptersHash");
        assertEq(keccak256(abi.encode(lists.retrieval)), r.retrievalHash, "retrievalHash");
        assertEq(keccak256(abi.encode(lists.citations)), r.citationsHash, "citationsHash");
        assertEq(keccak256(abi.encode(lists.spans)), r.spansHash, "spansHash");
        assertEq(r.requestId, keccak256(bytes(vm.parseJsonString(json, ".body.requestId"))), "requestId");
        assertEq(json.readString(".domain.name"), "Tributary");
        assertEq(json.readString(".domain.version"), "1");

        assertEq(atVector.hashReceipt(r), vm.parseJsonBytes32(json, ".expected.digest"), "digest");
        bytes memory signature = vm.parseJsonBytes(json, ".expected.signature");
        address expectedSigner = json.readAddress(".signer");
        assertEq(atVector.recoverReceiptSigner(r, signature), expectedSigner, "signer");
        assertEq(vm.addr(vm.parseJsonUint(json, ".signerPrivateKey")), expectedSigner, "key");
    }

    function test_receiptTypehash_IsTheSchemaType() public view {
        assertEq(
            staking.RECEIPT_TYPEHASH(),
            keccak256(
                "Receipt(bytes32 requestId,uint256 agentId,bytes32 specHash,address payer,uint256 price,"
                "uint32 tokensIn,uint32 tokensOut,uint16 policyVersion,uint64 issuedAt,bytes32 adaptersHash,"
                "bytes32 retrievalHash,bytes32 citationsHash,bytes32 spansHash,bytes32 usageDigest)"
            )
        );
    }

    // ───────────────────────────── openDisputeWithReceipt ─────────────────────────────

    function test_openDisputeWithReceipt_OpensWithTheDigestAsEvidence() public {
        (IAgentStaking.Receipt memory r, IAgentStaking.ReceiptLists memory lists) = _receipt(block.timestamp - 1);
        bytes memory sig = _sign(r, signerKey);
        bytes32 digest = staking.hashReceipt(r);
        _fund(disputer, DISPUTE_BOND);
        vm.expectEmit(true, true, true, true);
        emit IAgentStaking.ReceiptDisputeOpened(
            1, agentId, digest, signer, IAgentStaking.ReceiptFault.Overcharge, r.requestId, r.issuedAt
        );
        vm.prank(disputer);
        uint256 id = staking.openDisputeWithReceipt(r, sig, lists, IAgentStaking.ReceiptFault.Overcharge, "ipfs://why");
        IAgentStaking.Dispute memory d = staking.getDispute(id);
        assertEq(d.evidenceHash, digest);
        assertEq(d.selfBondSnapshot, SELF_BOND);
        assertEq(d.delegatedSnapshot, 1_000e18);
        assertEq(staking.disputeOfEvidence(agentId, digest), id);

        // One dispute per receipt.
        _fund(bob, DISPUTE_BOND);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingEvidenceAlreadyUsed.selector, agentId, digest, id));
        vm.prank(bob);
        staking.openDisputeWithReceipt(r, sig, lists, IAgentStaking.ReceiptFault.Other, "");

        // The arbiter's decision slashes per H4: the self-bond first.
        _accept(id, 1_000); // 10% of 1100 = 110: the 100 self-bond, then 10 from the pool
        assertEq(_agent(agentId).selfBond, 0);
        assertEq(_agent(agentId).totalActiveAssets, 990e18);
    }

    function test_Revert_openDisputeWithReceipt_WhenSignerNotAuthorized() public {
        (IAgentStaking.Receipt memory r, IAgentStaking.ReceiptLists memory lists) = _receipt(block.timestamp);
        uint256 otherKey = 0xB0B;
        bytes memory sig = _sign(r, otherKey);
        _fund(disputer, DISPUTE_BOND);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingReceiptSignerNotAuthorized.selector, agentId, vm.addr(otherKey), r.issuedAt
            )
        );
        vm.prank(disputer);
        staking.openDisputeWithReceipt(r, sig, lists, IAgentStaking.ReceiptFault.Other, "");
    }

    /// A receipt counts when its signer was authorized at the receipt's time: before the
    /// authorization it does not, after a revocation it does not, in between it does.
    function test_openDisputeWithReceipt_SignerHistory() public {
        uint256 authorizedAt = block.timestamp - 1 hours; // set in setUp
        (IAgentStaking.Receipt memory early, IAgentStaking.ReceiptLists memory lists) = _receipt(authorizedAt - 1);
        (IAgentStaking.Receipt memory inTime,) = _receipt(authorizedAt + 10);
        vm.warp(block.timestamp + 1);
        vm.prank(operator);
        staking.setAgentSigner(agentId, signer, false);
        uint256 revokedAt = block.timestamp;
        vm.warp(block.timestamp + 1);
        (IAgentStaking.Receipt memory late,) = _receipt(revokedAt);

        assertFalse(staking.isAgentSignerAt(agentId, signer, uint64(authorizedAt - 1)));
        assertTrue(staking.isAgentSignerAt(agentId, signer, uint64(authorizedAt)));
        assertTrue(staking.isAgentSignerAt(agentId, signer, uint64(revokedAt - 1)));
        assertFalse(staking.isAgentSignerAt(agentId, signer, uint64(revokedAt)));
        assertFalse(staking.isAgentSigner(agentId, signer));

        _fund(disputer, 3 * DISPUTE_BOND);
        bytes memory earlySig = _sign(early, signerKey);
        bytes memory lateSig = _sign(late, signerKey);
        bytes memory inTimeSig = _sign(inTime, signerKey);
        vm.startPrank(disputer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingReceiptSignerNotAuthorized.selector, agentId, signer, early.issuedAt
            )
        );
        staking.openDisputeWithReceipt(early, earlySig, lists, IAgentStaking.ReceiptFault.Other, "");
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingReceiptSignerNotAuthorized.selector, agentId, signer, late.issuedAt
            )
        );
        staking.openDisputeWithReceipt(late, lateSig, lists, IAgentStaking.ReceiptFault.Other, "");
        staking.openDisputeWithReceipt(inTime, inTimeSig, lists, IAgentStaking.ReceiptFault.Other, "");
        vm.stopPrank();
    }

    function test_Revert_openDisputeWithReceipt_WhenListsDoNotMatch() public {
        (IAgentStaking.Receipt memory r, IAgentStaking.ReceiptLists memory lists) = _receipt(block.timestamp);
        bytes memory sig = _sign(r, signerKey);
        _fund(disputer, DISPUTE_BOND);
        IAgentStaking.ReceiptLists memory bad = lists;
        bad.adapters[0].weightPpm = 1;
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingReceiptListMismatch.selector, uint8(0)));
        vm.prank(disputer);
        staking.openDisputeWithReceipt(r, sig, bad, IAgentStaking.ReceiptFault.Other, "");
        (, lists) = _receipt(block.timestamp);
        lists.spans = new IAgentStaking.ReceiptSpan[](0);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingReceiptListMismatch.selector, uint8(3)));
        vm.prank(disputer);
        staking.openDisputeWithReceipt(r, sig, lists, IAgentStaking.ReceiptFault.Other, "");
    }

    function test_Revert_openDisputeWithReceipt_WhenFromFutureOrBadSignatureOrUnknownAgent() public {
        (IAgentStaking.Receipt memory r, IAgentStaking.ReceiptLists memory lists) = _receipt(block.timestamp + 1);
        _fund(disputer, DISPUTE_BOND);
        bytes memory sig = _sign(r, signerKey);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingReceiptFromFuture.selector, r.issuedAt));
        vm.prank(disputer);
        staking.openDisputeWithReceipt(r, sig, lists, IAgentStaking.ReceiptFault.Other, "");

        r.issuedAt = uint64(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingInvalidReceiptSignature.selector));
        vm.prank(disputer);
        staking.openDisputeWithReceipt(r, hex"1234", lists, IAgentStaking.ReceiptFault.Other, "");

        r.agentId = 99;
        sig = _sign(r, signerKey);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingUnknownAgent.selector, 99));
        vm.prank(disputer);
        staking.openDisputeWithReceipt(r, sig, lists, IAgentStaking.ReceiptFault.Other, "");
    }

    /// A receipt signed for another chain or another verifying contract does not recover to the signer.
    function test_hashReceipt_BindsChainAndContract() public {
        (IAgentStaking.Receipt memory r,) = _receipt(block.timestamp);
        bytes32 here = staking.hashReceipt(r);
        AgentStaking other = new AgentStaking(admin, token, treasury, _defaultParams());
        assertTrue(other.hashReceipt(r) != here);
        vm.chainId(block.chainid + 1);
        assertTrue(staking.hashReceipt(r) != here);
    }

    // ───────────────────────────── Signers ─────────────────────────────

    function test_setAgentSigner_EmitsAndRotates() public {
        address next = makeAddr("next");
        vm.startPrank(operator);
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.AgentSignerSet(agentId, next, true, uint48(block.timestamp));
        staking.setAgentSigner(agentId, next, true);
        staking.setAgentSigner(agentId, signer, false);
        vm.stopPrank();
        assertTrue(staking.isAgentSigner(agentId, next));
        assertFalse(staking.isAgentSigner(agentId, signer));
        assertFalse(staking.isAgentSigner(agentId + 1, next), "per agent");
    }

    function test_Revert_setAgentSigner_WhenNotOperatorOrUnchanged() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNotOperator.selector, agentId, stranger));
        vm.prank(stranger);
        staking.setAgentSigner(agentId, stranger, true);
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingSignerUnchanged.selector, signer, true));
        staking.setAgentSigner(agentId, signer, true);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingSignerUnchanged.selector, stranger, false));
        staking.setAgentSigner(agentId, stranger, false);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingSignerUnchanged.selector, address(0), true));
        staking.setAgentSigner(agentId, address(0), true);
        vm.stopPrank();
    }

    function test_setPoolSigner_GovernanceOnlyWithHistory() public {
        address pool = makeAddr("poolKey");
        bytes32 role = staking.PARAMETER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, role)
        );
        vm.prank(operator);
        staking.setPoolSigner(pool, true);
        uint256 from = block.timestamp;
        vm.expectEmit(true, false, false, true);
        emit IAgentStaking.PoolSignerSet(pool, true, uint48(from));
        vm.prank(admin);
        staking.setPoolSigner(pool, true);
        vm.warp(from + 100);
        vm.prank(admin);
        staking.setPoolSigner(pool, false);
        assertTrue(staking.isPoolSignerAt(pool, uint64(from + 99)));
        assertFalse(staking.isPoolSignerAt(pool, uint64(from - 1)));
        assertFalse(staking.isPoolSignerAt(pool, uint64(from + 100)));
        assertFalse(staking.isPoolSigner(pool));
    }

    // ───────────────────────────── Spec history ─────────────────────────────

    function test_specHashAt_TracksEveryUpdate() public {
        uint256 registeredAt = block.number;
        vm.roll(registeredAt + 5);
        bytes32 v2 = keccak256("agent-spec-v2");
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.AgentSpecHashSet(agentId, v2, 2, uint48(registeredAt + 5));
        vm.prank(operator);
        staking.updateAgent(agentId, v2, "ipfs://v2");
        assertEq(staking.specHashAt(agentId, registeredAt - 1), bytes32(0), "before registration");
        assertEq(staking.specHashAt(agentId, registeredAt), SPEC_HASH);
        assertEq(staking.specHashAt(agentId, registeredAt + 4), SPEC_HASH);
        assertEq(staking.specHashAt(agentId, registeredAt + 5), v2);
        assertEq(staking.specHashAt(agentId, registeredAt + 50), v2);
        assertEq(staking.specHashCount(agentId), 2);
    }

    // ───────────────────────────── Self-bond ─────────────────────────────

    function test_Revert_registerAgent_WhenSelfBondBelowMinimum() public {
        _fund(bob, MIN_SELF_BOND);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingSelfBondTooLow.selector, MIN_SELF_BOND - 1, MIN_SELF_BOND)
        );
        vm.prank(bob);
        staking.registerAgent(SPEC_HASH, METADATA_URI, 0, MIN_SELF_BOND - 1);
    }

    function test_selfBond_UnbondWithdrawAndActivity() public {
        assertTrue(staking.isActive(agentId));
        _fund(operator, 5e18);
        vm.startPrank(operator);
        staking.addSelfBond(agentId, 5e18);
        assertEq(_agent(agentId).selfBond, SELF_BOND + 5e18);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAgentStaking.StakingInsufficientSelfBond.selector, SELF_BOND + 5e18, SELF_BOND + 6e18
            )
        );
        staking.unbondSelfBond(agentId, SELF_BOND + 6e18);
        staking.unbondSelfBond(agentId, SELF_BOND);
        vm.stopPrank();
        assertFalse(staking.isActive(agentId), "below the minimum self-bond");
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        assertEq(a.selfBondUnbonding, SELF_BOND);
        assertEq(a.selfBondReleaseAt, block.timestamp + UNBONDING_DELAY);

        // A dispute opened before the release covers (freezes) it; the bond stays slashable.
        vm.warp(a.selfBondReleaseAt - 1);
        uint256 d = _openDispute(disputer, agentId);
        vm.warp(a.selfBondReleaseAt);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingWithdrawalFrozen.selector, agentId, d));
        vm.prank(operator);
        staking.withdrawSelfBond(agentId);
        vm.prank(arbiter);
        staking.drawDispute(d);
        uint256 before = token.balanceOf(operator);
        vm.prank(operator);
        assertEq(staking.withdrawSelfBond(agentId), SELF_BOND);
        assertEq(token.balanceOf(operator) - before, SELF_BOND);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNoSelfBondUnbonding.selector, agentId));
        vm.prank(operator);
        staking.withdrawSelfBond(agentId);
    }

    function test_Revert_selfBond_WhenNotOperator() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNotOperator.selector, agentId, stranger));
        vm.prank(stranger);
        staking.unbondSelfBond(agentId, 1);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNotOperator.selector, agentId, stranger));
        vm.prank(stranger);
        staking.addSelfBond(agentId, 1);
    }

    // ───────────────────────────── Draw ─────────────────────────────

    function test_drawDispute_ReturnsBondWithoutSlash() public {
        uint256 d = _openDispute(disputer, agentId);
        vm.expectEmit(true, true, false, true);
        emit IAgentStaking.DisputeDrawn(d, agentId, DISPUTE_BOND);
        vm.prank(arbiter);
        staking.drawDispute(d);
        assertEq(token.balanceOf(disputer), DISPUTE_BOND);
        assertEq(token.balanceOf(treasury), 0);
        assertEq(_agent(agentId).selfBond, SELF_BOND);
        assertEq(uint8(staking.getDispute(d).status), uint8(IAgentStaking.DisputeStatus.Drawn));
        assertEq(staking.openDisputeIds(agentId).length, 0);
        bytes32 role = staking.ARBITER_ROLE();
        uint256 d2 = _openDispute(disputer, agentId);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        staking.drawDispute(d2);
    }

    // ───────────────────────────── Helpers ─────────────────────────────

    function _receipt(uint256 issuedAt)
        internal
        view
        returns (IAgentStaking.Receipt memory r, IAgentStaking.ReceiptLists memory lists)
    {
        lists.adapters = new IAgentStaking.ReceiptAdapter[](1);
        lists.adapters[0] = IAgentStaking.ReceiptAdapter(2, 1_000_000, bob, bytes32(0));
        lists.retrieval = new IAgentStaking.ReceiptRetrieval[](1);
        lists.retrieval[0] = IAgentStaking.ReceiptRetrieval(keccak256("chunk"), 1, alice, 32_787, true);
        lists.citations = new IAgentStaking.ReceiptCitation[](1);
        lists.citations[0] = IAgentStaking.ReceiptCitation(keccak256("chunk"), 1, alice, 41, 44);
        lists.spans = new IAgentStaking.ReceiptSpan[](1);
        lists.spans[0] = IAgentStaking.ReceiptSpan(1, alice, 0, 38);
        r = IAgentStaking.Receipt({
            requestId: keccak256(abi.encode("request", issuedAt)),
            agentId: agentId,
            specHash: SPEC_HASH,
            payer: bob,
            price: 51.2e15,
            tokensIn: 120,
            tokensOut: 12,
            policyVersion: 1,
            issuedAt: uint64(issuedAt),
            adaptersHash: keccak256(abi.encode(lists.adapters)),
            retrievalHash: keccak256(abi.encode(lists.retrieval)),
            citationsHash: keccak256(abi.encode(lists.citations)),
            spansHash: keccak256(abi.encode(lists.spans)),
            usageDigest: keccak256("usage")
        });
    }

    function _sign(IAgentStaking.Receipt memory r, uint256 key) internal view returns (bytes memory) {
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(key, staking.hashReceipt(r));
        return abi.encodePacked(rr, s, v);
    }
}

/// @dev Reads `schema/receipt-vector.json` field by field (numbers there are JSON strings).
library ReceiptJson {
    // forge-lint: disable-next-line(screaming-snake-case-const)
    address private constant VM_ADDRESS = address(uint160(uint256(keccak256("hevm cheat code"))));

    function vm() private pure returns (JsonVm) {
        return JsonVm(VM_ADDRESS);
    }

    function readUint(string memory json, string memory key) internal pure returns (uint256) {
        return vm().parseJsonUint(json, key);
    }

    function readAddress(string memory json, string memory key) internal pure returns (address) {
        return vm().parseJsonAddress(json, key);
    }

    function readString(string memory json, string memory key) internal pure returns (string memory) {
        return vm().parseJsonString(json, key);
    }

    function readMessage(string memory json) internal pure returns (IAgentStaking.Receipt memory r) {
        string memory m = ".expected.message.";
        r.requestId = vm().parseJsonBytes32(json, string.concat(m, "requestId"));
        r.agentId = vm().parseJsonUint(json, string.concat(m, "agentId"));
        r.specHash = vm().parseJsonBytes32(json, string.concat(m, "specHash"));
        r.payer = vm().parseJsonAddress(json, string.concat(m, "payer"));
        r.price = vm().parseJsonUint(json, string.concat(m, "price"));
        r.tokensIn = uint32(vm().parseJsonUint(json, string.concat(m, "tokensIn")));
        r.tokensOut = uint32(vm().parseJsonUint(json, string.concat(m, "tokensOut")));
        r.policyVersion = uint16(vm().parseJsonUint(json, string.concat(m, "policyVersion")));
        r.issuedAt = uint64(vm().parseJsonUint(json, string.concat(m, "issuedAt")));
        r.adaptersHash = vm().parseJsonBytes32(json, string.concat(m, "adaptersHash"));
        r.retrievalHash = vm().parseJsonBytes32(json, string.concat(m, "retrievalHash"));
        r.citationsHash = vm().parseJsonBytes32(json, string.concat(m, "citationsHash"));
        r.spansHash = vm().parseJsonBytes32(json, string.concat(m, "spansHash"));
        r.usageDigest = vm().parseJsonBytes32(json, string.concat(m, "usageDigest"));
    }

    function readLists(string memory json) internal view returns (IAgentStaking.ReceiptLists memory lists) {
        uint256 n = _count(json, ".body.adapters");
        lists.adapters = new IAgentStaking.ReceiptAdapter[](n);
        for (uint256 i; i < n; ++i) {
            string memory k = _at(".body.adapters", i);
            lists.adapters[i] = IAgentStaking.ReceiptAdapter({
                adapterId: vm().parseJsonUint(json, string.concat(k, ".adapterId")),
                weightPpm: uint32(vm().parseJsonUint(json, string.concat(k, ".weightPpm"))),
                owner: vm().parseJsonAddress(json, string.concat(k, ".owner")),
                trainingManifestHash: vm().parseJsonBytes32(json, string.concat(k, ".trainingManifestHash"))
            });
        }
        n = _count(json, ".body.retrieval");
        lists.retrieval = new IAgentStaking.ReceiptRetrieval[](n);
        for (uint256 i; i < n; ++i) {
            string memory k = _at(".body.retrieval", i);
            lists.retrieval[i] = IAgentStaking.ReceiptRetrieval({
                chunkHash: vm().parseJsonBytes32(json, string.concat(k, ".chunkHash")),
                contributionId: vm().parseJsonUint(json, string.concat(k, ".contributionId")),
                contributor: vm().parseJsonAddress(json, string.concat(k, ".contributor")),
                scorePpm: uint32(vm().parseJsonUint(json, string.concat(k, ".scorePpm"))),
                cited: vm().parseJsonBool(json, string.concat(k, ".cited"))
            });
        }
        n = _count(json, ".body.citations");
        lists.citations = new IAgentStaking.ReceiptCitation[](n);
        for (uint256 i; i < n; ++i) {
            string memory k = _at(".body.citations", i);
            lists.citations[i] = IAgentStaking.ReceiptCitation({
                chunkHash: vm().parseJsonBytes32(json, string.concat(k, ".chunkHash")),
                contributionId: vm().parseJsonUint(json, string.concat(k, ".contributionId")),
                contributor: vm().parseJsonAddress(json, string.concat(k, ".contributor")),
                start: uint32(vm().parseJsonUint(json, string.concat(k, ".start"))),
                end: uint32(vm().parseJsonUint(json, string.concat(k, ".end")))
            });
        }
        n = _count(json, ".body.spans");
        lists.spans = new IAgentStaking.ReceiptSpan[](n);
        for (uint256 i; i < n; ++i) {
            string memory k = _at(".body.spans", i);
            lists.spans[i] = IAgentStaking.ReceiptSpan({
                contributionId: vm().parseJsonUint(json, string.concat(k, ".contributionId")),
                contributor: vm().parseJsonAddress(json, string.concat(k, ".contributor")),
                start: uint32(vm().parseJsonUint(json, string.concat(k, ".start"))),
                end: uint32(vm().parseJsonUint(json, string.concat(k, ".end")))
            });
        }
    }

    function _count(string memory json, string memory key) private view returns (uint256 n) {
        while (vm().keyExistsJson(json, _at(key, n))) ++n;
    }

    function _at(string memory key, uint256 i) private pure returns (string memory) {
        return string.concat(key, "[", vm().toString(i), "]");
    }
}

/// @dev The cheatcodes {ReceiptJson} needs (a library cannot inherit forge-std's `vm`).
interface JsonVm {
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function parseJsonAddress(string calldata json, string calldata key) external pure returns (address);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);
    function parseJsonString(string calldata json, string calldata key) external pure returns (string memory);
    function parseJsonBool(string calldata json, string calldata key) external pure returns (bool);
    function keyExistsJson(string calldata json, string calldata key) external view returns (bool);
    function toString(uint256 value) external pure returns (string memory);
}
