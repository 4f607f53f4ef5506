import { specHash as canonicalJsonHash } from "../spec/spec.ts";

/**
 * A fee-split policy: how one receipt's price is divided, in basis points. A receipt names the
 * version it was priced under; a version, once published, never changes (settled epochs are
 * recomputed from it), so a change is a new version. Each epoch publishes the hash of every
 * version its receipts use.
 */
export interface SplitPolicy {
  version: number;
  /** Shares of the price (sum 10,000). */
  price: {
    protocol: number;
    operator: number;
    /** To the agent's delegators, through AgentStaking's rewards for that agent. */
    stakers: number;
    adapters: number;
    data: number;
  };
  /** Shares of the data part among its three signals (sum 10,000). */
  data: { citations: number; retrieval: number; spans: number };
  /**
   * Part of an adapter's share that goes to the data its training used, by the training
   * manifest's attribution; without a manifest the owner keeps all of it.
   */
  trainingBps: number;
}

export const POLICIES: Readonly<Record<number, SplitPolicy>> = {
  1: {
    version: 1,
    price: { protocol: 500, operator: 1000, stakers: 1000, adapters: 3000, data: 4500 },
    data: { citations: 4000, retrieval: 3000, spans: 3000 },
    trainingBps: 5000,
  },
};

export class UnknownPolicyError extends Error {
  constructor(readonly version: number) {
    super(`no fee-split policy has version ${version}`);
    this.name = "UnknownPolicyError";
  }
}

export function policy(version: number): SplitPolicy {
  const found = POLICIES[version];
  if (!found) throw new UnknownPolicyError(version);
  return found;
}

/** keccak256 of the policy's RFC 8785 canonical JSON: what an epoch's data records. */
export const policyHash = (version: number) => canonicalJsonHash(policy(version));
