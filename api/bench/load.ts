// Bulk protocol data for the benchmark: adapters registered and vouchers redeemed on anvil,
// many transactions per block (automine off) so that the indexer sees few, full blocks.
import { type Deployment, devnetAccount } from "@tributary/contracts";
import {
  attributionSettlementAbi,
  modelRegistryAbi,
  tributaryTokenAbi,
} from "@tributary/contracts/abis";
import {
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  type PublicClient,
  toHex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

type Role = Parameters<typeof devnetAccount>[0];

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
  // Full blocks raise the EIP-1559 base fee: re-read it at every mined block.
  let gasPrice = (await publicClient.getGasPrice()) * 2n + 10n ** 9n;
  let pending = 0;
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
      gasPrice,
      type: "legacy",
    });
    await rpc("eth_sendRawTransaction", [raw]);
    if (++pending >= 100) await flush();
  };
  const flush = async () => {
    if (pending === 0) return;
    await rpc("evm_mine");
    pending = 0;
    gasPrice = (await publicClient.getGasPrice()) * 2n + 10n ** 9n;
  };
  const c = deployment.contracts;
  // Full blocks drive the base fee up for thousands of blocks: fund the senders generously.
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
    await flush();

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
    await flush();
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
    const redeem = async () => {
      const data = encodeFunctionData({
        abi: attributionSettlementAbi,
        functionName: "redeemVouchers",
        args: [batch.map((b) => b.voucher), batch.map((b) => b.signature)],
      });
      await send("settler", c.AttributionSettlement.address, data, 8_000_000n);
      pending += 9; // a full batch fills most of a block
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
        if (batch.length === 100) await redeem();
      }
      if (k % 100 === 0) options.log("vouchers redeemed", { n: made });
    }
    if (batch.length) await redeem();
    await flush();
    while (
      (
        (await rpc("eth_getBlockByNumber", ["pending", false])) as {
          transactions: unknown[];
        } | null
      )?.transactions.length
    )
      await rpc("evm_mine");
    return { payers: payers.map((p) => p.address) };
  } finally {
    await rpc("evm_setAutomine", [true]);
  }
}
