// `npm run bench:proofs`: how many claimable balances with their Merkle proofs the API serves per
// second. The stack of the API tests (anvil, the indexer, the API in this process), a live root
// of `BENCH_LEAVES` (10,000) earner leaves built by the settlement code and posted by the devnet
// settler over tokens really redeemed, its leaves stored as the settlement service stores them;
// then autocannon (a child process) sends two workloads: `prepareClaim(account)` signed in (the
// leaf and its proof read from the store, the claim encoded and its gas estimated on anvil: how
// a wallet gets a proof), and an anonymous `account { claimable earningsByEpoch }` (cacheable).
import { cpus, loadavg } from "node:os";
import { emptyCumulative, settlementTree, signVoucher, totalOf } from "@tributary/agents";
import { abiOf, type DevnetRole, devnetAccount } from "@tributary/contracts";
import {
  type Address,
  createWalletClient,
  getAddress,
  http,
  keccak256,
  parseEther,
  toHex,
} from "viem";
import { settlementLeaf } from "../src/db/schema.ts";
import { sessionFor } from "../test/helpers.ts";
import { startStack } from "../test/stack.ts";
import { autocannonProcess } from "./autocannon.ts";

const LEAVES = Number(process.env.BENCH_LEAVES ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const log = (fields: Record<string, unknown>) => console.log(JSON.stringify(fields));

async function serve() {
  const stack = await startStack("embedded", { ipRateLimitPerMinute: 100_000_000 });
  try {
    const { deployment, publicClient, anvil } = stack;
    const address = (name: keyof typeof deployment.contracts) => deployment.contracts[name].address;
    const send = async (
      role: DevnetRole,
      name: "AttributionSettlement" | "TributaryToken",
      fn: string,
      args: unknown[],
    ) => {
      const wallet = createWalletClient({
        account: devnetAccount(role),
        chain: publicClient.chain,
        transport: http(anvil.rpcUrl),
      });
      const hash = await wallet.writeContract({
        address: address(name),
        abi: abiOf(name),
        functionName: fn,
        args,
      } as never);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`${name}.${fn} reverted`);
    };
    const cumulative = emptyCumulative();
    const accounts: Address[] = [];
    for (let i = 0; i < LEAVES; i++) {
      const account = getAddress(`0x${keccak256(toHex(`earner${i}`)).slice(26)}`);
      accounts.push(account);
      const earned = parseEther("0.001") * BigInt(1 + (i % 7));
      cumulative.earners.set(account, { earned, voteEligible: i % 2 === 0 ? earned : 0n });
    }
    const tree = settlementTree(cumulative);
    const total = totalOf(cumulative);
    const payer = devnetAccount("payer");
    const settlement = address("AttributionSettlement");
    await send("deployer", "TributaryToken", "mint", [payer.address, total]);
    await send("payer", "TributaryToken", "approve", [settlement, total]);
    await send("payer", "AttributionSettlement", "deposit", [total]);
    const expiry = BigInt(Math.floor(Date.now() / 1000) + 86_400);
    const signature = await signVoucher(payer, {
      chainId: anvil.chainId,
      settlement,
      cumulativeAmount: total,
      expiry,
    });
    await send("settler", "AttributionSettlement", "redeemVouchers", [
      [{ payer: payer.address, cumulativeAmount: total, expiry }],
      [signature],
      [total],
    ]);
    const epoch =
      1n +
      ((await publicClient.readContract({
        address: settlement,
        abi: abiOf("AttributionSettlement"),
        functionName: "latestProposedEpoch",
      })) as bigint);
    await send("settler", "AttributionSettlement", "proposeRoot", [
      epoch,
      tree.root,
      total,
      keccak256(toHex("bench:proofs")),
      "bench://proofs",
    ]);
    await publicClient.request({ method: "evm_increaseTime" as never, params: [3601] as never });
    await publicClient.request({ method: "evm_mine" as never, params: [] as never });
    // The leaves as the settlement service stores them (build.ts).
    const rows = tree.values.map(([kind, account, agentId, amount, votes], i) => ({
      epoch,
      kind,
      account,
      agentId: agentId.toString(),
      cumulativeAmount: amount.toString(),
      cumulativeVoteEligible: votes.toString(),
      proof: JSON.stringify(tree.getProof(i)),
    }));
    for (let i = 0; i < rows.length; i += 500)
      await stack.api.services.app.db.insert(settlementLeaf).values(rows.slice(i, i + 500));
    await stack.synced();

    const account = accounts[Math.floor(LEAVES / 2)] as Address;
    const expected = cumulative.earners.get(account)?.earned.toString();
    const workloads = {
      prepareClaim: {
        body: {
          query: `mutation($a: Address!) { prepareClaim(account: $a) { __typename
            ... on MutationPrepareClaimSuccess { data { transactions { to data gasEstimate } } } } }`,
          variables: { a: account },
        },
        headers: await sessionFor(stack, "validatorA"),
        ok: (data: any) => data?.prepareClaim?.__typename === "MutationPrepareClaimSuccess",
      },
      claimable: {
        body: {
          query: `query($a: Address!) { account(address: $a) { claimable earningsByEpoch { epoch cumulativeEarned } } }`,
          variables: { a: account },
        },
        headers: {},
        ok: (data: any) => data?.account?.claimable === expected,
      },
    };
    for (const [name, w] of Object.entries(workloads)) {
      const response = await fetch(stack.api.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...w.headers },
        body: JSON.stringify(w.body),
      });
      const answer = (await response.json()) as { data?: unknown };
      if (!w.ok(answer.data)) throw new Error(`bench: ${name} answered ${JSON.stringify(answer)}`);
      const result = await autocannonProcess(stack.api.url, w.body, {
        connections: CONNECTIONS,
        seconds: DURATION,
        headers: w.headers,
      });
      log({
        bench: "proofs served",
        workload: name,
        leaves: tree.values.length,
        connections: CONNECTIONS,
        seconds: DURATION,
        requestsPerSecond: Math.round(result.requests.average),
        p50ms: result.latency.p50,
        p99ms: result.latency.p99,
        errors: result.errors + result.non2xx,
        loadavg: loadavg().map((l) => +l.toFixed(2)),
        cpu: cpus()[0]?.model,
      });
    }
  } finally {
    await stack.stop();
  }
}

await serve();
