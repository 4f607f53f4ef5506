// A real protocol on anvil and a real app database for the settlement tests: paid calls recorded
// as the agents runtime records them (a signed receipt, the payer's voucher and ledger).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type ReceiptBody,
  receiptDomain,
  receiptMessage,
  signReceipt,
  signVoucher,
} from "@tributary/agents";
import {
  type Anvil,
  abiOf,
  DEVNET_PARAMS,
  type DevnetRole,
  deployDevnet,
  devnetAccount,
  type ProtocolContractName,
  startAnvil,
} from "@tributary/contracts";
import { eq } from "drizzle-orm";
import pino from "pino";
import {
  type Address,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  type LocalAccount,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { jsonSafe } from "../agents/receipt-lists.ts";
import { type ChainService, createChainService } from "../chain/index.ts";
import { type AppDatabase, createAppDatabase } from "../db/index.ts";
import { invocation, payerLedger } from "../db/schema.ts";
import type { SettlementDeps } from "./deps.ts";

const ZERO = `0x${"0".repeat(64)}` as Hex;
export const addr = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);

/** Who the fixture's receipts name: the agent, its operator at call time and the signing key. */
export interface FixtureAgent {
  agentId: bigint;
  operator: Address;
  signer: LocalAccount;
}

export interface SettlementFixture {
  anvil: Anvil;
  /** Holds the deployment file (`<chainId>.json`). */
  deploymentsDir: string;
  chain: ChainService;
  app: AppDatabase;
  deps: SettlementDeps;
  agent: FixtureAgent;
  /** Sends a transaction as a devnet role and waits for it to succeed; its receipt. */
  send(
    role: DevnetRole,
    name: ProtocolContractName,
    fn: string,
    args: unknown[],
  ): Promise<TransactionReceipt>;
  /** Mints `amount` to the role and deposits it into its settlement escrow. */
  fund(role: DevnetRole, amount: bigint): Promise<void>;
  /** A finished call with a real signed receipt, and the payer's ledger charged for it. */
  call(role: DevnetRole, price: bigint, cap: bigint): Promise<string>;
  ledgerOf(payer: Address): Promise<{ charged: string; chargedRedeemed: string }>;
  /** Moves the chain's clock forward and mines a block. */
  advance(seconds: number): Promise<void>;
  /** Registers the agent on chain (as the operator role) and authorizes the signer. */
  registerAgent(): Promise<void>;
  stop(): Promise<void>;
}

export async function createSettlementFixture(): Promise<SettlementFixture> {
  const anvil = await startAnvil({ port: 0 });
  const deploymentsDir = mkdtempSync(path.join(tmpdir(), "settle-"));
  await deployDevnet({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, deploymentsDir });
  const chain = createChainService({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deploymentsDir,
  });
  const app = await createAppDatabase({});
  const deps: SettlementDeps = {
    db: app.db,
    chain,
    settler: wallet(devnetAccount("settler")),
    log: pino({ level: "silent" }),
    publicUrl: "http://api.test",
    protocolAccount: chain.address("TimelockController"),
  };
  // The first agent registerAgent would register, run by the devnet's operator.
  const agent: FixtureAgent = {
    agentId: 1n,
    operator: devnetAccount("operator").address,
    signer: privateKeyToAccount(`0x${"3c".repeat(32)}`),
  };
  let calls = 0;

  function wallet(account: LocalAccount) {
    return createWalletClient({
      account,
      chain: chain.chain,
      transport: http(anvil.rpcUrl),
    });
  }
  async function send(role: DevnetRole, name: ProtocolContractName, fn: string, args: unknown[]) {
    const hash = await wallet(devnetAccount(role)).writeContract({
      address: chain.address(name),
      abi: abiOf(name),
      functionName: fn,
      args,
      chain: chain.chain,
    });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${name}.${fn} reverted (${hash})`);
    return receipt;
  }
  async function fund(role: DevnetRole, amount: bigint) {
    const account = devnetAccount(role).address;
    await send("deployer", "TributaryToken", "mint", [account, amount]);
    await send(role, "TributaryToken", "approve", [chain.address("AttributionSettlement"), amount]);
    await send(role, "AttributionSettlement", "deposit", [amount]);
  }
  const ledgerOf = async (payer: Address) =>
    (await app.db.select().from(payerLedger).where(eq(payerLedger.payer, payer)))[0] ?? {
      charged: "0",
      chargedRedeemed: "0",
    };

  async function call(role: DevnetRole, price: bigint, cap: bigint) {
    const payer = devnetAccount(role);
    const requestId = `call-${++calls}`;
    // The chain's clock, not the wall's: tests move it forward, and the signer's history on
    // chain is read at the receipt's time.
    const issuedAt = (await chain.publicClient.getBlock()).timestamp;
    const body = receiptBody(requestId, agent.agentId, payer.address, price, issuedAt);
    const signed = await signReceipt(
      agent.signer,
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
    const voucher = { voucherCap: cap.toString(), voucherExpiry: expiry, voucherSignature };
    const charged = String(BigInt((await ledgerOf(payer.address)).charged) + price);
    await app.db
      .insert(payerLedger)
      .values({ payer: payer.address, ...voucher, charged: price.toString() })
      .onConflictDoUpdate({ target: payerLedger.payer, set: { ...voucher, charged } });
    await app.db.insert(invocation).values({
      payer: payer.address,
      requestId,
      agentId: agent.agentId.toString(),
      operator: agent.operator,
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

  async function advance(seconds: number) {
    await chain.publicClient.request({
      method: "evm_increaseTime" as never,
      params: [seconds] as never,
    });
    await chain.publicClient.request({ method: "evm_mine" as never, params: [] as never });
  }

  async function registerAgent() {
    const bond = DEVNET_PARAMS.staking.minSelfBond;
    const staking = chain.address("AgentStaking");
    await send("deployer", "TributaryToken", "mint", [devnetAccount("operator").address, bond]);
    await send("operator", "TributaryToken", "approve", [staking, bond]);
    await send("operator", "AgentStaking", "registerAgent", [`0x${"5".repeat(64)}`, "", 0n, bond]);
    await send("operator", "AgentStaking", "setAgentSigner", [
      agent.agentId,
      agent.signer.address,
      true,
    ]);
  }

  return {
    anvil,
    deploymentsDir,
    chain,
    app,
    deps,
    agent,
    send,
    fund,
    call,
    ledgerOf,
    advance,
    registerAgent,
    async stop() {
      await app.close();
      await anvil.stop();
    },
  };
}

/** One adapter, one cited chunk: every kind of payee a receipt names. */
function receiptBody(
  requestId: string,
  agentId: bigint,
  payer: Address,
  price: bigint,
  issuedAt: bigint,
): ReceiptBody {
  return {
    requestId,
    agentId,
    specHash: `0x${"5".repeat(64)}`,
    payer,
    price,
    tokensIn: 5,
    tokensOut: 9,
    issuedAt,
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
    citations: [{ chunkHash: ZERO, contributionId: 1n, contributor: addr(0x0c), start: 0, end: 3 }],
    spans: [],
    usageDigest: `0x${"7".repeat(64)}`,
  };
}
