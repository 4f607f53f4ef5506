// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

import {IAttributionSettlement} from "../../src/settlement/IAttributionSettlement.sol";
import {StandardMerkleTree} from "../settlement/utils/StandardMerkleTree.sol";
import {ProtocolGasFixture} from "./ProtocolGasFixture.sol";

// Gas snapshot suite: `npm run gas:update -w contracts` writes contracts/.gas-snapshot and
// `npm run test:gas -w contracts` fails when any test below moves by more than 10%.
// Each test measures one user-facing call on state built in setUp (not measured); the figures
// include the test's own small overhead (a prank and reading a few of the test's storage slots).

/// @notice TributaryToken: transfers, allowances and EIP-2612 permits.
contract TributaryTokenGas is ProtocolGasFixture {
    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    address internal alice;
    uint256 internal aliceKey;
    address internal bob = makeAddr("bob");
    address internal spender = makeAddr("spender");
    address internal newHolder = makeAddr("newHolder");

    uint256 internal permitDeadline;
    uint8 internal permitV;
    bytes32 internal permitR;
    bytes32 internal permitS;

    function setUp() public {
        _deployProtocol();
        (alice, aliceKey) = makeAddrAndKey("alice");
        token.mint(alice, 1_000 ether);
        token.mint(bob, 1 ether);
        vm.prank(alice);
        token.approve(spender, 500 ether);

        permitDeadline = block.timestamp + 1 hours;
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, alice, spender, 250 ether, token.nonces(alice), permitDeadline));
        (permitV, permitR, permitS) =
            vm.sign(aliceKey, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
    }

    function test_transfer_toHolder() public {
        vm.prank(alice);
        token.transfer(bob, 10 ether);
    }

    function test_transfer_toNewHolder() public {
        vm.prank(alice);
        token.transfer(newHolder, 10 ether);
    }

    function test_approve() public {
        vm.prank(alice);
        token.approve(bob, 100 ether);
    }

    function test_transferFrom() public {
        vm.prank(spender);
        token.transferFrom(alice, bob, 10 ether);
    }

    function test_permit() public {
        token.permit(alice, spender, 250 ether, permitDeadline, permitV, permitR, permitS);
    }
}

/// @notice ContributionVotes: moving voting power (units themselves never move).
contract ContributionVotesGas is ProtocolGasFixture {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        _deployProtocol();
        address[] memory accounts = new address[](2);
        accounts[0] = alice;
        accounts[1] = bob;
        uint256[] memory amounts = new uint256[](2);
        amounts[0] = 100 ether;
        amounts[1] = 50 ether;
        _seedVotes(accounts, amounts);
    }

    function test_delegate() public {
        vm.prank(alice);
        votes.delegate(bob);
    }
}

/// @notice DatanetRegistry: Datanets, bonded contributions and validator votes.
contract DatanetRegistryGas is ProtocolGasFixture {
    uint256 internal constant BOND = 10 ether;

    address internal curator = makeAddr("curator");
    address internal contributor = makeAddr("contributor");
    address[] internal validators;

    uint256 internal datanetId;
    uint256 internal halfAccepted; // one accept vote of the quorum of two
    uint256 internal halfRejected; // one reject vote of the quorum of two
    uint256 internal pending; // no votes yet
    bytes32 internal newContent;

    function setUp() public {
        _deployProtocol();
        validators = _validators(3);
        vm.prank(curator);
        datanetId = datanets.createDatanet("legal", "ipfs://datanet/legal", validators, 2, BOND);

        _fund(contributor, address(datanets), 1_000 ether);
        vm.startPrank(contributor);
        halfAccepted = datanets.contribute(datanetId, _nextHash(), "ipfs://contribution/1");
        halfRejected = datanets.contribute(datanetId, _nextHash(), "ipfs://contribution/2");
        pending = datanets.contribute(datanetId, _nextHash(), "ipfs://contribution/3");
        vm.stopPrank();
        vm.startPrank(validators[0]);
        datanets.vote(halfAccepted, true);
        datanets.vote(halfRejected, false);
        vm.stopPrank();

        newContent = _nextHash();
    }

    function test_createDatanet() public {
        vm.prank(curator);
        datanets.createDatanet("medical", "ipfs://datanet/medical", validators, 2, BOND);
    }

    function test_contribute() public {
        vm.prank(contributor);
        datanets.contribute(datanetId, newContent, "ipfs://contribution/4");
    }

    /// A first accepting vote: recorded, quorum not reached yet.
    function test_vote_accept() public {
        vm.prank(validators[1]);
        datanets.vote(pending, true);
    }

    /// The accepting vote that reaches the quorum: accepts and returns the bond.
    function test_vote_acceptReachesQuorum() public {
        vm.prank(validators[1]);
        datanets.vote(halfAccepted, true);
    }

    /// The rejecting vote that reaches the quorum: rejects and forfeits the bond to the treasury.
    function test_vote_rejectReachesQuorum() public {
        vm.prank(validators[1]);
        datanets.vote(halfRejected, false);
    }

    function test_withdrawContribution() public {
        vm.prank(contributor);
        datanets.withdrawContribution(pending);
    }
}

