// The agents suites' stack, booted once per test file: anvil with the protocol seeded with a
// real tiny model and two real PEFT adapters (made by the engine's generator), the indexer, the
// pool serving them on the CPU backend behind real engine processes, and the API invoking
// agents through the pool.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { signVoucher } from "@tributary/agents";
import {
  authorizeDemoAgentSigner,
  chainFor,
  type DevnetRole,
  devnetAccount,
} from "@tributary/contracts";
import { attributionSettlementAbi, tributaryTokenAbi } from "@tributary/contracts/abis";
import { DEFAULT_ENGINE_BINARY, writeDemoTokenizer } from "@tributary/pool";
import { startPool } from "@tributary/pool/launcher";
import {
  type Abi,
  createWalletClient,
  type Hex,
  http,
  parseEther,
  type TransactionReceipt,
} from "viem";
import { seedDemoContent } from "../src/rag/seed-content.ts";
import { type Mode, type Stack, startStack } from "./stack.ts";

const run = promisify(execFile);
const ENGINE = process.env.TRIBUTARY_ENGINE_BIN ?? DEFAULT_ENGINE_BINARY;
const GENERATOR = path.join(path.dirname(ENGINE), "tributary-gen");
export const AGENTS_CALLER_KEY = "tpk_agents-suite-caller-key-0123456789";
export const POOL_ADMIN_KEY = "tpa_agents-suite-admin-key-0123456789";

/** The demo agent's spec (agent 1 on the seeded chain) and its prices. */
export const demoSpec = JSON.parse(
  readFileSync(
    path.resolve(import.meta.dirname, "..", "..", "demo", "agents", "demo-agent.json"),
    "utf8",
  ),
);
export const TRIB = 10n ** 18n;
export const PER_CALL = BigInt(demoSpec.price.perCall);
export const PER_TOKEN = BigInt(demoSpec.price.perOutputToken);

export interface AgentsStack extends Stack {
  poolUrl: string;
  /** Kills the pool's engine workers (the pool restarts them). */
  killWorkers(): Promise<number>;
  /** The pool's usage records (its JSONL file) for one of its request ids. */
  usageRecords(
    poolRequestId: string,
  ): { requestId: string; status: string; completionTokens: number }[];
  /** A voucher as GraphQL takes it, signed by `signer` (the payer by default) for `role`. */
  voucher(cap: bigint, options?: VoucherOptions): Promise<VoucherInput>;
  /** Calls a contract from `role`'s wallet and waits for the receipt. */
  sendAs(
    role: DevnetRole,
    address: Hex,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
  ): Promise<TransactionReceipt>;
  /** Deposits `amount` into `role`'s escrow from its own wallet, then waits for the indexer. */
  depositEscrow(role: DevnetRole, amount: bigint): Promise<void>;
  /** Signs and sends a transaction the API prepared, then waits for the indexer. */
  sendPrepared(role: DevnetRole, tx: { to: Hex; data: Hex }): Promise<TransactionReceipt>;
}

export interface VoucherOptions {
  role?: DevnetRole;
  signer?: DevnetRole;
  /** Seconds from now (default a day); `expiry` sets it outright. */
  expiresIn?: number;
  expiry?: bigint;
  chainId?: number;
  verifyingContract?: Hex;
}

export interface VoucherInput {
  payer: Hex;
  cumulativeAmount: string;
  expiry: string;
  signature: Hex;
}

