// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IAgentRewards
/// @notice The one AgentStaking function AttributionSettlement calls: it pulls `amount` payment tokens
/// from the caller (which must have approved them) and adds them to agent `agentId`'s delegators' pool.
/// @dev Declared here rather than importing IAgentStaking so the settlement depends on this seam only.
interface IAgentRewards {
    function addRewards(uint256 agentId, uint256 amount) external;
}
