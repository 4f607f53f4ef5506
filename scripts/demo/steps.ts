// The payable-AI loop, one step per function, each through the public GraphQL API:
// contribute → validate → compose → invoke → settle → claim.
import { type DevnetRole, devnetAccount } from "@tributary/contracts";
import { parseEther, sha256, stringToBytes } from "viem";
import { type DemoClient, preparedSelection } from "./client.ts";

const TRIB = parseEther("1");

/** Contributes a new note to the LoRA Datanet as contributorA and uploads its content. */
export async function contribute(c: DemoClient, datanetId: string, stamp: string) {
  const content = `# Walk-through note ${stamp}\n\nA LoRA adapter adds a low-rank update B·A to a frozen weight matrix, so one base model can serve many adapters: each request names its adapter, and the server batches requests of different adapters together.\n`;
  const contentHash = sha256(stringToBytes(content));
  const prepared = await c.gql(
    `mutation Contribute($datanetId: BigInt!, $hash: Bytes32!, $uri: String!) {
  prepareContribute(datanetId: $datanetId, contentHash: $hash, uri: $uri) { ${preparedSelection("MutationPrepareContributeSuccess")} } }`,
    { datanetId, hash: contentHash, uri: `tributary-demo:walk-through-${stamp}` },
    "contributorA",
  );
  await c.send("contributorA", prepared.prepareContribute.data.transactions);
  const listed = await c.gql(
    `query Mine($me: Address!, $datanetId: BigInt!) {
  contributions(filter: { contributor: $me, datanetId: $datanetId }, first: 1) { nodes { contributionId contentHash status } } }`,
    { me: devnetAccount("contributorA").address, datanetId },
  );
  const mine = listed.contributions.nodes[0];
  if (mine?.contentHash.toLowerCase() !== contentHash)
    throw new Error("the new contribution is not listed");
  await c.gql(
    `mutation Upload($id: BigInt!, $content: String!) {
  uploadContribution(contributionId: $id, content: $content, mediaType: "text/markdown") {
    __typename ... on MutationUploadContributionSuccess { data { pending ingestion { status chunks } } } ... on Error { code message } } }`,
    { id: mine.contributionId, content },
    "contributorA",
  );
  return mine.contributionId as string;
}

/** The Datanet's validators vote until a quorum accepts the contribution. */
export async function validate(c: DemoClient, contributionId: string) {
  for (const validator of ["validatorA", "validatorB"] as const) {
    const prepared = await c.gql(
      `mutation Vote($id: BigInt!) { prepareVoteContribution(contributionId: $id, accept: true) { ${preparedSelection("MutationPrepareVoteContributionSuccess")} } }`,
      { id: contributionId },
      validator,
    );
    await c.send(validator, prepared.prepareVoteContribution.data.transactions);
    const { contribution } = await c.gql(
      `query($id: BigInt!) { contribution(contributionId: $id) { status acceptVotes quorum } }`,
      { id: contributionId },
    );
    if (contribution.status === "Accepted") return;
  }
  throw new Error("the validators' votes did not accept the contribution");
}

/**
 * The operator composes an agent from the demo's adapters and Datanets (createAgent checks and
 * stores the spec and prepares its registration with the self-bond), authorizes the receipt
 * signer the API made for it, and contributorB delegates stake to it.
 */