export async function startAgentsStack(
  mode: Mode,
  options: {
    voucherMinLifetimeS?: number;
    /** Settles on `POST /settle` with this admin token, as the devnet settler. */
    settleToken?: string;
  } = {},
): Promise<AgentsStack> {
  if (!existsSync(GENERATOR))
    throw new Error(`no engine generator at ${GENERATOR}: run \`npm run build:engine\` first`);
  let pool: Awaited<ReturnType<typeof startPool>> | undefined;
  const stack = await startStack(
    mode,
    {
      agentRuntime: { voucherMinLifetimeS: options.voucherMinLifetimeS ?? 600 },
      ...(options.settleToken
        ? { settlement: { settler: devnetAccount("settler"), adminToken: options.settleToken } }
        : {}),
    },
    {
      async models(workDir) {
        const base = path.join(workDir, "tiny");
        await run(GENERATOR, ["model", "--preset", "demo", "--seed", "1", "--out", base]);
        await writeDemoTokenizer(base);
        const adapters = [];
        for (const [i, name] of ["alpha", "beta"].entries()) {
          const dir = path.join(workDir, "adapters", name);
          await run(GENERATOR, [
            "adapter",
            "--model",
            base,
            "--out",
            dir,
            "--rank",
            "4",
            "--targets",
            "q,v",
            "--seed",
            String(i + 1),
          ]);
          adapters.push({
            name,
            dir,
            files: ["adapter_config.json", "adapter_model.safetensors"] as const,
            uri: `file://${dir}`,
            rank: 4,
            datanets: i === 0 ? ["lora-notes"] : ["settlement-notes"],
            pricePerCall: parseEther("0.01"),
            pricePer1kTokens: parseEther("0.001"),
          });
        }
        return {
          baseModel: {
            name: "tiny",
            dir: base,
            files: ["config.json", "model.safetensors"],
            uri: `file://${base}`,
          },
          adapters,
        };
      },
      async beforeApi({ workDir, indexerUrl }) {
        pool = await startPool({
          modelDir: path.join(workDir, "tiny"),
          modelName: "tiny",
          engineBinary: ENGINE,
          adapters: ["alpha", "beta"].map(
            (name) => `file://${path.join(workDir, "adapters", name)}`,
          ),
          registry: { indexerUrl },
          workers: 1,
          host: "127.0.0.1",
          port: 0,
          callerKeys: { agents: AGENTS_CALLER_KEY },
          adminKey: POOL_ADMIN_KEY,
          usage: path.join(workDir, "usage.jsonl"),
          onLog: () => {},
        });
        return {
          api: { pool: { url: pool.url, callerKey: AGENTS_CALLER_KEY } },
          stop: () => pool?.stop() ?? Promise.resolve(),
        };
      },
    },
  );
  // The demo Datanets' content, uploaded by its contributors, as `npm start` does.
  await seedDemoContent({
    apiUrl: stack.api.url,
    chainId: stack.anvil.chainId,
    demoDir: path.resolve(import.meta.dirname, "..", "..", "demo"),
    datanets: stack.seed.datanets,
    publicUrl: "https://tributary.test",
  });
  await stack.api.services.rag.drain();
  await stack.api.services.rag.sync();
  // The demo agent's receipt key, authorized on chain by its operator as `npm start` does: the
  // runtime serves no agent whose signer the chain does not authorize.
  const signer = await stack.api.services.agents.vault.forAgent({
    id: stack.seed.agentId,
    operator: devnetAccount("operator").address,
    specHash: stack.seed.agentSpecHash,
  });
  await authorizeDemoAgentSigner({
    publicClient: stack.publicClient,
    rpcUrl: stack.anvil.rpcUrl,
    chain: chainFor(stack.anvil.chainId, stack.anvil.rpcUrl),
    deployment: stack.deployment,
    agentId: stack.seed.agentId,
    signer: signer.address,
  });
  await stack.synced();
  const poolUrl = pool?.url ?? "";
  const usageFile = path.join(path.dirname(stack.deploymentsDir), "usage.jsonl");
  const sendAs: AgentsStack["sendAs"] = async (role, address, abi, functionName, args) => {
    const wallet = createWalletClient({
      account: devnetAccount(role),
      chain: stack.publicClient.chain,
      transport: http(stack.anvil.rpcUrl),
    });
    const hash = await wallet.writeContract({ address, abi, functionName, args } as never);
    return stack.publicClient.waitForTransactionReceipt({ hash });
  };
  return {
    ...stack,
    poolUrl,
    async voucher(cap, options = {}) {
      const payer = devnetAccount(options.role ?? "payer");
      const expiry =
        options.expiry ?? BigInt(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 86_400));
      const signature = await signVoucher(
        devnetAccount(options.signer ?? options.role ?? "payer"),
        {
          chainId: options.chainId ?? stack.anvil.chainId,
          settlement:
            options.verifyingContract ?? stack.deployment.contracts.AttributionSettlement.address,
          payer: payer.address,
          cumulativeAmount: cap,
          expiry,
        },
      );
      return {
        payer: payer.address,
        cumulativeAmount: cap.toString(),
        expiry: expiry.toString(),
        signature,
      };
    },
    sendAs,
    async depositEscrow(role, amount) {
      const settlement = stack.deployment.contracts.AttributionSettlement.address;
      const token = stack.deployment.contracts.TributaryToken.address;
      await sendAs(role, token, tributaryTokenAbi, "approve", [settlement, amount]);
      await sendAs(role, settlement, attributionSettlementAbi, "deposit", [amount]);
      await stack.synced();
    },
    async sendPrepared(role, tx) {
      const signed = await stack.signRawAs(role, tx);
      const hash = await stack.publicClient.sendRawTransaction({
        serializedTransaction: signed as Hex,
      });
      const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
      await stack.synced();
      return receipt;
    },
    usageRecords(poolRequestId) {
      if (!existsSync(usageFile)) return [];
      return readFileSync(usageFile, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line))
        .filter((record) => record.requestId === poolRequestId);
    },
    async killWorkers() {
      const response = await fetch(`${poolUrl}/v1/workers`, {
        headers: { authorization: `Bearer ${POOL_ADMIN_KEY}` },
      });
      const { data } = (await response.json()) as { data: { pid?: number }[] };
      let killed = 0;
      for (const worker of data)
        if (worker.pid) {
          process.kill(worker.pid, "SIGKILL");
          killed++;
        }
      return killed;
    },
  };
}
