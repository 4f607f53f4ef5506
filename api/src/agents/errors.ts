// Expected failures of composing and invoking agents (see schema/agent-errors.ts for their
// GraphQL types). Nothing is charged when any of them is raised.
import type { SpecProblem } from "@tributary/agents";
import { TributaryError } from "../errors.ts";

/** The spec does not fit the JSON Schema or names ids the chain does not back. */
export class InvalidAgentSpecError extends TributaryError {
  readonly code = "INVALID_AGENT_SPEC";
  constructor(readonly problems: SpecProblem[]) {
    super(
      `The agent spec is invalid: ${problems.map((p) => `${p.field || "/"} ${p.message}`).join("; ")}`,
    );
  }
  get field(): string {
    return this.problems[0]?.field ?? "";
  }
}

/** The agent's active stake is under its minimum: it cannot be invoked. */
export class AgentInactiveError extends TributaryError {
  readonly code = "AGENT_INACTIVE";
  constructor(readonly agentId: bigint) {
    super(`Agent ${agentId} is inactive (active stake under its minimum)`);
  }
}

/**
 * The agent's receipt signer (held by this service) is not authorized on chain, as the indexer
 * last saw it: its receipts would be refused by settlement and as dispute evidence, so the agent
 * is not served until its operator authorizes the signer (`prepareSetAgentSigner`).
 */
export class AgentSignerUnauthorizedError extends TributaryError {
  readonly code = "AGENT_SIGNER_UNAUTHORIZED";
  constructor(
    readonly agentId: bigint,
    readonly signer: string,
  ) {
    super(
      `Agent ${agentId}'s receipt signer ${signer} is not authorized on chain: its operator must authorize it (prepareSetAgentSigner) before the agent can be invoked`,
    );
  }
}

/** This service holds no spec whose hash is the one the chain records for the agent. */
export class AgentSpecUnavailableError extends TributaryError {
  readonly code = "AGENT_SPEC_UNAVAILABLE";
  constructor(
    readonly agentId: bigint,
    readonly specHash: string,
  ) {
    super(
      `Agent ${agentId}'s on-chain spec ${specHash} was never stored here (createAgent or updateAgent stores it)`,
    );
  }
}

export type VoucherRefusal =
  | "INVALID_SIGNATURE"
  | "EXPIRES_TOO_SOON"
  | "OVER_CAP"
  | "INSUFFICIENT_ESCROW";

/** The voucher cannot back this call; nothing was charged. */
export class VoucherRefusedError extends TributaryError {
  readonly code = "VOUCHER_REFUSED";
  constructor(
    readonly reason: VoucherRefusal,
    message: string,
    /** What the call needed the cap (or the escrow) to cover, where that is the reason. */
    readonly needed: bigint | null = null,
  ) {
    super(message);
  }
}

/** The payer already used this request id: for other input, or the first call still runs. */
export class RequestIdConflictError extends TributaryError {
  readonly code = "REQUEST_ID_CONFLICT";
  override readonly retryable: boolean;
  constructor(
    readonly reason: "DIFFERENT_INPUT" | "IN_PROGRESS",
    readonly requestId: string,
  ) {
    super(
      reason === "IN_PROGRESS"
        ? `Request ${requestId} is still running; fetch its receipt when it ends`
        : `Request id ${requestId} was already used by this payer for another call`,
    );
    this.retryable = reason === "IN_PROGRESS";
  }
}

/** Generation failed (a worker died, the pool is down, the client went away); not charged. */
export class InferenceFailedError extends TributaryError {
  readonly code = "INFERENCE_FAILED";
  override readonly retryable = true;
}
