// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IAgentRewards
/// @notice The one AgentStaking function AttributionSettlement calls: it pulls `amount` payment tokens
/// from the caller (which must have approved them) and vests them into agent `agentId`'s delegators' pool
/// over AgentStaking's reward vesting period.
/// @dev Declared here rather than importing IAgentStaking so the settlement depends on this seam only.
interface IAgentRewards {
    function addRewards(uint256 agentId, uint256 amount) external;
}