export async function compose(c: DemoClient, spec: object) {
  const created = await c.gql(
    `mutation Create($spec: JSON!, $minStake: TokenAmount!) { createAgent(spec: $spec, minStake: $minStake) {
    __typename ... on MutationCreateAgentSuccess { data { specHash signer transaction { transactions { to data gasEstimate description } } } }
    ... on InvalidAgentSpecError { field problems { field message } } ... on Error { code message } } }`,
    { spec, minStake: (10n * TRIB).toString() },
    "operator",
  );
  const { specHash, signer, transaction } = created.createAgent.data;
  await c.send("operator", transaction.transactions);
  const agents = await c.gql(
    `query Operated($op: Address!) { agents(operator: $op, first: 100) { nodes { agentId specHash } } }`,
    { op: devnetAccount("operator").address },
  );
  const agentId = (agents.agents.nodes as { agentId: string; specHash: string }[]).find(
    (a) => a.specHash === specHash,
  )?.agentId;
  if (!agentId) throw new Error("the new agent is not listed");
  const authorized = await c.gql(
    `mutation Signer($id: BigInt!, $signer: Address!) { prepareSetAgentSigner(agentId: $id, signer: $signer) { ${preparedSelection("MutationPrepareSetAgentSignerSuccess")} } }`,
    { id: agentId, signer },
    "operator",
  );
  await c.send("operator", authorized.prepareSetAgentSigner.data.transactions);
  const delegated = await c.gql(
    `mutation Delegate($id: BigInt!, $amount: TokenAmount!) { prepareDelegate(agentId: $id, amount: $amount) { ${preparedSelection("MutationPrepareDelegateSuccess")} } }`,
    { id: agentId, amount: (10n * TRIB).toString() },
    "contributorB",
  );
  await c.send("contributorB", delegated.prepareDelegate.data.transactions);
  await c.gql(
    `query Agent($id: BigInt!) { agent(agentId: $id) { agentId active selfBond minStake delegatorCount operator { address } } }`,
    { id: agentId },
  );
  return agentId;
}

const uintType = /^u?int\d*$/;

/** The payer signs a voucher whose cap covers what it was charged so far plus `headroom`. */
export async function voucher(c: DemoClient, headroom: bigint) {
  const payer = devnetAccount("payer");
  const spent = await c.gql(
    `query Spending($me: Address!) { account(address: $me) { spending { charged capRemaining } escrow { balance } } }`,
    { me: payer.address },
  );
  const cap = BigInt(spent.account.spending?.charged ?? 0) + headroom;
  const block = await c.publicClient.getBlock();
  // The chain's clock, which the demo advances past challenge delays: a voucher expires by it.
  const expiry = new Date(Number(block.timestamp + 7n * 86_400n) * 1000).toISOString();
  const prepared = await c.gql(
    `mutation Voucher($cap: TokenAmount!, $expiry: DateTime!) { prepareVoucher(cumulativeAmount: $cap, expiry: $expiry) {
    __typename ... on MutationPrepareVoucherSuccess { data { domain types primaryType message } } ... on Error { code message } } }`,
    { cap: cap.toString(), expiry },
    "payer",
  );
  const typed = prepared.prepareVoucher.data;
  const fields = typed.types[typed.primaryType] as { name: string; type: string }[];
  const message = Object.fromEntries(
    fields.map(({ name, type }) => [
      name,
      uintType.test(type) ? BigInt(typed.message[name]) : typed.message[name],
    ]),
  );
  const { EIP712Domain: _, ...types } = typed.types;
  const signature = await payer.signTypedData({
    domain: typed.domain,
    types,
    primaryType: typed.primaryType,
    message,
  });
  c.say(`# payer's wallet signs the voucher (EIP-712): ${signature.slice(0, 18)}…`);
  return {
    payer: payer.address,
    cumulativeAmount: cap.toString(),
    expiry: String(message.expiry),
    signature,
  };
}

/** Invokes the agent with each question; returns the receipts' request ids and prices. */
export async function invoke(
  c: DemoClient,
  agentId: string,
  questions: string[],
  paidWith: Awaited<ReturnType<typeof voucher>>,
  stamp: string,
) {
  const calls: { requestId: string; price: bigint }[] = [];
  for (const [i, question] of questions.entries()) {
    const requestId = `walk-through-${stamp}-${i + 1}`;
    const result = await c.gql(
      `mutation Invoke($agentId: BigInt!, $requestId: String!, $input: AgentInput!, $voucher: VoucherInput!) {
  invokeAgent(agentId: $agentId, requestId: $requestId, input: $input, voucher: $voucher) {
    __typename
    ... on MutationInvokeAgentSuccess { data { answer price tokensOut
      sources { score citation { contribution { contributionId } contributor { address } } }
      spans { start end contributions { contributionId } }
      receipt { signer signature lists } } }
    ... on Error { code message } } }`,
      {
        agentId,
        requestId,
        input: { messages: [{ role: "user", content: question }] },
        voucher: paidWith,
      },
      "payer",
    );
    calls.push({ requestId, price: BigInt(result.invokeAgent.data.price) });
  }
  return calls;
}

