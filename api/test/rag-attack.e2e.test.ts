// biome-ignore-all lint/suspicious/noExplicitAny: GraphQL answers are untyped JSON
// Attacks on the RAG API against the real stack (anvil + protocol + indexer + API): each test
// asserts the SAFE behaviour, so it fails while the attack works. Outsiders tried: anonymous
// callers, other contributors, scoped API keys, Sybil accounts, validators and reorgs.
import { request } from "node:http";
import { connect } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  contributionCommitment,
  type DevnetRole,
  devnetAccount,
  randomSalt,
} from "@tributary/contracts";
import { datanetRegistryAbi, tributaryTokenAbi } from "@tributary/contracts/abis";
import { sql } from "drizzle-orm";
import { createWalletClient, type Hex, http, parseEther, parseEventLogs } from "viem";
import { generatePrivateKey, type LocalAccount, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tables from "../src/db/schema.ts";
import { SIGN_IN, sessionFor, until } from "./helpers.ts";
import { chainActions, sha256 } from "./rag-chain.ts";
import { type Stack, startStack } from "./stack.ts";

const SEARCH = `query($q: String!, $d: [BigInt!], $c: Address, $k: Int, $m: SearchMode, $min: Float) {
  search(query: $q, datanets: $d, contributor: $c, k: $k, mode: $m, minScore: $min) {
    score text citation { startOffset endOffset chunkHash
      contribution { contributionId } datanet { datanetId } contributor { address } } } }`;
const UPLOAD = `mutation($id: BigInt!, $c: String!, $t: String!) {
  uploadContribution(contributionId: $id, content: $c, mediaType: $t) { __typename
    ... on MutationUploadContributionSuccess { data { pending contentHash ingestion { status chunks error } } }
    ... on ContentRefusedError { reason message }
    ... on ContentHashMismatchError { expected actual }
    ... on ContributionClosedError { status }
    ... on Error { code message } } }`;
const CONTRIBUTION = `query($id: BigInt!) { contribution(contributionId: $id) {
  status content contributor { address } datanet { datanetId }
  ingestion { status chunks contentHash } } }`;
const SPANS = `query($t: String!, $d: [BigInt!], $n: Int) { attributeSpans(text: $t, datanets: $d, minTokens: $n) {
  text tokens contributions { contributionId } sources { contributor { address } } } }`;

const MiB = 1024 * 1024;
const UNEXPECTED = "Unexpected error";

/** A passage no other test holds, with rare words to retrieve it by. */
const fact = (tag: string) =>
  `The ${tag} wombat almanac records that cerulean lichens glow beneath the basalt viaduct every seventh dusk.\n\nIts wardens tally each glow with a pewter bead.`;

/** GC on demand (heap measurements): the flag can be set at run time, `gc` read from a context. */
function gcFunction(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

describe("RAG attacks on a real indexer (embedded)", () => {
  let s: Stack;
  let chain: ReturnType<typeof chainActions>;
  let dn0: bigint;
  let dn1: bigint;
  const sessions = new Map<string, Record<string, string>>();
  /** The indexer's last log lines (RAG_ATTACK_DEBUG=1 prints them at the end). */
  const indexerLog: string[] = [];
  /** An Accepted, searchable document every read-path test can look for. */
  let base: { id: bigint; text: string };

  const session = async (role: DevnetRole) => {
    let h = sessions.get(role);
    if (!h) {
      h = await sessionFor(s, role).catch(() => sessionFor(s, role));
      sessions.set(role, h);
    }
    return h;
  };
  /** s.gql, retried when a loaded server resets a kept-alive connection (uploads are idempotent). */
  const gql = async (query: string, variables: Record<string, unknown> = {}, headers = {}) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await s.gql(query, variables, headers);
      } catch (error) {
        if (attempt >= 3 || !String((error as Error).message).includes("fetch failed")) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const upload = async (
    headers: Record<string, string>,
    id: bigint | string,
    content: string,
    t = "text/plain",
  ) => {
    const r = await gql(UPLOAD, { id: String(id), c: content, t }, headers);
    return (r.data?.uploadContribution ?? r) as any;
  };
  const contribution = async (id: bigint) =>
    (await gql(CONTRIBUTION, { id: String(id) })).data?.contribution as any;
  const search = async (vars: Record<string, unknown>) => {
    const r = await gql(SEARCH, vars);
    expect(r.errors).toBeUndefined();
    return r.data.search as any[];
  };
  const cites = (hits: any[], id: bigint) =>
    hits.filter((h) => h.citation.contribution.contributionId === String(id));
  const contributionCount = async () =>
    BigInt(
      (await gql(`{ contributions(first: 1) { edges { node { contributionId } } } }`)).data
        .contributions.edges[0].node.contributionId,
    );
  const db = () => s.api.services.app.db;
  const rows = async <T>(query: ReturnType<typeof sql>) =>
    ((await db().execute(query)) as unknown as { rows: T[] }).rows;

  /** Contributes, uploads and has both validators accept; resolves once searchable. */
  async function acceptedUpload(
    role: DevnetRole,
    datanetId: bigint,
    text: string,
    mediaType = "text/plain",
  ): Promise<bigint> {
    const id = await chain.contribute(role, datanetId, text);
    await s.synced();
    const up = await upload(await session(role), id, text, mediaType);
    expect(up.__typename).toBe("MutationUploadContributionSuccess");
    await chain.resolve(id, true);
    await s.synced();
    await until(
      async () => {
        const c = await contribution(id);
        return c?.status === "Accepted" && c.ingestion?.status === "READY";
      },
      60_000,
      `contribution ${id} accepted and ingested`,
    );
    await s.api.services.rag.sync();
    return id;
  }

  /**
   * Registrations from several accounts mined in ONE block, in the order given (priority fees
   * decrease along the list; anvil orders a block by them). Returns the contribution ids.
   */
  async function oneBlock(items: { role: DevnetRole; datanetId: bigint; text: string }[]) {
    const registry = s.deployment.contracts.DatanetRegistry.address;
    const token = s.deployment.contracts.TributaryToken.address;
    const gwei = 1_000_000_000n;
    const roles = [...new Set(items.map((i) => i.role))];
    const wallets = new Map(
      roles.map((role) => [
        role,
        createWalletClient({
          account: devnetAccount(role),
          chain: s.publicClient.chain,
          transport: http(s.anvil.rpcUrl),
        }),
      ]),
    );
    const nonces = new Map<DevnetRole, number>();
    for (const role of roles)
      nonces.set(
        role,
        await s.publicClient.getTransactionCount({
          address: devnetAccount(role).address,
          blockTag: "pending",
        }),
      );
    const send = (role: DevnetRole, tip: bigint, call: Record<string, unknown>) => {
      const nonce = nonces.get(role) as number;
      nonces.set(role, nonce + 1);
      return (wallets.get(role) as ReturnType<typeof createWalletClient>).writeContract({
        ...call,
        nonce,
        gas: 600_000n,
        maxFeePerGas: 1000n * gwei,
        maxPriorityFeePerGas: tip,
      } as never);
    };
    // Protocol v2 (M4): each registration reveals a commitment made in an earlier block.
    const salts = items.map(() => randomSalt());
    for (const [k, item] of items.entries()) {
      const hash = await send(item.role, 900n * gwei, {
        abi: datanetRegistryAbi,
        address: registry,
        functionName: "commitContent",
        args: [
          contributionCommitment(
            item.datanetId,
            sha256(item.text),
            devnetAccount(item.role).address,
            salts[k] as Hex,
          ),
        ],
      });
      await s.publicClient.waitForTransactionReceipt({ hash });
    }
    await chain.rpc("evm_setAutomine", [false]);
    const hashes: Hex[] = [];
    try {
      await chain.rpc("evm_setBlockGasLimit", ["0x3B9ACA00"]);
      for (const role of roles)
        await send(role, 900n * gwei, {
          abi: tributaryTokenAbi,
          address: token,
          functionName: "approve",
          args: [registry, parseEther("10") * BigInt(items.length)],
        });
      for (const [k, item] of items.entries())
        hashes.push(
          await send(item.role, 800n * gwei - BigInt(k) * gwei, {
            abi: datanetRegistryAbi,
            address: registry,
            functionName: "contribute",
            args: [
              item.datanetId,
              sha256(item.text),
              "test:attack",
              parseEther("10"),
              salts[k] as Hex,
            ],
          }),
        );
      await chain.rpc("anvil_mine", ["0x1"]);
    } finally {
      await chain.rpc("evm_setAutomine", [true]);
    }
    const ids: bigint[] = [];
    const blocks = new Set<bigint>();
    for (const hash of hashes) {
      const receipt = await s.publicClient.waitForTransactionReceipt({ hash });
      blocks.add(receipt.blockNumber);
      const [event] = parseEventLogs({
        abi: datanetRegistryAbi,
        logs: receipt.logs,
        eventName: "ContributionSubmitted",
      } as never) as unknown as { args: { contributionId: bigint } }[];
      if (!event) throw new Error("no ContributionSubmitted event");
      ids.push(event.args.contributionId);
    }
    expect(blocks.size, "all registrations in one block").toBe(1);
    return ids;
  }

  /** Resolves once the ingest queue (as /metrics reports it) is empty. */
  const queueIdle = (what: string) =>
    until(
      async () => {
        const r = await fetch(s.api.url.replace("/graphql", "/metrics"));
        return /^tributary_api_ingest_queue_size 0$/m.test(await r.text());
      },
      200_000,
      what,
    );

  /** A fresh Sybil identity: any key signs in, no chain footprint needed. */
  async function sybil(account: LocalAccount = privateKeyToAccount(generatePrivateKey())) {
    const nonce = (await gql(`mutation { siweNonce { nonce } }`)).data.siweNonce.nonce;
    const message = createSiweMessage({
      domain: "tributary.test",
      address: account.address,
      statement: "Sign in to Tributary",
      uri: "https://tributary.test",
      version: "1",
      chainId: s.anvil.chainId,
      nonce,
    });
    const signature = await account.signMessage({ message });
    const r = await gql(SIGN_IN, { m: message, s: signature });
    return { authorization: `Bearer ${r.data.signIn.data.token}` };
  }

  /** A raw POST to /graphql: status and body, whatever the headers. */
  function post(headers: Record<string, string>, body: string, localAddress?: string) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(s.api.url);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: "/graphql",
          method: "POST",
          ...(localAddress ? { localAddress } : {}),
          headers: {
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
            ...headers,
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on("data", (c: Buffer) => parts.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }),
          );
        },
      );
      req.on("error", (error) => {
        // The server may answer and close before the whole body is sent.
        if ((error as NodeJS.ErrnoException).code === "EPIPE") return;
        reject(error);
      });
      req.end(body);
    });
  }

  /** Raw bytes on a socket; resolves with the status line's code. */
  function rawStatus(raw: string): Promise<number> {
    const url = new URL(s.api.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write(raw));
      let seen = "";
      socket.on("data", (c) => {
        seen += c.toString();
        const m = /^HTTP\/1\.1 (\d{3})/.exec(seen);
        if (m) {
          resolve(Number(m[1]));
          socket.destroy();
        }
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(seen)?.[1] ?? 0)));
      setTimeout(() => socket.destroy(), 10_000).unref();
    });
  }

  beforeAll(async () => {
    s = await startStack("embedded");
    chain = chainActions(s);
    for (const stream of [s.indexer.process.stdout, s.indexer.process.stderr])
      stream?.on("data", (c: Buffer) => {
        indexerLog.push(...c.toString().split("\n").filter(Boolean));
        indexerLog.splice(0, Math.max(0, indexerLog.length - 400));
      });
    const datanets = Object.values(s.seed.datanets);
    dn0 = datanets[0]?.id as bigint;
    dn1 = datanets[1]?.id as bigint;
    const text = fact("baseline");
    base = { id: await acceptedUpload("contributorA", dn0, text), text };
  }, 300_000);
  afterAll(async () => {
    if (process.env.RAG_ATTACK_DEBUG) console.log(indexerLog.join("\n"));
    await s?.stop();
  }, 180_000);

  // (f) SQL injection -----------------------------------------------------------------------

  it("(f) search terms, contributor and Datanet filters cannot inject SQL", async () => {
    const [before] = await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM app.chunk`);
    const payloads = [
      "'; DROP TABLE app.chunk; --",
      "wombat' OR '1'='1",
      "wombat') OR searchable = false OR ('",
      "$$; DELETE FROM app.document; $$",
      "wombat:* & !lichens | (basalt <-> viaduct)",
      "\\' \\\" \\\\ ; -- /* */",
      "wombat\u0000lichens",
      "𝔴𝔬𝔪𝔟𝔞𝔱 ﷽ ǅ İ ß e\u0301",
      "1e308 -0 NaN Infinity 0x7fffffffffffffff",
      "ab".repeat(1000),
    ];
    for (const q of payloads)
      for (const m of ["HYBRID", "VECTOR", "FULLTEXT"]) {
        // min: −1 keeps this about injection (NaN scores are the next test's subject).
        const r = await gql(SEARCH, { q, m, k: 50, min: -1 });
        expect(`${q}/${m}: ${JSON.stringify(r.errors ?? [])}`).not.toContain(UNEXPECTED);
        for (const hit of r.data?.search ?? [])
          expect(hit.citation.chunkHash).toBe(sha256(hit.text));
      }
    for (const c of [
      "' OR 1=1 --",
      "0xabc' OR '1'='1",
      "0x0000000000000000000000000000000000000000",
    ])
      expect(JSON.stringify((await gql(SEARCH, { q: "wombat", c })).errors ?? [])).not.toContain(
        UNEXPECTED,
      );
    for (const d of [["1) OR (1=1"], ["-1"], ["1; DROP TABLE app.chunk"]]) {
      const r = await gql(SEARCH, { q: "wombat", d });
      expect(r.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(r.errors)).not.toContain(UNEXPECTED);
    }
    // Only the baseline's Datanet, only its contributor: still only its chunks.
    const own = await search({ q: fact("baseline"), d: [String(dn1)], k: 50 });
    expect(cites(own, base.id)).toEqual([]);
    const [after] = await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM app.chunk`);
    expect(after?.n).toBe(before?.n);
    expect(cites(await search({ q: fact("baseline"), k: 10 }), base.id).length).toBeGreaterThan(0);
  });

  // (g) masked errors ----------------------------------------------------------------------

  it("(g) out-of-range ids and numeric edge values give typed/validation errors, never masked 500s", async () => {
    const huge = (2n ** 64n).toString();
    const owner = await session("contributorA");
    const answers: Record<string, { errors?: any[]; data?: any }> = {
      searchDatanet: await gql(SEARCH, { q: "wombat", d: [huge] }),
      spansDatanet: await gql(SPANS, { t: fact("baseline"), d: [huge] }),
      contribution: await gql(CONTRIBUTION, { id: huge }),
      uploadHugeId: await gql(UPLOAD, { id: huge, c: "hello", t: "text/plain" }, owner),
      minScoreHuge: await gql(SEARCH, { q: "wombat", min: -1.7e308 }),
      minScoreTiny: await gql(SEARCH, { q: "wombat", min: 5e-324, m: "VECTOR" }),
      kZero: await gql(SEARCH, { q: "wombat", k: 0 }),
      minTokensOne: await gql(SPANS, { t: fact("baseline"), n: 1 }),
    };
    // Every root field that loads one object by id: 2^63 − 1 (past every counter), 2^63 (past
    // int8) and 2^64 are unknown, as is an ordinary id nothing has: a plain null.
    for (const [field, arg] of [
      ["contribution", "contributionId"],
      ["datanet", "datanetId"],
      ["model", "modelId"],
      ["proposal", "proposalId"],
      ["agent", "agentId"],
      ["dispute", "disputeId"],
      ["settlementRoot", "epoch"],
    ])
      for (const id of [2n ** 63n - 1n, 2n ** 63n, 2n ** 64n, 999_999n]) {
        const r = await gql(`query($id: BigInt!) { ${field}(${arg}: $id) { __typename } }`, {
          id: String(id),
        });
        answers[`${field}(${id})`] = r;
        // Unknown is a plain null (issue 15), never an error, masked or not.
        expect(r.data?.[field as string], `${field}(${id})`).toBeNull();
        expect(r.errors, `${field}(${id})`).toBeUndefined();
      }
    const globalId = Buffer.from(`Contribution:${huge}`).toString("base64");
    answers.node = await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: globalId });
    answers.nodes = await gql(`query($id: ID!) { nodes(ids: [$id]) { id } }`, { id: globalId });
    for (const name of ["kZero", "minTokensOne"])
      expect(answers[name]?.errors?.[0]?.extensions?.code, name).toBe("BAD_USER_INPUT");
    for (const [name, r] of Object.entries(answers))
      expect(`${name}: ${JSON.stringify(r.errors ?? [])}`).not.toContain(UNEXPECTED);
    // JSON has no NaN; 1e999 parses to Infinity: refused by Float, not a 500.
    for (const raw of [
      `{"query":${JSON.stringify(SEARCH)},"variables":{"q":"wombat","min":1e999}}`,
      `{"query":${JSON.stringify(SEARCH)},"variables":{"q":"wombat","k":1e999}}`,
      `{"query":${JSON.stringify(SEARCH)},"variables":{"q":"wombat","k":2147483648}}`,
      `{"query":${JSON.stringify(SPANS)},"variables":{"t":"wombat","n":1e999}}`,
    ]) {
      const r = await post({}, raw);
      expect(r.status).toBeLessThan(500);
      expect(r.body).not.toContain(UNEXPECTED);
    }
  });

  it("(g) a VECTOR search for text without word features (emoji, punctuation) does not fail", async () => {
    // The hashing embedder gives such text a zero vector: cosine distance NaN, score NaN, and
    // GraphQL's Float refuses to serialise it ("Unexpected error.").
    for (const q of ["🦘", "--", "?!", "\u0000"])
      for (const m of ["VECTOR", "HYBRID"]) {
        const r = await gql(SEARCH, { q, m });
        expect(`${JSON.stringify(q)}/${m}: ${JSON.stringify(r.errors ?? [])}`).not.toContain(
          UNEXPECTED,
        );
        for (const hit of r.data?.search ?? []) expect(Number.isFinite(hit.score)).toBe(true);
      }
  });

  // (e) CPU / memory / disk ----------------------------------------------------------------

  it("(e) pathological search queries and attribution texts stay cheap on ordinary content", async () => {
    const queries = [
      "wombat".repeat(333),
      Array.from({ length: 1000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(" "),
      "🦘".repeat(1000),
      "a ".repeat(1000),
    ];
    for (const q of queries)
      for (const m of ["HYBRID", "FULLTEXT", "VECTOR"]) {
        const t = performance.now();
        const r = await gql(SEARCH, { q, m, k: 50, min: -1 });
        expect(JSON.stringify(r.errors ?? [])).not.toContain(UNEXPECTED);
        expect(performance.now() - t).toBeLessThan(5_000);
      }
    for (const t of ["x ".repeat(16_000), "🦘".repeat(16_000), "wombat almanac ".repeat(2_000)]) {
      const started = performance.now();
      const r = await gql(SPANS, { t, n: 4 });
      expect(r.errors).toBeUndefined();
      expect(performance.now() - started).toBeLessThan(5_000);
    }
  });

  it("(e) search hits cannot multiply Contribution.content into a huge anonymous response", async () => {
    const paragraph = (i: number) =>
      `Section ${i} of the quasarbloom gazetteer: ${"the tidewater heron counts reeds ".repeat(28)}\n\n`;
    const text = Array.from({ length: 62 }, (_, i) => paragraph(i)).join("");
    expect(Buffer.byteLength(text)).toBeLessThan(64 * 1024);
    const id = await acceptedUpload("contributorA", dn0, text);
    const hits = await search({ q: "quasarbloom gazetteer", k: 50 });
    expect(cites(hits, id).length).toBeGreaterThanOrEqual(40);
    const aliases = Array.from(
      { length: 20 },
      (_, i) =>
        `a${i}: search(query: "quasarbloom gazetteer", k: 50) { citation { contribution { content } } }`,
    ).join("\n");
    const query = `{ ${aliases} }`;
    const r = await post({}, JSON.stringify({ query }));
    // A 2 KB anonymous request answered with 20 × 50 copies of the content (~60 MB here; with a
    // 4 MiB contribution 4 GB: the process dies). Refuse it or keep it bounded.
    expect(Buffer.byteLength(r.body)).toBeLessThan(16 * MiB);
  }, 120_000);

  it("(e) the anonymous response cache does not hold unbounded copies of stored content", async () => {
    // A Pending contribution's content is readable (validators read it); 1 MiB of it.
    const text = `${"The heron ledger repeats its reed counts. ".repeat(24_000)}\n`;
    const id = await chain.contribute("contributorB", dn1, text);
    await s.synced();
    await upload(await session("contributorB"), id, text);
    await until(
      async () => (await contribution(id))?.ingestion?.status === "READY",
      90_000,
      "1 MiB upload ingested",
    );
    await s.api.services.rag.drain();
    const gc = gcFunction();
    gc();
    const before = process.memoryUsage().heapUsed;
    // Each distinct query text (a comment suffices) is its own cache entry, up to 4,096.
    for (let i = 0; i < 150; i++) {
      const r = await post(
        {},
        JSON.stringify({
          query: `query($id: BigInt!) { contribution(contributionId: $id) { content } } # ${i}`,
          variables: { id: String(id) },
        }),
      );
      expect(r.status).toBe(200);
    }
    gc();
    const retained = process.memoryUsage().heapUsed - before;
    // ~150 MiB retained here; 4,096 entries of a 4 MiB contribution is 16 GiB.
    expect(retained).toBeLessThan(64 * MiB);
  }, 180_000);

  it("(e) a small JSON Lines upload cannot explode into tens of thousands of chunk rows", async () => {
    const text = `{"tag":"jsonl-amplifier"}\n${"1\n".repeat(20_000)}`;
    expect(Buffer.byteLength(text)).toBeLessThan(64 * 1024);
    const id = await chain.contribute("contributorB", dn1, text);
    await s.synced();
    const started = performance.now();
    const up = await upload(await session("contributorB"), id, text, "application/jsonl");
    const ms = performance.now() - started;
    expect(up.__typename).toBe("MutationUploadContributionSuccess");
    const [stored] = await rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM app.chunk WHERE contribution_id = ${id.toString()}::bigint`,
    );
    // 40 KB became 20,001 chunks with 384-dim embeddings (a 4 MiB upload: ~2.1 M rows and
    // ~6 GB of embedding arrays in memory at once), ingested inline in this request.
    expect(
      stored?.n,
      `${stored?.n} chunks from ${Buffer.byteLength(text)} bytes, ingested in ${Math.round(ms)} ms`,
    ).toBeLessThanOrEqual(Buffer.byteLength(text) / 64);
  }, 120_000);

  // (b)/(c) takedowns ----------------------------------------------------------------------

  it("(b,c) withdrawn content vanishes from content, /content, search, spans and the cache", async () => {
    const text = fact("withdrawn");
    const id = await acceptedUpload("contributorA", dn0, text);
    const hash = sha256(text);
    const contentUrl = s.api.url.replace("/graphql", `/content/${hash}`);
    // Warm the anonymous cache on every read.
    for (let i = 0; i < 2; i++) expect((await contribution(id)).content).toBe(text);
    expect((await fetch(contentUrl)).status).toBe(200);
    expect(cites(await search({ q: text, k: 10 }), id).length).toBeGreaterThan(0);
    expect(
      (await gql(SPANS, { t: text })).data.attributeSpans.some((sp: any) =>
        sp.contributions.some((c: any) => c.contributionId === String(id)),
      ),
    ).toBe(true);

    await chain.withdraw("contributorA", id);
    await s.synced();
    await until(async () => (await contribution(id))?.content === null, 10_000, "content gone");
    expect(await contribution(id)).toMatchObject({
      status: "Withdrawn",
      content: null,
      ingestion: { status: "REMOVED" },
    });
    expect((await fetch(contentUrl)).status).toBe(404);
    for (const m of ["HYBRID", "VECTOR", "FULLTEXT"])
      expect(cites(await search({ q: text, k: 50, m, min: -1 }), id)).toEqual([]);
    expect(
      cites(await search({ q: text, k: 50, c: devnetAccount("contributorA").address }), id),
    ).toEqual([]);
    const spans = (await gql(SPANS, { t: text, n: 4 })).data.attributeSpans as any[];
    expect(spans.flatMap((sp) => sp.contributions.map((c: any) => c.contributionId))).not.toContain(
      String(id),
    );
    const [left] = await rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM app.chunk WHERE contribution_id = ${id.toString()}::bigint AND (text IS NOT NULL OR embedding IS NOT NULL OR searchable)`,
    );
    expect(left?.n).toBe(0);
    expect(await s.api.services.rag.contentByHash(hash)).toBeNull();
    // Nobody brings it back: not the contributor, not someone else.
    expect(await upload(await session("contributorA"), id, text)).toMatchObject({
      __typename: "ContributionClosedError",
    });
    expect((await upload(await session("contributorB"), id, text)).__typename).toBe(
      "ForbiddenError",
    );
  }, 120_000);

  it("(c) content a validator rejects is deleted and never searchable", async () => {
    const text = fact("rejected");
    const id = await chain.contribute("contributorB", dn1, text);
    await s.synced();
    await upload(await session("contributorB"), id, text);
    expect((await contribution(id)).content).toBe(text);
    await chain.resolve(id, false);
    await s.synced();
    await until(
      async () => (await contribution(id))?.ingestion?.status === "REMOVED",
      10_000,
      "rejected content removed",
    );
    expect((await contribution(id)).content).toBeNull();
    expect(cites(await search({ q: text, k: 50, min: -1 }), id)).toEqual([]);
    expect(await s.api.services.rag.contentByHash(sha256(text))).toBeNull();
    expect(await upload(await session("contributorB"), id, text)).toMatchObject({
      __typename: "ContributionClosedError",
      status: "Rejected",
    });
  });

  it("(c) a stranger's pending upload of the same bytes does not keep a taken-down text stored", async () => {
    const text = fact("retained");
    const id = await acceptedUpload("contributorA", dn0, text);
    // Mallory copied the public text and parks it on a contribution id not indexed yet.
    const mallory = await sybil();
    const parked = await upload(mallory, (await contributionCount()) + 2n, text);
    expect(parked.data?.pending).toBe(true);
    await chain.withdraw("contributorA", id);
    await s.synced();
    await until(
      async () => (await contribution(id))?.ingestion?.status === "REMOVED",
      10_000,
      "withdrawn",
    );
    await s.api.services.rag.sync();
    // The takedown's promise is that the text is deleted; a renewable pending upload (each
    // re-upload resets its 24 h) keeps it on disk indefinitely.
    expect(await s.api.services.rag.contentByHash(sha256(text))).toBeNull();
  });

  // (e)/(d) pending uploads ----------------------------------------------------------------

  it("(e) replacing a pending upload leaves no orphaned content behind", async () => {
    const mallory = await sybil();
    const id = (await contributionCount()) + 3n;
    const versions = ["first", "second", "third"].map((v) => `orphan ${v} ${"x".repeat(1000)}`);
    for (const v of versions) expect((await upload(mallory, id, v)).data?.pending).toBe(true);
    await s.api.services.rag.sync();
    // Each replacement leaves the earlier content row referenced by nothing, forever: one
    // account stores unbounded 4 MiB blobs by re-uploading to the same id.
    expect(await s.api.services.rag.contentByHash(sha256(versions[0] as string))).toBeNull();
    expect(await s.api.services.rag.contentByHash(sha256(versions[1] as string))).toBeNull();
  });

  it("(e) pending uploads for contribution ids that cannot exist yet are refused", async () => {
    const mallory = await sybil();
    const far = (await contributionCount()) + 1_000_000_000_000n;
    const r = await upload(mallory, far, "free hosting for 24 hours, 16 × 4 MiB per key");
    expect(r.data?.pending).not.toBe(true);
  });

  it("(e) pending uploads from many fresh accounts cannot fill the disk", async () => {
    // Addresses are free (SIWE needs no chain footprint), so a per-address cap alone bounds
    // nothing; pending uploads are capped in bytes across all uploaders (64 MiB).
    const id = (await contributionCount()) + 5n;
    const accounts = await Promise.all(Array.from({ length: 40 }, () => sybil()));
    for (const [k, headers] of accounts.entries()) {
      const blob = `${k} ${"0123456789abcdef".repeat(131_072)}`;
      await upload(headers, id, blob);
    }
    const [stored] = await rows<{ n: number }>(
      sql`SELECT coalesce(sum(c.byte_length), 0)::bigint::text AS n FROM app.content c
          WHERE c.hash IN (SELECT content_hash FROM app.pending_upload)`,
    );
    const bytes = Number(stored?.n ?? 0);
    await db().execute(
      sql`DELETE FROM app.pending_upload WHERE contribution_id = ${id.toString()}::bigint`,
    );
    await s.api.services.rag.sync();
    // 40 accounts stored 80 MiB here before the byte cap.
    expect(bytes).toBeLessThanOrEqual(64 * MiB);
  }, 180_000);

  // (a) uploads of the wrong bytes or by the wrong party ------------------------------------

  it("(a) other contributors, scoped or revoked keys and look-alike bytes cannot store content", async () => {
    const text = `${fact("scoped")} Café ☕ 𝔴 — naïve\r\nline`;
    const id = await chain.contribute("contributorA", dn0, text);
    await s.synced();
    const owner = await session("contributorA");
    const key = async (scopes: string) =>
      (
        await gql(
          `mutation { createApiKey(name: "k", scopes: [${scopes}]) { ... on MutationCreateApiKeySuccess { data { secret key { id } } } } }`,
          {},
          owner,
        )
      ).data.createApiKey.data as { secret: string; key: { id: string } };
    for (const scopes of ["READ", "PREPARE", "RELAY", "READ, PREPARE, RELAY"]) {
      const k = await key(scopes);
      expect((await upload({ "x-api-key": k.secret }, id, text)).__typename).toBe("ForbiddenError");
      expect((await upload({ authorization: `Bearer ${k.secret}` }, id, text)).__typename).toBe(
        "ForbiddenError",
      );
    }
    const revoked = await key("CONTENT");
    await gql(
      `mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`,
      { id: revoked.key.id },
      owner,
    );
    const stale = await gql(
      UPLOAD,
      { id: String(id), c: text, t: "text/plain" },
      {
        "x-api-key": revoked.secret,
      },
    );
    expect(stale.data?.uploadContribution?.__typename).not.toBe(
      "MutationUploadContributionSuccess",
    );
    expect(stale.errors?.[0]?.extensions?.code ?? stale.data?.uploadContribution?.__typename).toBe(
      "UNAUTHENTICATED",
    );
    // Another contributor's CONTENT key, another contributor's session, a forged key.
    const otherKey = (
      await gql(
        `mutation { createApiKey(name: "k", scopes: [CONTENT]) { ... on MutationCreateApiKeySuccess { data { secret } } } }`,
        {},
        await session("contributorB"),
      )
    ).data.createApiKey.data.secret as string;
    expect((await upload({ "x-api-key": otherKey }, id, text)).__typename).toBe("ForbiddenError");
    expect((await upload(await session("contributorB"), id, text)).__typename).toBe(
      "ForbiddenError",
    );
    expect((await upload(await sybil(), id, text)).__typename).toBe("ForbiddenError");
    const forged = await gql(
      UPLOAD,
      { id: String(id), c: text, t: "text/plain" },
      {
        "x-api-key": "trb_forgedforgedforgedforgedforged",
      },
    );
    expect(forged.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await upload({ cookie: "tributary_session=forged" }, id, text)).__typename).toBe(
      "AuthenticationError",
    );
    // Strings whose UTF-8 encoding (lone surrogate → U+FFFD) or normal form collides.
    const surrogate = text.replace("☕", "\ud800");
    expect(await upload(owner, id, surrogate)).toMatchObject({ reason: "INVALID_TEXT" });
    expect((await upload(owner, id, text.normalize("NFD"))).__typename).toBe(
      "ContentHashMismatchError",
    );
    expect((await upload(owner, id, `\ufeff${text}`)).__typename).toBe("ContentHashMismatchError");
    expect((await upload(owner, id, text, "text/plain; charset=latin1")).reason).toBe(
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expect(
      (
        await upload(
          owner,
          id,
          `[${"[".repeat(200_000)}${"]".repeat(200_000)}]`,
          "application/jsonl",
        )
      ).__typename,
    ).toMatch(/Error$/);
    const r = await gql(CONTRIBUTION, { id: String(id) });
    expect(r.data.contribution).toMatchObject({ content: null, ingestion: null });
    // The owner's own CONTENT key works, and stores exactly the registered bytes.
    const mine = await key("CONTENT");
    expect((await upload({ "x-api-key": mine.secret }, id, text)).__typename).toBe(
      "MutationUploadContributionSuccess",
    );
    expect((await contribution(id)).content).toBe(text);
  }, 120_000);

  // (h) attribution ------------------------------------------------------------------------

  it("(h) a reorg that hands a contribution id to another contributor stops crediting the first", async () => {
    // Words no other test uses, so every hit and span for them is this contribution's.
    const text =
      "The zygomorphic quillwort census of Xanthorrhoea lists eleven obsidian marmots, four vermilion ibexes and one tangerine axolotl.";
    const alice = devnetAccount("contributorA").address;
    const bob = devnetAccount("contributorB").address;
    const snapshot = await chain.rpc("evm_snapshot");
    const id = await acceptedUpload("contributorA", dn0, text);
    await until(
      async () => cites(await search({ q: text, k: 50 }), id).length > 0,
      10_000,
      "Alice's content searchable",
    );
    // The fork where Bob's registration of the same bytes, in another Datanet, got the id.
    await chain.rpc("evm_revert", [snapshot]);
    const again = await chain.contribute("contributorB", dn1, text);
    expect(again).toBe(id);
    await chain.resolve(again, true);
    await chain.rpc("anvil_mine", ["0x5"]);
    await s.synced();
    await until(
      async () => (await contribution(id))?.contributor?.address === bob,
      20_000,
      "the indexer follows the reorg",
    );
    await s.api.services.rag.sync();
    const credited = async () => {
      const hits = cites(await search({ q: text, k: 50, min: -1 }), id).map((h) => [
        h.citation.contributor.address,
        h.citation.datanet.datanetId,
      ]);
      const spans = (
        await gql(
          `query($t: String!) { attributeSpans(text: $t) { sources { contribution { contributionId } contributor { address } } } }`,
          { t: text },
        )
      ).data.attributeSpans as any[];
      const sources = spans.flatMap((sp) =>
        sp.sources
          .filter((x: any) => x.contribution.contributionId === String(id))
          .map((x: any) => x.contributor.address),
      );
      return { hits, sources };
    };
    const after = await credited();
    expect(after.hits.filter(([who]) => who !== bob)).toEqual([]);
    expect(after.sources).not.toContain(alice);
    expect(cites(await search({ q: text, k: 50, d: [String(dn0)] }), id)).toEqual([]);
    // Bob uploads his bytes: now his, in his Datanet.
    expect((await upload(await session("contributorB"), id, text)).__typename).toBe(
      "MutationUploadContributionSuccess",
    );
    await s.api.services.rag.sync();
    const mine = await until(
      async () => {
        const c = await credited();
        return c.hits.length > 0 && c.sources.length > 0 && c;
      },
      15_000,
      "Bob's upload searchable",
    );
    expect(new Set(mine.hits.map(([who, dn]) => `${who}:${dn}`))).toEqual(
      new Set([`${bob}:${dn1}`]),
    );
    expect(new Set(mine.sources)).toEqual(new Set([bob]));
  }, 120_000);

  // (e) HTTP body limits -------------------------------------------------------------------

  it("(e) a stray cookie or non-credential header does not lift the anonymous 1 MiB body limit", async () => {
    const body = JSON.stringify({
      query: "query($pad: String) { __typename }",
      variables: { pad: "x".repeat(2 * MiB) },
    });
    expect((await post({}, body)).status).toBe(413);
    for (const headers of [
      { cookie: "theme=dark" },
      { authorization: "Basic Zm9vOmJhcg==" },
      { authorization: "Bearer not-a-real-token" },
      { "x-api-key": "x" },
    ]) {
      const r = await post(headers, body);
      expect([401, 413], `${JSON.stringify(headers)} → ${r.status}`).toContain(r.status);
    }
    const host = new URL(s.api.url).host;
    // No length, or both a length and chunked framing: refused before any body is read.
    expect(
      await rawStatus(
        `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      ),
    ).toBe(411);
    const both = await rawStatus(
      `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    expect(both).toBeGreaterThanOrEqual(400);
    const bogus = await rawStatus(
      `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n`,
    );
    expect(bogus).toBeGreaterThanOrEqual(400);
  });

  // (b) /content ---------------------------------------------------------------------------

  it("(b) /content serves only live documents and rejects malformed paths", async () => {
    const html = "<html><body><script>document.write(document.cookie)</script></body></html>";
    const mallory = await sybil();
    expect((await upload(mallory, (await contributionCount()) + 4n, html)).data?.pending).toBe(
      true,
    );
    const root = s.api.url.replace("/graphql", "");
    expect((await fetch(`${root}/content/${sha256(html)}`)).status).toBe(404);
    for (const path of [
      "/content/0x",
      "/content/..%2f..%2fetc%2fpasswd",
      `/content/${sha256(base.text)}/x`,
      `/content/${sha256(base.text)}%00`,
      `/content/${"0x".padEnd(66, "g")}`,
    ])
      expect((await fetch(`${root}${path}`)).status, path).toBe(400);
    const ok = await fetch(
      `${root}/content/${sha256(base.text).toUpperCase().replace("0X", "0x")}`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(base.text);
  });

  it("(b) /content answers cannot be sniffed into active content", async () => {
    const root = s.api.url.replace("/graphql", "");
    const ok = await fetch(`${root}/content/${sha256(base.text)}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain; charset=utf-8/);
    // User-controlled bytes on the API's origin: forbid MIME sniffing.
    expect(ok.headers.get("x-content-type-options")).toBe("nosniff");
  });

  // (d) blocking someone else's upload -----------------------------------------------------

  it("(d) Sybil accounts flooding the pending queue do not stall honest early uploads", async () => {
    await queueIdle("ingest queue idle");
    // 34 fresh keys × 16 pending uploads for ids that will never be registered.
    const far = (await contributionCount()) + 10_000_000n;
    const aliases = (n: number) =>
      Array.from(
        { length: 16 },
        (_, j) =>
          `u${j}: uploadContribution(contributionId: "${far + BigInt(n * 16 + j)}", content: "junk ${n}.${j}", mediaType: "text/plain") { __typename }`,
      ).join("\n");
    for (let n = 0; n < 34; n++) {
      const r = await gql(`mutation { ${aliases(n)} }`, {}, await sybil());
      expect(JSON.stringify(r.errors ?? [])).not.toContain(UNEXPECTED);
    }
    const text = fact("early-honest");
    const next = (await contributionCount()) + 1n;
    const owner = await session("contributorB");
    const early = await upload(owner, next, text);
    expect(early.data?.pending).toBe(true);
    const id = await chain.contribute("contributorB", dn1, text);
    expect(id).toBe(next);
    await until(async () => (await contribution(id))?.status, 120_000, "registration indexed");
    const state = await until(
      async () => {
        const c = await contribution(id);
        return c?.ingestion?.status === "READY" && c;
      },
      20_000,
      "honest pending upload promoted",
    ).catch(async () => contribution(id));
    expect(state?.ingestion?.status).toBe("READY");
  }, 360_000);

  it("(c) a flood of pending uploads does not stop takedowns", async () => {
    // Still flooded (previous test): the lifecycle's first step asks the indexer about 500
    // pending ids in one GET whose URL (~40 KB) Ponder refuses, so the whole sync fails on
    // every tick and nothing after it runs, takedowns included.
    const text = fact("flood-takedown");
    const id = await chain.contribute("contributorA", dn0, text);
    await until(async () => (await contribution(id))?.status, 120_000, "registration indexed");
    const up = await upload(await session("contributorA"), id, text);
    expect(up.__typename).toBe("MutationUploadContributionSuccess");
    expect((await contribution(id)).content).toBe(text);
    await chain.withdraw("contributorA", id);
    await until(
      async () => (await contribution(id))?.status === "Withdrawn",
      120_000,
      "withdrawal indexed",
    );
    const after = await until(
      async () => {
        const c = await contribution(id);
        return c?.content === null && c;
      },
      15_000,
      "withdrawn content deleted",
    ).catch(async () => contribution(id));
    expect({ content: after?.content ?? null, ingestion: after?.ingestion?.status }).toEqual({
      content: null,
      ingestion: "REMOVED",
    });
  }, 300_000);

  // In embedded mode the lifecycle asked the indexer about up to 500 ids in one @ponder/client
  // GET (the SQL rides in the URL); past ~215 ids the URL was over Node's 16 KB header limit,
  // Ponder answered with an empty error and the whole sync failed on every tick: no takedown,
  // rejection or acceptance was applied once a few hundred documents were stored. Lookups are
  // now 100 ids at a time, and a tick reads only the contributions that changed; the full pass
  // (on start, after a reorg) still looks every stored document up. (Before the QUEUED test:
  // its 81 registrations in one block leave Ponder's RPC rate limiter slow for minutes.)
  it("(c) takedowns keep working once a few hundred documents are stored (no attacker)", async () => {
    // A store a few hundred documents old, seeded straight into the app database (uploading
    // them takes minutes here): taken-down rows of ids the chain does not show, inert to every
    // read path and to the lifecycle, except for the batch size of its indexer lookups.
    const seeded = Array.from({ length: 300 }, (_, i) => 1_000_000_000n + BigInt(i));
    await db()
      .insert(tables.document)
      .values(
        seeded.map((contributionId) => ({
          contributionId,
          datanetId: dn1,
          contributor: devnetAccount("contributorB").address,
          contentHash: sha256(`seeded ${contributionId}`),
          mediaType: "text/plain",
          byteLength: 0,
          chainStatus: "Unindexed",
          ingestion: "REMOVED",
        })),
      );
    // A full pass over all of them, as on start or after a reorg, succeeds (a sync can also
    // fail on a dropped keep-alive connection, and is retried: three tries).
    let fullPassOk = false;
    for (let attempt = 0; attempt < 3 && !fullPassOk; attempt++) {
      const before = s.api.services.rag.syncStats();
      await s.api.services.rag.sync({ full: true });
      const after = s.api.services.rag.syncStats();
      fullPassOk = after.failures === before.failures && after.fullPasses > before.fullPasses;
    }
    expect(fullPassOk, "a full pass over 300+ stored documents").toBe(true);
    const text = fact("many-docs-takedown");
    const id = await chain.contribute("contributorA", dn0, text);
    await until(async () => (await contribution(id))?.status, 120_000, "registration indexed");
    await upload(await session("contributorA"), id, text);
    await chain.withdraw("contributorA", id);
    await until(
      async () => (await contribution(id))?.status === "Withdrawn",
      120_000,
      "withdrawal indexed",
    );
    const after = await until(
      async () => {
        const c = await contribution(id);
        return c?.content === null && c;
      },
      15_000,
      "withdrawn content deleted",
    ).catch(async () => contribution(id));
    // The same query the lifecycle makes (chainRows), with 300 ids: fails with an empty message.
    const t = await import("@tributary/indexer/schema");
    const { inArray } = await import("drizzle-orm");
    const probe = await (s.api.services.reader.db as any)
      .select({ id: t.contribution.id })
      .from(t.contribution)
      .where(
        inArray(
          t.contribution.id,
          Array.from({ length: 300 }, (_, i) => BigInt(i + 1)),
        ),
      )
      .then((r: unknown[]) => `ok (${r.length} rows)`)
      .catch((error: Error) => `failed: ${JSON.stringify(error.message)}`);
    await db().delete(tables.document).where(sql`contribution_id >= 1000000000`);
    expect(
      { content: after?.content ?? null, ingestion: after?.ingestion?.status },
      `indexer query for 300 ids: ${probe}`,
    ).toEqual({ content: null, ingestion: "REMOVED" });
  }, 180_000);

  it("(d) an upload left QUEUED by a full ingest queue is ingested when retried", async () => {
    // Five funded accounts (16 pending uploads each, the per-uploader cap) register 80
    // contributions in the same block as the victim's: one indexer tick promotes all 81 at
    // once into an ingest queue of capacity 64, one worker.
    const roles: DevnetRole[] = ["builder", "payer", "operator", "settler", "deployer"];
    const filler = (r: number, i: number) =>
      `Filler ${r}.${i}: ${"the marsh ledger notes reed bundles, counted twice. ".repeat(400)}\n`;
    const first = (await contributionCount()) + 1n;
    const plan = roles.flatMap((role, r) =>
      Array.from({ length: 16 }, (_, i) => ({ role, text: filler(r, i) })),
    );
    plan.push({ role: "contributorA", text: fact("queued-victim") });
    const victim = first + BigInt(plan.length - 1);
    for (const [k, p] of plan.entries()) {
      const up = await upload(await session(p.role), first + BigInt(k), p.text);
      expect(up.data?.pending, `pending upload ${k}`).toBe(true);
    }
    const ids = await oneBlock(plan.map((p) => ({ role: p.role, datanetId: dn1, text: p.text })));
    expect(ids).toEqual(plan.map((_, k) => first + BigInt(k)));
    // Not s.synced(): while 64 ingestions run the API's own indexer polls time out.
    await until(async () => (await contribution(victim))?.ingestion, 300_000, "victim promoted");
    const stuck = await contribution(victim);
    // Mallory's 64 queued ingestions run out (~0.2 s each here).
    await queueIdle("ingest queue drained");
    // The owner retries, as IngestBusyError says to: it must get ingested.
    const retry = await upload(await session("contributorA"), victim, fact("queued-victim"));
    const state = await until(
      async () => {
        const c = await contribution(victim);
        return c?.ingestion?.status === "READY" && c;
      },
      60_000,
      "victim ingested",
    ).catch(async () => contribution(victim));
    expect({
      afterPromotion: stuck?.ingestion?.status,
      retry: retry.__typename,
      ingestion: state?.ingestion?.status,
    }).toMatchObject({ ingestion: "READY" });
  }, 420_000);

  // The global cap on pending uploads was a count (256): 16 free accounts × 16 uploads filled
  // it, and every honest early upload was refused for as long as they kept re-uploading (each
  // re-upload reset the 24 h). It is now bytes, each upload charged at least 4 KiB.
  it("(d) fresh accounts cannot fill the global pending cap and lock out honest early uploads", async () => {
    const newest = await contributionCount();
    const squat = (n: number) =>
      Array.from(
        { length: 16 },
        (_, j) =>
          `u${j}: uploadContribution(contributionId: "${newest + 200n + BigInt(j)}", content: "squat ${n}.${j}", mediaType: "text/plain") { __typename }`,
      ).join("\n");
    try {
      for (let n = 0; n < 16; n++) await gql(`mutation { ${squat(n)} }`, {}, await sybil());
      const honest = await upload(await session("contributorB"), newest + 1n, fact("locked-out"));
      expect(honest.data?.pending, JSON.stringify(honest)).toBe(true);
    } finally {
      await db().execute(sql`DELETE FROM app.pending_upload WHERE content_hash IN (
        SELECT hash FROM app.content WHERE text LIKE 'squat %')`);
      await db().execute(
        sql`DELETE FROM app.pending_upload WHERE contribution_id = ${(newest + 1n).toString()}::bigint`,
      );
      await s.api.services.rag.sync();
    }
  });
});
