// Every query family, auth, prepared transactions, relaying and subscriptions against a real
// indexer on anvil, in embedded mode and (when DATABASE_URL is set) Postgres mode.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type DevnetRole, devnetAccount } from "@tributary/contracts";
import {
  attributionSettlementAbi,
  contributionVotesAbi,
  modelRegistryAbi,
  proposalMarketAbi,
} from "@tributary/contracts/abis";
import { auditServer } from "graphql-http";
import {
  type Abi,
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  parseEventLogs,
  stringToHex,
  type TransactionReceipt,
  toHex,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settlementEpoch, settlementLeaf } from "../src/db/schema.ts";
import { hasChromium, launchChromium } from "./browser.ts";
import {
  AGENT_EVENTS,
  PAYOUTS,
  SIGN_IN,
  sessionFor,
  signInAs,
  sseSubscribe,
  until,
  wsSubscribe,
} from "./helpers.ts";
import { MODES, type Stack, startStack } from "./stack.ts";

const ONE = 10n ** 18n;
const LOGGED = "blockNumber logIndex transactionHash";
const PAYOUTS_FULL = `subscription($a: Address!) { payouts(account: $a) { __typename
  ... on PayoutEventBase { id account }
  ... on RootProposed { epoch root totalCumulative dataHash dataURI liveAt ${LOGGED} }
  ... on RootLive { epoch root blockNumber }
  ... on PayoutSettled { epoch root amount cumulativeAmount previousEpoch blockNumber }
  ... on VotesRecorded { amount cumulativeVoteEligible ${LOGGED} }
  ... on PayoutClaimed { recipient amount cumulativeClaimed liveEpoch liveRoot ${LOGGED} }
  ... on PayoutReverted { revertedId reason reverted { __typename ... on PayoutEventBase { id } } }
} }`;
const PROPOSAL_UPDATES = `subscription($id: BigInt!) { proposalUpdates(proposalId: $id) { __typename
  ... on ProposalEventBase { action id blockNumber logIndex transactionHash }
  ... on ProposalCreated { proposalId proposer baseModelId datanetIds fundingGoal deadline snapshot specURI }
  ... on ProposalBacked { proposalId backer amount backerTotal totalBacked }
  ... on ProposalVoted { proposalId voter support weight }
  ... on ProposalFulfilmentSubmitted { proposalId adapterId builder endsAt eligibleWeight quorumWeight }
  ... on ProposalFulfilmentVoted { proposalId backer approve weight approveWeight rejectWeight }
  ... on ProposalFulfilled { proposalId adapterId builder payout }
  ... on ProposalCancelled { proposalId }
  ... on ProposalBackingRefunded { proposalId backer amount }
  ... on ProposalStatusChanged { proposalId status } } }`;
/** Unix seconds as the DateTime scalar writes them. */
const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

