import { type DevnetRole, devnetAccount } from "@tributary/contracts";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import { createSiweMessage } from "viem/siwe";
import WebSocket from "ws";
import type { Stack } from "./stack.ts";

export async function signInAs(
  s: Stack,
  role: DevnetRole,
  tweak: Partial<Parameters<typeof createSiweMessage>[0]> = {},
) {
  const account = devnetAccount(role);
  const nonce = (await s.gql(`mutation { siweNonce { nonce } }`)).data.siweNonce.nonce;
  const message = createSiweMessage({
    domain: "tributary.test",
    address: account.address,
    statement: "Sign in to Tributary",
    uri: "https://tributary.test",
    version: "1",
    chainId: s.anvil.chainId,
    nonce,
    ...tweak,
  });
  const signature = await account.signMessage({ message });
  return { message, signature, account };
}

export const SIGN_IN = `mutation($m: String!, $s: Bytes!) { signIn(message: $m, signature: $s) {
  __typename ... on MutationSignInSuccess { data { token address chainId } } ... on SiweError { reason message } } }`;

export async function sessionFor(s: Stack, role: DevnetRole): Promise<Record<string, string>> {
  const { message, signature } = await signInAs(s, role);
  const result = await s.gql(SIGN_IN, { m: message, s: signature });
  return { authorization: `Bearer ${result.data.signIn.data.token}` };
}

/** Collects events from a subscription over graphql-ws. */
export function wsSubscribe(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const client = createWsClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: headers,
  });
  return collect(client, query, variables, () => client.dispose());
}

/** Collects events from a subscription over SSE (graphql-sse distinct connections, as Yoga serves). */
export function sseSubscribe(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const client = createSseClient({ url, retryAttempts: 0, headers });
  return collect(client, query, variables, () => client.dispose());
}

export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const AGENT_EVENTS = `subscription($id: BigInt!) { agentEvents(agentId: $id) { __typename
  ... on AgentEventBase { action id blockNumber logIndex }
  ... on AgentStakeDelegated { delegator assets shares }
  ... on AgentDisputeOpened { disputeId }
  ... on AgentSelfBondSlashed { disputeId fromBond }
  ... on AgentSlashed { disputeId slashedActive }
  ... on AgentDisputeAccepted { disputeId disputerReward } } }`;
export const PAYOUTS = `subscription($a: Address!) { payouts(account: $a) { __typename
  ... on PayoutEventBase { id account }
  ... on EscrowDeposited { from amount }
  ... on PayoutAccrued { amount requestId agentId shares { role amount } }
  ... on PayoutReverted { revertedId reason } } }`;

/** Subscribes through either client and keeps every event and error it delivers. */
function collect(
  client: {
    subscribe(
      payload: { query: string; variables: Record<string, unknown> },
      sink: { next(value: any): void; error(error: unknown): void; complete(): void },
    ): () => void;
  },
  query: string,
  variables: Record<string, unknown>,
  disposeClient: () => unknown,
) {
  const events: any[] = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (value) => events.push(value),
      error: (error) => errors.push(error),
      complete: () => {},
    },
  );
  return {
    events,
    errors,
    close: () => {
      dispose();
      return disposeClient();
    },
  };
}
