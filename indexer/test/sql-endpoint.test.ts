// `/sql` (what the API's embedded reader uses) must answer what the tables hold, also after
// Ponder flushed more than 20 updated rows of a table at once: on PGlite that flush leaves an
// empty TEMP staging table with the same name in the session `/sql` shares (src/api/qualified-sql.ts).
import { tributaryTokenAbi } from "@tributary/contracts/abis";
import { type Address, encodeFunctionData, parseEther, toHex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Indexer } from "../launcher.ts";
import * as s from "../ponder.schema.ts";
import { devnetAccount } from "./accounts.ts";
import { setupChain, type TestChain } from "./chain.ts";
import { rowsOf, sqlClient } from "./dump.ts";
import { launch, MODES, storage, waitForHead } from "./modes.ts";

const HOLDERS = 25;
const holders: Address[] = Array.from({ length: HOLDERS }, (_, i) =>
  privateKeyToAddress(toHex(0xabc000 + i, { size: 32 })),
);

let chain: TestChain;
beforeAll(async () => {
  chain = await setupChain();
});
afterAll(async () => chain?.stop());

/** Mints `amount` to every holder, all in one block. */
async function mintToAll(amount: bigint): Promise<void> {
  await chain.rpc("evm_setAutomine", [false]);
  for (const holder of holders) {
    await chain.rpc("eth_sendTransaction", [
      {
        from: devnetAccount("deployer").address,
        to: chain.deployment.contracts.TributaryToken.address,
        data: encodeFunctionData({
          abi: tributaryTokenAbi,
          functionName: "mint",
          args: [holder, amount],
        }),
        gas: toHex(120_000),
      },
    ]);
  }
  await chain.rpc("evm_mine");
  await chain.rpc("evm_setAutomine", [true]);
}

describe.each(MODES)("/sql endpoint (%s)", (mode) => {
  let indexer: Indexer;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const store = await storage(mode, "sql_endpoint");
    cleanups.push(store.cleanup);
    indexer = await launch(chain, store.options);
  });
  afterAll(async () => {
    await indexer?.stop();
    for (const cleanup of cleanups) await cleanup();
  });

  it("reads a table's rows after a block that updated more than 20 of them", async () => {
    const amount = parseEther("3");
    await mintToAll(amount); // inserts 25 holders
    await mintToAll(amount); // updates the same 25 rows in one block: Ponder's COPY flush path
    await waitForHead(indexer.url, chain);
    const balances = new Map(
      (await rowsOf(sqlClient(indexer.url), s.tokenHolder)).map((row) => [
        row.address,
        row.balance,
      ]),
    );
    for (const holder of holders) {
      const onChain = await chain.publicClient.readContract({
        address: chain.deployment.contracts.TributaryToken.address,
        abi: tributaryTokenAbi,
        functionName: "balanceOf",
        args: [holder],
      });
      expect(onChain).toBeGreaterThanOrEqual(2n * amount); // the chain is shared by the modes
      expect(balances.get(holder), holder).toBe(onChain);
    }
  });
});