/// @notice ModelRegistry: base models, adapters (ERC-721 mints) and prices.
contract ModelRegistryGas is ProtocolGasFixture {
    address internal builder = makeAddr("builder");

    uint256 internal baseModelId;
    uint256 internal adapterId;
    bytes32 internal newContent;
    uint256[] internal trainedOn;

    function setUp() public {
        _deployProtocol();
        address[] memory validators = _validators(1);
        vm.startPrank(makeAddr("curator"));
        trainedOn.push(datanets.createDatanet("legal", "ipfs://datanet/legal", validators, 1, 0));
        trainedOn.push(datanets.createDatanet("contracts", "ipfs://datanet/contracts", validators, 1, 0));
        vm.stopPrank();

        vm.startPrank(builder);
        baseModelId = models.registerBaseModel("llama-3-8b", _nextHash(), "ipfs://model/llama-3-8b");
        adapterId = models.registerAdapter(_adapterParams(baseModelId, trainedOn));
        vm.stopPrank();
        newContent = _nextHash();
    }

    function test_registerBaseModel() public {
        vm.prank(builder);
        models.registerBaseModel("mistral-7b", newContent, "ipfs://model/mistral-7b");
    }

    /// An adapter trained on two Datanets.
    function test_registerAdapter() public {
        vm.prank(builder);
        models.registerAdapter(_adapterParams(baseModelId, trainedOn));
    }

    function test_setPrices() public {
        vm.prank(builder);
        models.setPrices(adapterId, 2e15, 3e14);
    }
}

