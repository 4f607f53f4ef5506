// `npm run verify-root -- --epoch N [--api URL] [--rpc URL]`: recomputes the settlement roots of
// epochs 1..N from the published receipts files (leaves are cumulative) and compares each with
// the chain. Exits 0 when every epoch agrees, 1 naming the first that does not.
//   --api  where the receipts files are fetched (`<api>/epochs/<sha256>.json`; default the local
//          API, http://127.0.0.1:$TRIBUTARY_API_PORT or 4000); their content address comes from
//          the chain either way.
//   --rpc  the chain (default the local anvil of `npm start`: $TRIBUTARY_RPC_URL, or port
//          $TRIBUTARY_RPC_PORT or 8545).
//   The deployment is read from contracts/deployments/<chainId>.json ($TRIBUTARY_DEPLOYMENTS_DIR).
import { parseArgs } from "node:util";
import { verifyRoot } from "@tributary/api/verify-root";
import { readDeployment } from "@tributary/contracts";
import { createPublicClient, formatEther, http } from "viem";
import { localEndpoints } from "./endpoints.ts";

const { values } = parseArgs({
  options: {
    epoch: { type: "string" },
    api: { type: "string" },
    rpc: { type: "string" },
  },
});
if (!values.epoch || !/^[0-9]+$/.test(values.epoch)) {
  console.error("usage: npm run verify-root -- --epoch N [--api URL] [--rpc URL]");
  process.exit(1);
}
const epoch = BigInt(values.epoch);
const local = localEndpoints();
const rpc = values.rpc ?? local.rpcUrl;
const api = values.api ?? new URL(local.apiUrl).origin;

try {
  const client = createPublicClient({ transport: http(rpc) });
  const deployment = readDeployment(
    await client.getChainId(),
    process.env.TRIBUTARY_DEPLOYMENTS_DIR,
  );
  const { contracts } = deployment;
  const result = await verifyRoot({
    client,
    settlement: contracts.AttributionSettlement.address,
    staking: contracts.AgentStaking.address,
    // The settlement service pays the protocol's share to governance's timelock.
    protocol: contracts.TimelockController.address,
    epoch,
    api,
    fromBlock: BigInt(deployment.startBlock),
    onEpoch: (e) =>
      console.log(
        `epoch ${e.epoch} (${e.status}): ${e.receipts} receipts, total ${formatEther(e.totalCumulative)}, root ${e.root} agrees`,
      ),
  });
  if (!result.ok) {
    console.log(`verify-root: ${result.failure.kind}: ${result.failure.message}`);
    process.exit(1);
  }
  console.log(`verify-root: epochs 1..${epoch} agree with the chain`);
} catch (error) {
  // viem's short message, without its request dump.
  const e = error as Error & { shortMessage?: string };
  console.error(`verify-root: could not verify (rpc ${rpc}): ${e.shortMessage ?? e.message}`);
  process.exit(1);
}
