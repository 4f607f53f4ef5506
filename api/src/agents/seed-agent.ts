// `npm start` publishes the demo agent's spec through GraphQL, signed in as its operator (as an
// agent builder's client would): the devnet seed registered the agent on chain under the spec's
// hash, and this stores the spec itself and makes the agent's receipt signer.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Hex } from "viem";
import { gql, signIn } from "../rag/seed-content.ts";

export async function publishDemoAgent(options: {
  apiUrl: string;
  chainId: number;
  /** `demo/` (holds `agents/demo-agent.json`). */
  demoDir: string;
  minStake: bigint;
  /** The API's public URL (default: the API URL). */
  publicUrl?: string;
}): Promise<{ specHash: Hex; signer: Hex }> {
  const spec = JSON.parse(
    readFileSync(path.join(options.demoDir, "agents", "demo-agent.json"), "utf8"),
  );
  const token = await signIn(options.apiUrl, options.chainId, "operator", options.publicUrl);
  const { createAgent } = await gql(
    options.apiUrl,
    `mutation($spec: JSON!, $min: TokenAmount!) { createAgent(spec: $spec, minStake: $min) {
      __typename ... on MutationCreateAgentSuccess { data { specHash signer } } ... on Error { message } } }`,
    { spec, min: options.minStake.toString() },
    token,
  );
  if (createAgent.__typename !== "MutationCreateAgentSuccess")
    throw new Error(`createAgent: ${createAgent.message}`);
  return createAgent.data;
}