describe.each(MODES)("API on a real indexer (%s)", (mode) => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack(mode);
  }, 240_000);
  afterAll(async () => {
    await s?.stop();
  });

  async function relayAll(
    role: Parameters<Stack["signRawAs"]>[0],
    headers: Record<string, string>,
    transactions: any[],
  ) {
    const hashes: string[] = [];
    for (const tx of transactions) {
      const signed = await s.signRawAs(role, tx);
      const result = await s.gql(
        `mutation($t: Bytes!) { relayTransaction(signedTransaction: $t) { __typename ... on MutationRelayTransactionSuccess { data { hash status } } ... on Error { message } } }`,
        { t: signed },
        headers,
      );
      expect(result.data.relayTransaction.__typename).toBe("MutationRelayTransactionSuccess");
      hashes.push(result.data.relayTransaction.data.hash);
      await s.publicClient.waitForTransactionReceipt({
        hash: result.data.relayTransaction.data.hash,
        pollingInterval: 50,
      });
    }
    return hashes;
  }

  it("serves health, readiness (app DB and reader) and Prometheus metrics", async () => {
    const base = s.api.url.replace(/\/graphql$/, "");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: "ready" });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain("tributary_api_http_requests_total");
    expect(s.api.services.reader.kind).toBe(mode === "postgres" ? "postgres" : "ponder-client");
  });

  it("lists adapters with filters, sort, pagination, DataLoader joins and global IDs", async () => {
    const q = `query($f: ModelFilter, $first: Int, $after: String) {
      adapters(filter: $f, first: $first, after: $after, orderBy: { field: PRICE_PER_CALL, direction: DESC }) {
        edges { cursor node { id modelId name pricePerCall owner { address } baseModel { name kind } datanets { name } } }
        pageInfo { hasNextPage endCursor } } }`;
    const all = await s.gql(q, {});
    expect(all.errors).toBeUndefined();
    const names = all.data.adapters.edges.map((e: any) => e.node.name);
    expect(names).toEqual(["beta", "alpha"]);
    expect(all.data.adapters.edges[0].node.baseModel).toEqual({ name: "base", kind: "BaseModel" });
    const page1 = await s.gql(q, { first: 1 });
    expect(page1.data.adapters.pageInfo.hasNextPage).toBe(true);
    const page2 = await s.gql(q, { first: 1, after: page1.data.adapters.pageInfo.endCursor });
    expect(page2.data.adapters.edges[0].node.name).toBe("alpha");
    // Keyset cursors (issue 15): back from page 2's cursor; a forged one is the caller's error.
    const back = await s.gql(
      `query($before: String) { adapters(last: 1, before: $before, orderBy: { field: PRICE_PER_CALL, direction: DESC }) { edges { node { name } } } }`,
      { before: page2.data.adapters.pageInfo.endCursor },
    );
    expect(back.data.adapters.edges.map((e: any) => e.node.name)).toEqual(["beta"]);
    const forged = await s.gql(q, { first: 1, after: Buffer.from('["1"]').toString("base64url") });
    expect(forged.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_INPUT" });
    const cheap = await s.gql(q, {
      f: { maxPricePerCall: (ONE / 100n).toString(), search: "ALP" },
    });
    expect(cheap.data.adapters.edges.map((e: any) => e.node.name)).toEqual(["alpha"]);
    const datanetId = s.seed.datanets["settlement-notes"]!.id.toString();
    const byDatanet = await s.gql(q, { f: { datanetId } });
    expect(byDatanet.errors).toBeUndefined();
    expect(byDatanet.data.adapters.edges.map((e: any) => e.node.name)).toEqual(["beta"]);
    const id = all.data.adapters.edges[0].node.id;
    const node = await s.gql(
      `query($id: ID!) { node(id: $id) { __typename ... on Model { name } } }`,
      { id },
    );
    expect(node.data.node).toEqual({ __typename: "Model", name: "beta" });
    const bad = await s.gql(q, { f: { owner: "0x1234" } });
    expect(bad.errors?.[0]?.message).toMatch(/Address/);
  });

  it("answers Datanets, contributions, agents, delegators, accounts and escrows", async () => {
    const r = await s.gql(`{
      datanets { edges { node { name contributionCount validators { validator { address } active }
        contributions(first: 10) { edges { node { contributionId status votes { accept } contributor { address } } } } } } }
      agents { edges { node { agentId active totalActiveAssets operator { address } delegators { edges { node { shares delegator { address } } } } } } }
      proposals { edges { node { proposalId status } } }
      settlementRoots { edges { node { epoch status } } }
      accounts(first: 3) { edges { node { address earned staked tokenBalance } } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.datanets.edges.length).toBe(2);
    expect(r.data.datanets.edges[0].node.contributions.edges.length).toBeGreaterThan(0);
    expect(r.data.agents.edges[0].node.delegators.edges.length).toBeGreaterThan(0);
    // One account per page, through cursors over (earned DESC, address ASC): the same accounts.
    const walked: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const page = await s.gql(
        `query($after: String) { accounts(first: 1, after: $after) { edges { node { address } } pageInfo { endCursor } } }`,
        { after },
      );
      expect(page.errors).toBeUndefined();
      walked.push(...page.data.accounts.edges.map((e: any) => e.node.address));
      after = page.data.accounts.pageInfo.endCursor;
    }
    expect(walked).toEqual(r.data.accounts.edges.map((e: any) => e.node.address));
    const operator = r.data.agents.edges[0].node.operator.address;
    const account = await s.gql(
      `query($a: Address!) { account(address: $a) { address staked stakePositions { edges { node { agent { agentId } shares } } } claimable } }`,
      { a: operator.toLowerCase() },
    );
    expect(account.data.account.address).toBe(operator);
    expect(account.data.account.claimable).toBeNull();
    expect(BigInt(account.data.account.staked)).toBeGreaterThan(0n);
    const stranger = await s.gql(
      `{ account(address: "0x000000000000000000000000000000000000dEaD") { earned models { edges { node { name } } } } }`,
    );
    expect(stranger.data.account).toEqual({ earned: "0", models: { edges: [] } });
  });

  it("answers a repeated anonymous chain read from memory until the next tick, never for a credential", async () => {
    const base = s.api.url.replace(/\/graphql$/, "");
    const executed = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return [...text.matchAll(/^tributary_api_graphql_operations_total\{[^}]*\} (\d+)/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    };
    const payer = devnetAccount("payer").address;
    const q = `query Escrow($a: Address!) { account(address: $a) { escrowDeposited } }`;
    const first = await s.gql(q, { a: payer });
    const before = await executed();
    const again = await s.gql(q, { a: payer });
    expect(again).toEqual(first);
    // Served before parse: no execution counted.
    expect(await executed()).toBe(before);
    // Identical misses at once (as after a tick) wait for the first: one execution for all.
    const builder = devnetAccount("builder").address;
    const burst = await Promise.all(Array.from({ length: 20 }, () => s.gql(q, { a: builder })));
    expect(new Set(burst.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(burst[0]?.data?.account).toBeTruthy();
    expect(await executed()).toBe(before + 1);
    // The same text with a credential is not anonymous: it is authenticated (here: refused).
    const stale = await fetch(s.api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer stale" },
      body: JSON.stringify({ query: q, variables: { a: payer } }),
    });
    expect(stale.status).toBe(401);
    // A deposit is a new indexed block: the tick drops the cached answer.
    const headers = await sessionFor(s, "payer");
    const deposit = await s.gql(
      `mutation { prepareDepositEscrow(amount: "${ONE}") { ... on MutationPrepareDepositEscrowSuccess { data { transactions { to data gasEstimate } } } } }`,
      {},
      headers,
    );
    await relayAll("payer", headers, deposit.data.prepareDepositEscrow.data.transactions);
    const expected = (BigInt(first.data.account.escrowDeposited) + ONE).toString();
    await until(
      async () => (await s.gql(q, { a: payer })).data.account.escrowDeposited === expected,
      30_000,
      "the cached escrow to refresh after the deposit",
    );
  });

  it("signs in with SIWE; refuses replayed, expired, wrong-domain and wrong-chain messages", async () => {
    const { message, signature } = await signInAs(s, "builder");
    const ok = await s.gql(SIGN_IN, { m: message, s: signature });
    expect(ok.data.signIn.__typename).toBe("MutationSignInSuccess");
    const headers = { authorization: `Bearer ${ok.data.signIn.data.token}` };
    expect((await s.gql(`{ viewer { address via } }`, {}, headers)).data.viewer.via).toBe(
      "session",
    );
    const replay = await s.gql(SIGN_IN, { m: message, s: signature });
    expect(replay.data.signIn).toMatchObject({ __typename: "SiweError", reason: "NONCE_USED" });
    const expired = await signInAs(s, "builder", { expirationTime: new Date(Date.now() - 1000) });
    expect(
      (await s.gql(SIGN_IN, { m: expired.message, s: expired.signature })).data.signIn.reason,
    ).toBe("EXPIRED");
    const domain = await signInAs(s, "builder", { domain: "evil.test" });
    expect(
      (await s.gql(SIGN_IN, { m: domain.message, s: domain.signature })).data.signIn.reason,
    ).toBe("WRONG_DOMAIN");
    const chain = await signInAs(s, "builder", { chainId: 1 });
    expect(
      (await s.gql(SIGN_IN, { m: chain.message, s: chain.signature })).data.signIn.reason,
    ).toBe("WRONG_CHAIN");
    const forged = await signInAs(s, "builder");
    const other = await signInAs(s, "payer");
    expect(
      (await s.gql(SIGN_IN, { m: forged.message, s: other.signature })).data.signIn.reason,
    ).toBe("BAD_SIGNATURE");
    const unknown = await signInAs(s, "builder", { nonce: "neverissued123" });
    expect(
      (await s.gql(SIGN_IN, { m: unknown.message, s: unknown.signature })).data.signIn.reason,
    ).toBe("NONCE_UNKNOWN");
    const out = await s.gql(
      `mutation { signOut { __typename ... on MutationSignOutSuccess { data } } }`,
      {},
      headers,
    );
    expect(out.data.signOut.data).toBe(true);
    const after = await fetch(s.api.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: '{"query":"{ viewer { address } }"}',
    });
    expect(after.status).toBe(401);
  });

  it("lets a signed-in owner create, use and revoke scoped API keys; a stranger cannot act as the owner", async () => {
    const owner = await sessionFor(s, "builder");
    const stranger = await sessionFor(s, "payer");
    const created = await s.gql(
      `mutation { createApiKey(name: "ci", scopes: [READ], rateLimitPerMinute: 3) { __typename ... on MutationCreateApiKeySuccess { data { secret key { id scopes } } } } }`,
      {},
      owner,
    );
    const { secret, key } = created.data.createApiKey.data;
    expect(secret).toMatch(/^trb_/);
    const asKey = { "x-api-key": secret };
    expect((await s.gql(`{ viewer { address via scopes } }`, {}, asKey)).data.viewer).toMatchObject(
      { via: "apiKey", scopes: ["READ"] },
    );
    const prepare = await s.gql(
      `mutation { prepareDepositEscrow(amount: "1") { __typename ... on ForbiddenError { message } } }`,
      {},
      asKey,
    );
    expect(prepare.errors).toBeUndefined();
    expect(prepare.data.prepareDepositEscrow.__typename).toBe("ForbiddenError");
    const keyCannotMint = await s.gql(
      `mutation { createApiKey(name: "x", scopes: [READ]) { __typename } }`,
      {},
      asKey,
    );
    expect(keyCannotMint.data.createApiKey.__typename).toBe("ForbiddenError");
    const limited = await fetch(s.api.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...asKey },
      body: '{"query":"{ __typename }"}',
    });
    expect(limited.status).toBe(429);
    const hijack = await s.gql(
      `mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`,
      { id: key.id },
      stranger,
    );
    expect(hijack.data.revokeApiKey.__typename).toBe("NotFoundError");
    const strangerUpdate = await s.gql(
      `mutation($id: BigInt!) { prepareUpdateAdapter(adapterId: $id, deprecate: true) { __typename } }`,
      { id: s.seed.adapters.alpha!.id.toString() },
      stranger,
    );
    expect(strangerUpdate.data.prepareUpdateAdapter.__typename).toBe("ForbiddenError");
    const anonymous = await s.gql(`mutation { prepareDepositEscrow(amount: "1") { __typename } }`);
    expect(anonymous.data.prepareDepositEscrow.__typename).toBe("AuthenticationError");
    const revoked = await s.gql(
      `mutation($id: ID!) { revokeApiKey(id: $id) { __typename ... on MutationRevokeApiKeySuccess { data { revokedAt } } } }`,
      { id: key.id },
      owner,
    );
    expect(revoked.data.revokeApiKey.data.revokedAt).toBeTruthy();
    const dead = await fetch(s.api.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...asKey },
      body: '{"query":"{ __typename }"}',
    });
    expect(dead.status).toBe(401);
  });

  it("prepares, relays and indexes a delegation; graphql-ws agentEvents and SSE payouts deliver it; a reorg yields REVERTED", async () => {
    const headers = await sessionFor(s, "payer");
    const payer = (await s.gql(`{ viewer { address } }`, {}, headers)).data.viewer.address;
    const agentId = s.seed.agentId.toString();
    const ws = wsSubscribe(s.api.url, AGENT_EVENTS, { id: agentId });
    const sse = sseSubscribe(s.api.url, PAYOUTS, { a: payer });
    await new Promise((r) => setTimeout(r, 500));

    const prepared = await s.gql(
      `mutation($id: BigInt!, $amt: TokenAmount!) { prepareDelegate(agentId: $id, amount: $amt) { __typename
        ... on MutationPrepareDelegateSuccess { data { transactions { to data value chainId gasEstimate description } } } ... on Error { message } } }`,
      { id: agentId, amt: (5n * ONE).toString() },
      headers,
    );
    const txs = prepared.data.prepareDelegate.data.transactions;
    expect(txs.length).toBeGreaterThanOrEqual(1);
    expect(txs.at(-1).chainId).toBe(s.anvil.chainId);
    const [, delegateHash] =
      txs.length === 2
        ? await relayAll("payer", headers, txs)
        : [null, ...(await relayAll("payer", headers, txs))];
    await until(
      async () => {
        const r = await s.gql(`query($h: Bytes32!) { relayedTransaction(hash: $h) { status } }`, {
          h: delegateHash,
        });
        return r.data.relayedTransaction.status === "INDEXED";
      },
      30_000,
      "relayed transaction INDEXED",
    );
    const added = await until(
      () => ws.events.find((e) => e.data?.agentEvents.__typename === "AgentStakeDelegated"),
      30_000,
      "StakeDelegated over graphql-ws",
    );
    expect(added.data.agentEvents.action).toBe("ADDED");
    expect(added.data.agentEvents.delegator).toBe(payer);

    const deposit = await s.gql(
      `mutation { prepareDepositEscrow(amount: "${ONE}") { ... on MutationPrepareDepositEscrowSuccess { data { transactions { to data gasEstimate } } } } }`,
      {},
      headers,
    );
    await relayAll("payer", headers, deposit.data.prepareDepositEscrow.data.transactions);
    const payout = await until(
      () => sse.events.find((e) => e.data?.payouts.__typename === "EscrowDeposited"),
      30_000,
      "EscrowDeposited over SSE",
    );
    expect(payout.data.payouts).toMatchObject({
      account: payer,
      from: payer,
      amount: ONE.toString(),
    });

    // Reorg: delegate again in a block that anvil then drops and replaces.
    const snapshot = await s.publicClient.request({ method: "evm_snapshot" as never });
    const again = await s.gql(
      `mutation($id: BigInt!) { prepareDelegate(agentId: $id, amount: "${ONE}") { ... on MutationPrepareDelegateSuccess { data { transactions { to data gasEstimate } } } } }`,
      { id: agentId },
      headers,
    );
    await relayAll("payer", headers, again.data.prepareDelegate.data.transactions);
    const doomed = await until(
      () => ws.events.filter((e) => e.data?.agentEvents.__typename === "AgentStakeDelegated")[1],
      30_000,
      "second StakeDelegated",
    );
    await s.publicClient.request({ method: "evm_revert" as never, params: [snapshot] as never });
    await s.publicClient.request({ method: "anvil_mine" as never, params: ["0x5"] as never });
    const reverted = await until(
      () =>
        ws.events.find(
          (e) =>
            e.data?.agentEvents.action === "REVERTED" &&
            e.data.agentEvents.id === doomed.data.agentEvents.id,
        ),
      60_000,
      "REVERTED after the reorg",
    );
    expect(reverted.data.agentEvents).toEqual({ ...doomed.data.agentEvents, action: "REVERTED" });
    const ids = ws.events
      .filter((e) => e.data?.agentEvents.action === "ADDED")
      .map((e) => e.data.agentEvents.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ws.errors).toEqual([]);
    await ws.close();
    sse.close();
  });

  it("a reorg that puts a different log at the same position yields REVERTED for the old and ADDED for the new", async () => {
    const headers = await sessionFor(s, "payer");
    const agentId = s.seed.agentId.toString();
    const ws = wsSubscribe(s.api.url, AGENT_EVENTS, { id: agentId });
    await new Promise((r) => setTimeout(r, 500));
    const delegate = async (amount: bigint) => {
      const prepared = await s.gql(
        `mutation($id: BigInt!, $amt: TokenAmount!) { prepareDelegate(agentId: $id, amount: $amt) { __typename ... on MutationPrepareDelegateSuccess { data { transactions { to data gasEstimate } } } ... on Error { message } } }`,
        { id: agentId, amt: amount.toString() },
        headers,
      );
      expect(prepared.data?.prepareDelegate, JSON.stringify(prepared)).toMatchObject({
        __typename: "MutationPrepareDelegateSuccess",
      });
      await relayAll("payer", headers, prepared.data.prepareDelegate.data.transactions);
    };
    const delegated = () =>
      ws.events.filter(
        (e) =>
          e.data?.agentEvents.__typename === "AgentStakeDelegated" &&
          e.data.agentEvents.action === "ADDED",
      );
    const before = delegated().length;
    const snapshot = await s.publicClient.request({ method: "evm_snapshot" as never });
    await delegate(ONE);
    const doomed = await until(() => delegated()[before], 30_000, "the doomed StakeDelegated");
    await s.publicClient.request({ method: "evm_revert" as never, params: [snapshot] as never });
    // The same transactions from the same state, with another amount: the same block and log
    // index, a different log.
    await delegate(2n * ONE);
    // A longer chain than the one it replaces, so the indexer switches to it.
    await s.publicClient.request({ method: "anvil_mine" as never, params: ["0x2"] as never });
    const replacement = await until(
      () => delegated()[before + 1],
      60_000,
      "the replacement StakeDelegated",
    );
    const [old, next] = [doomed.data.agentEvents, replacement.data.agentEvents];
    expect(next.blockNumber).toBe(old.blockNumber);
    expect(next.logIndex).toBe(old.logIndex);
    expect(next.assets).not.toBe(old.assets);
    expect(next.id).not.toBe(old.id);
    const reverted = await until(
      () =>
        ws.events.find(
          (e) => e.data?.agentEvents.action === "REVERTED" && e.data.agentEvents.id === old.id,
        ),
      30_000,
      "REVERTED for the replaced log",
    );
    expect(reverted.data.agentEvents).toEqual({ ...old, action: "REVERTED" });
    expect(ws.errors).toEqual([]);
    await ws.close();
  });

  it.runIf(hasChromium && mode === MODES[0])(
    "GraphiQL renders offline in a browser: the schema explorer shows the API's types and a query runs",
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const origin = new URL(s.api.url).origin;
        const elsewhere: string[] = [];
        // Offline as on a build machine: anything but the API itself is refused.
        await page.route("**/*", (route) => {
          const url = route.request().url();
          if (url.startsWith(origin) || url.startsWith("blob:") || url.startsWith("data:"))
            return route.continue();
          elsewhere.push(url);
          return route.abort();
        });
        await page.goto(s.api.url);
        await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
        await page.getByText("Root Types").waitFor({ timeout: 30_000 });
        await page.getByText("Subscription", { exact: true }).first().waitFor();
        const editor = page.locator(".graphiql-query-editor .monaco-editor").first();
        await editor.click();
        await page.keyboard.press("Control+A");
        await page.keyboard.press("Delete");
        await page.keyboard.type("{ datanets(first: 1) { nodes { __typename } } }");
        await page.getByRole("button", { name: /Execute query/ }).click();
        await page
          .locator(".graphiql-response")
          .getByText('"Datanet"')
          .waitFor({ timeout: 30_000 });
        expect(elsewhere).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );

  const sessions = new Map<DevnetRole, Record<string, string>>();
  async function session(role: DevnetRole) {
    if (!sessions.has(role)) sessions.set(role, await sessionFor(s, role));
    return sessions.get(role) as Record<string, string>;
  }

  /** Relays a protocol call signed by `role` through the API; the receipt must be a success. */
  async function callAs(
    role: DevnetRole,
    contract: "AttributionSettlement" | "ProposalMarket",
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
  ) {
    const data = encodeFunctionData({ abi, functionName, args });
    const [hash] = await relayAll(role, await session(role), [
      { to: s.deployment.contracts[contract].address, data },
    ]);
    return receipt(hash as Hex);
  }

  /** Relays the transactions a `prepare*` mutation returned; the receipt of the last one. */
  async function relayPrepared(role: DevnetRole, mutation: string, variables = {}) {
    const headers = await session(role);
    // Prepare mutations read indexed state (a proposal's status, an adapter's owner).
    await s.synced();
    const r = await s.gql(mutation, variables, headers);
    expect(r.errors).toBeUndefined();
    const result = Object.values(r.data as Record<string, any>)[0];
    expect(result.data?.transactions, JSON.stringify(result)).toBeTruthy();
    const hashes = await relayAll(role, headers, result.data.transactions);
    return receipt(hashes.at(-1) as Hex);
  }

  async function receipt(hash: Hex) {
    const r = await s.publicClient.getTransactionReceipt({ hash });
    expect(r.status).toBe("success");
    return r;
  }

  /** Where the receipt's one log of `name` from `contract` sits, and its feeder id. */
  function logPosition(
    r: TransactionReceipt,
    contract: "AttributionSettlement" | "ProposalMarket",
    name: string,
  ) {
    const address = s.deployment.contracts[contract].address.toLowerCase();
    const abi = contract === "AttributionSettlement" ? attributionSettlementAbi : proposalMarketAbi;
    // One log of that name from that contract (a claim also records votes, say).
    const named = parseEventLogs({ abi: abi as Abi, logs: r.logs, eventName: name }) as {
      address: string;
      logIndex: number;
    }[];
    const logs = named.filter((l) => l.address.toLowerCase() === address);
    expect(logs.length).toBe(1);
    return {
      id: `${r.blockNumber}-${logs[0]!.logIndex}@${r.blockHash}`,
      blockNumber: r.blockNumber.toString(),
      logIndex: logs[0]!.logIndex,
      transactionHash: r.transactionHash,
    };
  }

  /** The `proposalUpdates` member of the receipt's ProposalMarket log `name`. */
  function logEvent(r: TransactionReceipt, name: string, fields: Record<string, unknown>) {
    const { id, ...position } = logPosition(r, "ProposalMarket", name);
    return { __typename: name, action: "ADDED", id, ...position, ...fields };
  }

  /** A proposal's status change, which has no log of its own (ProposalStatusFulfilled). */
  const statusEvent = (proposalId: bigint, status: string, block: bigint) => ({
    __typename: "ProposalStatusChanged",
    action: "ADDED",
    id: `ProposalStatus${status}:${proposalId}@${block}`,
    blockNumber: block.toString(),
    logIndex: null,
    transactionHash: null,
    proposalId: proposalId.toString(),
    status,
  });

  /** Waits for `count` events on every client, then a moment more to catch any duplicate. */
  async function received(
    clients: { events: any[]; errors: unknown[] }[],
    field: string,
    count: number,
  ) {
    // On a timeout, fall through: the comparison that follows shows what did arrive.
    await until(() => clients.every((c) => c.events.length >= count), 30_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 750));
    for (const c of clients) expect(c.errors).toEqual([]);
    return clients.map((c) => c.events.map((e) => e.data?.[field] ?? e));
  }

  it("payouts(account): a root proposed, going live (settling the account's leaf) and a claim, reorged out and made again, reach graphql-ws and SSE clients once each", async () => {
    const settlement = s.deployment.contracts.AttributionSettlement.address;
    const read = <T>(functionName: string, args: readonly unknown[] = []) =>
      s.publicClient.readContract({
        address: settlement,
        abi: attributionSettlementAbi,
        functionName,
        args,
      } as never) as Promise<T>;
    const account = devnetAccount("contributorA").address;
    const ws = wsSubscribe(s.api.url, PAYOUTS_FULL, { a: account });
    const sse = sseSubscribe(s.api.url, PAYOUTS_FULL, { a: account });
    await new Promise((r) => setTimeout(r, 500));

    // Redeem a voucher first: a root may not promise more than has been redeemed.
    const earned = 30n * ONE;
    const payer = devnetAccount("payer");
    const cumulativeAmount = (await read<bigint>("redeemedOf", [payer.address])) + 50n * ONE;
    const expiry = new Date(Date.now() + 86_400_000);
    const typed = await s.gql(
      `mutation($c: TokenAmount!, $e: DateTime!) { prepareVoucher(cumulativeAmount: $c, expiry: $e) { __typename ... on MutationPrepareVoucherSuccess { data { domain types primaryType message } } } }`,
      { c: cumulativeAmount.toString(), e: expiry.toISOString() },
      await session("payer"),
    );
    const { domain, types, message } = typed.data.prepareVoucher.data;
    const voucher = {
      payer: message.payer as Address,
      cumulativeAmount: BigInt(message.cumulativeAmount),
      expiry: BigInt(message.expiry),
    };
    expect(voucher.payer).toBe(payer.address);
    const signature = await payer.signTypedData({
      domain,
      types,
      primaryType: "Voucher",
      message: voucher,
    });
    await callAs("settler", "AttributionSettlement", attributionSettlementAbi, "redeemVoucher", [
      voucher,
      signature,
      voucher.cumulativeAmount - (await read<bigint>("redeemedOf", [payer.address])),
    ]);

    const leaves: [Address, bigint][] = [
      [account, earned],
      [devnetAccount("builder").address, 20n * ONE],
    ];
    const tree = StandardMerkleTree.of(
      leaves.map(([a, v]) => [0, a, "0", v.toString(), v.toString()]),
      ["uint8", "address", "uint256", "uint256", "uint256"],
    );
    const epoch = (await read<bigint>("latestProposedEpoch")) + 1n;
    // The first root of this chain: its leaves settle whole (no live root before it).
    expect(epoch).toBe(1n);
    const dataHash = keccak256(stringToHex(`api-e2e-epoch-${epoch}`));
    const proposed = await callAs(
      "settler",
      "AttributionSettlement",
      attributionSettlementAbi,
      "proposeRoot",
      [epoch, tree.root, 50n * ONE, dataHash, `ipfs://receipts-${epoch}`],
    );
    // The leaves as the settlement service stores them: what PayoutSettled reads.
    await storeLeaves(epoch, tree.root, leaves, tree);
    const { timestamp } = await s.publicClient.getBlock({ blockNumber: proposed.blockNumber });
    const liveAt = timestamp + 3600n;
    // The feeder must have seen the root Proposed before it goes Live to report the change.
    await until(
      () => ws.events.some((e) => e.data?.payouts.__typename === "RootProposed"),
      30_000,
      "RootProposed",
    );

    await s.publicClient.request({ method: "evm_increaseTime" as never, params: [3601] as never });
    await s.publicClient.request({ method: "evm_mine" as never });
    const liveBlock = (await s.publicClient.getBlock()).number.toString();
    // Ponder's /status can run ahead of what its SQL endpoint serves: ask until Live.
    await until(
      async () => {
        const r = await s.gql(`query($e: BigInt!) { settlementRoot(epoch: $e) { status } }`, {
          e: epoch.toString(),
        });
        return r.data?.settlementRoot?.status === "Live";
      },
      30_000,
      "the root Live",
    );

    const CLAIM = `mutation($c: TokenAmount!, $p: [Bytes32!]!) { prepareClaim(cumulativeEarned: $c, cumulativeVoteEligible: $c, proof: $p) { __typename ... on MutationPrepareClaimSuccess { data { transactions { to data gasEstimate } } } ... on Error { message } } }`;
    const claim = () =>
      relayPrepared("contributorA", CLAIM, { c: earned.toString(), p: tree.getProof(0) });
    // The claim is reorged out (anvil drops its block for a longer chain), then made again.
    const snapshot = await s.publicClient.request({ method: "evm_snapshot" as never });
    const doomed = await claim();
    const doomedClaim = logPosition(doomed, "AttributionSettlement", "Claimed");
    const doomedVotes = logPosition(doomed, "AttributionSettlement", "VotesRecorded");
    await until(
      () => ws.events.some((e) => e.data?.payouts.id === doomedClaim.id),
      30_000,
      "the doomed claim",
    );
    await s.publicClient.request({ method: "evm_revert" as never, params: [snapshot] as never });
    await s.publicClient.request({ method: "anvil_mine" as never, params: ["0x5"] as never });
    await until(
      () => ws.events.some((e) => e.data?.payouts.revertedId === doomedVotes.id),
      60_000,
      "the claim reverted",
    );
    const claimed = await claim();

    const root = { epoch: epoch.toString(), root: tree.root };
    const claimEvents = (r: TransactionReceipt) => {
      const { id: votesId, ...votesAt } = logPosition(r, "AttributionSettlement", "VotesRecorded");
      const { id: claimId, ...claimAt } = logPosition(r, "AttributionSettlement", "Claimed");
      return [
        // The claim records the votes it earned first (minted separately: claims never mint).
        {
          __typename: "VotesRecorded",
          id: votesId,
          account,
          amount: earned.toString(),
          cumulativeVoteEligible: earned.toString(),
          ...votesAt,
        },
        {
          __typename: "PayoutClaimed",
          id: claimId,
          account,
          recipient: account,
          amount: earned.toString(),
          cumulativeClaimed: earned.toString(),
          liveEpoch: root.epoch,
          liveRoot: root.root,
          ...claimAt,
        },
      ];
    };
    const reverted = (id: string, typename: string) => ({
      __typename: "PayoutReverted",
      id: `PayoutReverted:${id}`,
      account,
      revertedId: id,
      reason: "REORG",
      reverted: { __typename: typename, id },
    });
    const { id: proposedId, ...proposedAt } = logPosition(
      proposed,
      "AttributionSettlement",
      "RootProposed",
    );
    const expected = [
      {
        __typename: "RootProposed",
        id: proposedId,
        account: null,
        ...root,
        totalCumulative: (50n * ONE).toString(),
        dataHash,
        dataURI: `ipfs://receipts-${epoch}`,
        liveAt: new Date(Number(liveAt) * 1000).toISOString(),
        ...proposedAt,
      },
      {
        __typename: "RootLive",
        id: `RootLive:${epoch}@${liveBlock}`,
        account: null,
        ...root,
        blockNumber: liveBlock,
      },
      // Only the subscriber's own leaf: the builder's goes to the builder.
      {
        __typename: "PayoutSettled",
        id: `PayoutSettled:${epoch}:${account}@${liveBlock}`,
        account,
        ...root,
        amount: earned.toString(),
        cumulativeAmount: earned.toString(),
        previousEpoch: null,
        blockNumber: liveBlock,
      },
      ...claimEvents(doomed),
      // Undone newest first.
      reverted(doomedClaim.id, "PayoutClaimed"),
      reverted(doomedVotes.id, "VotesRecorded"),
      ...claimEvents(claimed),
    ];
    const [overWs, overSse] = await received([ws, sse], "payouts", expected.length);
    expect(overWs).toEqual(expected);
    expect(overSse).toEqual(expected);
    await ws.close();
    sse.close();
  });

  /** Stores an epoch's earner leaves as the settlement service does when it settles one. */
  async function storeLeaves(
    epoch: bigint,
    root: string,
    leaves: [Address, bigint][],
    tree: StandardMerkleTree<unknown[]>,
  ) {
    const db = s.api.services.app.db;
    await db.insert(settlementEpoch).values({ epoch, status: "PROPOSED", root });
    await db.insert(settlementLeaf).values(
      leaves.map(([account, amount], i) => ({
        epoch,
        kind: 0,
        account,
        agentId: "0",
        cumulativeAmount: amount.toString(),
        cumulativeVoteEligible: amount.toString(),
        proof: JSON.stringify(tree.getProof(i)),
      })),
    );
  }

  it("proposalUpdates(id): creation, backing, a vote, fulfilment (then cancel and refund) reach graphql-ws and SSE clients once each", async () => {
    const market = s.deployment.contracts.ProposalMarket.address;
    const count = (await s.publicClient.readContract({
      address: market,
      abi: proposalMarketAbi,
      functionName: "proposalCount",
    })) as bigint;
    const [fulfilledId, refundedId] = [count + 1n, count + 2n];
    const clients = [fulfilledId, refundedId].map((id) => ({
      ws: wsSubscribe(s.api.url, PROPOSAL_UPDATES, { id: id.toString() }),
      sse: sseSubscribe(s.api.url, PROPOSAL_UPDATES, { id: id.toString() }),
    }));
    await new Promise((r) => setTimeout(r, 500));

    const builder = devnetAccount("builder").address;
    const payer = devnetAccount("payer").address;
    const voter = devnetAccount("contributorA").address;
    // contributorA's claim above recorded votes; minting them gives it the voting power.
    await relayPrepared(
      "contributorA",
      `mutation { prepareMintVotes { __typename ... on MutationPrepareMintVotesSuccess { data { transactions { to data gasEstimate } } } ... on Error { message } } }`,
    );
    const datanetId = s.seed.datanets["lora-notes"]!.id;
    const goal = 10n * ONE;
    const { timestamp } = await s.publicClient.getBlock();
    const deadline = timestamp + 86_400n;
    const propose = (spec: string) =>
      callAs("builder", "ProposalMarket", proposalMarketAbi, "propose", [
        spec,
        [datanetId],
        s.seed.baseModelId,
        goal,
        deadline,
      ]);
    const created = (r: TransactionReceipt, id: bigint, spec: string) =>
      logEvent(r, "ProposalCreated", {
        proposalId: id.toString(),
        proposer: builder,
        baseModelId: s.seed.baseModelId.toString(),
        datanetIds: [datanetId.toString()],
        fundingGoal: goal.toString(),
        deadline: iso(deadline),
        snapshot: (r.blockNumber - 1n).toString(),
        specURI: spec,
      });
    const back = (id: bigint) =>
      relayPrepared(
        "payer",
        `mutation($id: BigInt!, $a: TokenAmount!) { prepareBackProposal(proposalId: $id, amount: $a) { __typename ... on MutationPrepareBackProposalSuccess { data { transactions { to data gasEstimate } } } ... on Error { message } } }`,
        { id: id.toString(), a: goal.toString() },
      );
    const backed = (r: TransactionReceipt, id: bigint) =>
      logEvent(r, "ProposalBacked", {
        proposalId: id.toString(),
        backer: payer,
        amount: goal.toString(),
        backerTotal: goal.toString(),
        totalBacked: goal.toString(),
      });

    // Fulfilled: created, backed to its goal, voted for (contributorA holds the votes its claim
    // above minted), fulfilled with the builder's adapter.
    // Backing is prepared from the indexed proposal: wait until its creation is delivered.
    const indexed = (i: number) =>
      until(() => clients[i]!.ws.events.length > 0, 30_000, "ProposalCreated indexed");
    const p1 = await propose("ipfs://api-e2e-spec-1");
    await indexed(0);
    const b1 = await back(fulfilledId);
    const v1 = await relayPrepared(
      "contributorA",
      `mutation($id: BigInt!) { prepareVoteProposal(proposalId: $id, support: true) { __typename ... on MutationPrepareVoteProposalSuccess { data { transactions { to data gasEstimate } } } ... on Error { message } } }`,
      { id: fulfilledId.toString() },
    );
    const weight = (await s.publicClient.readContract({
      address: s.deployment.contracts.ContributionVotes.address,
      abi: contributionVotesAbi,
      functionName: "getPastVotes",
      args: [voter, p1.blockNumber - 1n],
    })) as bigint;
    expect(weight).toBeGreaterThan(0n);
    // Two-phase fulfilment: an adapter registered for the proposal (commit, then reveal), submitted
    // by its proposer (Pending), approved by the backer, finalized after the devnet window (1 hour).
    await relayPrepared(
      "builder",
      `mutation($i: RegisterAdapterInput!) { prepareRegisterAdapter(input: $i) { __typename ... on MutationPrepareRegisterAdapterSuccess { data { transactions { to data gasEstimate } } } ... on Error { message } } }`,
      {
        i: {
          baseModelId: s.seed.baseModelId.toString(),
          name: "api-e2e-fulfilment",
          contentHash: keccak256(toHex(`api-e2e-fulfilment-${fulfilledId}`)),
          uri: "ipfs://api-e2e-fulfilment",
          rank: 8,
          pricePerCall: "0",
          pricePer1kTokens: "0",
          datanetIds: [datanetId.toString()],
        },
      },
    );
    const adapterId = (await s.publicClient.readContract({
      address: s.deployment.contracts.ModelRegistry.address,
      abi: modelRegistryAbi,
      functionName: "modelCount",
    })) as bigint;
    const f1 = await relayPrepared(
      "builder",
      `mutation($id: BigInt!, $a: BigInt!) { prepareFulfilProposal(proposalId: $id, adapterId: $a) { __typename ... on MutationPrepareFulfilProposalSuccess { data { transactions { to data gasEstimate } } } ... on Error { message } } }`,
      { id: fulfilledId.toString(), a: adapterId.toString() },
    );
    const { timestamp: submittedAt } = await s.publicClient.getBlock({
      blockNumber: f1.blockNumber,
    });
    const j1 = await relayPrepared(
      "payer",
      `mutation($id: BigInt!) { prepareJudgeFulfilment(proposalId: $id, approve: true) { __typename ... on MutationPrepareJudgeFulfilmentSuccess { data { transactions { to data gasEstimate } } } ... on Error { message } } }`,
      { id: fulfilledId.toString() },
    );
    // The Pending status is published before time moves on.
    await until(
      () =>
        clients[0]!.ws.events.some(
          (e) =>
            e.data?.proposalUpdates?.__typename === "ProposalStatusChanged" &&
            e.data.proposalUpdates.status === "Pending",
        ),
      30_000,
      "ProposalStatusPending published",
    );
    await s.publicClient.request({ method: "evm_increaseTime" as never, params: [3601] as never });
    await s.publicClient.request({ method: "evm_mine" as never });
    const z1 = await relayPrepared(
      "payer",
      `mutation($id: BigInt!) { prepareFinalizeFulfilment(proposalId: $id) { __typename ... on MutationPrepareFinalizeFulfilmentSuccess { data { transactions { to data gasEstimate } } } ... on Error { message } } }`,
      { id: fulfilledId.toString() },
    );

    // Refunded: created, backed, cancelled by its proposer, the backing taken back.
    const p2 = await propose("ipfs://api-e2e-spec-2");
    await indexed(1);
    const b2 = await back(refundedId);
    const c2 = await callAs("builder", "ProposalMarket", proposalMarketAbi, "cancel", [refundedId]);
    const r2 = await callAs("payer", "ProposalMarket", proposalMarketAbi, "refund", [refundedId]);

    const expected = [
      [
        created(p1, fulfilledId, "ipfs://api-e2e-spec-1"),
        backed(b1, fulfilledId),
        logEvent(v1, "ProposalVoted", {
          proposalId: fulfilledId.toString(),
          voter,
          support: true,
          weight: weight.toString(),
        }),
        logEvent(f1, "ProposalFulfilmentSubmitted", {
          proposalId: fulfilledId.toString(),
          adapterId: adapterId.toString(),
          builder,
          endsAt: iso(submittedAt + 3600n),
          eligibleWeight: goal.toString(),
          quorumWeight: ((goal * 3n) / 10n).toString(),
        }),
        statusEvent(fulfilledId, "Pending", f1.blockNumber),
        logEvent(j1, "ProposalFulfilmentVoted", {
          proposalId: fulfilledId.toString(),
          backer: payer,
          approve: true,
          weight: goal.toString(),
          approveWeight: goal.toString(),
          rejectWeight: "0",
        }),
        logEvent(z1, "ProposalFulfilled", {
          proposalId: fulfilledId.toString(),
          adapterId: adapterId.toString(),
          builder,
          payout: goal.toString(),
        }),
        statusEvent(fulfilledId, "Fulfilled", z1.blockNumber),
      ],
      [
        created(p2, refundedId, "ipfs://api-e2e-spec-2"),
        backed(b2, refundedId),
        logEvent(c2, "ProposalCancelled", { proposalId: refundedId.toString() }),
        statusEvent(refundedId, "Cancelled", c2.blockNumber),
        logEvent(r2, "ProposalBackingRefunded", {
          proposalId: refundedId.toString(),
          backer: payer,
          amount: goal.toString(),
        }),
      ],
    ];
    for (const [i, { ws, sse }] of clients.entries()) {
      const [overWs, overSse] = await received([ws, sse], "proposalUpdates", expected[i]!.length);
      expect(overWs).toEqual(expected[i]);
      expect(overSse).toEqual(expected[i]);
      await ws.close();
      sse.close();
    }
  });

  it.runIf(Boolean(process.env.REDIS_URL) && mode === MODES[0])(
    "carries an event published by one API process to a client of another through Redis",
    async () => {
      const redisUrl = process.env.REDIS_URL as string;
      const leader = await s.startApi({ redisUrl });
      const { Redis } = await import("ioredis");
      const redis = new Redis(redisUrl);
      try {
        await until(
          async () => (await redis.get(leader.feeder.leaseKey)) === leader.feeder.owner,
          15_000,
          "the first replica to lead the feeder",
        );
        const standby = await s.startApi({ redisUrl });
        try {
          const agentId = s.seed.agentId.toString();
          const ws = wsSubscribe(standby.url, AGENT_EVENTS, { id: agentId });
          await new Promise((r) => setTimeout(r, 500));
          const headers = await sessionFor(s, "contributorA");
          const prepared = await s.gql(
            `mutation($id: BigInt!) { prepareDelegate(agentId: $id, amount: "${ONE}") { ... on MutationPrepareDelegateSuccess { data { transactions { to data gasEstimate } } } } }`,
            { id: agentId },
            headers,
          );
          await relayAll("contributorA", headers, prepared.data.prepareDelegate.data.transactions);
          const event = await until(
            () => ws.events.find((e) => e.data?.agentEvents.__typename === "AgentStakeDelegated"),
            30_000,
            "the event on the standby replica",
          );
          expect(event.data.agentEvents.action).toBe("ADDED");
          expect(await redis.get(leader.feeder.leaseKey)).toBe(leader.feeder.owner);
          await new Promise((r) => setTimeout(r, 1000));
          expect(
            ws.events.filter((e) => e.data?.agentEvents.id === event.data.agentEvents.id).length,
          ).toBe(1);
          await ws.close();
        } finally {
          await standby.close();
        }
      } finally {
        await leader.close();
        redis.disconnect();
      }
    },
  );

  // Replicas share the cursor through the app database: Postgres mode (PGlite is per process).
  it.runIf(Boolean(process.env.REDIS_URL) && mode === "postgres")(
    "a replica taking over from a stopped leader resumes from the persisted cursor: no event re-emitted, none skipped",
    async () => {
      const redisUrl = process.env.REDIS_URL as string;
      const { Redis } = await import("ioredis");
      const redis = new Redis(redisUrl);
      const leader = await s.startApi({ redisUrl });
      const standby = await s.startApi({ redisUrl });
      try {
        await until(
          async () => (await redis.get(leader.feeder.leaseKey)) === leader.feeder.owner,
          15_000,
          "the first replica to lead the feeder",
        );
        const agentId = s.seed.agentId.toString();
        const ws = wsSubscribe(standby.url, AGENT_EVENTS, { id: agentId });
        await new Promise((r) => setTimeout(r, 500));
        const headers = await session("contributorB");
        const delegate = async () => {
          const prepared = await s.gql(
            `mutation($id: BigInt!) { prepareDelegate(agentId: $id, amount: "${ONE}") { ... on MutationPrepareDelegateSuccess { data { transactions { to data gasEstimate } } } } }`,
            { id: agentId },
            headers,
          );
          const hashes = await relayAll(
            "contributorB",
            headers,
            prepared.data.prepareDelegate.data.transactions,
          );
          const r = await receipt(hashes.at(-1) as Hex);
          const log = r.logs.find(
            (l) =>
              l.address.toLowerCase() === s.deployment.contracts.AgentStaking.address.toLowerCase(),
          );
          return `${r.blockNumber}-${log?.logIndex}@${r.blockHash}`;
        };
        const delegated = () =>
          ws.events
            .filter((e) => e.data?.agentEvents.__typename === "AgentStakeDelegated")
            .map((e) => e.data.agentEvents.id);
        const first = await delegate();
        await until(() => delegated().includes(first), 30_000, "the first delegation");
        // The leader goes; a delegation is indexed while nobody feeds (the test holds the lease,
        // so the standby cannot take over at the approval's block); then the standby takes over.
        await leader.close();
        await redis.set(standby.feeder.leaseKey, "held-by-the-test", "PX", 60_000);
        const second = await delegate();
        await s.synced();
        await redis.del(standby.feeder.leaseKey);
        await until(() => delegated().includes(second), 30_000, "the delegation made meanwhile");
        expect(await redis.get(standby.feeder.leaseKey)).toBe(standby.feeder.owner);
        await new Promise((r) => setTimeout(r, 1000));
        expect(delegated()).toEqual([first, second]);
        expect(ws.errors).toEqual([]);
        await ws.close();
      } finally {
        await leader.close();
        await standby.close();
        redis.disconnect();
      }
    },
  );

  it.runIf(Boolean(process.env.REDIS_URL) && mode === MODES[0])(
    "limits an IP across two API replicas sharing a Redis: the limit is global",
    async () => {
      const redisUrl = process.env.REDIS_URL as string;
      const limit = { redisUrl, ipRateLimitPerMinute: 4 };
      const one = await s.startApi(limit);
      const two = await s.startApi(limit);
      const { Redis } = await import("ioredis");
      const redis = new Redis(redisUrl);
      try {
        // Start from an empty window: earlier replicas of this deployment counted too.
        const namespace = one.feeder.leaseKey.replace(/^tributary:feeder:/, "");
        const stale = await redis.keys(`tributary:rate:${namespace}:*`);
        if (stale.length) await redis.del(...stale);
        const post = async (url: string) =>
          (
            await fetch(url, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: '{"query":"{ __typename }"}',
            })
          ).status;
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push(await post(i % 2 ? two.url : one.url));
        // Each replica alone saw 3 requests, under its limit of 4: only a shared count refuses.
        expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      } finally {
        await one.close();
        await two.close();
        redis.disconnect();
      }
    },
  );

  it("prepares Datanet access (restrict, request, approve) and self-bond changes, each relayed and indexed; refuses them to the wrong account", async () => {
    const datanetId = s.seed.datanets["lora-notes"]?.id.toString() as string;
    const asker = devnetAccount("builder").address;
    const DATANET = `query($id: BigInt!) { datanet(datanetId: $id) { accessPolicy
      accessRequests { account { address } purpose status decidedBy } } }`;
    const access = async () => {
      const r = await s.gql(DATANET, { id: datanetId });
      expect(r.errors).toBeUndefined();
      return r.data.datanet;
    };
    const policy = (p: string) =>
      `mutation($id: BigInt!) { prepareSetDatanetAccessPolicy(datanetId: $id, policy: ${p}) { __typename ... on MutationPrepareSetDatanetAccessPolicySuccess { data { transactions { to data gasEstimate } } } ... on Error { code message } } }`;
    const DECIDE = `mutation($id: BigInt!, $a: Address!) { prepareDecideDatanetAccess(datanetId: $id, account: $a, approve: true) { __typename ... on MutationPrepareDecideDatanetAccessSuccess { data { transactions { to data gasEstimate } } } ... on Error { code message } } }`;

    expect(
      (await s.gql(policy("Restricted"), { id: datanetId }, await session("builder"))).data
        .prepareSetDatanetAccessPolicy.__typename,
    ).toBe("ForbiddenError");
    await relayPrepared("curator", policy("Restricted"), { id: datanetId });
    await relayPrepared(
      "builder",
      `mutation($id: BigInt!) { prepareRequestDatanetAccess(datanetId: $id, purpose: "fine-tune a notes adapter") { __typename ... on MutationPrepareRequestDatanetAccessSuccess { data { transactions { to data gasEstimate } } } ... on Error { code message } } }`,
      { id: datanetId },
    );
    await s.synced();
    const requested = await access();
    expect(requested.accessPolicy).toBe("Restricted");
    type Request = { account: { address: string } };
    const request = () =>
      requested.accessRequests.find((n: Request) => n.account.address === asker);
    expect(request()).toMatchObject({ purpose: "fine-tune a notes adapter", status: "Requested" });
    expect(
      (await s.gql(DECIDE, { id: datanetId, a: asker }, await session("builder"))).data
        .prepareDecideDatanetAccess.__typename,
    ).toBe("ForbiddenError");
    await relayPrepared("curator", DECIDE, { id: datanetId, a: asker });
    await s.synced();
    const decided = (await access()).accessRequests.find(
      (n: Request) => n.account.address === asker,
    );
    expect(decided).toMatchObject({ status: "Approved" });
    // Back to Open for the rest of the suite.
    await relayPrepared("curator", policy("Open"), { id: datanetId });

    const agentId = s.seed.agentId.toString();
    const AGENT = `query($id: BigInt!) { agent(agentId: $id) { selfBond } }`;
    const bond = async () => BigInt((await s.gql(AGENT, { id: agentId })).data.agent.selfBond);
    const selfBond = (m: "prepareAddSelfBond" | "prepareUnbondSelfBond", amount: bigint) =>
      `mutation($id: BigInt!) { ${m}(agentId: $id, amount: "${amount}") { __typename ... on ${m === "prepareAddSelfBond" ? "MutationPrepareAddSelfBondSuccess" : "MutationPrepareUnbondSelfBondSuccess"} { data { transactions { to data gasEstimate } } } ... on Error { code message } } }`;
    const start = await bond();
    expect(
      (
        await s.gql(
          selfBond("prepareUnbondSelfBond", ONE),
          { id: agentId },
          await session("builder"),
        )
      ).data.prepareUnbondSelfBond.__typename,
    ).toBe("ForbiddenError");
    await relayPrepared("operator", selfBond("prepareAddSelfBond", 5n * ONE), { id: agentId });
    await s.synced();
    expect(await bond()).toBe(start + 5n * ONE);
    await relayPrepared("operator", selfBond("prepareUnbondSelfBond", 2n * ONE), { id: agentId });
    await s.synced();
    expect(await bond()).toBe(start + 3n * ONE);
  });

  it.runIf(mode === MODES[0])("passes every MUST and SHOULD audit of graphql-http", async () => {
    const results = await auditServer({ url: s.api.url, fetchFn: fetch });
    const failed = results
      .filter((r) => r.status !== "ok" && /^(MUST|SHOULD)/.test(r.name))
      .map((r) => `${r.name}: ${"reason" in r ? r.reason : ""}`);
    expect(failed).toEqual([]);
  });
});
