// Invoking an agent: check the agent, its spec and the payer's voucher; reserve the call's
// maximum price; run the invocation graph (retrieve → … → receipt) against the pool; charge the
// actual price and store the signed receipt. Any failure releases the reservation: nothing a
// payer did not get is charged, and a repeated request id is answered from the stored call.
import { randomUUID } from "node:crypto";
import {
  actualPrice,
  type ChatTurn,
  checkVoucher,
  createInvocationGraph,
  type InvocationStateType,
  maxPrice,
  PromptTooLongError,
  RECEIPT_TYPES,
  receiptDomain,
  receiptMessage,
  signReceipt,
} from "@tributary/agents";
import { canonicalJsonHash } from "@tributary/contracts";
import * as t from "@tributary/indexer/schema";
import { eq, inArray } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { Services } from "../context.ts";
import { InvalidInputError, NotFoundError, TributaryError } from "../errors.ts";
import { createChainFacts } from "./chain-facts.ts";
import { checkAnswerCitations } from "./citations.ts";
import {
  AgentInactiveError,
  AgentSpecUnavailableError,
  InferenceFailedError,
  VoucherRefusedError,
} from "./errors.ts";
import type { InvocationRow, Ledger } from "./ledger.ts";
import type { PoolClient } from "./pool-client.ts";
import { type EnsembleMember, jsonSafe, receiptLists } from "./receipt-lists.ts";
import type { SignerVault } from "./signers.ts";
import type { SpecStore } from "./specs.ts";

export interface InvokeArgs {
  agentId: bigint;
  requestId: string;
  input: { messages: ChatTurn[]; maxTokens?: number | null; temperature?: number | null };
  voucher: { payer: Address; cumulativeAmount: bigint; expiry: bigint; signature: Hex };
}

export interface RuntimeOptions {
  /** A voucher must stay redeemable this long after a call (the next settlement + margin). */
  voucherMinLifetimeS: number;
  /** Minimum span length credited in receipts, in tokens. */
  spanMinTokens: number;
}

const UINT63 = 2n ** 63n;
const MAX_TURNS = 32;
const MAX_INPUT_CHARS = 32_000;

function checkInput(args: InvokeArgs) {
  if (!/^[\w.:-]{1,128}$/.test(args.requestId))
    throw new InvalidInputError("requestId must be 1–128 of [A-Za-z0-9_.:-]", "requestId");
  const { messages } = args.input;
  if (messages.length === 0 || messages.length > MAX_TURNS)
    throw new InvalidInputError(`input.messages takes 1–${MAX_TURNS} turns`, "input.messages");
  if (messages.at(-1)?.role !== "user")
    throw new InvalidInputError("the last turn must be the user's", "input.messages");
  if (messages.reduce((n, m) => n + m.content.length, 0) > MAX_INPUT_CHARS)
    throw new InvalidInputError(
      `input.messages hold over ${MAX_INPUT_CHARS} characters`,
      "input.messages",
    );
  const { temperature } = args.input;
  if (temperature != null && !(temperature >= 0 && temperature <= 2))
    throw new InvalidInputError("input.temperature must be in [0, 2]", "input.temperature");
}

