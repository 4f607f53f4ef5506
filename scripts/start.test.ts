import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { abiOf, isPortFree, readDeployment, sha256OfFiles } from "@tributary/contracts";
import { createPublicClient, type Hex, http } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { ENGINE_BUILD_DIR } from "./build-engine.ts";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(path.join(tmpdir(), "tributary-start-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const POOL_KEY = "tpk_start-test-demo-key-0000000000";
const AGENTS_KEY = "tpk_start-test-agents-key-00000000";

interface UpLine {
  msg: string;
  rpcUrl: string;
  poolUrl: string;
  indexerUrl: string;
  apiUrl: string;
  chainId: number;
  adapters: Record<string, { id: string; sha256: Hex }>;
}

describe("npm start", () => {
  it("brings up a seeded devnet whose adapter hashes are the engine's ids, and stops cleanly on SIGINT", async () => {
    const port = 18545 + Math.floor(Math.random() * 1000);
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      cwd: root,
      env: {
        ...process.env,
        TRIBUTARY_RPC_PORT: String(port),
        TRIBUTARY_POOL_PORT: String(port + 1),
        TRIBUTARY_INDEXER_PORT: String(port + 2),
        TRIBUTARY_API_PORT: String(port + 3),
        TRIBUTARY_DATA_DIR: path.join(work, "data"),
        TRIBUTARY_DEPLOYMENTS_DIR: path.join(work, "deployments"),
        TRIBUTARY_POOL_CALLER_KEYS: `demo=${POOL_KEY},agents=${AGENTS_KEY}`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    let output = "";
    const up = await new Promise<UpLine>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "devnet is up" line:\n${output}`)),
        540_000,
      );
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        for (const line of output.split("\n")) {
          if (!line.startsWith("{")) continue;
          const parsed = JSON.parse(line) as UpLine;
          if (parsed.msg === "Tributary devnet is up") {
            clearTimeout(timer);
            resolve(parsed);
          }
        }
      });
      child.stderr.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      void exited.then((code) => reject(new Error(`start exited early (${code}):\n${output}`)));
    });

    expect(up.rpcUrl).toBe(`http://127.0.0.1:${port}`);
    const deployment = readDeployment(up.chainId, path.join(work, "deployments"));
    const client = createPublicClient({ transport: http(up.rpcUrl) });
    const generator = path.join(ENGINE_BUILD_DIR, "tributary-gen");
    for (const name of ["lora-notes-expert", "settlement-expert", "generalist"]) {
      const adapterDir = path.join(work, "data", "models", "adapters", name);
      const engineId = execFileSync(generator, ["hash", adapterDir], { encoding: "utf8" }).trim();
      const files = ["adapter_config.json", "adapter_model.safetensors"];
      expect(up.adapters[name]?.sha256).toBe(`0x${engineId}`);
      expect(sha256OfFiles(adapterDir, files)).toBe(`0x${engineId}`);
      // The adapters Model Factory's pieces trained on the demo Datanets, as committed.
      const committed = path.join(root, "inference", "models", "demo-adapters", name);
      expect(sha256OfFiles(committed, files)).toBe(`0x${engineId}`);
      const id = await client.readContract({
        address: deployment.contracts.ModelRegistry.address,
        abi: abiOf("ModelRegistry"),
        functionName: "adapterIdByContentHash",
        args: [`0x${engineId}`],
      });
      expect(String(id)).toBe(up.adapters[name]?.id);
    }

    // The pool serves the demo model with an on-chain-verified adapter through the OpenAI API,
    // to a caller with a key.
    const ask = (headers: Record<string, string>) =>
      fetch(`${up.poolUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({
          model: "tributary-demo:lora-notes-expert",
          messages: [{ role: "user", content: "What is a LoRA adapter?" }],
          max_tokens: 8,
          temperature: 0,
        }),
      });
    expect((await ask({})).status).toBe(401);
    const completion = await ask({ authorization: `Bearer ${POOL_KEY}` });
    expect(completion.status).toBe(200);
    const body = (await completion.json()) as {
      choices: { message: { content: string } }[];
      usage: { completion_tokens: number };
    };
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(typeof body.choices[0]?.message.content).toBe("string");

    // The indexer has caught up with the seeded chain before the devnet reports itself up.
    const ready = await fetch(`${up.indexerUrl}/ready`);
    expect(ready.status).toBe(200);

    // The API reads the adapters the chain registered, through the indexer.
    const graphql = await fetch(up.apiUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ adapters(first: 10) { nodes { name contentHash } } }" }),
    });
    expect(graphql.status).toBe(200);
    const { data } = (await graphql.json()) as {
      data: { adapters: { nodes: { name: string; contentHash: string }[] } };
    };
    const listed = Object.fromEntries(data.adapters.nodes.map((a) => [a.name, a.contentHash]));
    for (const [name, adapter] of Object.entries(up.adapters)) {
      expect(listed[name]?.toLowerCase()).toBe(adapter.sha256.toLowerCase());
    }

    // The demo Datanets' content was uploaded through GraphQL: search answers with citations.
    const searched = await fetch(up.apiUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query:
          '{ search(query: "low-rank adapters", k: 3) { score text citation { contributor { address } contribution { status } } } }',
      }),
    });
    const hits = (
      (await searched.json()) as {
        data: { search: { text: string; citation: { contribution: { status: string } } }[] };
      }
    ).data.search;
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) expect(hit.citation.contribution.status).toBe("Accepted");

    // The README's way to invoke the demo agent: `npm run voucher` signs a voucher as the devnet
    // payer and prints the request; the answer ends with a receipt signed by the agent's signer.
    // Asynchronously: a blocked event loop would keep this test's idle keep-alive sockets to the
    // API past the server's keep-alive timeout, and the next fetch would reuse a closed one.
    const { stdout: printed } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/voucher.ts", "--json"],
      {
        cwd: root,
        env: {
          ...process.env,
          TRIBUTARY_RPC_PORT: String(port),
          TRIBUTARY_API_PORT: String(port + 3),
          TRIBUTARY_DEPLOYMENTS_DIR: path.join(work, "deployments"),
        },
      },
    );
    const request = JSON.parse(printed) as {
      url: string;
      headers: Record<string, string>;
      query: string;
      variables: object;
    };
    const invoked = (await (
      await fetch(request.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...request.headers },
        body: JSON.stringify({ query: request.query, variables: request.variables }),
      })
    ).json()) as {
      data: {
        invokeAgent: { __typename: string; data?: { price: string; receipt: { signer: string } } };
      };
    };
    expect(invoked.data.invokeAgent.__typename, JSON.stringify(invoked)).toBe(
      "MutationInvokeAgentSuccess",
    );
    expect(BigInt(invoked.data.invokeAgent.data?.price ?? 0)).toBeGreaterThan(0n);

    // The README's walk-through, through GraphQL end to end: contribute, validate, compose,
    // invoke, settle (anvil's clock advanced past the challenge delay), claim.
    const demo = await run(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      cwd: root,
      env: {
        ...process.env,
        TRIBUTARY_RPC_PORT: String(port),
        TRIBUTARY_API_PORT: String(port + 3),
        TRIBUTARY_DATA_DIR: path.join(work, "data"),
        TRIBUTARY_DEPLOYMENTS_DIR: path.join(work, "deployments"),
      },
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`npm run demo failed: ${e.message}\n${e.stdout}\n${e.stderr}`);
    });
    for (const step of ["Contribute", "Validate", "Compose", "Invoke", "Settle", "Claim", "Verify"])
      expect(demo.stdout).toContain(`. ${step}`);
    expect(demo.stdout).toMatch(/# operator claimed [0-9.]+ TRIB/);
    expect(demo.stdout).toContain("prepareVoteContribution");
    expect(demo.stdout).toMatch(/verify-root: epochs 1\.\.[0-9]+ agree with the chain/);

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(await isPortFree(port, "127.0.0.1")).toBe(true);
    expect(await isPortFree(port + 1, "127.0.0.1")).toBe(true);
    expect(await isPortFree(port + 2, "127.0.0.1")).toBe(true);
    expect(await isPortFree(port + 3, "127.0.0.1")).toBe(true);
  }, 900_000);
});
