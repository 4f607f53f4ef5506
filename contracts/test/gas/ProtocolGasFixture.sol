// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {ContributionVotes} from "../../src/governance/ContributionVotes.sol";
import {TributaryGovernor} from "../../src/governance/TributaryGovernor.sol";
import {ProposalMarket} from "../../src/market/ProposalMarket.sol";
import {DatanetRegistry} from "../../src/registry/DatanetRegistry.sol";
import {IModelRegistry} from "../../src/registry/IModelRegistry.sol";
import {ModelRegistry} from "../../src/registry/ModelRegistry.sol";
import {AttributionSettlement} from "../../src/settlement/AttributionSettlement.sol";
import {IAgentRewards} from "../../src/settlement/IAgentRewards.sol";
import {IAttributionSettlement} from "../../src/settlement/IAttributionSettlement.sol";
import {AgentStaking} from "../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {StandardMerkleTree} from "../settlement/utils/StandardMerkleTree.sol";

/// @notice Deploys and wires the whole protocol exactly as `ts/deploy.ts` does with its devnet
/// parameters (`DEVNET_PARAMS`, a guardian and `keepMinter`), with this test contract as the
/// deployer, plus the helpers the gas tests use to build state in `setUp`.
/// @dev Gas tests measure the whole test function, so every test body is one call (and the prank
/// in front of it); everything else happens in `setUp`, which the snapshot does not count.
abstract contract ProtocolGasFixture is Test {
    // ts/deploy.ts DEVNET_PARAMS.
    uint48 internal constant VOTING_DELAY = 1;
    uint32 internal constant VOTING_PERIOD = 50;
    uint256 internal constant PROPOSAL_THRESHOLD = 1 ether;
    uint256 internal constant QUORUM_PERCENT = 4;
    uint256 internal constant MINIMUM_QUORUM = 100 ether;
    uint256 internal constant TIMELOCK_MIN_DELAY = 60;
    uint64 internal constant UNBONDING_DELAY = 7200;
    uint64 internal constant DISPUTE_WINDOW = 3600;
    uint256 internal constant DISPUTE_BOND = 100 ether;
    uint16 internal constant SLASH_CAP_BPS = 3000;
    uint16 internal constant DISPUTER_REWARD_BPS = 1000;
    uint256 internal constant MIN_SELF_BOND = 100 ether;
    uint16 internal constant MAX_DELEGATION_RATIO = 16;
    uint64 internal constant WITHDRAWAL_DELAY = 3600;
    uint64 internal constant CHALLENGE_DELAY = 3600;
    uint256 internal constant CHALLENGE_BOND = 100 ether;
    uint64 internal constant VETO_LATENCY = 3600;
    uint64 internal constant MARKET_FULFILMENT_WINDOW = 3600;

    bytes32 internal constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 internal constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");
    bytes32 internal constant REASSIGN_ROLE = keccak256("REASSIGN_ROLE");

    TributaryToken internal token;
    ContributionVotes internal votes;
    TimelockController internal timelock;
    TributaryGovernor internal governor;
    DatanetRegistry internal datanets;
    ModelRegistry internal models;
    ProposalMarket internal market;
    AgentStaking internal staking;
    AttributionSettlement internal settlement;

    address internal settler = makeAddr("settler");
    address internal guardian = makeAddr("guardian");

    uint256 private _hashNonce;

    /// @dev Same constructor arguments, role wiring and hand-over to the timelock as ts/deploy.ts.
    function _deployProtocol() internal {
        vm.warp(1_700_000_000);
        vm.roll(1_000);
        address deployer = address(this);

        token = new TributaryToken(deployer);
        address[] memory proposers = new address[](0);
        address[] memory executors = new address[](1); // address(0): anyone executes
        timelock = new TimelockController(TIMELOCK_MIN_DELAY, proposers, executors, deployer);
        staking = new AgentStaking(
            deployer,
            token,
            address(timelock),
            IAgentStaking.Params({
                unbondingDelay: UNBONDING_DELAY,
                disputeWindow: DISPUTE_WINDOW,
                disputeBond: DISPUTE_BOND,
                slashCapBps: SLASH_CAP_BPS,
                disputerRewardBps: DISPUTER_REWARD_BPS,
                minSelfBond: MIN_SELF_BOND,
                maxDelegationRatio: MAX_DELEGATION_RATIO,
                rewardVestingPeriod: 1 days
            })
        );
        // The votes minter is fixed at construction: the settlement deployed right after it.
        address predictedSettlement = vm.computeCreateAddress(deployer, vm.getNonce(deployer) + 1);
        votes = new ContributionVotes(predictedSettlement);
        settlement = new AttributionSettlement(
            deployer,
            token,
            votes,
            IAgentRewards(address(staking)),
            address(timelock),
            VETO_LATENCY,
            IAttributionSettlement.Params({
                withdrawalDelay: WITHDRAWAL_DELAY, challengeDelay: CHALLENGE_DELAY, challengeBond: CHALLENGE_BOND
            })
        );
        governor = new TributaryGovernor(
            votes, timelock, VOTING_DELAY, VOTING_PERIOD, PROPOSAL_THRESHOLD, QUORUM_PERCENT, MINIMUM_QUORUM, guardian
        );
        datanets = new DatanetRegistry(deployer, token, address(timelock));
        models = new ModelRegistry(deployer, datanets);
        market = new ProposalMarket(deployer, token, models, datanets, votes);

        // Wiring roles.
        settlement.grantRole(settlement.SETTLER_ROLE(), settler);
        settlement.grantRole(settlement.VETO_ROLE(), address(timelock));
        staking.grantRole(staking.ARBITER_ROLE(), address(timelock));
        settlement.grantRole(settlement.VETO_ROLE(), guardian);
        staking.grantRole(staking.ARBITER_ROLE(), guardian);
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));

        market.setFulfilmentWindow(MARKET_FULFILMENT_WINDOW);

        // Handing admin and parameter roles to the timelock.
        address[5] memory governed =
            [address(datanets), address(models), address(market), address(staking), address(settlement)];
        bytes32[3] memory roles = [PARAMETER_ROLE, REASSIGN_ROLE, DEFAULT_ADMIN_ROLE];
        for (uint256 i = 0; i < governed.length; ++i) {
            IAccessControl target = IAccessControl(governed[i]);
            for (uint256 j = 0; j < roles.length; ++j) {
                if (!target.hasRole(roles[j], deployer)) continue;
                target.grantRole(roles[j], address(timelock));
                target.renounceRole(roles[j], deployer);
            }
        }
        // TRIB's admin is renounced, not handed over: nobody can ever grant minting again.
        // keepMinter (devnet): the deployer keeps the token's MINTER_ROLE to fund test accounts.
        token.renounceRole(DEFAULT_ADMIN_ROLE, deployer);
        timelock.renounceRole(DEFAULT_ADMIN_ROLE, deployer);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    /// @dev Mints `amount` TRIB to `who` and approves `spender` for all of it and more.
    function _fund(address who, address spender, uint256 amount) internal {
        token.mint(who, amount);
        vm.prank(who);
        token.approve(spender, type(uint256).max);
    }

    bytes32 internal constant SALT = keccak256("gas-salt");

    /// @dev The commit step of a model registration by `who`, then one block.
    function _commitRegistration(address who, bytes32 contentHash) internal {
        vm.prank(who);
        models.commitRegistration(keccak256(abi.encode(contentHash, who, SALT)));
        vm.roll(block.number + 1);
    }

    /// @dev The commit step of a contribution by `who`, then one block.
    function _commitContribution(address who, uint256 datanetId, bytes32 contentHash) internal {
        vm.prank(who);
        datanets.commitContent(keccak256(abi.encode(datanetId, contentHash, who, SALT)));
        vm.roll(block.number + 1);
    }

    function _nextHash() internal returns (bytes32) {
        return keccak256(abi.encode("gas-content", ++_hashNonce));
    }

    function _one(uint256 value) internal pure returns (uint256[] memory values) {
        values = new uint256[](1);
        values[0] = value;
    }

    function _validators(uint256 count) internal returns (address[] memory validators) {
        validators = new address[](count);
        for (uint256 i = 0; i < count; ++i) {
            validators[i] = makeAddr(string.concat("validator", vm.toString(i)));
        }
    }

    function _adapterParams(uint256 baseModelId, uint256[] memory datanetIds)
        internal
        returns (IModelRegistry.AdapterParams memory)
    {
        return IModelRegistry.AdapterParams({
            baseModelId: baseModelId,
            name: "legal-lora-v1",
            contentHash: _nextHash(),
            uri: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            rank: 16,
            pricePerCall: 1e15,
            pricePer1kTokens: 2e14,
            datanetIds: datanetIds,
            trainingManifestHash: keccak256("training-manifest"),
            supersedes: 0
        });
    }

    /// @dev Mints ContributionVotes the only way the protocol can: a payer escrows and signs a
    /// voucher, the settler redeems it and posts a root, and each account claims once it is live.
    /// Rolls one block afterwards so the mints are in the past for snapshots taken from now on.
    function _seedVotes(address[] memory accounts, uint256[] memory amounts) internal {
        uint256 total;
        for (uint256 i = 0; i < amounts.length; ++i) {
            total += amounts[i];
        }
        _escrowAndRedeem(total);

        uint256[] memory cumulativeEarned = new uint256[](amounts.length);
        for (uint256 i = 0; i < accounts.length; ++i) {
            cumulativeEarned[i] = settlement.claimedOf(accounts[i]) + amounts[i];
        }
        bytes32[] memory tree = StandardMerkleTree.build(accounts, cumulativeEarned);
        uint256 rootTotal = settlement.totalClaimed() + total; // read before the prank
        uint256 epoch = settlement.latestProposedEpoch() + 1;
        vm.prank(settler);
        uint64 liveAt = settlement.proposeRoot(epoch, tree[0], rootTotal, keccak256("seed-receipts"), "ipfs://seed");
        vm.warp(liveAt);
        for (uint256 i = 0; i < accounts.length; ++i) {
            bytes32[] memory proof = StandardMerkleTree.proof(tree, accounts[i], cumulativeEarned[i]);
            settlement.claim(accounts[i], cumulativeEarned[i], cumulativeEarned[i], proof);
            settlement.mintVotes(accounts[i]);
        }
        vm.roll(block.number + 1);
    }

    /// @dev A seed payer escrows `amount` and the settler redeems all of it with a signed voucher.
    function _escrowAndRedeem(uint256 amount) private {
        (address payer, uint256 payerKey) = makeAddrAndKey("seed-payer");
        _fund(payer, address(settlement), amount);
        vm.prank(payer);
        settlement.deposit(amount);
        IAttributionSettlement.Voucher memory voucher = IAttributionSettlement.Voucher({
            payer: payer,
            cumulativeAmount: settlement.redeemedOf(payer) + amount,
            expiry: uint64(block.timestamp + 1 days)
        });
        bytes memory signature = _signVoucher(payerKey, voucher);
        vm.prank(settler);
        settlement.redeemVoucher(voucher, signature, amount);
    }

    /// @dev An EIP-712 voucher signature computed independently of the contract.
    function _signVoucher(uint256 key, IAttributionSettlement.Voucher memory voucher)
        internal
        view
        returns (bytes memory)
    {
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
                voucher.payer,
                voucher.cumulativeAmount,
                voucher.expiry
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        return abi.encodePacked(r, s, v);
    }
}
