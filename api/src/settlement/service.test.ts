// One settlement epoch against a real protocol on anvil and a real app database: receipts taken,
// redeemed exactly, split, published, posted; a payer short of escrow; a crash after the
// redemption landed; a second run while the root is open.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  emptyCumulative,
  epochFileHash,
  LEAF_ENCODING,
  parseEpochFile,
  type ReceiptBody,
  receiptDomain,
  receiptMessage,
  settleEpochFile,
  signReceipt,
  signVoucher,
} from "@tributary/agents";
import { type Anvil, deployDevnet, devnetAccount, startAnvil } from "@tributary/contracts";
import { attributionSettlementAbi, tributaryTokenAbi } from "@tributary/contracts/abis";
import { and, eq } from "drizzle-orm";
import pino from "pino";
import { type Address, createWalletClient, getAddress, type Hex, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonSafe } from "../agents/receipt-lists.ts";
import { type ChainService, createChainService } from "../chain/index.ts";
import { type AppDatabase, createAppDatabase } from "../db/index.ts";
import {
  invocation,
  payerLedger,
  settlementEpoch,
  settlementFile,
  settlementLeaf,
} from "../db/schema.ts";
import { accruedEventsOfCall } from "../payouts/accrued.ts";
import type { PayoutEvent } from "../payouts/events.ts";
import type { SettlementDeps } from "./deps.ts";
import { redeemEpoch } from "./redeem.ts";
import { settleOnce } from "./service.ts";

const ZERO = `0x${"0".repeat(64)}` as Hex;
const signer = privateKeyToAccount(`0x${"3c".repeat(32)}`);
const addr = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);

