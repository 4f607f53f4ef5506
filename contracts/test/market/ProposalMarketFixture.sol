// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../../src/governance/ContributionVotes.sol";
import {ProposalMarket} from "../../src/market/ProposalMarket.sol";
import {DatanetRegistry} from "../../src/registry/DatanetRegistry.sol";
import {IModelRegistry} from "../../src/registry/IModelRegistry.sol";
import {ModelRegistry} from "../../src/registry/ModelRegistry.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";

/// @dev Deploys the ProposalMarket against the real token, registries and votes token, with one
/// base model, two Datanets, and helpers to register adapters and fund accounts.
abstract contract ProposalMarketFixture is Test {
    TributaryToken internal token;
    DatanetRegistry internal datanetRegistry;
    ModelRegistry internal modelRegistry;
    ContributionVotes internal votes;
    ProposalMarket internal market;

    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal minter = makeAddr("minter");
    address internal curator = makeAddr("curator");
    address internal validator = makeAddr("validator");
    address internal modelOwner = makeAddr("modelOwner");

    uint256 internal baseModelId;
    uint256 internal otherBaseModelId;
    uint256 internal datanetA;
    uint256 internal datanetB;

    uint256 private _hashNonce;

    function _deployMarket() internal {
        token = new TributaryToken(admin);
        datanetRegistry = new DatanetRegistry(admin, token, treasury);
        modelRegistry = new ModelRegistry(admin, datanetRegistry);
        votes = new ContributionVotes(minter);
        market = new ProposalMarket(admin, token, modelRegistry, datanetRegistry, votes);

        address[] memory validators = new address[](1);
        validators[0] = validator;
        vm.startPrank(curator);
        datanetA = datanetRegistry.createDatanet("legal", "ipfs://legal", validators, 1, 0);
        datanetB = datanetRegistry.createDatanet("medical", "ipfs://medical", validators, 1, 0);
        vm.stopPrank();

        vm.startPrank(modelOwner);
        baseModelId = modelRegistry.registerBaseModel("llama-tiny", _nextHash(), "ipfs://llama-tiny");
        otherBaseModelId = modelRegistry.registerBaseModel("mistral-tiny", _nextHash(), "ipfs://mistral-tiny");
        vm.stopPrank();
    }

    function _registerAdapter(address builder, uint256 onBaseModel) internal returns (uint256 adapterId) {
        uint256[] memory trainedOn = new uint256[](1);
        trainedOn[0] = datanetA;
        IModelRegistry.AdapterParams memory p = IModelRegistry.AdapterParams({
            baseModelId: onBaseModel,
            name: "legal-lora",
            contentHash: _nextHash(),
            uri: "ipfs://legal-lora",
            rank: 8,
            pricePerCall: 1e15,
            pricePer1kTokens: 0,
            datanetIds: trainedOn,
            trainingManifestHash: keccak256("manifest"),
            supersedes: 0
        });
        vm.prank(builder);
        adapterId = modelRegistry.registerAdapter(p);
    }

    /// @dev Mints payment tokens to `account` and approves the market for them.
    function _fund(address account, uint256 amount) internal {
        vm.prank(admin);
        token.mint(account, amount);
        vm.prank(account);
        token.approve(address(market), type(uint256).max);
    }

    function _mintVotes(address to, uint256 amount) internal {
        vm.prank(minter);
        votes.mint(to, amount);
    }

    function _datanets() internal view returns (uint256[] memory ids) {
        ids = new uint256[](2);
        ids[0] = datanetA;
        ids[1] = datanetB;
    }

    function _nextHash() private returns (bytes32) {
        return keccak256(abi.encode("content", ++_hashNonce));
    }
}
