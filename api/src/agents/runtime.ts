// Invoking an agent: check the agent, its spec and the payer's voucher; reserve the call's
// maximum price; run the invocation graph (retrieve → … → receipt) against the pool; charge the
// actual price and store the signed receipt. Any failure releases the reservation: nothing a
// payer did not get is charged, and a repeated request id is answered from the stored call.
import { randomUUID } from "node:crypto";
import {
  type ChatTurn,
  checkVoucher,
  createInvocationGraph,
  type InvocationStateType,
  maxPrice,
  PromptTooLongError,
  type SignedUsage,
  type TrainingAttribution,
} from "@tributary/agents";
import { canonicalJsonHash } from "@tributary/contracts";
import * as t from "@tributary/indexer/schema";
import { and, eq, inArray } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { Services } from "../context.ts";
import { InvalidInputError, NotFoundError, TributaryError } from "../errors.ts";
import { accruedOfCharge } from "../payouts/accrued.ts";
import { payoutsCommitted } from "../payouts/outbox.ts";
import { INT8_LIMIT } from "../rag/upload.ts";
import { activeAtHead } from "../schema/reward-vesting.ts";
import { protocolAccount } from "../settlement/deps.ts";
import { loadTrainingAttribution } from "../settlement/training-attribution.ts";
import { createChainFacts } from "./chain-facts.ts";
import { checkAnswerCitations } from "./citations.ts";
import {
  AgentInactiveError,
  AgentSignerUnauthorizedError,
  AgentSpecUnavailableError,
  InferenceFailedError,
  VoucherRefusedError,
} from "./errors.ts";
import { type CallFacts, issueReceipt } from "./issue-receipt.ts";
import type { InvocationRow, Ledger } from "./ledger.ts";
import type { PoolClient } from "./pool-client.ts";
import type { EnsembleMember } from "./receipt-lists.ts";
import type { SignerVault } from "./signers.ts";
import type { SpecStore } from "./specs.ts";

export interface InvokeArgs {
  agentId: bigint;
  requestId: string;
  input: {
    messages: ChatTurn[];
    maxTokens?: number | null;
    temperature?: number | null;
    /** The most the payer accepts for this call (refused, not charged, above it). */
    maxPrice?: bigint | null;
  };
  voucher: { payer: Address; cumulativeAmount: bigint; expiry: bigint; signature: Hex };
}

export interface RuntimeOptions {
  /** A voucher must stay redeemable this long after a call (the next settlement + margin). */
  voucherMinLifetimeS: number;
  /** Minimum span length credited in receipts, in tokens. */
  spanMinTokens: number;
}

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

/** How far a call got: what a failure handler needs to charge a cancelled call. */
interface CallProgress {
  call: CallFacts | null;
  state: InvocationStateType | null;
  /** The answer's text as it reached the client. */
  delivered: string;
  settled: InvocationRow | null;
}

