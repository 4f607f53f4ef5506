// Kill the indexer (SIGKILL) in the middle of its historical sync, start it again on the same
// storage, and check it reaches exactly the tables of a fresh index: nothing lost or doubled.
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Indexer } from "../launcher.ts";
import { setupChain, type TestChain } from "./chain.ts";
import { dumpTables, sqlClient } from "./dump.ts";
import { generateLoad } from "./load.ts";
import { launch, MODES, storage, waitForHead } from "./modes.ts";

let chain: TestChain;
let logs: number;

beforeAll(async () => {
  chain = await setupChain();
  // > 6k events: Ponder backfills in batches of ~6k events, so the kill lands between batches.
  ({ logs } = await generateLoad(chain, 130, 50));
  // Past anvil's 30-block finality window: all of it is backfilled, none indexed live.
  await chain.rpc("anvil_mine", ["0x28"]);
});
afterAll(async () => chain?.stop());

describe.each(MODES)("restart mid-sync (%s)", (mode) => {
  const cleanups: (() => Promise<void>)[] = [];
  const running: Indexer[] = [];
  afterAll(async () => {
    for (const indexer of running) await indexer.stop();
    for (const cleanup of cleanups) await cleanup();
  });

  // Three syncs of > 6k events: minutes on two shared cores, more while other files run.
  it("resumes after a kill and ends with the same rows as a fresh index", {
    timeout: 600_000,
  }, async () => {
    const store = await storage(mode, "restart");
    cleanups.push(store.cleanup);
    let child: ChildProcess | undefined;
    let killed = false;
    let killedAfterBlock = 0;
    const first = launch(chain, {
      ...store.options,
      onSpawn: (spawned) => {
        child = spawned;
      },
      onLog: (entry) => {
        // Kill once some, not all, of the backfill is committed.
        if (!killed && entry.msg === "Indexed block range") {
          killed = true;
          killedAfterBlock = Number(JSON.parse(String(entry.block_range))[1]);
          child?.kill("SIGKILL");
        }
      },
    });
    await expect(first).rejects.toThrow(/exited/);
    expect(killed).toBe(true);
    expect(killedAfterBlock).toBeLessThan(Number(await chain.publicClient.getBlockNumber()) - 40);

    const resumed = await launch(chain, store.options);
    running.push(resumed);
    await waitForHead(resumed.url, chain);

    const freshStore = await storage(mode, "restart_fresh");
    cleanups.push(freshStore.cleanup);
    const fresh = await launch(chain, freshStore.options);
    running.push(fresh);
    await waitForHead(fresh.url, chain);

    const [after, expected] = await Promise.all([
      dumpTables(sqlClient(resumed.url)),
      dumpTables(sqlClient(fresh.url)),
    ]);
    expect(after.event_log).toHaveLength(logs);
    expect(after).toEqual(expected);
  });
});
