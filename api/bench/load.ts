// Bulk protocol data for the benchmark: adapters registered and vouchers redeemed on anvil,
// many transactions per block (automine off) so that the indexer sees few, full blocks.
//
// Full blocks raise the EIP-1559 base fee by up to 12.5% a block, and a backlog of thousands of
// queued transactions takes hundreds of blocks to drain: transactions signed with the fee of
// the moment fell below the base fee, stayed in the pool for ever and, by nonce order, held
// back every later one of their sender (the settler's redemptions went unmined). And
// `redeemVouchers` skips, rather than reverts on, a voucher whose payer has no escrow yet, so
// redemptions mined ahead of their deposits left no row at all. Hence: the base fee is pinned
// for every block mined here, each phase is mined to an empty pool before the next starts,
// and every receipt is checked (status, and one VoucherRedeemed per voucher, no VoucherSkipped).
import { type Deployment, devnetAccount } from "@tributary/contracts";
import {
  attributionSettlementAbi,
  modelRegistryAbi,
  tributaryTokenAbi,
} from "@tributary/contracts/abis";
import {
  type Address,
  encodeEventTopics,
  encodeFunctionData,
  type Hex,
  keccak256,
  type PublicClient,
  type TransactionReceipt,
  toHex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

type Role = Parameters<typeof devnetAccount>[0];

/** Pinned for every block the loader mines, so that a queued transaction never underprices. */
const BASE_FEE = 10n ** 9n;
const GAS_PRICE = 2n * BASE_FEE;
const [REDEEMED, SKIPPED] = (["VoucherRedeemed", "VoucherSkipped"] as const).map(
  (eventName) => encodeEventTopics({ abi: attributionSettlementAbi, eventName })[0],
);

/** What the loader put on chain for the first payer: the benchmark checks the indexer has it. */
export interface BulkExpectation {
  payer: Address;
  redemptions: number;
  escrowSpent: bigint;
}

export async function loadBulk(options: {
  publicClient: PublicClient;
  chainId: number;
  deployment: Deployment;
  baseModelId: bigint;
  datanetIds: bigint[];
  adapters: number;
  redemptions: number;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}) {
  const { publicClient, chainId, deployment } = options;
  const rpc = (method: string, params: unknown[] = []) =>
    publicClient.request({ method: method as never, params: params as never });
  const nonces = new Map<Role, number>();
  let sent: Hex[] = [];
  const send = async (role: Role, to: Address, data: Hex, gas: bigint) => {
    const account = devnetAccount(role);
    const nonce =
      nonces.get(role) ??
      (await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" }));
    nonces.set(role, nonce + 1);
    const raw = await account.signTransaction({
      chainId,
      to,
      data,
      nonce,
      gas,
      gasPrice: GAS_PRICE,
      type: "legacy",
    });
    sent.push((await rpc("eth_sendRawTransaction", [raw])) as Hex);
    if (sent.length % 100 === 0) await flush();
  };
  const poolSize = async () => {
    const status = (await rpc("txpool_status")) as { pending: Hex; queued: Hex };
    return Number(status.pending) + Number(status.queued);
  };
  /** Mines (full) blocks at the pinned base fee until the pool is empty. */
  const flush = async () => {
    let left = await poolSize();
    let stalled = 0;
    while (left > 0) {
      await rpc("anvil_setNextBlockBaseFeePerGas", [toHex(BASE_FEE)]);
      await rpc("evm_mine");
      const now = await poolSize();
      stalled = now < left ? 0 : stalled + 1;
      if (stalled >= 3)
        throw new Error(`bench load: ${now} transactions stay in anvil's pool after 3 blocks`);
      left = now;
    }
  };
  /** Mines what is left of a phase and checks every one of its receipts. */
  const settle = async (phase: string): Promise<TransactionReceipt[]> => {
    await flush();
    const hashes = sent;
    sent = [];
    const receipts: TransactionReceipt[] = [];
    for (let i = 0; i < hashes.length; i += 200) {
      receipts.push(
        ...(
          await Promise.all(
            hashes
              .slice(i, i + 200)
              .map((hash) => publicClient.getTransactionReceipt({ hash }).catch(() => null)),
          )
        ).map((receipt, j) => {
          if (!receipt) throw new Error(`bench load (${phase}): ${hashes[i + j]} was never mined`);
          if (receipt.status !== "success")
            throw new Error(`bench load (${phase}): ${receipt.transactionHash} reverted`);
          return receipt;
        }),
      );
    }
    options.log("phase mined", { phase, transactions: receipts.length });
    return receipts;
  };
  const c = deployment.contracts;
  // Pinned fees make this affordable; fund the senders anyway so balance is never the limit.
  for (const role of ["builder", "deployer", "settler"] as const) {
    await rpc("anvil_setBalance", [devnetAccount(role).address, toHex(10n ** 30n)]);
  }
  await rpc("evm_setAutomine", [false]);
  try {
    for (let i = 0; i < options.adapters; i++) {
      const data = encodeFunctionData({
        abi: modelRegistryAbi,
        functionName: "registerAdapter",
        args: [
          {
            baseModelId: options.baseModelId,
            name: `bench-adapter-${i}`,
            contentHash: keccak256(toHex(`bench-adapter-${i}`)),
            uri: `file:bench/${i}`,
            rank: 8 + (i % 4) * 8,
            pricePerCall: BigInt(1 + (i % 997)) * 10n ** 14n,
            pricePer1kTokens: 10n ** 15n,
            datanetIds: [options.datanetIds[i % options.datanetIds.length] as bigint],
            trainingManifestHash: keccak256(toHex(`manifest-${i}`)),
            supersedes: 0n,
          },
        ],
      });
      await send("builder", c.ModelRegistry.address, data, 600_000n);
      if (i % 2000 === 1999) options.log("adapters sent", { n: i + 1 });
    }
    await settle("adapters");

    // Redemptions: each payer deposits once, signs increasing vouchers; the settler redeems 100
    // per transaction (one VoucherRedeemed row each).
    const perPayer = 500;
    const payers = Array.from({ length: Math.ceil(options.redemptions / perPayer) }, () =>
      privateKeyToAccount(generatePrivateKey()),
    );
    const unit = 10n ** 15n;
    const total = unit * BigInt(perPayer) * BigInt(payers.length);
    await send(
      "deployer",
      c.TributaryToken.address,
      encodeFunctionData({
        abi: tributaryTokenAbi,
        functionName: "mint",
        args: [devnetAccount("deployer").address, total],
      }),
      200_000n,
    );
    await send(
      "deployer",
      c.TributaryToken.address,
      encodeFunctionData({
        abi: tributaryTokenAbi,
        functionName: "approve",
        args: [c.AttributionSettlement.address, total],
      }),
      200_000n,
    );
    for (const payer of payers) {
      await send(
        "deployer",
        c.AttributionSettlement.address,
        encodeFunctionData({
          abi: attributionSettlementAbi,
          functionName: "depositFor",
          args: [payer.address, unit * BigInt(perPayer)],
        }),
        200_000n,
      );
    }
    // Deposits mined before any redemption: a voucher without escrow would be skipped.
    await settle("deposits");
    const domain = {
      name: "Tributary Settlement",
      version: "1",
      chainId,
      verifyingContract: c.AttributionSettlement.address,
    } as const;
    const types = {
      Voucher: [
        { name: "payer", type: "address" },
        { name: "cumulativeAmount", type: "uint256" },
        { name: "expiry", type: "uint64" },
      ],
    } as const;
    const expiry = BigInt(Math.floor(Date.now() / 1000) + 365 * 86400);
    let batch: {
      voucher: { payer: Address; cumulativeAmount: bigint; expiry: bigint };
      signature: Hex;
    }[] = [];
    let made = 0;
    const first = payers[0] as (typeof payers)[number];
    const expected: BulkExpectation = { payer: first.address, redemptions: 0, escrowSpent: 0n };
    const redeem = async () => {
      const data = encodeFunctionData({
        abi: attributionSettlementAbi,
        functionName: "redeemVouchers",
        // Each voucher charges exactly the `unit` it added to its payer's cap.
        args: [batch.map((b) => b.voucher), batch.map((b) => b.signature), batch.map(() => unit)],
      });
      await send("settler", c.AttributionSettlement.address, data, 8_000_000n);
      batch = [];
    };
    for (let k = 1; k <= perPayer && made < options.redemptions; k++) {
      for (const payer of payers) {
        if (made >= options.redemptions) break;
        const voucher = { payer: payer.address, cumulativeAmount: unit * BigInt(k), expiry };
        batch.push({
          voucher,
          signature: await payer.signTypedData({
            domain,
            types,
            primaryType: "Voucher",
            message: voucher,
          }),
        });
        made++;
        if (payer === first) {
          expected.redemptions++;
          expected.escrowSpent = voucher.cumulativeAmount;
        }
        if (batch.length === 100) await redeem();
      }
      if (k % 100 === 0) options.log("vouchers redeemed", { n: made });
    }
    if (batch.length) await redeem();
    const logs = (await settle("redemptions")).flatMap((r) => r.logs);
    const redeemed = logs.filter((l) => l.topics[0] === REDEEMED).length;
    const skipped = logs.filter((l) => l.topics[0] === SKIPPED).length;
    if (redeemed !== made || skipped !== 0)
      throw new Error(
        `bench load: ${made} vouchers sent, ${redeemed} redeemed, ${skipped} skipped on chain`,
      );
    const onChain = (await publicClient.readContract({
      address: c.AttributionSettlement.address,
      abi: attributionSettlementAbi,
      functionName: "redeemedOf",
      args: [first.address],
    })) as bigint;
    if (onChain !== expected.escrowSpent)
      throw new Error(
        `bench load: ${first.address} redeemed ${onChain} on chain, ${expected.escrowSpent} expected`,
      );
    return { payers: payers.map((p) => p.address), expected };
  } finally {
    await rpc("evm_setAutomine", [true]);
  }
}
