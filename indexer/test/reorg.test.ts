// Reorgs at depths 1–10 with seeded random transaction mixes, through anvil_reorg and
// anvil_rollback, against one live indexer per mode. After every trial its event log and token
// balances must match the chain; every TRIALS_PER_CHECK trials its full table dump must equal
// that of a fresh index of the final chain.
import { devnetAccount } from "@tributary/contracts";
import {
  agentStakingAbi,
  attributionSettlementAbi,
  datanetRegistryAbi,
  modelRegistryAbi,
  tributaryTokenAbi,
} from "@tributary/contracts/abis";
import {
  type Abi,
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  parseEther,
  toHex,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Indexer } from "../launcher.ts";
import * as s from "../ponder.schema.ts";
import { setupChain, type TestChain } from "./chain.ts";
import { type Client, dumpTables, rowsOf, sqlClient } from "./dump.ts";
import { generateLoad } from "./load.ts";
import { launch, MODES, storage, waitForHead } from "./modes.ts";

const TRIALS = Number(process.env.INDEXER_REORG_TRIALS ?? 20);
const TRIALS_PER_CHECK = 10;
const ACTORS = ["contributorA", "contributorB", "builder", "payer"] as const;

/** mulberry32: a small seeded PRNG, so a failing trial can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] as T,
  };
}

type Tx = { from: Address; to: Address; data: Hex; gas: Hex };

/** One random protocol transaction (some may revert: a reverted one simply emits nothing). */
function randomTx(chain: TestChain, r: ReturnType<typeof rng>, tag: string): Tx {
  const c = chain.deployment.contracts;
  const from = devnetAccount(r.pick(ACTORS)).address;
  const other = devnetAccount(r.pick(ACTORS)).address;
  const amount = parseEther(String(1 + r.int(50)));
  const options: [Address, Abi, string, readonly unknown[]][] = [
    [c.TributaryToken.address, tributaryTokenAbi as Abi, "transfer", [other, amount]],
    [c.AttributionSettlement.address, attributionSettlementAbi as Abi, "deposit", [amount]],
    [
      c.AttributionSettlement.address,
      attributionSettlementAbi as Abi,
      "requestWithdrawal",
      [amount],
    ],
    [c.AgentStaking.address, agentStakingAbi as Abi, "delegate", [1n, amount]],
    [c.AgentStaking.address, agentStakingAbi as Abi, "unbond", [1n, 10n ** 18n]],
    [c.AgentStaking.address, agentStakingAbi as Abi, "addRewards", [1n, amount]],
    // Registrations are commit-reveal; the commit step emits the registries' events here.
    [
      c.DatanetRegistry.address,
      datanetRegistryAbi as Abi,
      "commitContent",
      [keccak256(toHex(tag))],
    ],
    [
      c.ModelRegistry.address,
      modelRegistryAbi as Abi,
      "commitRegistration",
      [keccak256(toHex(`model-${tag}`))],
    ],
  ];
  const [to, abi, functionName, args] = r.pick(options);
  return { from, to, data: encodeFunctionData({ abi, functionName, args }), gas: toHex(600_000) };
}

let chain: TestChain;

beforeAll(async () => {
  chain = await setupChain();
  await generateLoad(chain, 2, 50); // a Datanet (id 1), an agent (id 1), balances and approvals
});
afterAll(async () => chain?.stop());

