import { eq } from "drizzle-orm";
import pino from "pino";
import { type Address, getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppDatabase, createAppDatabase } from "../db/index.ts";
import { content, document } from "../db/schema.ts";
import { createFakeChain, type FakeChain } from "./fake-chain.ts";
import { createLifecycle, type Lifecycle, REORG_WINDOW } from "./lifecycle.ts";
import { sha256Hex } from "./upload.ts";

const alice = getAddress("0x00000000000000000000000000000000000a11ce") as Address;
const DOCS = 300;

describe("content lifecycle", () => {
  let app: AppDatabase;
  let chain: FakeChain;
  let lifecycle: Lifecycle;
  const inSpans = new Set<bigint>();
  const text = (id: bigint) => `Stored document ${id}: reed counts of the marsh ledger.`;
  const hash = (id: bigint) => sha256Hex(Buffer.from(text(id)));
  const status = async (id: bigint) =>
    (await app.db.select().from(document).where(eq(document.contributionId, id)))[0];

  beforeAll(async () => {
    app = await createAppDatabase({});
    chain = await createFakeChain(app.db);
    // DOCS contributions, each registered and accepted in its own block, all stored and READY.
    for (let i = 1; i <= DOCS; i++) {
      const id = BigInt(i);
      await chain.register({
        id,
        datanetId: 1n,
        contributor: alice,
        contentHash: hash(id) as never,
      });
      await chain.setStatus(id, "Accepted");
      chain.mine(1);
      await app.db.insert(content).values({ hash: hash(id), text: text(id), byteLength: 40 });
      await app.db.insert(document).values({
        contributionId: id,
        datanetId: 1n,
        contributor: alice,
        contentHash: hash(id),
        mediaType: "text/plain",
        byteLength: 40,
        chainStatus: "Accepted",
        ingestion: "READY",
      });
    }
    lifecycle = createLifecycle({
      db: app.db,
      reader: chain.reader,
      spans: {
        add: (doc) => inSpans.add(doc.id),
        remove: (id) => inSpans.delete(id),
      },
      enqueue: () => {},
      changed: () => {},
      log: pino({ level: "silent" }),
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it("checks every stored document on the first sync", async () => {
    await lifecycle.sync();
    const stats = lifecycle.stats();
    expect(stats).toMatchObject({ fullPasses: 1, failures: 0, lastDocumentsChecked: DOCS });
    expect(inSpans.size).toBe(DOCS);
  });

  it("a tick reads only the contributions that changed, not every stored document", async () => {
    chain.mine(Number(REORG_WINDOW) * 2);
    await chain.setStatus(150n, "Withdrawn");
    chain.mine(1);
    await lifecycle.sync();
    const stats = lifecycle.stats();
    expect(stats.fullPasses).toBe(1);
    expect(stats.failures).toBe(0);
    // Read: the rows changed within REORG_WINDOW blocks of the last change seen (for the reorg
    // check), not the DOCS stored; checked: the one document whose row changed.
    expect(stats.lastRowsRead).toBeLessThanOrEqual(Number(REORG_WINDOW) + 2);
    expect(stats.lastDocumentsChecked).toBe(1);
    expect(await status(150n)).toMatchObject({ chainStatus: "Withdrawn", ingestion: "REMOVED" });
    expect(inSpans.has(150n)).toBe(false);
    // A quiet tick: the window is re-read (reorg check), no document is.
    await lifecycle.sync();
    expect(lifecycle.stats()).toMatchObject({ fullPasses: 1, lastDocumentsChecked: 0 });
  });

  it("a reorg that undoes an acceptance (the row goes back to an older block) brings a full pass", async () => {
    chain.mine(10);
    await chain.setStatus(7n, "Accepted"); // re-touched now (e.g. a vote), then reorged away
    chain.mine(1);
    await lifecycle.sync();
    expect(lifecycle.stats().fullPasses).toBe(1);
    // The reorg: contribution 7 is Pending again, as of its registration block (long ago).
    await chain.revert(7n, { status: "Pending", block: 7n });
    await lifecycle.sync();
    const stats = lifecycle.stats();
    expect(stats.reorgs).toBe(1);
    expect(stats.fullPasses).toBe(2);
    expect(stats.lastDocumentsChecked).toBe(DOCS);
    expect(await status(7n)).toMatchObject({ chainStatus: "Pending", ingestion: "READY" });
    expect(inSpans.has(7n)).toBe(false);
  });

  it("a registration a reorg removed reads as Unindexed", async () => {
    chain.mine(3);
    await chain.setStatus(8n, "Accepted");
    await lifecycle.sync();
    await chain.revert(8n, null);
    await lifecycle.sync();
    expect(lifecycle.stats().reorgs).toBe(2);
    expect(await status(8n)).toMatchObject({ chainStatus: "Unindexed" });
    expect(inSpans.has(8n)).toBe(false);
  });

  it("sync({ full: true }) checks every stored document again", async () => {
    await lifecycle.sync({ full: true });
    expect(lifecycle.stats()).toMatchObject({ failures: 0, lastDocumentsChecked: DOCS });
  });
});