/// @notice ProposalMarket: proposals, escrowed backing, advisory votes, fulfilment and refunds.
contract ProposalMarketGas is ProtocolGasFixture {
    uint256 internal constant GOAL = 1_000 ether;

    address internal proposer = makeAddr("proposer");
    address internal backer = makeAddr("backer");
    address internal builder = makeAddr("builder");
    address internal voterA = makeAddr("voterA");
    address internal voterB = makeAddr("voterB");

    uint256 internal baseModelId;
    uint256 internal adapterId;
    uint256[] internal datanetIds;
    uint64 internal deadline;

    uint256 internal funded; // backed to its goal and voted for: ready to fulfil
    uint256 internal open; // fresh, for backing and voting
    uint256 internal cancelled; // backed, then cancelled: refundable

    function setUp() public {
        _deployProtocol();
        address[] memory voters = new address[](2);
        voters[0] = voterA;
        voters[1] = voterB;
        uint256[] memory weights = new uint256[](2);
        weights[0] = 100 ether;
        weights[1] = 50 ether;
        _seedVotes(voters, weights);

        address[] memory validators = _validators(1);
        vm.startPrank(makeAddr("curator"));
        datanetIds.push(datanets.createDatanet("legal", "ipfs://datanet/legal", validators, 1, 0));
        datanetIds.push(datanets.createDatanet("contracts", "ipfs://datanet/contracts", validators, 1, 0));
        vm.stopPrank();
        vm.startPrank(builder);
        baseModelId = models.registerBaseModel("llama-3-8b", _nextHash(), "ipfs://model/llama-3-8b");
        adapterId = models.registerAdapter(_adapterParams(baseModelId, datanetIds));
        vm.stopPrank();

        _fund(backer, address(market), 10 * GOAL);
        deadline = uint64(block.timestamp + 30 days);
        vm.startPrank(proposer);
        funded = market.propose("ipfs://spec/funded", datanetIds, baseModelId, GOAL, deadline);
        open = market.propose("ipfs://spec/open", datanetIds, baseModelId, GOAL, deadline);
        cancelled = market.propose("ipfs://spec/cancelled", datanetIds, baseModelId, GOAL, deadline);
        vm.stopPrank();

        vm.startPrank(backer);
        market.back(funded, GOAL);
        market.back(cancelled, GOAL / 2);
        vm.stopPrank();
        vm.prank(voterA);
        market.vote(funded, true);
        vm.prank(proposer);
        market.cancel(cancelled);
    }

    function test_propose() public {
        vm.prank(proposer);
        market.propose("ipfs://spec/new", datanetIds, baseModelId, GOAL, deadline);
    }

    /// A backer's first backing of a proposal.
    function test_back() public {
        vm.prank(backer);
        market.back(open, 100 ether);
    }

    function test_vote() public {
        vm.prank(voterB);
        market.vote(open, true);
    }

    function test_fulfil() public {
        vm.prank(proposer);
        market.fulfil(funded, adapterId);
    }

    function test_refund() public {
        vm.prank(backer);
        market.refund(cancelled);
    }
}

/// @notice AgentStaking: agents, delegation, unbonding, rewards and disputes.
contract AgentStakingGas is ProtocolGasFixture {
    address internal operator = makeAddr("operator");
    address internal delegator = makeAddr("delegator");
    address internal newDelegator = makeAddr("newDelegator");
    address internal rewarder = makeAddr("rewarder");
    address internal disputer = makeAddr("disputer");

    uint256 internal agentId; // delegated, one released unbonding entry
    uint256 internal disputedAgentId; // delegated, partly unbonding, one open dispute
    uint256 internal releasedUnbonding;
    uint256 internal openDispute;
    uint256 internal unbondShares;

    function setUp() public {
        _deployProtocol();
        vm.startPrank(operator);
        agentId = staking.registerAgent(keccak256("agent-spec-1"), "ipfs://agent/1", 100 ether);
        disputedAgentId = staking.registerAgent(keccak256("agent-spec-2"), "ipfs://agent/2", 100 ether);
        vm.stopPrank();

        _fund(delegator, address(staking), 10_000 ether);
        _fund(newDelegator, address(staking), 10_000 ether);
        _fund(rewarder, address(staking), 10_000 ether);
        _fund(disputer, address(staking), 10_000 ether);

        vm.startPrank(delegator);
        staking.delegate(agentId, 1_000 ether);
        staking.delegate(disputedAgentId, 1_000 ether);
        uint256 shares = staking.sharesOf(agentId, delegator);
        unbondShares = shares / 4;
        releasedUnbonding = staking.unbond(agentId, unbondShares);
        staking.unbond(disputedAgentId, unbondShares);
        vm.stopPrank();

        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.prank(disputer);
        openDispute = staking.openDispute(disputedAgentId, keccak256("evidence"), "ipfs://evidence/1");
    }

    function test_registerAgent() public {
        vm.prank(operator);
        staking.registerAgent(keccak256("agent-spec-3"), "ipfs://agent/3", 100 ether);
    }

    /// A delegator's first delegation to an agent that already has stake.
    function test_delegate() public {
        vm.prank(newDelegator);
        staking.delegate(agentId, 500 ether);
    }

    function test_unbond() public {
        vm.prank(delegator);
        staking.unbond(agentId, unbondShares);
    }

    function test_withdraw() public {
        vm.prank(delegator);
        staking.withdraw(releasedUnbonding);
    }

    function test_addRewards() public {
        vm.prank(rewarder);
        staking.addRewards(agentId, 50 ether);
    }

    function test_openDispute() public {
        vm.prank(disputer);
        staking.openDispute(agentId, keccak256("evidence-2"), "ipfs://evidence/2");
    }

    /// Slashes both the active and the unbonding pool, pays the disputer and the treasury.
    function test_acceptDispute() public {
        vm.prank(guardian);
        staking.acceptDispute(openDispute, 1_000);
    }

    function test_rejectDispute() public {
        vm.prank(guardian);
        staking.rejectDispute(openDispute);
    }
}

