// What a call costs under its spec: perCall + perOutputToken × output tokens, in TRIB wei.
import type { AgentSpec } from "./spec/spec.ts";

/** The most a call can cost: every token of the spec's (or the caller's smaller) budget used. */
export function maxPrice(spec: AgentSpec, maxTokens: number): bigint {
  return BigInt(spec.price.perCall) + BigInt(spec.price.perOutputToken) * BigInt(maxTokens);
}

export function actualPrice(spec: AgentSpec, tokensOut: number): bigint {
  return BigInt(spec.price.perCall) + BigInt(spec.price.perOutputToken) * BigInt(tokensOut);
}
