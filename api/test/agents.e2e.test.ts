// Agents end to end: compose → invoke (streamed and not) → receipt, charged against vouchers.
// Real anvil, indexer, pool with engine processes on the CPU backend, and API, in embedded
// (PGlite) and, with DATABASE_URL, Postgres mode; real graphql-sse and graphql-ws clients.
import {
  hashAdapters,
  hashCitations,
  hashRetrieval,
  hashSpans,
  parseEpochReceipt,
  RECEIPT_TYPES,
  receiptRequestId,
  specHash,
  splitReceipt,
} from "@tributary/agents";
import { DEVNET_ROLES, type DevnetRole, devnetAccount } from "@tributary/contracts";
import { agentStakingAbi, tributaryTokenAbi } from "@tributary/contracts/abis";
import { verifyUsageRecord } from "@tributary/pool/usage";
import { getAddress, verifyTypedData } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentsStack,
  demoSpec,
  PER_CALL,
  PER_TOKEN,
  startAgentsStack,
  TRIB,
  type VoucherOptions,
} from "./agents-stack.ts";
import { PAYOUTS, sessionFor, sseSubscribe, until, wsSubscribe } from "./helpers.ts";
import { MODES } from "./stack.ts";

const CREATE = `mutation($spec: JSON!, $min: TokenAmount!) { createAgent(spec: $spec, minStake: $min) {
  __typename
  ... on MutationCreateAgentSuccess { data { specHash signer transaction { transactions { to data } } } }
  ... on InvalidAgentSpecError { field problems { field message } }
} }`;

const RESULT_FIELDS = `requestId answer finishReason price tokensIn tokensOut replayed
  sources { score text citation { chunkHash contributor { address } contribution { contributionId } } }
  citations { marker } citationCheck { ok failures { kind marker message } }
  spans { start end } toolCalls { tool calledBy results }
  receipt { signer signature lists usage typedData { domain types primaryType message } }`;
const ERRORS = `... on VoucherRefusedError { reason needed message } ... on RequestIdConflictError { conflict }
  ... on AgentInactiveError { message } ... on InferenceFailedError { message }
  ... on AgentSignerUnauthorizedError { agentId signer } ... on Error { code message }`;
const INVOKE = `mutation($agentId: BigInt!, $requestId: String!, $input: AgentInput!, $voucher: VoucherInput!) {
  invokeAgent(agentId: $agentId, requestId: $requestId, input: $input, voucher: $voucher) {
    __typename ... on MutationInvokeAgentSuccess { data { ${RESULT_FIELDS} } } ${ERRORS} } }`;
const STREAM = `subscription($agentId: BigInt!, $requestId: String!, $input: AgentInput!, $voucher: VoucherInput!) {
  invokeAgent(agentId: $agentId, requestId: $requestId, input: $input, voucher: $voucher) {
    __typename ... on InvocationToken { index text } ... on InvocationResult { ${RESULT_FIELDS} } ${ERRORS} } }`;
const SPENDING = `query($a: Address!) { account(address: $a) { spending { charged outstanding capRemaining redeemed } } }`;

const question = { messages: [{ role: "user", content: "How are adapter ensembles served?" }] };