/// @notice AttributionSettlement: escrow, EIP-712 vouchers, epoch roots and Merkle claims.
contract AttributionSettlementGas is ProtocolGasFixture {
    uint256 internal constant LEAVES = 8;

    address internal payer;
    uint256 internal payerKey;
    address internal leaver = makeAddr("leaver"); // payer with a released withdrawal request
    address[] internal earners;
    uint256[] internal earned;

    IAttributionSettlement.Voucher internal voucher;
    bytes internal voucherSignature;
    bytes32 internal nextRoot;
    bytes32[] internal claimProof;

    function setUp() public {
        _deployProtocol();
        (payer, payerKey) = makeAddrAndKey("payer");
        _fund(payer, address(settlement), 10_000 ether);
        _fund(leaver, address(settlement), 10_000 ether);
        vm.prank(payer);
        settlement.deposit(1_000 ether);
        vm.startPrank(leaver);
        settlement.deposit(500 ether);
        settlement.requestWithdrawal(500 ether);
        vm.stopPrank();

        // The settler has redeemed 200 TRIB of the payer's escrow ...
        IAttributionSettlement.Voucher memory first = IAttributionSettlement.Voucher({
            payer: payer, cumulativeAmount: 200 ether, expiry: uint64(block.timestamp + 1 days)
        });
        bytes memory firstSignature = _signVoucher(payerKey, first);
        vm.prank(settler);
        settlement.redeemVoucher(first, firstSignature, 200 ether);

        // ... and split 180 of it among 8 accounts in the live root of epoch 1.
        uint256 total;
        for (uint256 i = 0; i < LEAVES; ++i) {
            earners.push(makeAddr(string.concat("earner", vm.toString(i))));
            earned.push((i + 1) * 5 ether);
            total += earned[i];
        }
        bytes32[] memory tree = StandardMerkleTree.build(earners, earned);
        vm.prank(settler);
        uint64 liveAt = settlement.proposeRoot(1, tree[0], total, keccak256("receipts-1"), "ipfs://receipts/1");
        vm.warp(liveAt); // also past the leaver's withdrawal delay
        claimProof = StandardMerkleTree.proof(tree, earners[3], earned[3]);
        assertEq(claimProof.length, 3);
        settlement.claim(earners[2], 15 ether, 15 ether, StandardMerkleTree.proof(tree, earners[2], 15 ether));

        // The payer's next voucher (cumulative 400) and the root of epoch 2 (190 of 200 attributed).
        voucher = IAttributionSettlement.Voucher({
            payer: payer, cumulativeAmount: 400 ether, expiry: uint64(block.timestamp + 1 days)
        });
        voucherSignature = _signVoucher(payerKey, voucher);
        // 20 more redeemed since epoch 1 was proposed: epoch 2 may grow by up to that.
        vm.prank(settler);
        settlement.redeemVoucher(voucher, voucherSignature, 20 ether);
        uint256[] memory nextEarned = new uint256[](LEAVES);
        for (uint256 i = 0; i < LEAVES; ++i) {
            nextEarned[i] = earned[i] + (i == 0 ? 10 ether : 0);
        }
        nextRoot = StandardMerkleTree.build(earners, nextEarned)[0];
    }

    /// A payer topping up its escrow.
    function test_deposit() public {
        vm.prank(payer);
        settlement.deposit(100 ether);
    }

    function test_requestWithdrawal() public {
        vm.prank(payer);
        settlement.requestWithdrawal(300 ether);
    }

    function test_executeWithdrawal() public {
        vm.prank(leaver);
        settlement.executeWithdrawal();
    }

    /// A payer's next cumulative voucher (ECDSA, EIP-712), redeemed by the settler for exactly 150 of its 200 open.
    function test_redeemVoucher() public {
        vm.prank(settler);
        settlement.redeemVoucher(voucher, voucherSignature, 150 ether);
    }

    /// Epoch 2's root, while epoch 1's has just gone live (records it as the settled live root).
    function test_proposeRoot() public {
        vm.prank(settler);
        settlement.proposeRoot(2, nextRoot, 190 ether, keccak256("receipts-2"), "ipfs://receipts/2");
    }

    /// A first claim against the live 8-leaf root (3-hash proof); records the votes owed.
    function test_claim() public {
        settlement.claim(earners[3], 20 ether, 20 ether, claimProof);
    }

    /// Minting the votes a claim recorded (first mint: self-delegates).
    function test_mintVotes() public {
        settlement.mintVotes(earners[2]);
    }

    /// The settler proposing epoch 2's root and anyone freezing it with the challenge bond (both counted).
    function test_proposeRootThenChallengeRoot() public {
        vm.prank(settler);
        settlement.proposeRoot(2, nextRoot, 190 ether, keccak256("receipts-2"), "ipfs://receipts/2");
        vm.prank(payer);
        settlement.challengeRoot(2, "ipfs://evidence");
    }
}

