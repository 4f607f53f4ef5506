// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../../../src/governance/ContributionVotes.sol";

/// @dev Drives ContributionVotes with one minter and several non-minting actors. Non-minters try
/// every way to move units (transfer, transferFrom, approve, mint); all must fail. Ghosts record
/// what the minter minted, and the votes at the end of every block before it is left behind.
contract ContributionVotesHandler is Test {
    ContributionVotes public immutable votes;
    address public immutable minter;

    address[] internal _actors;

    mapping(address account => uint256) public ghostMinted;
    uint256 public ghostTotalMinted;
    uint256 public ghostNonMinterSuccesses;

    uint256[] internal _recordedBlocks;
    mapping(uint256 blockNumber => mapping(address account => uint256)) public ghostVotesAt;
    mapping(uint256 blockNumber => uint256) public ghostSupplyAt;

    uint256 internal constant MAX_RECORDED_BLOCKS = 20;

    constructor(ContributionVotes votes_, address minter_) {
        votes = votes_;
        minter = minter_;
        for (uint256 i; i < 5; ++i) {
            _actors.push(makeAddr(string.concat("actor", vm.toString(i))));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------------

    function mint(uint256 actorSeed, uint256 amount) external {
        address to = _actor(actorSeed);
        amount = bound(amount, 0, 1e27);
        vm.prank(minter);
        votes.mint(to, amount);
        ghostMinted[to] += amount;
        ghostTotalMinted += amount;
    }

    function mintAsNonMinter(uint256 actorSeed, uint256 toSeed, uint256 amount) external {
        vm.prank(_actor(actorSeed));
        try votes.mint(_actor(toSeed), amount) {
            ghostNonMinterSuccesses++;
        } catch {}
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        amount = bound(amount, 0, votes.balanceOf(from));
        vm.prank(from);
        try votes.transfer(_actor(toSeed), amount) {
            ghostNonMinterSuccesses++;
        } catch {}
    }

    function approveAndTransferFrom(uint256 ownerSeed, uint256 spenderSeed, uint256 amount) external {
        address owner = _actor(ownerSeed);
        address spender = _actor(spenderSeed);
        amount = bound(amount, 0, votes.balanceOf(owner));
        vm.prank(owner);
        try votes.approve(spender, amount) {
            ghostNonMinterSuccesses++;
        } catch {}
        vm.prank(spender);
        try votes.transferFrom(owner, spender, amount) {
            ghostNonMinterSuccesses++;
        } catch {}
    }

    function delegate(uint256 actorSeed, uint256 delegateeSeed) external {
        vm.prank(_actor(actorSeed));
        votes.delegate(_actor(delegateeSeed));
    }

    function undelegate(uint256 actorSeed) external {
        vm.prank(_actor(actorSeed));
        votes.delegate(address(0));
    }

    /// @dev Freezes the current block's votes in the ghosts, then moves to a later block.
    function roll(uint256 blocks) external {
        blocks = bound(blocks, 1, 20);
        if (_recordedBlocks.length < MAX_RECORDED_BLOCKS) {
            uint256 current = block.number;
            _recordedBlocks.push(current);
            for (uint256 i; i < _actors.length; ++i) {
                ghostVotesAt[current][_actors[i]] = votes.getVotes(_actors[i]);
            }
            ghostSupplyAt[current] = votes.totalSupply();
        }
        vm.roll(block.number + blocks);
    }

    // ---------------------------------------------------------------------------------------------
    // Views for the invariants
    // ---------------------------------------------------------------------------------------------

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function recordedBlocks() external view returns (uint256[] memory) {
        return _recordedBlocks;
    }

    /// @dev Recorded votes as `[block][actor]` and supplies per block, in one call.
    function recordedVotes() external view returns (uint256[][] memory votesAt, uint256[] memory supplyAt) {
        uint256 n = _recordedBlocks.length;
        votesAt = new uint256[][](n);
        supplyAt = new uint256[](n);
        for (uint256 b; b < n; ++b) {
            uint256 blockNumber = _recordedBlocks[b];
            votesAt[b] = new uint256[](_actors.length);
            for (uint256 i; i < _actors.length; ++i) {
                votesAt[b][i] = ghostVotesAt[blockNumber][_actors[i]];
            }
            supplyAt[b] = ghostSupplyAt[blockNumber];
        }
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }
}
