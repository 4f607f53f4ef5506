export {
  ANVIL_CHAIN_ID,
  type Anvil,
  type AnvilOptions,
  findFreePort,
  isPortFree,
  startAnvil,
} from "./anvil.ts";
export { abiOf, bytecodeOf } from "./artifacts.ts";
export { chainFor } from "./chain.ts";
export { contributionCommitment, randomSalt, registrationCommitment } from "./commitment.ts";
export { canonicalJsonHash, sha256OfFile, sha256OfFiles } from "./content-hash.ts";
export {
  DEVNET_PARAMS,
  DeploymentExistsError,
  deployProtocol,
  type ProtocolParams,
} from "./deploy.ts";
export {
  type Deployment,
  DeploymentFileError,
  deploymentPath,
  readDeployment,
  writeDeployment,
} from "./deployment-file.ts";
export { type DevnetDeployOptions, deployDevnet } from "./devnet.ts";
export { DEVNET_ROLES, type DevnetRole, devnetAccount } from "./devnet-accounts.ts";
export { PROTOCOL_CONTRACTS, type ProtocolContractName } from "./protocol-contracts.ts";
export { accrueRewards, type RewardSchedule } from "./reward-vesting.ts";
export {
  authorizeDemoAgentSigner,
  type SeedAdapter,
  type SeedModel,
  type SeedResult,
  seedDevnet,
} from "./seed.ts";
