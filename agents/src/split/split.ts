import type { Address, Hex } from "viem";
import type {
  ReceiptAdapter,
  ReceiptCitation,
  ReceiptRetrieval,
  ReceiptSpan,
} from "../receipt/receipt.ts";
import { apportion } from "./apportion.ts";
import { policy } from "./policy.ts";

/** Why an account is paid: the first three earn no votes (protocol v2's M6). */
export type ShareRole =
  | "protocol"
  | "operator"
  | "adapter"
  | "training"
  | "citation"
  | "retrieval"
  | "span";

export interface Share {
  account: Address;
  role: ShareRole;
  amount: bigint;
  /**
   * Counts toward contribution votes: data and adapter-building earnings only, and never when
   * the payee is the payer (who would otherwise buy votes with its own fees).
   */
  voteEligible: boolean;
}

export interface ReceiptSplit {
  policyVersion: number;
  shares: Share[];
  /** The agent's stakers' part, paid into AgentStaking's rewards for `agentId`. */
  stakers: { agentId: bigint; amount: bigint };
}

/** What a split reads: the receipt with its lists, and who held two roles at call time. */
export interface SplitInput {
  agentId: bigint;
  payer: Address;
  price: bigint;
  policyVersion: number;
  adapters: readonly ReceiptAdapter[];
  retrieval: readonly ReceiptRetrieval[];
  citations: readonly ReceiptCitation[];
  spans: readonly ReceiptSpan[];
  /** Where the protocol's part goes (the treasury). */
  protocol: Address;
  /** The agent's operator when the receipt was issued. */
  operator: Address;
}

/** A training manifest's attribution: each contributor's weight in what the adapter learnt. */
export type TrainingAttribution = (
  manifestHash: Hex,
) => readonly { contributor: Address; weight: bigint }[] | null;

/** The training-manifest hash of an adapter registered without one. */
export const NO_MANIFEST = `0x${"0".repeat(64)}`;

/**
 * Splits a receipt's price among everyone whose work the call used. A pure function of the
 * receipt (with its lists), its policy version and the training manifests it names: anyone can
 * recompute it. Integer arithmetic throughout; every division is `apportion`'s (largest
 * remainder), so the shares and the stakers' part sum to exactly the price.
 *
 * 1. The price is divided by the policy's `price` shares among protocol, operator, stakers,
 *    adapters and data. A part with nobody to pay rolls over: data with no retrieval to the
 *    adapters, adapters with no ensemble to the data, both empty to the operator.
 * 2. Adapters: by `weightPpm` among the ensemble's owners. Of each adapter's amount,
 *    `trainingBps` goes to the contributors its training manifest credits, by their weights;
 *    without a manifest (or with an empty one) the owner keeps it all.
 * 3. Data: by the policy's `data` shares among citations (one unit per citation), retrieval
 *    (each chunk's `scorePpm`, cited or not) and spans (their length in bytes); a signal with
 *    no weight gives its share to the others, in proportion to theirs.
 * Shares to the same account in the same role are merged, in order of first appearance.
 */
export function splitReceipt(input: SplitInput, training: TrainingAttribution): ReceiptSplit {
  const p = policy(input.policyVersion);
  if (input.price < 0n) throw new RangeError("price must not be negative");
  const out = new Shares(input.payer);

  const dataSignals = [
    { bps: p.data.citations, items: input.citations.map((c) => ({ to: c.contributor, w: 1n })) },
    {
      bps: p.data.retrieval,
      items: input.retrieval.map((r) => ({ to: r.contributor, w: BigInt(r.scorePpm) })),
    },
    {
      bps: p.data.spans,
      items: input.spans.map((s) => ({
        to: s.contributor,
        w: BigInt(Math.max(0, s.end - s.start)),
      })),
    },
  ] as const;
  const roles = ["citation", "retrieval", "span"] as const;
  const hasData = dataSignals.some((s) => s.items.some((i) => i.w > 0n));
  const hasAdapters = input.adapters.some((a) => a.weightPpm > 0);

  const price = p.price;
  const [protocol, operator, stakers, adapterPart, dataPart] = apportion(input.price, [
    BigInt(price.protocol),
    BigInt(price.operator),
    BigInt(price.stakers),
    BigInt(price.adapters),
    BigInt(price.data),
  ]) as [bigint, bigint, bigint, bigint, bigint];
  out.add(input.protocol, "protocol", protocol);
  const pooled = adapterPart + dataPart;
  const toAdapters = !hasAdapters ? 0n : hasData ? adapterPart : pooled;
  const toData = !hasData ? 0n : hasAdapters ? dataPart : pooled;
  out.add(input.operator, "operator", operator + (pooled - toAdapters - toData));

  if (toAdapters > 0n) {
    const perAdapter = apportion(
      toAdapters,
      input.adapters.map((a) => BigInt(a.weightPpm)),
    );
    input.adapters.forEach((adapter, i) => {
      const amount = perAdapter[i] as bigint;
      const credited =
        adapter.trainingManifestHash === NO_MANIFEST
          ? null
          : (training(adapter.trainingManifestHash) ?? null);
      const weights = credited?.filter((c) => c.weight > 0n) ?? [];
      if (weights.length === 0) {
        out.add(adapter.owner, "adapter", amount);
        return;
      }
      const [trained, kept] = apportion(amount, [
        BigInt(p.trainingBps),
        BigInt(10_000 - p.trainingBps),
      ]) as [bigint, bigint];
      out.add(adapter.owner, "adapter", kept);
      const perContributor = apportion(
        trained,
        weights.map((c) => c.weight),
      );
      for (const [j, c] of weights.entries())
        out.add(c.contributor, "training", perContributor[j] as bigint);
    });
  }

  if (toData > 0n) {
    const live = dataSignals.map((s) => (s.items.some((i) => i.w > 0n) ? BigInt(s.bps) : 0n));
    const perSignal = apportion(toData, live);
    dataSignals.forEach((signal, k) => {
      const amount = perSignal[k] as bigint;
      if (live[k] === 0n) return;
      const parts = apportion(
        amount,
        signal.items.map((i) => i.w),
      );
      for (const [j, item] of signal.items.entries())
        out.add(item.to, roles[k] as ShareRole, parts[j] as bigint);
    });
  }

  return {
    policyVersion: p.version,
    shares: out.list(),
    stakers: { agentId: input.agentId, amount: stakers },
  };
}

const VOTE_ROLES: ReadonlySet<ShareRole> = new Set([
  "adapter",
  "training",
  "citation",
  "retrieval",
  "span",
]);

/** Shares merged per (account, role), in order of first appearance; zero amounts dropped. */
class Shares {
  private readonly byKey = new Map<string, Share>();
  constructor(private readonly payer: Address) {}

  add(account: Address, role: ShareRole, amount: bigint) {
    if (amount === 0n) return;
    const key = `${account.toLowerCase()}|${role}`;
    const existing = this.byKey.get(key);
    if (existing) {
      existing.amount += amount;
      return;
    }
    const voteEligible = VOTE_ROLES.has(role) && account.toLowerCase() !== this.payer.toLowerCase();
    this.byKey.set(key, { account, role, amount, voteEligible });
  }

  list(): Share[] {
    return [...this.byKey.values()];
  }
}
