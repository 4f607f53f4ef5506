/**
 * The protocol's deployable contracts: the artifact each comes from (forge's `out/<file>/<name>.json`)
 * and the identifier its generated ABI and bytecode are exported under.
 */
export const PROTOCOL_CONTRACTS = [
  { name: "TributaryToken", file: "TributaryToken.sol", id: "tributaryToken" },
  { name: "ContributionVotes", file: "ContributionVotes.sol", id: "contributionVotes" },
  { name: "TimelockController", file: "TimelockController.sol", id: "timelockController" },
  { name: "TributaryGovernor", file: "TributaryGovernor.sol", id: "tributaryGovernor" },
  { name: "DatanetRegistry", file: "DatanetRegistry.sol", id: "datanetRegistry" },
  { name: "ModelRegistry", file: "ModelRegistry.sol", id: "modelRegistry" },
  { name: "ProposalMarket", file: "ProposalMarket.sol", id: "proposalMarket" },
  { name: "AgentStaking", file: "AgentStaking.sol", id: "agentStaking" },
  { name: "AttributionSettlement", file: "AttributionSettlement.sol", id: "attributionSettlement" },
] as const;

export type ProtocolContractName = (typeof PROTOCOL_CONTRACTS)[number]["name"];
