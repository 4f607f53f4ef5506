// The end of a call: price it from the pool's signed usage record, sign the receipt with the
// agent's key, and charge it in the same step that stores the result and queues the payouts it
// credits (ledger.settle).
import {
  type AgentSpec,
  actualPrice,
  type InvocationStateType,
  RECEIPT_TYPES,
  receiptDomain,
  receiptMessage,
  type SignedUsage,
  signReceipt,
  type TrainingAttribution,
} from "@tributary/agents";
import type { Address, Hex, LocalAccount } from "viem";
import type { ChainService } from "../chain/index.ts";
import type { PayoutEvent } from "../payouts/events.ts";
import { manifestHashesOf } from "../settlement/training-attribution.ts";
import type { InvocationRow, Ledger } from "./ledger.ts";
import { type EnsembleMember, jsonSafe, receiptLists } from "./receipt-lists.ts";

export interface CallFacts {
  key: { payer: Address; requestId: string };
  agent: { id: bigint; specHash: Hex };
  spec: AgentSpec;
  maxTokens: number;
  ensemble: EnsembleMember[];
  signer: LocalAccount;
  /** The chain's time when the call was taken (see the runtime's `chainTime`). */
  issuedAt: bigint;
}

export async function issueReceipt(
  deps: {
    ledger: Ledger;
    chain: ChainService;
    /** The charged call's payout events, queued with the charge, split with `training`. */
    payouts: (charged: InvocationRow, training: TrainingAttribution) => PayoutEvent[];
    /** The training attribution of these manifest hashes (settlement/training-attribution.ts). */
    training: (manifestHashes: readonly string[]) => Promise<TrainingAttribution>;
  },
  call: CallFacts,
  state: InvocationStateType,
  usage: SignedUsage,
  /** Set when the client went away mid-answer: it is charged for what the pool generated. */
  cancelled = false,
): Promise<InvocationRow> {
  const tokensOut = usage.completionTokens;
  const price = actualPrice(call.spec, Math.min(tokensOut, call.maxTokens));
  const lists = receiptLists(state, call.ensemble);
  // Read before the charge: the payouts are split inside its transaction, synchronously.
  const training = await deps.training(manifestHashesOf([{ lists }]));
  const message = receiptMessage({
    requestId: call.key.requestId,
    agentId: call.agent.id,
    specHash: call.agent.specHash,
    payer: call.key.payer,
    price,
    tokensIn: usage.promptTokens,
    tokensOut,
    issuedAt: call.issuedAt,
    ...lists,
    usageDigest: usage.digest,
  });
  const domain = receiptDomain(deps.chain.chainId, deps.chain.address("AgentStaking"));
  const signed = await signReceipt(call.signer, domain, message);
  return deps.ledger.settle(
    call.key,
    {
      price,
      tokensIn: usage.promptTokens,
      tokensOut,
      result: jsonSafe({
        answer: state.answer,
        finishReason: cancelled ? "cancelled" : state.finishReason,
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
          record: usage.record,
          digest: usage.digest,
          signature: usage.signature,
          signer: usage.signer,
        },
      }),
    },
    (charged) => deps.payouts(charged, training),
  );
}
