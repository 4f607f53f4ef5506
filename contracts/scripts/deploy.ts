// Deploys the protocol to any RPC URL with a funded key and writes deployments/<chainId>.json.
//   npm run deploy -w contracts -- --rpc-url http://127.0.0.1:8545 [--settler 0x..] [--guardian 0x..] [--force]
// The key comes from DEPLOYER_PRIVATE_KEY (anvil's first account when unset and the chain is 31337).
import { parseArgs } from "node:util";
import pino from "pino";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_CHAIN_ID } from "../ts/anvil.ts";
import { chainFor } from "../ts/chain.ts";
import { deployProtocol } from "../ts/deploy.ts";
import { deploymentPath } from "../ts/deployment-file.ts";
import { devnetAccount } from "../ts/devnet-accounts.ts";

const log = pino({ name: "deploy" });
const { values } = parseArgs({
  options: {
    "rpc-url": { type: "string", default: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    settler: { type: "string" },
    guardian: { type: "string" },
    force: { type: "boolean", default: false },
    "keep-minter": { type: "boolean" },
  },
});

const rpcUrl = values["rpc-url"] as string;
const probe = createPublicClient({ transport: http(rpcUrl) });
const chainId = await probe.getChainId();
const chain = chainFor(chainId, rpcUrl);
const devnet = chainId === ANVIL_CHAIN_ID;
const key = process.env.DEPLOYER_PRIVATE_KEY as Hex | undefined;
if (!key && !devnet) {
  log.error({ chainId }, "DEPLOYER_PRIVATE_KEY is required outside a devnet");
  process.exit(2);
}
const account = key ? privateKeyToAccount(key) : devnetAccount("deployer");
const settler = values.settler
  ? getAddress(values.settler)
  : devnet
    ? devnetAccount("settler").address
    : undefined;
if (!settler) {
  log.error("--settler is required outside a devnet");
  process.exit(2);
}
const guardian: Address | null = values.guardian
  ? getAddress(values.guardian)
  : devnet
    ? account.address
    : null;

const deployment = await deployProtocol({
  publicClient: createPublicClient({ chain, transport: http(rpcUrl) }),
  walletClient: createWalletClient({ account, chain, transport: http(rpcUrl) }),
  settler,
  guardian,
  keepMinter: values["keep-minter"] ?? devnet,
  force: values.force,
  onProgress: (event) => log.info(event, event.step),
});
log.info(
  { chainId, file: deploymentPath(chainId), contracts: deployment.contracts },
  "protocol deployed",
);
