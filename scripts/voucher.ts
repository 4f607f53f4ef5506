// `npm run voucher`: signs a voucher as the devnet payer against the running devnet, signs the
// payer in to the API (SIWE), and prints what GraphiQL needs to invoke the demo agent: the
// Authorization header, the mutation and its variables (and the same as a curl command).
//   npm run voucher -- [--cap 10] [--days 7] [--agent 1] [--role payer] [--json]
import { parseArgs } from "node:util";
import { signVoucher } from "@tributary/agents";
import { signIn } from "@tributary/api/seed";
import { type DevnetRole, devnetAccount, readDeployment } from "@tributary/contracts";
import { createPublicClient, http, parseEther } from "viem";
import { localEndpoints } from "./endpoints.ts";

const { values } = parseArgs({
  options: {
    cap: { type: "string", default: "10" },
    days: { type: "string", default: "7" },
    agent: { type: "string", default: "1" },
    role: { type: "string", default: "payer" },
    /** Print `{ url, headers, query, variables }` as one JSON line instead (for scripts). */
    json: { type: "boolean", default: false },
  },
});
const { rpcUrl, apiUrl } = localEndpoints();

const chainId = await createPublicClient({ transport: http(rpcUrl) }).getChainId();
const deployment = readDeployment(chainId, process.env.TRIBUTARY_DEPLOYMENTS_DIR);
const role = values.role as DevnetRole;
const payer = devnetAccount(role);
const cumulativeAmount = parseEther(values.cap);
const expiry = BigInt(Math.floor(Date.now() / 1000) + Number(values.days) * 86_400);
const signature = await signVoucher(payer, {
  chainId,
  settlement: deployment.contracts.AttributionSettlement.address,
  cumulativeAmount,
  expiry,
});
// SIWE names the API's public URL when one is configured (TRIBUTARY_PUBLIC_URL).
const token = await signIn(apiUrl, chainId, role, process.env.TRIBUTARY_PUBLIC_URL || undefined);

const query = `mutation Invoke($agentId: BigInt!, $requestId: String!, $input: AgentInput!, $voucher: VoucherInput!) {
  invokeAgent(agentId: $agentId, requestId: $requestId, input: $input, voucher: $voucher) {
    __typename
    ... on MutationInvokeAgentSuccess { data { answer price tokensOut citationCheck { ok failures { kind message } } sources { text citation { contribution { contributionId } contributor { address } } } receipt { signer signature typedData { message } } } }
    ... on Error { code message }
  }
}`;
const variables = {
  agentId: values.agent,
  requestId: `demo-${Date.now()}`,
  input: { messages: [{ role: "user", content: "How does Tributary serve many LoRA adapters?" }] },
  voucher: {
    payer: payer.address,
    cumulativeAmount: cumulativeAmount.toString(),
    expiry: expiry.toString(),
    signature,
  },
};
const headers = { authorization: `Bearer ${token}` };
if (values.json) {
  process.stdout.write(`${JSON.stringify({ url: apiUrl, headers, query, variables })}\n`);
  process.exit(0);
}
process.stdout.write(
  [
    `Voucher signed by the devnet ${role} ${payer.address}: cap ${values.cap} TRIB, valid ${values.days} days.`,
    "",
    `GraphiQL (${apiUrl}) — Headers:`,
    JSON.stringify(headers, null, 2),
    "",
    "Query:",
    query,
    "",
    "Variables (change requestId for each new call; the same one returns the same receipt):",
    JSON.stringify(variables, null, 2),
    "",
    "Or with curl:",
    `curl -s ${apiUrl} -H 'content-type: application/json' -H 'authorization: Bearer ${token}' \\`,
    `  -d '${JSON.stringify({ query, variables }).replaceAll("'", "'\\''")}'`,
    "",
  ].join("\n"),
);