export function createAgentRuntime(deps: {
  services: Services;
  specs: SpecStore;
  ledger: Ledger;
  vault: SignerVault;
  pool: PoolClient;
  options: RuntimeOptions;
}) {
  const { services, specs, ledger, vault, pool, options } = deps;
  const { reader, rag, chain } = services;
  const readChainState = createChainFacts(reader);
  const graph = createInvocationGraph({
    search: (q) =>
      rag.search(null, {
        text: q.text,
        datanets: q.datanets,
        contributor: null,
        k: q.k,
        minScore: q.minScore,
        mode: q.mode,
      }),
    checkCitations: checkAnswerCitations,
    attributeSpans: async (answer, datanets) =>
      (await rag.attributeSpans(null, answer, { datanets, minTokens: options.spanMinTokens })).map(
        (span) => ({
          ...span,
          contributions: span.contributions.map((c) => ({
            ...c,
            contributor: c.contributor as Address,
          })),
        }),
      ),
    readChainState,
    pool: {
      get baseURL() {
        return pool.baseURL;
      },
      apiKey: pool.apiKey,
      get model() {
        return poolModel;
      },
      usage: (id) => pool.usage(id),
      countTokens: (turns) => pool.countTokens(turns),
    },
  });
  let poolModel = "";

  async function loadAgent(agentId: bigint) {
    const [agent] =
      agentId < UINT63 ? await reader.db.select().from(t.agent).where(eq(t.agent.id, agentId)) : [];
    if (!agent) throw new NotFoundError("Agent", agentId.toString());
    if (!agent.active) throw new AgentInactiveError(agentId);
    const spec = await specs.get(agent.specHash);
    if (!spec) throw new AgentSpecUnavailableError(agentId, agent.specHash);
    return { agent, spec };
  }

  async function ensembleOf(spec: { ensemble: { adapter: string; weight: number }[] }) {
    const ids = spec.ensemble.map((m) => BigInt(m.adapter));
    const rows = await reader.db.select().from(t.model).where(inArray(t.model.id, ids));
    const members: (EnsembleMember & { contentHash: string; datanetIds: bigint[] })[] = [];
    for (const m of spec.ensemble) {
      const row = rows.find((r) => r.id === BigInt(m.adapter));
      if (!row || row.status !== "Active")
        throw new InvalidInputError(
          `adapter ${m.adapter} of the agent's spec is not active`,
          "agentId",
        );
      members.push({
        adapterId: row.id,
        weight: m.weight,
        owner: row.owner,
        trainingManifestHash: (row.trainingManifestHash ?? `0x${"00".repeat(32)}`) as Hex,
        contentHash: row.contentHash.toLowerCase().replace(/^0x/, ""),
        datanetIds: row.datanetIds ?? [],
      });
    }
    return members;
  }

  async function escrowOf(payer: Address) {
    const [row] = await reader.db.select().from(t.escrow).where(eq(t.escrow.payer, payer));
    if (!row) return { redeemed: 0n, availableEscrow: 0n };
    const available = row.balance - (row.pendingWithdrawal ?? 0n);
    return { redeemed: row.redeemed, availableEscrow: available > 0n ? available : 0n };
  }

  async function checkPayerVoucher(voucher: InvokeArgs["voucher"]) {
    const nowS = BigInt(Math.floor(Date.now() / 1000));
    const problem = await checkVoucher({
      client: chain.publicClient,
      chainId: chain.chainId,
      settlement: chain.address("AttributionSettlement"),
      voucher: {
        payer: voucher.payer,
        cumulativeAmount: voucher.cumulativeAmount,
        expiry: voucher.expiry,
        signature: voucher.signature,
      },
      nowS,
      minLifetimeS: BigInt(options.voucherMinLifetimeS),
    });
    if (problem?.kind === "INVALID_SIGNATURE")
      throw new VoucherRefusedError(
        "INVALID_SIGNATURE",
        "The voucher is not signed by its payer for this chain's settlement contract",
      );
    if (problem?.kind === "EXPIRES_TOO_SOON")
      throw new VoucherRefusedError(
        "EXPIRES_TOO_SOON",
        `The voucher expires at ${problem.expiry}; calls need one valid until at least ${problem.notBefore}`,
      );
    return nowS + BigInt(options.voucherMinLifetimeS);
  }

  return {
    /**
     * Runs one call to the end (or returns the stored one for a repeated request id). Tokens
     * go to `onToken` as the pool streams them; `signal` cancels the generation.
     */
    async invoke(
      args: InvokeArgs,
      io: { signal: AbortSignal; onToken(index: number, text: string): void },
    ): Promise<InvocationRow> {
      checkInput(args);
      const { agent, spec } = await loadAgent(args.agentId);
      const validFrom = await checkPayerVoucher(args.voucher);
      const maxTokens = Math.min(
        args.input.maxTokens ?? spec.generation.maxTokens,
        spec.generation.maxTokens,
      );
      if (maxTokens < 1)
        throw new InvalidInputError("input.maxTokens must be at least 1", "input.maxTokens");
      const temperature = args.input.temperature ?? spec.generation.temperature;
      const inputHash = canonicalJsonHash({
        agentId: args.agentId.toString(),
        messages: args.input.messages,
        maxTokens,
        temperature,
      });
      const payer = args.voucher.payer;
      const key = { payer, requestId: args.requestId };
      const poolRequestId = `inv-${randomUUID()}`;
      const outcome = await ledger.reserve({
        ...key,
        agentId: agent.id,
        operator: agent.operator,
        inputHash,
        maxPrice: maxPrice(spec, maxTokens),
        poolRequestId,
        voucher: {
          cap: args.voucher.cumulativeAmount,
          expiry: args.voucher.expiry,
          signature: args.voucher.signature,
        },
        chain: await escrowOf(payer),
        voucherValidFrom: validFrom,
      });
      if (outcome.kind === "done") return outcome.row;

      let settled: InvocationRow | null = null;
      try {
        poolModel = (await pool.identify()).model;
        const ensemble = await ensembleOf(spec);
        const signer = await vault.forAgent(agent);
        const spanDatanets = [
          ...new Set([
            ...spec.retrieval.datanets.map(BigInt),
            ...ensemble.flatMap((m) => m.datanetIds),
          ]),
        ];
        const issueReceipt = async (state: InvocationStateType) => {
          if (!state.usage)
            throw new InferenceFailedError("the pool kept no usage record of the call");
          const tokensOut = state.usage.completionTokens;
          const price = actualPrice(spec, Math.min(tokensOut, maxTokens));
          const lists = receiptLists(state, ensemble);
          const message = receiptMessage({
            requestId: args.requestId,
            agentId: agent.id,
            specHash: agent.specHash,
            payer,
            price,
            tokensIn: state.usage.promptTokens,
            tokensOut,
            issuedAt: BigInt(Math.floor(Date.now() / 1000)),
            ...lists,
            usageDigest: state.usage.digest,
          });
          const signed = await signReceipt(
            signer,
            receiptDomain(chain.chainId, chain.address("AgentStaking")),
            message,
          );
          settled = await ledger.settle(key, {
            price,
            tokensIn: state.usage.promptTokens,
            tokensOut,
            result: jsonSafe({
              answer: state.answer,
              finishReason: state.finishReason,
              hits: state.hits,
              citations: state.citations,
              citationCheck: {
                ok: state.citationFailures.length === 0,
                failures: state.citationFailures,
              },
              spans: state.spans,
              toolCalls: state.toolCalls,
            }),
            receipt: jsonSafe({
              domain: signed.domain,
              types: RECEIPT_TYPES,
              primaryType: "Receipt",
              message: signed.message,
              signature: signed.signature,
              signer: signed.signer,
              lists,
              usage: {
                record: state.usage.record,
                digest: state.usage.digest,
                signature: state.usage.signature,
                signer: state.usage.signer,
              },
            }),
          });
        };
        await graph.run(args.input.messages, {
          spec,
          adapters: ensemble.map((m) => ({ id: m.contentHash, weight: m.weight })),
          poolRequestId,
          maxTokens,
          temperature,
          spanDatanets,
          onToken: io.onToken,
          signal: io.signal,
          issueReceipt,
        });
        if (!settled) throw new Error("the graph ended without a receipt");
        return settled;
      } catch (error) {
        const failure =
          error instanceof TributaryError
            ? error
            : error instanceof PromptTooLongError
              ? new InvalidInputError(error.message, "input.messages")
              : new InferenceFailedError(
                  io.signal.aborted
                    ? "The call was cancelled before it finished; nothing was charged"
                    : `Generation failed; nothing was charged (${(error as Error).message.slice(0, 200)})`,
                );
        await ledger.release(key, { code: failure.code, message: failure.message });
        services.log.warn({ err: error, requestId: args.requestId, payer }, "invocation failed");
        throw failure;
      }
    },
  };
}

export type AgentRuntime = ReturnType<typeof createAgentRuntime>;
