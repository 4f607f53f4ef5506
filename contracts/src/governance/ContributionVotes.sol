// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IContributionVotes} from "./IContributionVotes.sol";

/// @title ContributionVotes
/// @notice Non-transferable governance weight, minted to accounts in proportion to their settled
/// attributed earnings. Capital alone buys no votes: the only way to get units is {mint}, and the
/// only account that can mint is the {minter} fixed at construction (the AttributionSettlement
/// contract, whose address the deploy script predicts).
/// @dev Built on OpenZeppelin {ERC20Votes} with the default block-number clock, so
/// `getPastVotes(account, blockNumber)` gives snapshots for the Governor and the ProposalMarket.
/// There is deliberately no access control: no admin exists that could grant minting to anyone
/// (a captured governance included), and the minter can never change.
/// Non-transferability is enforced twice: the public `transfer`, `transferFrom` and `approve`
/// revert with {ContributionVotesNonTransferable}, and `_update` rejects any movement that is not a
/// mint, so no inherited or future path can move units between accounts. There is no burn.
/// An account that has not picked a delegate is self-delegated on its first mint; it can still
/// delegate to anyone else afterwards (delegation moves voting power, never balances).
contract ContributionVotes is ERC20, ERC20Votes, IContributionVotes {
    address private immutable _minter;

    /// @param minter_ The only account that may ever {mint} (the AttributionSettlement contract).
    constructor(address minter_)
        ERC20("Tributary Contribution Votes", "TCV")
        EIP712("Tributary Contribution Votes", "1")
    {
        if (minter_ == address(0)) revert ContributionVotesZeroAddress();
        _minter = minter_;
    }

    // ---------------------------------------------------------------------------------------------
    // External
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IContributionVotes
    function mint(address to, uint256 amount) external {
        if (msg.sender != _minter) revert ContributionVotesUnauthorizedMinter(msg.sender);
        // A zero balance means the account was never minted to (there are no transfers or burns);
        // an account that already chose a delegate before its first mint keeps that choice.
        if (balanceOf(to) == 0 && delegates(to) == address(0)) {
            _delegate(to, to);
        }
        _mint(to, amount);
    }

    /// @notice Always reverts: contribution votes cannot be transferred.
    function transfer(address, uint256) public pure override returns (bool) {
        revert ContributionVotesNonTransferable();
    }

    /// @notice Always reverts: contribution votes cannot be transferred.
    function transferFrom(address, address, uint256) public pure override returns (bool) {
        revert ContributionVotesNonTransferable();
    }

    /// @notice Always reverts: there is nothing an allowance could be spent on.
    function approve(address, uint256) public pure override returns (bool) {
        revert ContributionVotesNonTransferable();
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    /// @dev Only mints move units; anything else (transfer, burn) is rejected.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        if (from != address(0)) revert ContributionVotesNonTransferable();
        super._update(from, to, value);
    }

    // ---------------------------------------------------------------------------------------------
    // View
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IContributionVotes
    function minter() external view returns (address) {
        return _minter;
    }

    /// @inheritdoc IContributionVotes
    function balanceOf(address account) public view override(ERC20, IContributionVotes) returns (uint256) {
        return super.balanceOf(account);
    }

    /// @inheritdoc IContributionVotes
    function totalSupply() public view override(ERC20, IContributionVotes) returns (uint256) {
        return super.totalSupply();
    }
}