for (const mode of MODES) {
  describe(`agents (${mode})`, () => {
    let s: AgentsStack;
    let operator: Record<string, string>;
    let payer: Record<string, string>;
    const agentId = "1";

    const voucher = (cap: bigint, options?: VoucherOptions) => s.voucher(cap, options);
    /** The response's data; a response with errors fails the test, showing them. */
    const gql = async (query: string, variables: object, headers: Record<string, string> = {}) => {
      const response = await s.gql(query, variables as never, headers);
      if (response.errors || !response.data)
        throw new Error(JSON.stringify(response.errors ?? response));
      return response;
    };
    const invoke = (
      requestId: string,
      v: Awaited<ReturnType<typeof voucher>>,
      input: object = question,
      headers = payer,
      id = agentId,
    ) => gql(INVOKE, { agentId: id, requestId, input, voucher: v }, headers);
    const spending = async (role: DevnetRole = "payer", headers = payer) =>
      (await gql(SPENDING, { a: devnetAccount(role).address }, headers)).data.account.spending;

    const depositEscrow = (role: DevnetRole, amount: bigint) => s.depositEscrow(role, amount);

    beforeAll(async () => {
      s = await startAgentsStack(mode);
      operator = await sessionFor(s, "operator");
      payer = await sessionFor(s, "payer");
    });
    afterAll(async () => {
      await s?.stop();
    });

    it("refuses invalid specs, naming each field", async () => {
      const bad = structuredClone(demoSpec);
      bad.ensemble[0].adapter = "99";
      bad.retrieval.datanets = ["1", "42"];
      const refused = (await gql(CREATE, { spec: bad, min: "1" }, operator)).data.createAgent;
      expect(refused.__typename).toBe("InvalidAgentSpecError");
      expect(refused.problems.map((p: { field: string }) => p.field)).toEqual([
        "/ensemble/0/adapter",
        "/retrieval/datanets/1",
      ]);
      const shape = structuredClone(demoSpec);
      shape.ensemble[1].weight = 0;
      shape.generation.temperature = 9;
      const shapeRefused = (await gql(CREATE, { spec: shape, min: "1" }, operator)).data
        .createAgent;
      expect(shapeRefused.problems.map((p: { field: string }) => p.field).sort()).toEqual([
        "/ensemble/1/weight",
        "/generation/temperature",
      ]);
      // Base model 1's adapter as the base model: another base model's adapters.
      const base = structuredClone(demoSpec);
      base.baseModel = "2";
      expect((await gql(CREATE, { spec: base, min: "1" }, operator)).data.createAgent.field).toBe(
        "/baseModel",
      );
    });

    it("stores the demo spec under the hash the chain records and prepares registerAgent", async () => {
      const created = (
        await s.gql(CREATE, { spec: demoSpec, min: (1000n * TRIB).toString() }, operator)
      ).data.createAgent;
      expect(created.__typename).toBe("MutationCreateAgentSuccess");
      expect(created.data.specHash).toBe(specHash(demoSpec));
      expect(created.data.specHash).toBe(s.seed.agentSpecHash);
      expect(created.data.transaction.transactions.at(-1).to).toBe(
        s.deployment.contracts.AgentStaking.address,
      );
      const agent = (await s.gql(`{ agent(agentId: "1") { spec { hash matchesChain json } } }`))
        .data.agent;
      expect(agent.spec).toMatchObject({ hash: s.seed.agentSpecHash, matchesChain: true });
      const usedBy = (
        await s.gql(`{ datanet(datanetId: "1") { usedByAgents { agent { agentId } weight } } }`)
      ).data.datanet.usedByAgents;
      expect(usedBy).toEqual([{ agent: { agentId: "1" }, weight: 0 }]);
    });

    let first: any;
    it("invokes the agent and returns a receipt anyone can verify with viem", async () => {
      const before = await spending();
      const response = await invoke("call-1", await voucher(10n * TRIB));
      const outcome = response.data?.invokeAgent;
      expect(outcome?.__typename, JSON.stringify(response)).toBe("MutationInvokeAgentSuccess");
      first = outcome.data;
      expect(first.tokensOut).toBeGreaterThan(0);
      expect(first.tokensOut).toBeLessThanOrEqual(demoSpec.generation.maxTokens);
      expect(BigInt(first.price)).toBe(PER_CALL + PER_TOKEN * BigInt(first.tokensOut));
      expect(first.sources.length).toBeGreaterThan(0);
      const search = first.toolCalls.find((c: { tool: string }) => c.tool === "datanet_search");
      expect(search).toMatchObject({ calledBy: "rule" });
      // Sources beyond what fits in the model's context are left out.
      expect(search.results).toBeGreaterThanOrEqual(first.sources.length);
      // The demo model's answer is noise: its markers (if any) fail, named one by one.
      expect(first.citationCheck.ok).toBe(first.citationCheck.failures.length === 0);

      const { typedData, signature, signer, lists, usage } = first.receipt;
      const message = {
        ...typedData.message,
        agentId: BigInt(typedData.message.agentId),
        price: BigInt(typedData.message.price),
        issuedAt: BigInt(typedData.message.issuedAt),
      };
      expect(typedData.types).toEqual(JSON.parse(JSON.stringify(RECEIPT_TYPES)));
      expect(
        await verifyTypedData({
          address: signer,
          domain: typedData.domain,
          types: RECEIPT_TYPES,
          primaryType: "Receipt",
          message,
          signature,
        }),
      ).toBe(true);
      expect(typedData.domain.verifyingContract).toBe(s.deployment.contracts.AgentStaking.address);
      expect(message.price).toBe(BigInt(first.price));
      expect(message.specHash).toBe(s.seed.agentSpecHash);
      const agent = (await s.gql(`{ agent(agentId: "1") { signer usage { calls fees } } }`)).data
        .agent;
      expect(agent.signer).toBe(signer);
      expect(agent.usage).toEqual({ calls: 1, fees: first.price });
      // The lists behind the hashes.
      const big = (list: any[], keys: string[]) =>
        list.map((x) =>
          Object.fromEntries(
            Object.entries(x).map(([k, v]) => [k, keys.includes(k) ? BigInt(v as string) : v]),
          ),
        );
      expect(hashAdapters(big(lists.adapters, ["adapterId"]) as never)).toBe(message.adaptersHash);
      expect(hashRetrieval(big(lists.retrieval, ["contributionId"]) as never)).toBe(
        message.retrievalHash,
      );
      expect(hashCitations(big(lists.citations, ["contributionId"]) as never)).toBe(
        message.citationsHash,
      );
      expect(hashSpans(big(lists.spans, ["contributionId"]) as never)).toBe(message.spansHash);
      expect(lists.adapters.map((a: { weightPpm: number }) => a.weightPpm)).toEqual([
        700000, 300000,
      ]);
      expect(lists.retrieval).toHaveLength(first.sources.length);
      // The pool's own signed usage record, committed to by the receipt.
      expect(usage.digest).toBe(message.usageDigest);
      expect(usage.record.completionTokens).toBe(first.tokensOut);
      expect(usage.record.caller).toBe("agents");
      expect(await verifyUsageRecord(usage)).toBe(true);

      const after = await spending();
      expect(BigInt(after.charged) - BigInt(before?.charged ?? 0)).toBe(BigInt(first.price));
    });

    it("answers a repeated request id from the first call, charged once", async () => {
      const before = await spending();
      const again = (await invoke("call-1", await voucher(10n * TRIB))).data.invokeAgent.data;
      expect(again.replayed).toBe(true);
      expect(again.receipt.signature).toBe(first.receipt.signature);
      expect(again.answer).toBe(first.answer);
      expect((await spending()).charged).toBe(before.charged);
      const other = await invoke("call-1", await voucher(10n * TRIB), {
        messages: [{ role: "user", content: "Something else" }],
      });
      expect(other.data.invokeAgent).toMatchObject({
        __typename: "RequestIdConflictError",
        conflict: "DIFFERENT_INPUT",
      });
      const fetched = (
        await s.gql(
          `query($p: Address!) { receipt(payer: $p, requestId: "call-1") { __typename ... on QueryReceiptSuccess { data { signature } } } }`,
          { p: devnetAccount("payer").address },
          payer,
        )
      ).data.receipt;
      expect(fetched.data.signature).toBe(first.receipt.signature);
      // A result whose delivery was lost, fetched by its id: the payer sees it, others get null.
      const LOST = `query($p: Address!) { invocation(payer: $p, requestId: "call-1") {
        __typename ... on QueryInvocationSuccess { data { answer price receipt { signature } } } } }`;
      const lost = (await gql(LOST, { p: devnetAccount("payer").address }, payer)).data.invocation;
      expect(lost.data).toMatchObject({ answer: first.answer, price: first.price });
      const outsider = await sessionFor(s, "contributorB");
      const hidden = await gql(LOST, { p: devnetAccount("payer").address }, outsider);
      expect(hidden.data.invocation).toBeNull();
    });

    it("payouts(account): each payee of a call sees PayoutAccrued for its share once; a replayed call publishes nothing", async () => {
      // Every account a call of the demo agent can pay: the devnet's roles and the treasury.
      const accounts = [
        ...(Object.keys(DEVNET_ROLES) as DevnetRole[]).map((role) => devnetAccount(role).address),
        getAddress(s.deployment.contracts.TimelockController.address),
      ];
      const subscribers = accounts.map((a) => ({
        a,
        sub: sseSubscribe(s.api.url, PAYOUTS, { a }),
      }));
      await new Promise((r) => setTimeout(r, 500));
      const v = await voucher(10n * TRIB);
      const call = (await invoke("payout-1", v)).data.invokeAgent.data;
      const { typedData, signature, signer, lists } = call.receipt;
      const receipt = parseEpochReceipt(
        {
          message: typedData.message,
          signature,
          signer,
          lists,
          operator: devnetAccount("operator").address,
        },
        "payout-1",
      );
      const split = splitReceipt(
        {
          ...receipt.message,
          ...receipt.lists,
          protocol: s.deployment.contracts.TimelockController.address,
          operator: receipt.operator,
        },
        () => null,
      );
      const accrued = (a: string) =>
        subscribers
          .find((x) => x.a === a)
          ?.sub.events.map((e) => e.data?.payouts)
          .filter(
            (p) =>
              p?.__typename === "PayoutAccrued" && p.requestId === receiptRequestId("payout-1"),
          ) ?? [];
      const payees = [...new Set(split.shares.map((share) => share.account))];
      expect(payees.every((a) => accounts.includes(a))).toBe(true);
      await until(
        () => payees.every((a) => accrued(a).length > 0),
        30_000,
        "every payee's PayoutAccrued",
      );
      // A replayed request id is answered from the stored call and tells nobody again.
      expect((await invoke("payout-1", v)).data.invokeAgent.data.replayed).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));
      let total = 0n;
      for (const a of accounts) {
        const shares = split.shares.filter((share) => share.account === a);
        const events = accrued(a);
        expect(events.length, a).toBe(shares.length > 0 ? 1 : 0);
        if (shares.length === 0) continue;
        expect(events[0]).toMatchObject({
          account: a,
          agentId,
          amount: shares.reduce((sum, share) => sum + share.amount, 0n).toString(),
          shares: shares.map((share) => ({
            role: share.role.toUpperCase(),
            amount: share.amount.toString(),
          })),
        });
        total += BigInt(events[0].amount);
      }
      // The stakers' part goes to the agent's staking rewards, not to an account.
      expect(total + split.stakers.amount).toBe(BigInt(call.price));
      for (const { sub } of subscribers) {
        expect(sub.errors).toEqual([]);
        sub.close();
      }
    });

    it("payouts(account): a call charged while its payouts cannot be published (a crash before the publish) still reaches its payee once", async () => {
      const a = devnetAccount("operator").address;
      const sub = wsSubscribe(s.api.url, PAYOUTS, { a });
      await new Promise((r) => setTimeout(r, 500));
      const accrued = () =>
        sub.events
          .map((e) => e.data?.payouts)
          .filter(
            (p) => p?.__typename === "PayoutAccrued" && p.requestId === receiptRequestId("crash-1"),
          );
      // The call is charged; every publish of a payout fails, as a dying process's would.
      const bus = s.api.services.pubsub.pubsub;
      const publish = bus.publish;
      bus.publish = ((topic: string, ...rest: unknown[]) => {
        if (topic === "payouts") throw new Error("the process died before publishing");
        return (publish as (...args: unknown[]) => void)(topic, ...rest);
      }) as typeof publish;
      try {
        const call = (await invoke("crash-1", await voucher(10n * TRIB))).data.invokeAgent;
        expect(call.__typename).toBe("MutationInvokeAgentSuccess");
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        bus.publish = publish;
      }
      expect(accrued()).toEqual([]);
      // The charge kept its payouts: the relay's next run publishes them, once.
      await until(() => accrued().length > 0, 30_000, "the operator's PayoutAccrued");
      await new Promise((r) => setTimeout(r, 1000));
      expect(accrued()).toHaveLength(1);
      expect(sub.errors).toEqual([]);
      await sub.close();
    });

    it("streams tokens then the result over graphql-sse and graphql-ws", async () => {
      for (const [transport, subscribe] of [
        ["sse", sseSubscribe],
        ["ws", wsSubscribe],
      ] as const) {
        const v = await voucher(10n * TRIB);
        const sub = subscribe(
          s.api.url,
          STREAM,
          { agentId, requestId: `stream-${transport}`, input: question, voucher: v },
          payer,
        );
        const result = await until(
          () => sub.events.find((e) => e.data?.invokeAgent?.__typename === "InvocationResult"),
          60_000,
          `${transport} result`,
        ).finally(() => sub.close());
        expect(sub.errors).toEqual([]);
        const tokens = sub.events
          .map((e) => e.data.invokeAgent)
          .filter((e) => e.__typename === "InvocationToken");
        expect(tokens.map((t) => t.index)).toEqual(tokens.map((_, i) => i));
        expect(tokens.map((t) => t.text).join("")).toBe(result.data.invokeAgent.answer);
        expect(tokens.length).toBeGreaterThan(0);
      }
    });

    it("refuses bad vouchers with typed errors and charges nothing", async () => {
      const before = await spending();
      const cases: [string, Promise<Awaited<ReturnType<typeof voucher>>>, string][] = [
        ["wrong signer", voucher(10n * TRIB, { signer: "operator" }), "INVALID_SIGNATURE"],
        ["wrong chain", voucher(10n * TRIB, { chainId: 1 }), "INVALID_SIGNATURE"],
        ["expiring too soon", voucher(10n * TRIB, { expiresIn: 60 }), "EXPIRES_TOO_SOON"],
        ["expired", voucher(10n * TRIB, { expiresIn: -60 }), "EXPIRES_TOO_SOON"],
      ];
      for (const [name, v, reason] of cases) {
        const outcome = (await invoke(`bad-${name.replaceAll(" ", "-")}`, await v)).data
          .invokeAgent;
        expect(outcome, name).toMatchObject({ __typename: "VoucherRefusedError", reason });
      }
      // Over the cap: a payer whose only voucher is below one call's maximum price.
      await depositEscrow("curator", 10n * TRIB);
      const curator = await sessionFor(s, "curator");
      const overCap = (
        await invoke("bad-cap", await voucher(PER_CALL, { role: "curator" }), question, curator)
      ).data.invokeAgent;
      expect(overCap).toMatchObject({ __typename: "VoucherRefusedError", reason: "OVER_CAP" });
      expect(await spending("curator", curator)).toBeNull();
      // A payer with no escrow, signing its own voucher.
      const broke = await sessionFor(s, "contributorA");
      const noEscrow = (
        await invoke(
          "bad-escrow",
          await voucher(10n * TRIB, { role: "contributorA" }),
          question,
          broke,
        )
      ).data.invokeAgent;
      expect(noEscrow).toMatchObject({
        __typename: "VoucherRefusedError",
        reason: "INSUFFICIENT_ESCROW",
      });
      // Someone else's voucher.
      const stolen = (await invoke("bad-thief", await voucher(10n * TRIB), question, broke)).data
        .invokeAgent;
      expect(stolen.__typename).toBe("ForbiddenError");
      expect(await spending()).toEqual(before);
    });

    it("never overspends a cap under 100 parallel invocations", async () => {
      // A payer of its own: no earlier (higher) voucher of it is on file.
      await depositEscrow("builder", 100n * TRIB);
      const builder = await sessionFor(s, "builder");
      const maxPrice = PER_CALL + PER_TOKEN; // maxTokens 1
      const cap = 5n * maxPrice;
      const v = await voucher(cap, { role: "builder" });
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          invoke(`parallel-${i}`, v, { ...question, maxTokens: 1 }, builder).then(
            (r) => r.data.invokeAgent,
          ),
        ),
      );
      const ok = results.filter((r) => r.__typename === "MutationInvokeAgentSuccess");
      const refused = results.filter((r) => r.__typename !== "MutationInvokeAgentSuccess");
      expect(ok.length).toBeGreaterThan(0);
      expect(ok.length).toBeLessThanOrEqual(5);
      for (const r of refused)
        expect(r).toMatchObject({ __typename: "VoucherRefusedError", reason: "OVER_CAP" });
      const after = await spending("builder", builder);
      const spent = ok.reduce((sum, r) => sum + BigInt(r.data.price), 0n);
      expect(BigInt(after.charged)).toBe(spent);
      expect(BigInt(after.charged)).toBeLessThanOrEqual(cap);
      expect(after.outstanding).toBe(after.charged);
      expect(after.capRemaining).toBe((cap - spent).toString());
    });

    it("refuses an agent whose receipt signer the chain does not authorize, charging nothing", async () => {
      const staking = s.deployment.contracts.AgentStaking.address;
      const signer = await s.api.services.agents.vault.addressOf(1n);
      const setSigner = (authorized: boolean) =>
        s.sendAs("operator", staking, agentStakingAbi, "setAgentSigner", [1n, signer, authorized]);
      await setSigner(false);
      await s.synced();
      const before = await spending();
      const outcome = (await invoke("unsigned", await voucher(10n * TRIB))).data.invokeAgent;
      expect(outcome).toMatchObject({
        __typename: "AgentSignerUnauthorizedError",
        agentId: "1",
        signer,
      });
      expect(await spending()).toEqual(before);
      await setSigner(true);
      await s.synced();
      const served = (await invoke("signed-again", await voucher(10n * TRIB))).data.invokeAgent;
      expect(served.__typename).toBe("MutationInvokeAgentSuccess");
    });

    it("refuses an inactive agent, charging nothing", async () => {
      const spec = { ...structuredClone(demoSpec), name: "Unstaked" };
      const created = (await gql(CREATE, { spec, min: (1000n * TRIB).toString() }, operator)).data
        .createAgent.data;
      for (const tx of created.transaction.transactions) await s.sendPrepared("operator", tx);
      const before = await spending();
      const outcome = (await invoke("inactive", await voucher(10n * TRIB), question, payer, "2"))
        .data.invokeAgent;
      expect(outcome.__typename).toBe("AgentInactiveError");
      expect(await spending()).toEqual(before);
    });

    describe("a long generation", () => {
      let longAgent: string;
      beforeAll(async () => {
        // No retrieval and a large budget: a generation that lasts long enough to interrupt.
        const spec = {
          ...structuredClone(demoSpec),
          name: "Long talker",
          retrieval: { ...demoSpec.retrieval, datanets: [] },
          tools: [],
          generation: { maxTokens: 900, temperature: 0, topP: 1 },
        };
        const created = (await gql(CREATE, { spec, min: "1" }, operator)).data.createAgent.data;
        for (const tx of created.transaction.transactions) await s.sendPrepared("operator", tx);
        const listed = (
          await gql(
            `query($op: Address!) { agents(operator: $op) { nodes { agentId specHash } } }`,
            {
              op: devnetAccount("operator").address,
            },
          )
        ).data.agents.nodes as { agentId: string; specHash: string }[];
        longAgent = listed.find((a) => a.specHash === created.specHash)?.agentId ?? "";
        const staking = s.deployment.contracts.AgentStaking.address;
        const token = s.deployment.contracts.TributaryToken.address;
        await s.sendAs("operator", token, tributaryTokenAbi, "approve", [staking, TRIB]);
        await s.sendAs("operator", staking, agentStakingAbi, "delegate", [BigInt(longAgent), TRIB]);
        await s.sendAs("operator", staking, agentStakingAbi, "setAgentSigner", [
          BigInt(longAgent),
          created.signer,
          true,
        ]);
        await s.synced();
      });

      /** Streams a call of the long agent; `onFirstToken` runs once the first token arrives. */
      async function interrupted(
        requestId: string,
        onFirstToken: (close: () => void) => Promise<void>,
      ) {
        const before = await spending();
        const sub = sseSubscribe(
          s.api.url,
          STREAM,
          { agentId: longAgent, requestId, input: question, voucher: await voucher(100n * TRIB) },
          payer,
        );
        await until(() => sub.events.length > 0, 60_000, "the first token");
        await onFirstToken(() => void sub.close());
        const row = await until(
          async () => {
            const found = await s.api.services.agents.ledger.get(
              devnetAccount("payer").address,
              requestId,
            );
            return found && found.status !== "RUNNING" ? found : undefined;
          },
          60_000,
          "the call to end",
        );
        return { sub, row, before };
      }

      it("gives a typed error and at most one usage record when a worker dies mid-call, charging nothing", async () => {
        const { sub, row, before } = await interrupted("killed", async () => {
          expect(await s.killWorkers()).toBeGreaterThan(0);
        });
        const last = await until(
          () =>
            sub.events
              .map((e) => e.data?.invokeAgent)
              .find((e) => e?.__typename && e.__typename !== "InvocationToken"),
          20_000,
          "the final event",
        ).finally(() => sub.close());
        expect(last.__typename).toBe("InferenceFailedError");
        expect(row.status).toBe("FAILED");
        expect(s.usageRecords(row.poolRequestId).length).toBeLessThanOrEqual(1);
        expect(await spending()).toMatchObject({
          charged: before.charged,
          outstanding: before.outstanding,
        });
      });

      it("cancels the generation in the pool when the client goes away, charging the tokens it generated", async () => {
        const { row, before } = await interrupted("walked-away", async (close) => close());
        const records = await until(
          () => {
            const found = s.usageRecords(row.poolRequestId);
            return found.length > 0 ? found : undefined;
          },
          30_000,
          "the pool's usage record",
        );
        expect(records).toHaveLength(1);
        expect(records[0]?.status).toBe("cancelled");
        const generated = records[0]?.completionTokens ?? 0;
        expect(generated).toBeLessThan(900);
        // Tokens reached the client: it pays for what the pool generated, with a receipt.
        expect(row.status).toBe("DONE");
        expect(row.tokensOut).toBe(generated);
        const price = PER_CALL + PER_TOKEN * BigInt(generated);
        expect(BigInt(row.price ?? 0)).toBe(price);
        expect(BigInt((await spending()).charged) - BigInt(before.charged)).toBe(price);
        expect((row.result as { finishReason: string }).finishReason).toBe("cancelled");
      });
    });
  });
}
