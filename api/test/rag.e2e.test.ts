// RAG end to end on a real indexer: uploads through GraphQL checked against the chain, search
// with citations in every mode, takedowns and reorgs following the chain, span attribution.
// Embedded (PGlite) and, with DATABASE_URL, Postgres + pgvector.
import { readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { devnetAccount } from "@tributary/contracts";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoContent } from "../src/rag/seed-content.ts";
import { MAX_CONTENT_BYTES } from "../src/rag/upload.ts";
import { sessionFor, until } from "./helpers.ts";
import { chainActions, sha256 } from "./rag-chain.ts";
import { MODES, type Stack, startStack } from "./stack.ts";

const demoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "demo");

const SEARCH = `query($q: String!, $d: [BigInt!], $c: Address, $k: Int, $m: SearchMode, $min: Float) {
  search(query: $q, datanets: $d, contributor: $c, k: $k, mode: $m, minScore: $min) {
    score text citation { startOffset endOffset chunkHash
      contribution { contributionId contentHash } datanet { datanetId } contributor { address } } } }`;
const UPLOAD = `mutation($id: BigInt!, $c: String!, $t: String!) {
  uploadContribution(contributionId: $id, content: $c, mediaType: $t) { __typename
    ... on MutationUploadContributionSuccess { data { pending contentHash ingestion { status chunks error } } }
    ... on ContentRefusedError { reason message }
    ... on ContentHashMismatchError { expected actual }
    ... on ContributionClosedError { status }
    ... on Error { code message } } }`;
const VOTE = `mutation($id: BigInt!) { prepareVoteContribution(contributionId: $id, accept: true) {
  __typename ... on MutationPrepareVoteContributionSuccess { data { transactions { to data gasEstimate } } }
  ... on Error { code message } } }`;
const CONTRIBUTION = `query($id: BigInt!) { contribution(contributionId: $id) {
  status content ingestion { status chunks contentHash } } }`;

/** A passage no demo file holds, with words rare enough to retrieve it by. */
const fact = (tag: string) =>
  `The ${tag} quokka ledger records that zephyrine ferns bloom beside the obsidian aqueduct every ninth moon.\n\nIts keepers mark each bloom with a brass token.`;

