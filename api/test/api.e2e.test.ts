// Every query family, auth, prepared transactions, relaying and subscriptions against a real
// indexer on anvil, in embedded mode and (when DATABASE_URL is set) Postgres mode.
import { auditServer } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    expect(anonymous.data.prepareDepositEscrow.__typename).toBe("ForbiddenError");
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
      () => ws.events.find((e) => e.data?.agentEvents.name === "StakeDelegated"),
      30_000,
      "StakeDelegated over graphql-ws",
    );
    expect(added.data.agentEvents.action).toBe("ADDED");
    expect(added.data.agentEvents.args.delegator).toBe(payer);

    const deposit = await s.gql(
      `mutation { prepareDepositEscrow(amount: "${ONE}") { ... on MutationPrepareDepositEscrowSuccess { data { transactions { to data gasEstimate } } } } }`,
      {},
      headers,
    );
    await relayAll("payer", headers, deposit.data.prepareDepositEscrow.data.transactions);
    const payout = await until(
      () => sse.events.find((e) => e.data?.payouts.name === "Deposited"),
      30_000,
      "Deposited over SSE",
    );
    expect(payout.data.payouts.action).toBe("ADDED");

    // Reorg: delegate again in a block that anvil then drops and replaces.
    const snapshot = await s.publicClient.request({ method: "evm_snapshot" as never });
    const again = await s.gql(
      `mutation($id: BigInt!) { prepareDelegate(agentId: $id, amount: "${ONE}") { ... on MutationPrepareDelegateSuccess { data { transactions { to data gasEstimate } } } } }`,
      { id: agentId },
      headers,
    );
    await relayAll("payer", headers, again.data.prepareDelegate.data.transactions);
    const doomed = await until(
      () => ws.events.filter((e) => e.data?.agentEvents.name === "StakeDelegated")[1],
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
    expect(reverted.data.agentEvents.name).toBe("StakeDelegated");
    const ids = ws.events
      .filter((e) => e.data?.agentEvents.action === "ADDED")
      .map((e) => e.data.agentEvents.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ws.errors).toEqual([]);
    await ws.close();
    sse.close();
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
            () => ws.events.find((e) => e.data?.agentEvents.name === "StakeDelegated"),
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

  it.runIf(mode === MODES[0])("passes every MUST and SHOULD audit of graphql-http", async () => {
    const results = await auditServer({ url: s.api.url, fetchFn: fetch });
    const failed = results
      .filter((r) => r.status !== "ok" && /^(MUST|SHOULD)/.test(r.name))
      .map((r) => `${r.name}: ${"reason" in r ? r.reason : ""}`);
    expect(failed).toEqual([]);
  });
});
