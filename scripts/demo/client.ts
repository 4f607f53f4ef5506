// The demo's GraphQL client: it prints every operation it sends and what came back, so that a
// reader can paste them into GraphiQL, and plays each devnet account's wallet (SIWE sign-in,
// signing the transactions the API prepares, relaying them through `relayTransaction`).
import { signIn } from "@tributary/api/seed";
import { type DevnetRole, devnetAccount } from "@tributary/contracts";
import { createPublicClient, type Hex, http } from "viem";

export interface PreparedTx {
  to: Hex;
  data: Hex;
  gasEstimate: string | null;
  description: string;
}

const PREPARED = "transactions { to data gasEstimate description }";
/** The selection every `prepare…` mutation answers with, errors included. */
export const preparedSelection = (success: string) =>
  `__typename ... on ${success} { data { ${PREPARED} } } ... on Error { code message }`;

const MAX_LINES = 40;

// biome-ignore lint/suspicious/noExplicitAny: the demo reads GraphQL answers by field name.
type Answer = any;

/** Pretty JSON, cut after MAX_LINES lines so a long answer does not bury the walk-through. */
function abbreviated(value: unknown): string {
  const lines = JSON.stringify(value, null, 2).split("\n");
  if (lines.length <= MAX_LINES) return lines.join("\n");
  return [...lines.slice(0, MAX_LINES), `  … (${lines.length - MAX_LINES} more lines)`].join("\n");
}

export class DemoClient {
  readonly publicClient;
  private readonly tokens = new Map<DevnetRole, string>();

  constructor(
    readonly apiUrl: string,
    readonly rpcUrl: string,
    readonly chainId: number,
    private readonly out: (text: string) => void = (t) => process.stdout.write(`${t}\n`),
    /** The API's public URL, which SIWE messages name (TRIBUTARY_PUBLIC_URL by default). */
    private readonly publicUrl: string | undefined = process.env.TRIBUTARY_PUBLIC_URL || undefined,
  ) {
    this.publicClient = createPublicClient({ transport: http(rpcUrl) });
  }

  say(text: string) {
    this.out(text);
  }

  step(n: number, title: string) {
    this.out(`\n━━ ${n}. ${title} ${"━".repeat(Math.max(0, 70 - title.length))}`);
  }

  /** Signs `role` in with SIWE once, as its wallet would; later calls reuse the session. */
  async session(role: DevnetRole): Promise<string> {
    let token = this.tokens.get(role);
    if (!token) {
      token = await signIn(this.apiUrl, this.chainId, role, this.publicUrl);
      this.tokens.set(role, token);
      this.out(`\n# ${role} (${devnetAccount(role).address}) signed in with SIWE`);
    }
    return token;
  }

  /**
   * Sends one GraphQL operation, as `role` when given, printing it and its answer unless
   * `quiet` (`shown` replaces variables too long to read). A response with errors throws: the demo stops at the first thing that fails.
   */
  async gql(
    query: string,
    variables: object = {},
    role?: DevnetRole,
    options: { quiet?: boolean; shown?: object } = {},
  ): Promise<Answer> {
    const token = role ? await this.session(role) : undefined;
    const quiet = options.quiet ?? false;
    if (!quiet) {
      this.out(`\n${role ? `# as ${role}\n` : ""}${query.trim()}`);
      const printed = options.shown ?? variables;
      if (Object.keys(printed).length > 0) this.out(`# variables: ${JSON.stringify(printed)}`);
    }
    const response = await fetch(this.apiUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
    if (!quiet) this.out(`→ ${abbreviated(body)}`);
    if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    const first = Object.values(body.data ?? {})[0] as { __typename?: string } | undefined;
    if (first?.__typename?.endsWith("Error"))
      throw new Error(`${first.__typename}: ${JSON.stringify(first)}`);
    return body.data;
  }

  /** Polls `probe` (quietly) until it returns a value; prints the operation once. */
  async until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    this.out(`… waiting for ${what}`);
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * Signs the prepared transactions as `role`'s wallet (the devnet key), relays each through
   * `relayTransaction`, and waits until the indexer has processed it, so that later queries
   * see its effects. Returns the transaction hashes.
   */
  async send(role: DevnetRole, transactions: PreparedTx[]): Promise<Hex[]> {
    const hashes: Hex[] = [];
    for (const tx of transactions) {
      this.out(`# ${role}'s wallet signs: ${tx.description}`);
      const signed = await this.sign(role, tx);
      const result = await this.gql(
        `mutation Relay($tx: Bytes!) { relayTransaction(signedTransaction: $tx) {
  __typename ... on MutationRelayTransactionSuccess { data { hash status } } ... on Error { code message } } }`,
        { tx: signed },
        role,
        { shown: { tx: `${signed.slice(0, 42)}… (the signed transaction)` } },
      );
      const hash = result.relayTransaction.data.hash as Hex;
      const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`${tx.description}: reverted (${hash})`);
      await this.until(`the indexer to process ${hash.slice(0, 10)}…`, async () => {
        const r = await this.gql(
          `query($h: Bytes32!) { relayedTransaction(hash: $h) { status } }`,
          { h: hash },
          undefined,
          { quiet: true },
        );
        return r.relayedTransaction?.status === "INDEXED";
      });
      hashes.push(hash);
    }
    return hashes;
  }

  private async sign(role: DevnetRole, tx: PreparedTx): Promise<Hex> {
    const account = devnetAccount(role);
    const nonce = await this.publicClient.getTransactionCount({
      address: account.address,
      blockTag: "pending",
    });
    const fees = await this.publicClient.estimateFeesPerGas();
    // Against the pending block: a step may need the one before it mined (a reveal after its
    // commitment, a call after its approval), whose estimate was null when prepared.
    const estimate = await this.publicClient.estimateGas({
      account: account.address,
      to: tx.to,
      data: tx.data,
      blockTag: "pending",
    });
    return account.signTransaction({
      chainId: this.chainId,
      type: "eip1559",
      to: tx.to,
      data: tx.data,
      nonce,
      gas: (estimate * 12n) / 10n,
      ...fees,
    });
  }

  /** A JSON-RPC call to the devnet node (anvil), printed like the GraphQL ones. */
  async rpc(method: string, params: unknown[]): Promise<unknown> {
    this.out(`\n# JSON-RPC to anvil: ${method} ${JSON.stringify(params)}`);
    const response = await fetch(this.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  }
}