describe.each(MODES)("RAG on a real indexer (%s)", (mode) => {
  let s: Stack;
  let chain: ReturnType<typeof chainActions>;
  const files = new Map<bigint, { text: string; contributor: string; datanetId: bigint }>();

  beforeAll(async () => {
    s = await startStack(mode);
    chain = chainActions(s);
    await seedDemoContent({
      apiUrl: s.api.url,
      chainId: s.anvil.chainId,
      demoDir,
      datanets: s.seed.datanets,
      publicUrl: "https://tributary.test",
    });
    for (const [slug, datanet] of Object.entries(s.seed.datanets))
      for (const c of datanet.contributions)
        files.set(c.id, {
          text: readFileSync(path.join(demoDir, "datanets", slug, c.file), "utf8"),
          contributor: devnetAccount(c.contributor).address,
          datanetId: datanet.id,
        });
  }, 240_000);
  afterAll(async () => {
    await s?.stop();
  });

  const search = async (vars: Record<string, unknown>) => {
    const r = await s.gql(SEARCH, vars);
    expect(r.errors).toBeUndefined();
    return r.data.search as any[];
  };
  const chunkRows = async (id: bigint) =>
    (
      (await s.api.services.app.db.execute(
        sql`SELECT chunk_hash, text, searchable FROM app.chunk WHERE contribution_id = ${id.toString()}::bigint`,
      )) as unknown as { rows: { chunk_hash: string; text: string | null; searchable: boolean }[] }
    ).rows;

  it("serves seeded content with citations that resolve to the contribution's bytes", async () => {
    for (const m of ["HYBRID", "VECTOR", "FULLTEXT"]) {
      const hits = await search({ q: "low-rank adapter matrices", m, k: 5 });
      expect(hits.length).toBeGreaterThan(0);
      for (const hit of hits) {
        const id = BigInt(hit.citation.contribution.contributionId);
        const file = files.get(id);
        expect(file).toBeDefined();
        const bytes = Buffer.from(file?.text ?? "", "utf8");
        const { startOffset, endOffset } = hit.citation;
        expect(bytes.subarray(startOffset, endOffset).toString("utf8")).toBe(hit.text);
        expect(hit.citation.chunkHash).toBe(sha256(hit.text));
        expect(hit.citation.contributor.address).toBe(file?.contributor);
        expect(BigInt(hit.citation.datanet.datanetId)).toBe(file?.datanetId);
        expect(hit.citation.contribution.contentHash).toBe(sha256(file?.text ?? ""));
      }
      const scores = hits.map((h) => h.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    }
    const [first] = [...files.keys()];
    const r = await s.gql(CONTRIBUTION, { id: String(first) });
    expect(r.data.contribution.content).toBe(files.get(first as bigint)?.text);
    expect(r.data.contribution.ingestion.status).toBe("READY");
    const served = await fetch(
      s.api.url.replace("/graphql", `/content/${r.data.contribution.ingestion.contentHash}`),
    );
    expect(served.status).toBe(200);
    expect(
      Buffer.from(await served.arrayBuffer()).equals(
        Buffer.from(files.get(first as bigint)?.text ?? ""),
      ),
    ).toBe(true);
  });

  it("filters by Datanet, contributor and minimum score, and bounds k", async () => {
    const [lora, settlement] = Object.values(s.seed.datanets);
    const only = await search({ q: "merkle root settlement stake", d: [String(settlement?.id)] });
    expect(only.length).toBeGreaterThan(0);
    for (const hit of only) expect(hit.citation.datanet.datanetId).toBe(String(settlement?.id));
    const contributor = devnetAccount("contributorB").address;
    const mine = await search({ q: "adapter merkle stake", c: contributor, k: 20 });
    expect(mine.length).toBeGreaterThan(0);
    for (const hit of mine) expect(hit.citation.contributor.address).toBe(contributor);
    const strict = await search({ q: "adapter", m: "VECTOR", min: 0.99 });
    expect(strict).toEqual([]);
    expect(lora).toBeDefined();
    for (const k of [0, 51]) {
      const r = await s.gql(SEARCH, { q: "adapter", k });
      expect(r.errors?.length).toBeGreaterThan(0);
    }
  });

  it("refuses bad uploads with typed errors and stores nothing", async () => {
    const datanetId = Object.values(s.seed.datanets)[0]?.id as bigint;
    const text = fact("refusal");
    const id = await chain.contribute("contributorA", datanetId, text);
    await s.synced();
    const owner = await sessionFor(s, "contributorA");
    const other = await sessionFor(s, "contributorB");
    const upload = async (content: string, headers = owner, t = "text/plain") =>
      (await s.gql(UPLOAD, { id: String(id), c: content, t }, headers)).data?.uploadContribution;

    expect(await upload(`${text} tampered`)).toMatchObject({
      __typename: "ContentHashMismatchError",
      expected: sha256(text),
      actual: sha256(`${text} tampered`),
    });
    expect((await upload(text, other)).__typename).toBe("ForbiddenError");
    expect(await upload("")).toMatchObject({ reason: "EMPTY" });
    expect(await upload("  \n\t ")).toMatchObject({ reason: "EMPTY" });
    expect(await upload("PK\u0003\u0004\u0000\u0000binary")).toMatchObject({ reason: "BINARY" });
    expect(await upload(text, owner, "application/pdf")).toMatchObject({
      reason: "UNSUPPORTED_MEDIA_TYPE",
    });
    expect(await upload('{"a":1}\nnot json', owner, "application/jsonl")).toMatchObject({
      reason: "INVALID_JSONL",
    });
    expect(await upload("x".repeat(MAX_CONTENT_BYTES + 1))).toMatchObject({ reason: "TOO_LARGE" });
    const unknown = await s.gql(
      UPLOAD,
      { id: String(id + 100_000n), c: text, t: "text/plain" },
      owner,
    );
    expect(unknown.data.uploadContribution.__typename).toBe("NotFoundError");
    const anonymous = await s.gql(UPLOAD, { id: String(id), c: text, t: "text/plain" });
    expect(anonymous.data.uploadContribution.__typename).toBe("AuthenticationError");
    // A body too large for any upload is refused from its Content-Length, unread.
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(s.api.url);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: "/graphql",
          method: "POST",
          headers: { ...owner, "content-type": "application/json", "content-length": 64 << 20 },
        },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);

    const r = await s.gql(CONTRIBUTION, { id: String(id) });
    expect(r.data.contribution).toMatchObject({ content: null, ingestion: null });
    expect(await chunkRows(id)).toEqual([]);
    expect(await s.api.services.rag.contentByHash(sha256(`${text} tampered`))).toBeNull();
  });

  it("makes accepted content searchable, is idempotent, and takes withdrawn content down", async () => {
    const datanetId = Object.values(s.seed.datanets)[0]?.id as bigint;
    const text = fact("takedown");
    const id = await chain.contribute("contributorA", datanetId, text);
    await s.synced();
    const owner = await sessionFor(s, "contributorA");
    const first = (await s.gql(UPLOAD, { id: String(id), c: text, t: "text/markdown" }, owner)).data
      .uploadContribution;
    expect(first.data).toMatchObject({ pending: false, ingestion: { status: "READY" } });
    const chunks = await chunkRows(id);
    expect(chunks.length).toBe(first.data.ingestion.chunks);
    const again = (await s.gql(UPLOAD, { id: String(id), c: text, t: "text/markdown" }, owner)).data
      .uploadContribution;
    expect(again.data.ingestion).toEqual(first.data.ingestion);
    expect(await chunkRows(id)).toEqual(chunks);

    const query = { q: "takedown quokka zephyrine obsidian aqueduct", k: 3 };
    const cited = (hits: any[]) =>
      hits.some((h) => h.citation.contribution.contributionId === String(id));
    // Pending on chain: stored (validators can read it) but not searchable.
    expect(cited(await search(query))).toBe(false);
    expect((await s.gql(CONTRIBUTION, { id: String(id) })).data.contribution.content).toBe(text);
    // Validators accept it through GraphQL; nobody else may vote, and nobody votes twice.
    const vote = async (role: "validatorA" | "validatorB" | "contributorB") =>
      (await s.gql(VOTE, { id: String(id) }, await sessionFor(s, role))).data
        .prepareVoteContribution;
    expect(await vote("contributorB")).toMatchObject({ __typename: "ForbiddenError" });
    for (const validator of ["validatorA", "validatorB"] as const) {
      const prepared = await vote(validator);
      expect(prepared.__typename, JSON.stringify(prepared)).toBe(
        "MutationPrepareVoteContributionSuccess",
      );
      for (const tx of prepared.data.transactions)
        await s.publicClient.waitForTransactionReceipt({
          hash: await s.publicClient.sendRawTransaction({
            serializedTransaction: await s.signRawAs(validator, tx),
          }),
        });
      await s.synced();
      if (validator === "validatorA")
        expect(await vote("validatorA")).toMatchObject({ __typename: "InvalidInputError" });
    }
    expect(await vote("validatorB")).toMatchObject({ __typename: "InvalidInputError" });
    await until(async () => cited(await search(query)), 10_000, "accepted content searchable");

    await chain.withdraw("contributorA", id);
    await s.synced();
    await until(async () => !cited(await search(query)), 10_000, "withdrawn content gone");
    const after = (await s.gql(CONTRIBUTION, { id: String(id) })).data.contribution;
    expect(after).toMatchObject({
      status: "Withdrawn",
      content: null,
      ingestion: { status: "REMOVED" },
    });
    const tombstones = await chunkRows(id);
    expect(tombstones.map((c) => c.chunk_hash)).toEqual(chunks.map((c) => c.chunk_hash));
    expect(tombstones.every((c) => c.text === null && !c.searchable)).toBe(true);
    expect(await s.api.services.rag.contentByHash(sha256(text))).toBeNull();
    const closed = (await s.gql(UPLOAD, { id: String(id), c: text, t: "text/plain" }, owner)).data
      .uploadContribution;
    expect(closed).toMatchObject({ __typename: "ContributionClosedError", status: "Withdrawn" });
  });

  it("ingests large uploads in the background, through API keys with the CONTENT scope", async () => {
    const datanetId = Object.values(s.seed.datanets)[1]?.id as bigint;
    const paragraph = (i: number) =>
      `Paragraph ${i} of the large ledger: the quokka keepers count ${i * 7} brass tokens.\n\n`;
    const text = Array.from({ length: 2500 }, (_, i) => paragraph(i)).join("");
    expect(Buffer.byteLength(text)).toBeGreaterThan(128 * 1024);
    const id = await chain.contribute("contributorB", datanetId, text);
    await s.synced();
    const session = await sessionFor(s, "contributorB");
    const key = async (scopes: string) =>
      (
        await s.gql(
          `mutation { createApiKey(name: "uploader", scopes: [${scopes}]) { ... on MutationCreateApiKeySuccess { data { secret } } } }`,
          {},
          session,
        )
      ).data.createApiKey.data.secret as string;
    const readOnly = { "x-api-key": await key("READ") };
    const vars = { id: String(id), c: text, t: "text/plain" };
    expect((await s.gql(UPLOAD, vars, readOnly)).data.uploadContribution.__typename).toBe(
      "ForbiddenError",
    );
    const uploader = { "x-api-key": await key("CONTENT") };
    const queued = (await s.gql(UPLOAD, vars, uploader)).data.uploadContribution;
    expect(["QUEUED", "PROCESSING"]).toContain(queued.data.ingestion.status);
    const done = await until(
      async () => {
        const c = (await s.gql(CONTRIBUTION, { id: String(id) })).data.contribution;
        return c.ingestion.status === "READY" && c.ingestion;
      },
      60_000,
      "large upload ingested",
    );
    expect(done.chunks).toBeGreaterThan(100);
    expect((await chunkRows(id)).length).toBe(done.chunks);
  });

  it("holds an upload made before the registration is indexed, then ingests it", async () => {
    const datanetId = Object.values(s.seed.datanets)[1]?.id as bigint;
    const text = fact("early");
    const count = (await s.gql(`{ contributions(first: 1) { edges { node { contributionId } } } }`))
      .data.contributions.edges[0].node.contributionId;
    const next = BigInt(count) + 1n;
    const owner = await sessionFor(s, "contributorB");
    const squatter = await sessionFor(s, "contributorA");
    const squat = (
      await s.gql(UPLOAD, { id: String(next), c: `${text}!`, t: "text/plain" }, squatter)
    ).data.uploadContribution;
    expect(squat.data.pending).toBe(true);
    const early = (await s.gql(UPLOAD, { id: String(next), c: text, t: "text/plain" }, owner)).data
      .uploadContribution;
    expect(early.data).toMatchObject({ pending: true, ingestion: null, contentHash: sha256(text) });
    const id = await chain.contribute("contributorB", datanetId, text);
    expect(id).toBe(next);
    await s.synced();
    const ready = await until(
      async () => {
        const c = (await s.gql(CONTRIBUTION, { id: String(id) })).data.contribution;
        return c?.ingestion?.status === "READY" && c;
      },
      15_000,
      "pending upload ingested",
    );
    expect(ready.content).toBe(text);
    expect(await s.api.services.rag.contentByHash(sha256(`${text}!`))).toBeNull();
  });

  it("undoes searchability when a reorg undoes the acceptance", async () => {
    const datanetId = Object.values(s.seed.datanets)[0]?.id as bigint;
    const text = fact("reorged");
    const id = await chain.contribute("contributorA", datanetId, text);
    await s.synced();
    const owner = await sessionFor(s, "contributorA");
    await s.gql(UPLOAD, { id: String(id), c: text, t: "text/plain" }, owner);
    const query = { q: "reorged quokka zephyrine obsidian", k: 3 };
    const cited = (hits: any[]) =>
      hits.some((h) => h.citation.contribution.contributionId === String(id));
    const snapshot = await chain.rpc("evm_snapshot");
    await chain.resolve(id, true);
    await s.synced();
    await until(async () => cited(await search(query)), 10_000, "accepted before the reorg");
    await chain.rpc("evm_revert", [snapshot]);
    await chain.rpc("anvil_mine", ["0x5"]);
    await s.synced();
    await until(async () => !cited(await search(query)), 20_000, "unsearchable after the reorg");
    const spans = await s.gql(`query($t: String!) { attributeSpans(text: $t) { text } }`, {
      t: text,
    });
    expect(spans.data.attributeSpans).toEqual([]);
  });

  it("attributes verbatim spans to their contributors and nothing shorter than minTokens", async () => {
    const [id, file] = [...files.entries()][1] as [bigint, { text: string; contributor: string }];
    const words = file.text.split(/\s+/).filter(Boolean);
    const passage = words.slice(10, 30).join(" ");
    const start = words.findIndex(
      (_, i) => i > 40 && words.slice(i, i + 5).every((w) => /^[A-Za-z]+$/.test(w)),
    );
    const short = words.slice(start, start + 5).join(" ");
    const answer = `In short, ${passage} — so say the notes; also ${short}.`;
    const r = await s.gql(
      `query($t: String!, $n: Int) { attributeSpans(text: $t, minTokens: $n) { start end text tokens occurrences
        contributions { contributionId } sources { contributor { address } occurrences } } }`,
      { t: answer, n: 8 },
    );
    expect(r.errors).toBeUndefined();
    const spans = r.data.attributeSpans as any[];
    expect(spans.length).toBeGreaterThan(0);
    const best = spans.find((sp) =>
      sp.contributions.some((c: any) => c.contributionId === String(id)),
    );
    expect(best).toBeDefined();
    expect(Buffer.from(answer).subarray(best.start, best.end).toString()).toBe(best.text);
    expect(best.text).toContain(words.slice(12, 28).join(" "));
    expect(best.sources.map((x: any) => x.contributor.address)).toContain(file.contributor);
    for (const span of spans) expect(span.tokens).toBeGreaterThanOrEqual(8);
    const none = await s.gql(`query($t: String!) { attributeSpans(text: $t) { text } }`, {
      t: `Nothing here but ${short}.`,
    });
    expect(none.data.attributeSpans).toEqual([]);
  });
});
