// `npm run demo`: walks the payable-AI loop against a running `npm start`, through the public
// GraphQL API, printing each operation it sends and what came back (paste them into GraphiQL):
// a contributor adds a note to a Datanet and uploads it, validators accept it, an operator
// composes and stakes an agent from the demo adapters and Datanets, a payer signs a voucher and
// invokes it, the API settles the calls into an epoch (the challenge delay is passed by
// advancing anvil's clock), and everyone paid claims.
//   TRIBUTARY_API_URL, TRIBUTARY_RPC_URL (or the *_PORT variables), TRIBUTARY_DATA_DIR
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { settleToken } from "@tributary/api";
import { createPublicClient, formatEther, http, parseEther } from "viem";
import { DemoClient } from "./demo/client.ts";
import { claim, compose, contribute, invoke, settle, validate, voucher } from "./demo/steps.ts";
import { localEndpoints, repoRoot } from "./endpoints.ts";

const { rpcUrl, apiUrl, dataDir } = localEndpoints();
const run = promisify(execFile);

const chainId = await createPublicClient({ transport: http(rpcUrl) }).getChainId();
const c = new DemoClient(apiUrl, rpcUrl, chainId);
const stamp = new Date().toISOString().replace(/[-:.TZ]/g, "");
const demoSpec = JSON.parse(
  readFileSync(path.join(repoRoot, "demo", "agents", "demo-agent.json"), "utf8"),
) as { name: string; retrieval: { datanets: string[] } };

c.say(`Tributary walk-through against ${apiUrl} (chain ${chainId} at ${rpcUrl})`);

c.step(1, "Contribute: a note for the LoRA Datanet, its content uploaded");
const datanetId = demoSpec.retrieval.datanets[0] as string;
const contributionId = await contribute(c, datanetId, stamp);

c.step(2, "Validate: the Datanet's validators accept it");
await validate(c, contributionId);

c.step(3, "Compose: an agent over the demo adapters and Datanets, bonded and staked");
const agentId = await compose(c, { ...demoSpec, name: `Walk-through agent ${stamp}` });

c.step(4, "Invoke: the payer signs a voucher and calls the agent");
const paidWith = await voucher(c, parseEther("5"));
const calls = await invoke(
  c,
  agentId,
  [
    "How does one base model serve many LoRA adapters?",
    "What does a settlement root commit to?",
    "Who gets paid when an agent answers?",
  ],
  paidWith,
  stamp,
);
const charged = calls.reduce((sum, call) => sum + call.price, 0n);
c.say(`\n# ${calls.length} calls charged ${formatEther(charged)} TRIB in all, each with a receipt`);

c.step(5, "Settle: redeem, split, publish, post the root; pass the challenge delay");
const settleUrl = new URL("/settle", apiUrl).toString();
const epoch = await settle(c, settleUrl, settleToken(path.join(dataDir, "api")));

c.step(6, `Claim: everyone the receipts paid claims against epoch ${epoch}'s root`);
const paid = await claim(c, ["contributorA", "contributorB", "operator", "builder"]);
for (const [role, amount] of Object.entries(paid))
  c.say(`# ${role} claimed ${formatEther(amount)} TRIB`);
if (Object.keys(paid).length === 0) throw new Error("nobody had anything to claim");

c.step(7, "Verify: recompute every root up to this epoch from the published receipts");
c.say(`\n$ npm run verify-root -- --epoch ${epoch}`);
const verified = await run(
  process.execPath,
  ["--import", "tsx", "scripts/verify-root.ts", "--epoch", epoch],
  {
    cwd: repoRoot,
  },
).catch((e: { stdout?: string; message: string }) => {
  throw new Error(`verify-root disagreed: ${e.stdout ?? e.message}`);
});
c.say(verified.stdout.trimEnd());
c.say("\nDone: contribute → validate → compose → invoke → settle → claim → verify.");