/** Polls until the indexer's event log and token balances match the chain. */
async function expectInSync(db: Client): Promise<void> {
  const addresses = Object.values(chain.deployment.contracts).map((c) => c.address);
  const deadline = Date.now() + 60_000;
  let last = "";
  while (Date.now() < deadline) {
    const logs = await chain.publicClient.getLogs({
      address: addresses,
      fromBlock: BigInt(chain.deployment.startBlock),
    });
    const expected = logs.map((l) => `${l.blockNumber}-${l.logIndex}-${l.transactionHash}`).sort();
    try {
      const rows = await rowsOf(db, s.eventLog);
      const actual = rows.map((r) => `${r.id}-${r.transactionHash}`).sort();
      if (JSON.stringify(actual) === JSON.stringify(expected)) {
        const wrong: string[] = [];
        for (const holder of await rowsOf(db, s.tokenHolder)) {
          const balance = await chain.publicClient.readContract({
            address: chain.deployment.contracts.TributaryToken.address,
            abi: tributaryTokenAbi,
            functionName: "balanceOf",
            args: [holder.address],
          });
          if (holder.balance !== balance)
            wrong.push(`${holder.address}: ${holder.balance} ≠ ${balance}`);
        }
        if (wrong.length === 0) return;
        last = `token balances differ: ${wrong.join("; ")}`;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      const missing = expected.filter((x) => !actual.includes(x)).slice(0, 3);
      const extra = actual.filter((x) => !expected.includes(x)).slice(0, 3);
      last = `indexed ${actual.length} logs, chain has ${expected.length}; missing ${missing.join(",")}; unexpected ${extra.join(",")}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`indexer out of sync with the chain: ${last}`);
}

describe.each(MODES)("reorgs (%s)", (mode) => {
  let live: Indexer;
  let db: Client;
  let reorgsSeen = 0;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const store = await storage(mode, "reorg_live");
    cleanups.push(store.cleanup);
    live = await launch(chain, {
      ...store.options,
      onLog: (entry) => {
        if (process.env.INDEXER_DEBUG_LOGS) console.log(JSON.stringify(entry).slice(0, 400));
        if (entry.msg === "Reorged block") reorgsSeen++;
      },
    });
    db = sqlClient(live.url);
  });
  afterAll(async () => {
    await live?.stop();
    for (const cleanup of cleanups) await cleanup();
  });

  it("serves reverted rows through /sql when the blocks after a reorg leave that table alone", async () => {
    // Ponder drops its live-query triggers while it reverts, so no table is reported as
    // changed; @ponder/client's cached /sql results must still not outlive the reverted rows.
    const token = chain.deployment.contracts.TributaryToken.address;
    const [from, to] = [devnetAccount("builder").address, devnetAccount("contributorB").address];
    const balanceOf = (address: Address) =>
      chain.publicClient.readContract({
        address: token,
        abi: tributaryTokenAbi,
        functionName: "balanceOf",
        args: [address],
      });
    const indexedBalance = async () =>
      (await rowsOf(db, s.tokenHolder)).find((row) => row.address === to)?.balance;
    const before = await balanceOf(to);
    const amount = parseEther("7");
    await chain.rpc("eth_sendTransaction", [
      {
        from,
        to: token,
        data: encodeFunctionData({
          abi: tributaryTokenAbi,
          functionName: "transfer",
          args: [to, amount],
        }),
        gas: toHex(100_000),
      },
    ]);
    await waitForHead(live.url, chain);
    await expectInSync(db);
    expect(await indexedBalance()).toBe(before + amount); // now cached by the /sql endpoint
    const reorgs = reorgsSeen;
    await chain.rpc("anvil_rollback", [1]);
    await chain.rpc("anvil_mine", ["0x3"]); // blocks with no token transfer
    await waitForHead(live.url, chain);
    await expectInSync(db);
    expect(reorgsSeen).toBeGreaterThan(reorgs);
    expect(await indexedBalance()).toBe(before);
  });

  const batches = Array.from(
    { length: Math.ceil(TRIALS / TRIALS_PER_CHECK) },
    (_, b) => [b * TRIALS_PER_CHECK, Math.min(TRIALS, (b + 1) * TRIALS_PER_CHECK)] as const,
  );
  it.each(batches)(
    "survives seeded reorg trials [%i, %i) at depths 1–10 and equals a fresh index",
    { timeout: 600_000 },
    async (first, end) => {
      const seedBase = mode === "pglite" ? 1_000 : 2_000;
      for (let trial = first; trial < end; trial++) {
        const seed = seedBase + trial;
        const r = rng(seed);
        const depth = 1 + (trial % 10);
        // At least `depth` fresh blocks, each with a random transaction.
        for (let i = 0; i < depth + r.int(3); i++) {
          await chain.rpc("eth_sendTransaction", [randomTx(chain, r, `pre-${seed}-${i}`)]);
        }
        // Indexed up to the head (not just equal logs: a block without logs counts too).
        await waitForHead(live.url, chain);
        await expectInSync(db);
        const oldHead = await chain.publicClient.getBlockNumber();
        const before = reorgsSeen;
        if (r.next() < 0.5) {
          const replacements = Array.from({ length: 1 + r.int(depth + 1) }, (_, i) => [
            randomTx(chain, r, `re-${seed}-${i}`),
            r.int(depth),
          ]);
          await chain.rpc("anvil_reorg", [depth, replacements]);
        } else {
          await chain.rpc("anvil_rollback", [depth]);
        }
        // Then a head above the old one: caught up with it means the fork was handled.
        for (let i = 0; i < 1 + r.int(3); i++) {
          await chain.rpc("eth_sendTransaction", [randomTx(chain, r, `post-${seed}-${i}`)]);
        }
        const head = await chain.publicClient.getBlockNumber();
        await chain.rpc("anvil_mine", [
          `0x${(head > oldHead ? 1n : oldHead - head + 1n).toString(16)}`,
        ]);
        await waitForHead(live.url, chain);
        await expectInSync(db).catch((error) => {
          throw new Error(
            `trial ${trial} (seed ${seed}, depth ${depth}): ${(error as Error).message}`,
          );
        });
        // Every trial replaced blocks the indexer had already indexed: it must have reverted them.
        expect(reorgsSeen, `trial ${trial} (seed ${seed})`).toBeGreaterThan(before);
        if (trial === end - 1) {
          const store = await storage(mode, "reorg_fresh");
          cleanups.push(store.cleanup);
          const fresh = await launch(chain, store.options);
          try {
            await waitForHead(fresh.url, chain);
            await waitForHead(live.url, chain);
            const [actual, expected] = await Promise.all([
              dumpTables(db),
              dumpTables(sqlClient(fresh.url)),
            ]);
            expect(actual, `after trial ${trial} (seed ${seed})`).toEqual(expected);
          } finally {
            await fresh.stop();
          }
        }
      }
    },
  );
});
