// Attack (issue 13 review): verify-root replays every epoch and checks each receipt on its own
// (signature, signer history, operator) and the recomputed root, but never whether a receipt was
// already settled in an earlier epoch. A dishonest settler can publish, for epoch 2, epoch 1's
// receipt again in place of the receipt epoch 2's payer was really charged for: the replayed
// receipt's payees are paid twice, the real call's payees nothing, and verify-root agrees.
import type { Server } from "node:http";
import { EPOCH_FILE_FORMAT, type EpochFile, parseEpochFile } from "@tributary/agents";
import { eq } from "drizzle-orm";
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settlementFile } from "../db/schema.ts";
import { assignReceipts } from "./assign.ts";
import { buildEpoch } from "./build.ts";
import type { SettlementDeps } from "./deps.ts";
import { createSettlementFixture, type SettlementFixture } from "./devnet-fixture.ts";
import { serveEpochFiles, storeForgedEpoch } from "./forged-epoch.ts";
import { proposeEpoch } from "./propose.ts";
import { redeemEpoch } from "./redeem.ts";
import { settleOnce } from "./service.ts";
import { verifyRoot } from "./verify-root.ts";

describe("verify-root and a receipt settled again in a later epoch (anvil + PGlite)", () => {
  let fixture: SettlementFixture;
  let deps: SettlementDeps;
  let server: Server;

  const fileOf = async (epoch: bigint) => {
    const [row] = await fixture.app.db
      .select()
      .from(settlementFile)
      .where(eq(settlementFile.epoch, epoch));
    if (!row) throw new Error(`no file for epoch ${epoch}`);
    return parseEpochFile(row.body);
  };

  beforeAll(async () => {
    fixture = await createSettlementFixture();
    let port: number;
    ({ server, port } = await serveEpochFiles(fixture.app.db));
    deps = { ...fixture.deps, publicUrl: `http://127.0.0.1:${port}` };
    await fixture.registerAgent();
    await fixture.fund("payer", parseEther("10"));
  }, 120_000);
  afterAll(async () => {
    await fixture?.stop();
    server?.close();
  });

  it("refuses an epoch file that settles an already-settled receipt again", async () => {
    await fixture.call("payer", parseEther("1"), parseEther("5"));
    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 1n });
    await fixture.advance(3601);

    await fixture.call("payer", parseEther("1"), parseEther("5"));
    expect(
      await assignReceipts(deps.db, 2n, (await deps.chain.publicClient.getBlock()).timestamp),
    ).toBe(1);
    await redeemEpoch(deps, 2n);
    await buildEpoch(deps, 2n);
    const honest = await fileOf(2n);
    const [settledBefore] = (await fileOf(1n)).receipts;
    if (!settledBefore) throw new Error("epoch 1 has a receipt");
    // The forgery: epoch 1's receipt in place of epoch 2's (same price: the total still fits
    // what was redeemed since, so the contract takes the root).
    const forged: EpochFile = { ...honest, format: EPOCH_FILE_FORMAT, receipts: [settledBefore] };
    await storeForgedEpoch(deps, 2n, forged);
    await proposeEpoch(deps, 2n);

    const result = await verifyRoot({
      client: fixture.chain.publicClient,
      settlement: fixture.chain.address("AttributionSettlement"),
      staking: fixture.chain.address("AgentStaking"),
      protocol: deps.protocolAccount,
      epoch: 2n,
      fromBlock: BigInt(fixture.chain.deployment.startBlock),
    });
    expect(result).toMatchObject({ ok: false, failure: { epoch: 2n, kind: "receipts" } });
  });
});