/** Cumulative milliseconds and counts per phase of a call (what `bench:agents` breaks down). */
export type PhaseStats = Record<string, { ms: number; calls: number }>;

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
  const phases: PhaseStats = {};
  const record = (phase: string, ms: number) => {
    const entry = phases[phase] ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls++;
    phases[phase] = entry;
  };
  async function timed<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      record(phase, performance.now() - started);
    }
  }
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
      baseURL: pool.baseURL,
      apiKey: pool.apiKey,
      model: async () => (await pool.identify()).model,
      usage: (id) => pool.usage(id),
      countTokens: (turns) => pool.countTokens(turns),
      contextLength: async () => (await pool.identify()).contextLength,
    },
  });

  async function loadAgent(agentId: bigint) {
    const [agent] =
      agentId < INT8_LIMIT
        ? await reader.db.select().from(t.agent).where(eq(t.agent.id, agentId))
        : [];
    if (!agent) throw new NotFoundError("Agent", agentId.toString());
    // Active as the chain says now: rewards vested since the agent's last event count.
    if (!(await activeAtHead({ reader }, agent))) throw new AgentInactiveError(agentId);
    const spec = await specs.get(agent.specHash);
    if (!spec) throw new AgentSpecUnavailableError(agentId, agent.specHash);
    return { agent, spec };
  }

  /** The agent's signing key, refused unless the chain (as indexed) authorizes it now. */
  async function authorizedSigner(agent: { id: bigint; operator: Address; specHash: Hex }) {
    const signer = await vault.forAgent(agent);
    const [row] = await reader.db
      .select({ authorized: t.agentSigner.authorized })
      .from(t.agentSigner)
      .where(and(eq(t.agentSigner.agentId, agent.id), eq(t.agentSigner.signer, signer.address)));
    if (!row?.authorized) throw new AgentSignerUnauthorizedError(agent.id, signer.address);
    return signer;
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

  /**
   * The receipt's `issuedAt`: the chain's time, not this machine's. A signer's authorization at
   * a time the chain has reached is final (later blocks carry later times), so the receipt can
   * settle at once; a wall clock ahead of the chain (or behind a devnet's advanced clock) would
   * stamp times whose authorization is not yet decided, or predates it.
   */
  async function chainTime(): Promise<bigint> {
    try {
      return (await chain.publicClient.getBlock()).timestamp;
    } catch (error) {
      throw new InferenceFailedError("The chain node is unavailable; retry later", {
        cause: error,
      });
    }
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

  const protocol = protocolAccount(chain);
  const payouts = (charged: InvocationRow, training: TrainingAttribution) =>
    accruedOfCharge(charged, protocol, training, services.log);
  const training = (hashes: readonly string[]) => loadTrainingAttribution(services.app.db, hashes);
  /**
   * Issues the receipt; its payees' PayoutAccrued are queued with the charge and relayed once
   * (a replayed request id never gets here).
   */
  const issue = (
    call: CallFacts,
    state: InvocationStateType,
    usage: SignedUsage,
    cancelled = false,
  ) =>
    timed("settle", async () => {
      const row = await issueReceipt(
        { ledger, chain, payouts, training },
        call,
        state,
        usage,
        cancelled,
      );
      payoutsCommitted(services.pubsub);
      return row;
    });

  /**
   * Charges a call the client left after tokens reached it: the answer as delivered, priced by
   * the pool's record of what it generated. False when there is nothing to charge.
   */
  async function chargeCancelled(progress: CallProgress, poolRequestId: string) {
    const { call, state, delivered } = progress;
    if (!call || !state || delivered === "") return false;
    const usage = await cancelledUsage(poolRequestId).catch(() => null);
    if (!usage) return false;
    const partial = { ...state, answer: delivered, citations: [], citationFailures: [], spans: [] };
    return issue(call, partial, usage, true).then(
      () => true,
      (error) => {
        services.log.error(
          { err: error, requestId: call.key.requestId },
          "charging a cancelled call failed",
        );
        return false;
      },
    );
  }

  /** The pool's record of a cancelled generation: it is written once the engine stops. */
  async function cancelledUsage(poolRequestId: string): Promise<SignedUsage | null> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const usage = await pool.usage(poolRequestId);
      if (usage) return usage;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return null;
  }

  return {
    /** Cumulative time per phase since start (the graph's nodes and the steps around them). */
    phaseStats: (): PhaseStats => structuredClone(phases),
    /**
     * Runs one call to the end (or returns the stored one for a repeated request id). Tokens
     * go to `onToken` as the pool streams them; `signal` cancels the generation.
     */
    async invoke(
      args: InvokeArgs,
      io: { signal: AbortSignal; stream: boolean; onToken(index: number, text: string): void },
    ): Promise<InvocationRow> {
      checkInput(args);
      // Independent reads, at once: the agent and its spec, the voucher's signature, the escrow.
      // The signer check follows the agent's row and overlaps the voucher and escrow reads; it
      // is awaited before anything is reserved (an unauthorized signer's receipt cannot settle).
      const agentRead = timed("loadAgent", () => loadAgent(args.agentId));
      const signerRead = agentRead.then(({ agent }) =>
        timed("signerKey", () => authorizedSigner(agent)),
      );
      signerRead.catch(() => {});
      const [{ agent, spec }, validFrom, escrow, issuedAt] = await Promise.all([
        agentRead,
        timed("checkVoucher", () => checkPayerVoucher(args.voucher)),
        timed("readEscrow", () => escrowOf(args.voucher.payer)),
        timed("chainTime", () => chainTime()),
      ]);

      const maxTokens = Math.min(
        args.input.maxTokens ?? spec.generation.maxTokens,
        spec.generation.maxTokens,
      );
      if (maxTokens < 1)
        throw new InvalidInputError("input.maxTokens must be at least 1", "input.maxTokens");
      // The payer's bound on this call: an operator's later price rise is refused, not charged.
      const callMax = maxPrice(spec, maxTokens);
      if (args.input.maxPrice != null && callMax > args.input.maxPrice)
        throw new InvalidInputError(
          `This call may cost up to ${callMax} under the agent's current spec, above input.maxPrice ${args.input.maxPrice}`,
          "input.maxPrice",
        );
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
      // What the call needs next, read while the reservation commits.
      const ensembleRead = timed("ensemble", () => ensembleOf(spec));
      ensembleRead.catch(() => {});
      const signer = await signerRead;
      const outcome = await timed("reserve", () =>
        ledger.reserve({
          ...key,
          agentId: agent.id,
          operator: agent.operator,
          inputHash,
          maxPrice: callMax,
          poolRequestId,
          voucher: {
            cap: args.voucher.cumulativeAmount,
            expiry: args.voucher.expiry,
            signature: args.voucher.signature,
          },
          chain: escrow,
          voucherValidFrom: validFrom,
        }),
      );
      if (outcome.kind === "done") return outcome.row;

      const progress: CallProgress = { call: null, state: null, delivered: "", settled: null };
      try {
        const ensemble = await ensembleRead;
        progress.call = { key, agent, spec, maxTokens, ensemble, signer, issuedAt };
        const spanDatanets = [
          ...new Set([
            ...spec.retrieval.datanets.map(BigInt),
            ...ensemble.flatMap((m) => m.datanetIds),
          ]),
        ];
        await graph.run(
          args.input.messages,
          {
            spec,
            adapters: ensemble.map((m) => ({ id: m.contentHash, weight: m.weight })),
            poolRequestId,
            maxTokens,
            temperature,
            spanDatanets,
            onToken: (index, text) => {
              progress.delivered += text;
              io.onToken(index, text);
            },
            signal: io.signal,
            stream: io.stream,
            issueReceipt: async (state) => {
              if (!state.usage || !progress.call)
                throw new InferenceFailedError("the pool kept no usage record of the call");
              progress.settled = await issue(progress.call, state, state.usage);
            },
            onPhase: record,
          },
          (state) => {
            progress.state = state;
          },
        );
        if (!progress.settled) throw new Error("the graph ended without a receipt");
        return progress.settled;
      } catch (error) {
        // A client that leaves after tokens reached it pays for what the pool generated: else
        // disconnecting (and retrying the request id) would get answers for free.
        if (io.signal.aborted && (await chargeCancelled(progress, poolRequestId)))
          throw new InferenceFailedError(
            "The call was cancelled; the tokens delivered were charged",
          );
        const failure =
          error instanceof TributaryError
            ? error
            : error instanceof PromptTooLongError
              ? new InvalidInputError(error.message, "input.messages")
              : new InferenceFailedError(
                  io.signal.aborted
                    ? "The call was cancelled before any token reached the client; nothing was charged"
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
