// verify-root against a real protocol on anvil, the settlement service on a real app database,
// and the API's epoch file route over HTTP: roots the service posted agree (a live, a vetoed and
// a pending one); a file whose bytes were swapped, and a re-hashed file whose receipts a
// dishonest settler rewrote, are each rejected, naming the epoch and the receipt.
import { execFile } from "node:child_process";
import type { Server } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import {
  EPOCH_FILE_FORMAT,
  type EpochFile,
  type EpochReceipt,
  hashCitations,
  hashRetrieval,
  parseEpochFile,
  receiptDomain,
  signReceipt,
} from "@tributary/agents";
import { eq } from "drizzle-orm";
import { parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_DIR } from "../../launcher.ts";
import { settlementFile } from "../db/schema.ts";
import { assignReceipts } from "./assign.ts";
import { buildEpoch } from "./build.ts";
import { epochFileUri, type SettlementDeps } from "./deps.ts";
import { addr, createSettlementFixture, type SettlementFixture } from "./devnet-fixture.ts";
import { serveEpochFiles, storeForgedEpoch } from "./forged-epoch.ts";
import { proposeEpoch } from "./propose.ts";
import { redeemEpoch } from "./redeem.ts";
import { settleOnce } from "./service.ts";
import { verifyRoot } from "./verify-root.ts";

const attacker = addr(0xbad);
const CHALLENGE_DELAY = 3600;