describe("settlement service (anvil + PGlite)", () => {
  let anvil: Anvil;
  let chain: ChainService;
  let app: AppDatabase;
  let deps: SettlementDeps;
  const operator = addr(0x0a);
  let calls = 0;
  /** What the settlement published to `payouts` subscribers. */
  const published: PayoutEvent[] = [];

  const read = (functionName: "redeemedOf" | "escrowOf", payer: Address) =>
    chain.publicClient.readContract({
      address: chain.address("AttributionSettlement"),
      abi: attributionSettlementAbi,
      functionName,
      args: [payer],
    }) as Promise<bigint>;

  async function fund(role: "payer" | "contributorA", amount: bigint) {
    const deployer = devnetAccount("deployer");
    const account = devnetAccount(role);
    const wallet = (a: typeof account) =>
      createWalletClient({ account: a, chain: chain.chain, transport: http(anvil.rpcUrl) });
    const token = chain.address("TributaryToken");
    const settlement = chain.address("AttributionSettlement");
    const send = async (w: ReturnType<typeof wallet>, hash: Promise<Hex>) =>
      chain.publicClient.waitForTransactionReceipt({ hash: await hash });
    await send(
      wallet(deployer),
      wallet(deployer).writeContract({
        address: token,
        abi: tributaryTokenAbi,
        functionName: "mint",
        args: [account.address, amount],
        chain: chain.chain,
      }),
    );
    await send(
      wallet(account),
      wallet(account).writeContract({
        address: token,
        abi: tributaryTokenAbi,
        functionName: "approve",
        args: [settlement, amount],
        chain: chain.chain,
      }),
    );
    await send(
      wallet(account),
      wallet(account).writeContract({
        address: settlement,
        abi: attributionSettlementAbi,
        functionName: "deposit",
        args: [amount],
        chain: chain.chain,
      }),
    );
  }

  /** A finished call with a real signed receipt, and the payer's ledger charged for it. */
  async function call(role: "payer" | "contributorA", price: bigint, cap: bigint) {
    const payer = devnetAccount(role);
    const requestId = `call-${++calls}`;
    const body: ReceiptBody = {
      requestId,
      agentId: 1n,
      specHash: `0x${"5".repeat(64)}`,
      payer: payer.address,
      price,
      tokensIn: 5,
      tokensOut: 9,
      issuedAt: BigInt(Math.floor(Date.now() / 1000)),
      adapters: [
        { adapterId: 2n, weightPpm: 1_000_000, owner: addr(0x0b), trainingManifestHash: ZERO },
      ],
      retrieval: [
        {
          chunkHash: ZERO,
          contributionId: 1n,
          contributor: addr(0x0c),
          scorePpm: 500_000,
          cited: true,
        },
      ],
      citations: [
        { chunkHash: ZERO, contributionId: 1n, contributor: addr(0x0c), start: 0, end: 3 },
      ],
      spans: [],
      usageDigest: `0x${"7".repeat(64)}`,
    };
    const signed = await signReceipt(
      signer,
      receiptDomain(chain.chainId, chain.address("AgentStaking")),
      receiptMessage(body),
    );
    const { adapters, retrieval, citations, spans } = body;
    const expiry = BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400);
    const voucherSignature = await signVoucher(payer, {
      chainId: chain.chainId,
      settlement: chain.address("AttributionSettlement"),
      cumulativeAmount: cap,
      expiry,
    });
    await app.db
      .insert(payerLedger)
      .values({
        payer: payer.address,
        voucherCap: cap.toString(),
        voucherExpiry: expiry,
        voucherSignature,
        charged: price.toString(),
      })
      .onConflictDoUpdate({
        target: payerLedger.payer,
        set: {
          voucherCap: cap.toString(),
          voucherExpiry: expiry,
          voucherSignature,
          charged: String(BigInt((await ledgerOf(payer.address)).charged) + price),
        },
      });
    await app.db.insert(invocation).values({
      payer: payer.address,
      requestId,
      agentId: "1",
      operator,
      inputHash: requestId,
      status: "DONE",
      maxPrice: price.toString(),
      price: price.toString(),
      poolRequestId: requestId,
      tokensIn: 5,
      tokensOut: 9,
      receipt: JSON.stringify(
        jsonSafe({ ...signed, lists: { adapters, retrieval, citations, spans } }),
      ),
      completedAt: new Date(Date.now() + calls),
    });
    return requestId;
  }

  const ledgerOf = async (payer: Address) =>
    (await app.db.select().from(payerLedger).where(eq(payerLedger.payer, payer)))[0] ?? {
      charged: "0",
      chargedRedeemed: "0",
    };

  beforeAll(async () => {
    anvil = await startAnvil({ port: 0 });
    const deploymentsDir = mkdtempSync(path.join(tmpdir(), "settle-"));
    await deployDevnet({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deploymentsDir });
    chain = createChainService({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deploymentsDir });
    app = await createAppDatabase({});
    deps = {
      db: app.db,
      chain,
      settler: createWalletClient({
        account: devnetAccount("settler"),
        chain: chain.chain,
        transport: http(anvil.rpcUrl),
      }),
      log: pino({ level: "silent" }),
      publicUrl: "http://api.test",
      protocolAccount: chain.address("TimelockController"),
      payouts: { publish: (event) => published.push(event) },
    };
    await fund("payer", parseEther("10"));
    await fund("contributorA", parseEther("1"));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await anvil?.stop();
  });

  it("redeems exactly what the epoch's receipts charged, leaves out what escrow cannot cover, and posts a root anyone can recompute", async () => {
    const payer = devnetAccount("payer").address;
    const short = devnetAccount("contributorA").address;
    await call("payer", parseEther("1"), parseEther("5"));
    await call("payer", parseEther("2"), parseEther("5"));
    const paidShort = await call("contributorA", parseEther("0.6"), parseEther("5"));
    const unpaidShort = await call("contributorA", parseEther("0.6"), parseEther("5"));
    const escrowBefore = await read("escrowOf", payer);

    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 1n });
    expect(await read("redeemedOf", payer)).toBe(parseEther("3"));
    expect(escrowBefore - (await read("escrowOf", payer))).toBe(parseEther("3"));
    expect(await read("redeemedOf", short)).toBe(parseEther("0.6"));
    const status = async (requestId: string) =>
      (
        await app.db
          .select()
          .from(invocation)
          .where(and(eq(invocation.payer, short), eq(invocation.requestId, requestId)))
      )[0]?.settlement;
    expect(await status(paidShort)).toBe("PAID");
    expect(await status(unpaidShort)).toBe("UNPAID");
    // The unpaid call's payees were told of its credit: they are told it is reverted, once.
    const [unpaidCall] = await app.db
      .select()
      .from(invocation)
      .where(and(eq(invocation.payer, short), eq(invocation.requestId, unpaidShort)));
    const accrued = accruedEventsOfCall(unpaidCall as never, deps.protocolAccount);
    expect(accrued.length).toBeGreaterThan(2);
    expect(published).toEqual(
      accrued.map((event) => expect.objectContaining({ revertedId: event.id, reason: "UNPAID" })),
    );
    // What cannot be paid is written off the payer's books; what was redeemed is marked so.
    expect(await ledgerOf(short)).toMatchObject({
      charged: parseEther("0.6").toString(),
      chargedRedeemed: parseEther("0.6").toString(),
    });

    const [epoch] = await app.db
      .select()
      .from(settlementEpoch)
      .where(eq(settlementEpoch.epoch, 1n));
    const onChain = (await chain.publicClient.readContract({
      address: chain.address("AttributionSettlement"),
      abi: attributionSettlementAbi,
      functionName: "rootOf",
      args: [1n],
    })) as { root: Hex; totalCumulative: bigint; dataHash: Hex };
    expect(onChain.root).toBe(epoch?.root);
    expect(onChain.totalCumulative).toBe(parseEther("3.6"));
    expect(onChain.dataHash).toBe(epoch?.dataHash);

    // The published file names itself and recomputes the root and data hash.
    const [file] = await app.db.select().from(settlementFile).where(eq(settlementFile.epoch, 1n));
    expect(epochFileHash(file?.body ?? "")).toBe(file?.hash);
    const again = await settleEpochFile(parseEpochFile(file?.body ?? ""), emptyCumulative(), {
      protocol: deps.protocolAccount,
      training: () => null,
    });
    expect(again.problems).toEqual([]);
    expect(again.tree?.root).toBe(onChain.root);
    expect(again.dataHash).toBe(onChain.dataHash);

    // Every stored proof verifies against the posted root.
    const leaves = await app.db.select().from(settlementLeaf).where(eq(settlementLeaf.epoch, 1n));
    expect(leaves.length).toBeGreaterThan(3);
    for (const leaf of leaves) {
      const value = [
        leaf.kind,
        leaf.account,
        BigInt(leaf.agentId),
        BigInt(leaf.cumulativeAmount),
        BigInt(leaf.cumulativeVoteEligible),
      ];
      expect(
        StandardMerkleTree.verify(onChain.root, [...LEAF_ENCODING], value, JSON.parse(leaf.proof)),
      ).toBe(true);
    }

    // The next epoch waits while this root is open.
    await call("payer", parseEther("0.5"), parseEther("5"));
    expect((await settleOnce(deps)).kind).toBe("waiting");
  });

  it("a run that crashed after its redemption landed finishes the epoch without redeeming again", async () => {
    const payer = devnetAccount("payer").address;
    published.length = 0;
    await chain.publicClient.request({
      method: "evm_increaseTime" as never,
      params: [7 * 86_400] as never,
    });
    await chain.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    // The pending call from the test above, plus one more, go to epoch 2.
    await call("payer", parseEther("0.25"), parseEther("5"));
    const redeemedBefore = await read("redeemedOf", payer);
    const { assignReceipts } = await import("./assign.ts");
    expect(await assignReceipts(app.db, 2n)).toBe(2);
    await redeemEpoch(deps, 2n);
    expect(await read("redeemedOf", payer)).toBe(redeemedBefore + parseEther("0.75"));
    // Crash: the chain has the redemption, the database lost everything after the plan.
    await app.db
      .update(settlementEpoch)
      .set({ status: "PLANNED" })
      .where(eq(settlementEpoch.epoch, 2n));
    await app.db.update(invocation).set({ settlement: "PENDING" }).where(eq(invocation.epoch, 2n));
    const ledger = await ledgerOf(payer);
    await app.db
      .update(payerLedger)
      .set({ chargedRedeemed: String(BigInt(ledger.chargedRedeemed) - parseEther("0.75")) })
      .where(eq(payerLedger.payer, payer));

    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 2n });
    expect(await read("redeemedOf", payer)).toBe(redeemedBefore + parseEther("0.75"));
    expect((await ledgerOf(payer)).chargedRedeemed).toBe(ledger.chargedRedeemed);
    const rows = await app.db.select().from(invocation).where(eq(invocation.epoch, 2n));
    expect(rows.map((r) => r.settlement)).toEqual(["PAID", "PAID"]);
    // Every call of epoch 2 was paid: nothing was reverted.
    expect(published).toEqual([]);
  });
});