/// @notice TributaryGovernor + TimelockController: the propose, vote, queue and execute path.
contract TributaryGovernorGas is ProtocolGasFixture {
    uint8 internal constant FOR = 1;

    address internal voterA = makeAddr("voterA");
    address internal voterB = makeAddr("voterB");

    address[] internal targets;
    uint256[] internal values;
    bytes[] internal calldatas;

    uint256 internal activeProposal; // voting open
    string internal constant SUCCEEDED = "Raise the market's maximum duration (succeeded)";
    string internal constant QUEUED = "Raise the market's maximum duration (queued)";

    function setUp() public {
        _deployProtocol();
        address[] memory voters = new address[](2);
        voters[0] = voterA;
        voters[1] = voterB;
        uint256[] memory weights = new uint256[](2);
        weights[0] = 100 ether;
        weights[1] = 50 ether;
        _seedVotes(voters, weights);

        // One parameter change through the timelock (which holds the market's PARAMETER_ROLE).
        targets.push(address(market));
        values.push(0);
        calldatas.push(abi.encodeCall(market.setMaxDuration, (120 days)));

        vm.startPrank(voterA);
        uint256 succeeded = governor.propose(targets, values, calldatas, SUCCEEDED);
        uint256 queued = governor.propose(targets, values, calldatas, QUEUED);
        vm.roll(block.number + VOTING_DELAY + 1);
        governor.castVote(succeeded, FOR);
        governor.castVote(queued, FOR);
        vm.stopPrank();
        vm.roll(block.number + VOTING_PERIOD);
        assertEq(uint8(governor.state(succeeded)), uint8(IGovernor.ProposalState.Succeeded));
        governor.queue(targets, values, calldatas, keccak256(bytes(QUEUED)));
        vm.warp(block.timestamp + TIMELOCK_MIN_DELAY);

        vm.prank(voterA);
        activeProposal = governor.propose(targets, values, calldatas, "Raise the market's maximum duration (active)");
        vm.roll(block.number + VOTING_DELAY + 1);
    }

    function test_propose() public {
        vm.prank(voterA);
        governor.propose(targets, values, calldatas, "Raise the market's maximum duration (new)");
    }

    function test_castVote() public {
        vm.prank(voterB);
        governor.castVote(activeProposal, FOR);
    }

    function test_queue() public {
        governor.queue(targets, values, calldatas, keccak256(bytes(SUCCEEDED)));
    }

    /// Executes through the timelock: `market.setMaxDuration(120 days)`.
    function test_execute() public {
        governor.execute(targets, values, calldatas, keccak256(bytes(QUEUED)));
    }
}