describe("verify-root (anvil + PGlite + the epoch file route)", () => {
  let fixture: SettlementFixture;
  let deps: SettlementDeps;
  let server: Server;
  let port: number;
  /** The rewritten epoch 4 the third test publishes. */
  let forged: EpochFile;

  const verify = (epoch: bigint, api?: string) =>
    verifyRoot({
      client: fixture.chain.publicClient,
      settlement: fixture.chain.address("AttributionSettlement"),
      staking: fixture.chain.address("AgentStaking"),
      protocol: deps.protocolAccount,
      epoch,
      api,
      fromBlock: BigInt(fixture.chain.deployment.startBlock),
    });
  const fileOf = async (epoch: bigint) => {
    const [row] = await fixture.app.db
      .select()
      .from(settlementFile)
      .where(eq(settlementFile.epoch, epoch));
    if (!row) throw new Error(`no file for epoch ${epoch}`);
    return row;
  };

  beforeAll(async () => {
    fixture = await createSettlementFixture();
    ({ server, port } = await serveEpochFiles(fixture.app.db));
    deps = { ...fixture.deps, publicUrl: `http://127.0.0.1:${port}` };
    await fixture.registerAgent();
    await fixture.fund("payer", parseEther("10"));
  }, 120_000);
  afterAll(async () => {
    await fixture?.stop();
    server?.close();
  });

  it("agrees with every root the service posted: live, vetoed (carried forward) and pending", async () => {
    await fixture.call("payer", parseEther("1"), parseEther("5"));
    await fixture.call("payer", parseEther("2"), parseEther("5"));
    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 1n });
    await fixture.advance(CHALLENGE_DELAY + 1);
    await fixture.call("payer", parseEther("0.5"), parseEther("5"));
    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 2n });
    await fixture.send("deployer", "AttributionSettlement", "vetoRoot", [2n]);
    await fixture.call("payer", parseEther("0.25"), parseEther("5"));
    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 3n });

    const result = await verify(3n);
    expect(result).toMatchObject({ ok: true });
    expect(result.epochs.map((e) => [e.epoch, e.status, e.receipts])).toEqual([
      [1n, "live", 2],
      [2n, "vetoed", 1],
      [3n, "pending", 1],
    ]);
    // The service built epoch 3 on the vetoed epoch 2's totals: a verifier dropping vetoed
    // receipts would recompute 3.25 and disagree.
    expect(result.epochs[2]?.totalCumulative).toBe(parseEther("3.75"));
    expect(result.epochs[0]?.url).toBe(epochFileUri(deps.publicUrl, (await fileOf(1n)).hash));

    // Another origin serving the same addresses (a mirror, `--api`).
    const mirrored = await verify(1n, `http://localhost:${port}/`);
    expect(mirrored.ok).toBe(true);
    expect(mirrored.epochs.map((e) => e.url)).toEqual([
      epochFileUri(`http://localhost:${port}`, (await fileOf(1n)).hash),
    ]);
    expect(await verify(4n)).toMatchObject({ ok: false, failure: { epoch: 4n, kind: "no-root" } });
  });

  it("rejects a file whose bytes no longer match the content address on chain", async () => {
    const { hash, body } = await fileOf(1n);
    const price = parseEpochFile(body).receipts[0]?.message.price.toString() ?? "";
    const tampered = body.replace(`"price":"${price}"`, `"price":"${BigInt(price) - 1n}"`);
    expect(tampered).not.toBe(body);
    await fixture.app.db
      .update(settlementFile)
      .set({ body: tampered })
      .where(eq(settlementFile.hash, hash));
    try {
      const result = await verify(3n);
      expect(result).toMatchObject({
        ok: false,
        epochs: [],
        failure: { epoch: 1n, kind: "content-address", receipts: [] },
      });
      if (result.ok) return;
      expect(result.failure.message).toContain(`not the content address ${hash}`);
    } finally {
      await fixture.app.db
        .update(settlementFile)
        .set({ body })
        .where(eq(settlementFile.hash, hash));
    }
    expect((await verify(3n)).ok).toBe(true);
  });

  it("rejects a re-hashed file whose receipts were rewritten, naming each receipt", async () => {
    await fixture.advance(CHALLENGE_DELAY + 1);
    await fixture.call("payer", parseEther("0.5"), parseEther("5"));
    await fixture.call("payer", parseEther("0.25"), parseEther("5"));
    await fixture.call("payer", parseEther("0.125"), parseEther("5"));
    expect(
      await assignReceipts(deps.db, 4n, (await deps.chain.publicClient.getBlock()).timestamp),
    ).toBe(3);
    await redeemEpoch(deps, 4n);
    await buildEpoch(deps, 4n);
    const honest = parseEpochFile((await fileOf(4n)).body);
    forged = await publishForgery(honest);
    await proposeEpoch(deps, 4n);

    const result = await verify(4n);
    expect(result.epochs.map((e) => e.epoch)).toEqual([1n, 2n, 3n]);
    expect(result).toMatchObject({ ok: false, failure: { epoch: 4n, kind: "receipts" } });
    if (result.ok) return;
    const [first, second, third] = forged.receipts;
    expect(result.failure.receipts).toEqual([
      {
        index: 0,
        requestId: first?.message.requestId,
        problem: "signature is not the named signer's",
      },
      {
        index: 1,
        requestId: second?.message.requestId,
        problem: `operator ${attacker} was not the agent's operator on chain when the receipt was issued`,
      },
      {
        index: 2,
        requestId: third?.message.requestId,
        problem: "signer was not authorized for the agent when the receipt was issued",
      },
    ]);
    expect(result.failure.message).toContain(`receipt 0 (requestId ${first?.message.requestId})`);
  });

  it("`npm run verify-root` exits 0 on agreement and 1 naming the forged receipt", async () => {
    const run = (epoch: number) =>
      promisify(execFile)(
        path.join(API_DIR, "../node_modules/.bin/tsx"),
        [
          path.join(API_DIR, "../scripts/verify-root.ts"),
          `--epoch=${epoch}`,
          `--rpc=${fixture.anvil.rpcUrl}`,
          `--api=${deps.publicUrl}`,
        ],
        { env: { ...process.env, TRIBUTARY_DEPLOYMENTS_DIR: fixture.deploymentsDir } },
      ).then(
        (out) => ({ code: 0, stdout: out.stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    const good = await run(3);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("epoch 2 (vetoed): 1 receipts");
    expect(good.stdout).toContain("epochs 1..3 agree with the chain");
    const bad = await run(4);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      `epoch 4 (pending): receipt 0 (requestId ${forged.receipts[0]?.message.requestId}): signature is not the named signer's`,
    );
  }, 120_000);

  /**
   * What a dishonest settler would publish in place of the built epoch 4, with the root, data hash
   * and total recomputed from the forgery so that they agree with it: receipt 0's citation
   * redirected to the attacker (its list hashes recomputed, so only its signature gives it away),
   * receipt 1's operator share taken (the one payee no signature covers), and receipt 2
   * redirected and re-signed by a key the agent never authorized.
   */
  async function publishForgery(honest: EpochFile): Promise<EpochFile> {
    const receipts = honest.receipts.map((r) => structuredClone(r));
    const [cited, operated, resigned] = receipts;
    if (!cited || !operated || !resigned) throw new Error("epoch 4 needs three receipts");
    const redirect = (r: EpochReceipt) => {
      r.lists.retrieval = r.lists.retrieval.map((c) => ({ ...c, contributor: attacker }));
      r.lists.citations = r.lists.citations.map((c) => ({ ...c, contributor: attacker }));
      r.message.retrievalHash = hashRetrieval(r.lists.retrieval);
      r.message.citationsHash = hashCitations(r.lists.citations);
    };
    redirect(cited);
    operated.operator = attacker;
    redirect(resigned);
    const key = privateKeyToAccount(`0x${"ba".repeat(32)}`);
    const signed = await signReceipt(
      key,
      receiptDomain(honest.chainId, honest.agentStaking),
      resigned.message,
    );
    resigned.signature = signed.signature;
    resigned.signer = key.address;
    const forged: EpochFile = { ...honest, format: EPOCH_FILE_FORMAT, receipts };
    await storeForgedEpoch(deps, 4n, forged);
    return forged;
  }
});