/** Advances anvil's clock past `liveAt` (never a shorter delay than the contract's). */
async function passChallengeDelay(c: DemoClient, liveAt: string) {
  const now = (await c.publicClient.getBlock()).timestamp;
  const live = BigInt(Math.ceil(Date.parse(liveAt) / 1000));
  if (live >= now) await c.rpc("evm_increaseTime", [Number(live - now) + 1]);
  await c.rpc("evm_mine", []);
}

const ROOT = `query Root($epoch: BigInt!) { settlementRoot(epoch: $epoch) { epoch status liveAt root dataHash dataURI totalCumulative } }`;

/**
 * Settles the calls: `POST /settle` runs an epoch now (the API also settles on a timer). While
 * an earlier root is still open the service waits for it, so the clock is advanced past it
 * first. Ends once the epoch holding the calls is live.
 */
export async function settle(c: DemoClient, settleUrl: string, token: string) {
  for (let attempt = 0; attempt < 4; attempt++) {
    c.say(`\n# POST ${settleUrl} (what \`npm run settle\` sends; admin token in .data/api)`);
    const response = await fetch(settleUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    const outcome = (await response.json()) as { kind: string; epoch?: string };
    c.say(`→ ${JSON.stringify(outcome)}`);
    if (!response.ok) throw new Error(`settlement failed: ${JSON.stringify(outcome)}`);
    if (outcome.kind === "nothing-to-settle") {
      // The API's timer settled them first: they are in the latest root.
      const latest = await c.gql(`{ settlementRoots(first: 1) { nodes { epoch status liveAt } } }`);
      const root = latest.settlementRoots.nodes[0];
      if (!root) throw new Error("nothing was settled and no root exists");
      if (root.status !== "Live") await passChallengeDelay(c, root.liveAt);
      return root.epoch as string;
    }
    await c.until(`the indexer to show epoch ${outcome.epoch}'s root`, async () => {
      const r = await c.gql(ROOT, { epoch: outcome.epoch }, undefined, { quiet: true });
      return r.settlementRoot !== null;
    });
    const { settlementRoot } = await c.gql(ROOT, { epoch: outcome.epoch });
    await passChallengeDelay(c, settlementRoot.liveAt);
    if (outcome.kind === "proposed") {
      await c.until(`epoch ${outcome.epoch}'s root to be live`, async () => {
        const r = await c.gql(ROOT, { epoch: outcome.epoch }, undefined, { quiet: true });
        return r.settlementRoot.status === "Live";
      });
      await c.gql(ROOT, { epoch: outcome.epoch });
      return outcome.epoch as string;
    }
  }
  throw new Error("settlement kept waiting on an open root");
}

/** Each payee with something claimable claims it; returns what each was paid. */
export async function claim(c: DemoClient, payees: DevnetRole[]) {
  const paid: Partial<Record<DevnetRole, bigint>> = {};
  const ACCOUNT = `query Owed($me: Address!) { account(address: $me) { claimable claimed earningsByEpoch { epoch earned cumulativeEarned } } }`;
  for (const role of payees) {
    const me = devnetAccount(role).address;
    const before = await c.gql(ACCOUNT, { me });
    const claimable = BigInt(before.account?.claimable ?? 0);
    if (claimable === 0n) continue;
    const prepared = await c.gql(
      `mutation Claim { prepareClaim { ${preparedSelection("MutationPrepareClaimSuccess")} } }`,
      {},
      role,
    );
    await c.send(role, prepared.prepareClaim.data.transactions);
    const after = await c.gql(ACCOUNT, { me });
    paid[role] = BigInt(after.account.claimed) - BigInt(before.account.claimed);
  }
  return paid;
}
