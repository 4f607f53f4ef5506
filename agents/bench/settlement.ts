// `npm run bench:settlement [-- --receipts 100000 --accounts 10000 --agents 8 --adapters 500]`:
// settles one synthetic epoch with the code the settlement service and verify-root run, phase by
// phase, and prints a JSON line per phase (wall time, heap) and the process's peak RSS.
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { recoverTypedDataAddress } from "viem";
import { RECEIPT_TYPES, receiptDomain } from "../src/receipt/receipt.ts";
import { accumulate, emptyCumulative, totalOf } from "../src/settlement/cumulative.ts";
import { encodeEpochFile, epochFileHash, parseEpochFile } from "../src/settlement/epoch-file.ts";
import { checkEpochReceipts, splitEpochReceipts } from "../src/settlement/settle.ts";
import { LEAF_ENCODING, leavesOf, receiptsTree, settlementTree } from "../src/settlement/tree.ts";
import { generateEpoch } from "./settlement-epoch.ts";

const { values } = parseArgs({
  options: {
    receipts: { type: "string", default: "100000" },
    accounts: { type: "string", default: "10000" },
    agents: { type: "string", default: "8" },
    adapters: { type: "string", default: "500" },
    seed: { type: "string", default: "1" },
    /** Also time what the settlement code replaced, on the same epoch: StandardMerkleTree and viem's recovery. */
    baseline: { type: "boolean", default: false },
  },
});
const shape = {
  receipts: Number(values.receipts),
  accounts: Number(values.accounts),
  agents: Number(values.agents),
  adapters: Number(values.adapters),
  seed: Number(values.seed),
};

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const log = (fields: Record<string, unknown>) => console.log(JSON.stringify(fields));
/** Wall and CPU seconds since `start`: on a shared machine the CPU time is the steadier figure. */
function since(start: { wall: number; cpu: NodeJS.CpuUsage }) {
  const cpu = process.cpuUsage(start.cpu);
  return {
    seconds: +((performance.now() - start.wall) / 1000).toFixed(3),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3),
  };
}
const now = () => ({ wall: performance.now(), cpu: process.cpuUsage() });
async function phase<T>(name: string, run: () => T | Promise<T>): Promise<T> {
  const start = now();
  const result = await run();
  log({ phase: name, ...since(start), heapMiB: mib(process.memoryUsage().heapUsed) });
  return result;
}

log({
  bench: "settlement",
  ...shape,
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  loadavg: loadavg().map((l) => +l.toFixed(2)),
});
const generated = await phase("generate (setup, signs every receipt)", () =>
  generateEpoch(shape, (done) => process.stderr.write(`\rgenerated ${done}/${shape.receipts}`)),
);
process.stderr.write("\n");
const text = await phase("encode file (RFC 8785) + sha256", () => {
  const body = encodeEpochFile(generated);
  epochFileHash(body);
  return body;
});
log({ fileMiB: mib(Buffer.byteLength(text)) });
const file = await phase("parse file", () => parseEpochFile(text));
const checked = await phase("check receipts (lists, policy, digest, signature)", () =>
  checkEpochReceipts(file, {}),
);
if (checked.problems.length > 0) throw new Error(`${checked.problems.length} receipts failed`);
const protocol = file.settlement;
const splitStart = now();
const splits = await phase("split", () =>
  splitEpochReceipts(checked.good, { protocol, training: () => null }),
);
const cumulative = await phase("accumulate", () => accumulate(emptyCumulative(), splits));
const tree = await phase("settlement tree", () => settlementTree(cumulative));
await phase("proof of every leaf", () => {
  for (let i = 0; i < tree.values.length; i++) tree.getProof(i);
});
await phase("receipts tree (dataHash)", () => receiptsTree(checked.digests).root);
log({
  result: "split + settlement tree + every proof + receipts tree",
  ...since(splitStart),
  leaves: leavesOf(cumulative).length,
  earners: cumulative.earners.size,
  total: totalOf(cumulative).toString(),
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  loadavg: loadavg().map((l) => +l.toFixed(2)),
});

if (values.baseline) {
  // The code this replaced, on the same data: OpenZeppelin's StandardMerkleTree (leaf encoding,
  // sorting and proof checks in the library) and viem's signature recovery (1,000 receipts).
  const leaves = leavesOf(cumulative);
  const standard = await phase("baseline: StandardMerkleTree settlement tree + every proof", () => {
    const t = StandardMerkleTree.of(leaves, [...LEAF_ENCODING]);
    for (let i = 0; i < leaves.length; i++) t.getProof(i);
    return t;
  });
  const standardReceipts = await phase("baseline: StandardMerkleTree receipts tree", () =>
    StandardMerkleTree.of(
      checked.digests.map((d) => [d]),
      ["bytes32"],
    ),
  );
  const sample = file.receipts.slice(0, 1000);
  const recovered = await phase(`baseline: viem recoverTypedDataAddress × ${sample.length}`, () =>
    Promise.all(
      sample.map((r) =>
        recoverTypedDataAddress({
          domain: receiptDomain(file.chainId, file.agentStaking),
          types: RECEIPT_TYPES,
          primaryType: "Receipt",
          message: r.message,
          signature: r.signature,
        }),
      ),
    ),
  );
  log({
    baselineAgrees:
      standard.root === tree.root &&
      standardReceipts.root === receiptsTree(checked.digests).root &&
      recovered.every((a, i) => a === sample[i]?.signer),
  });
}
