// verify-root: recomputes the settlement roots posted on chain from the published receipts files
// alone, trusting neither the settler nor the API that serves the files. Leaves are cumulative,
// so verifying epoch N replays every epoch 1..N.
import {
  type Cumulative,
  type EpochFile,
  EpochFileError,
  emptyCumulative,
  parseEpochFile,
  type ReceiptProblem,
  settleEpochFile,
  totalOf,
} from "@tributary/agents";
import { type Address, type Hex, isAddressEqual, type PublicClient, sha256 } from "viem";
import { epochFileUri } from "./deps.ts";
import { manifestHashesOf } from "./training-attribution.ts";
import {
  type ChainFacts,
  type ChainRoot,
  createChainFacts,
  type RootStatus,
} from "./verify-chain.ts";
import { fetchTrainingAttribution, ManifestUnverifiable } from "./verify-manifests.ts";

export interface VerifyRootOptions {
  client: PublicClient;
  settlement: Address;
  staking: Address;
  /** Receives the protocol's share, as the settlement service pays it (governance's timelock). */
  protocol: Address;
  /** Verify epochs 1..epoch. */
  epoch: bigint;
  /** Fetch files from `<api>/epochs/<sha256>.json` rather than the URI on chain (a mirror). */
  api?: string | undefined;
  fetch?: typeof fetch;
  /** Where event searches start (the deployment's first block). */
  fromBlock?: bigint | undefined;
  /** Called as each epoch is found to agree. */
  onEpoch?: (verified: VerifiedEpoch) => void;
}

export interface VerifiedEpoch {
  epoch: bigint;
  status: RootStatus;
  root: Hex;
  totalCumulative: bigint;
  receipts: number;
  /** Where its file was fetched from. */
  url: string;
}

/**
 * Why an epoch does not agree. `unreachable` alone may pass on a retry (the file could not be
 * fetched); every other kind is a fact about what was published.
 */
export type DisagreementKind =
  | "no-root"
  | "unreachable"
  | "content-address"
  | "malformed"
  | "wrong-deployment"
  | "receipts"
  | "root-mismatch";

export interface VerifyFailure {
  epoch: bigint;
  kind: DisagreementKind;
  message: string;
  /** For `receipts`: every receipt of the epoch that does not check out. */
  receipts: ReceiptProblem[];
}

export type VerifyRootResult =
  | { ok: true; epochs: VerifiedEpoch[] }
  | { ok: false; epochs: VerifiedEpoch[]; failure: VerifyFailure };

class Disagreement extends Error {
  constructor(
    readonly kind: DisagreementKind,
    message: string,
    readonly receipts: ReceiptProblem[] = [],
  ) {
    super(message);
  }
}

/**
 * Replays epochs 1..N: fetches each file from its content address, checks every receipt against
 * its signature and the chain's signer and operator histories, and recomputes the root, the data
 * hash and the total the chain holds. Vetoed epochs are replayed like the others: the service
 * builds each epoch on the totals of the last one it proposed, vetoed or not (their payers were
 * redeemed), so a later root includes a vetoed epoch's receipts.
 */
export async function verifyRoot(options: VerifyRootOptions): Promise<VerifyRootResult> {
  const facts = createChainFacts(options);
  const epochs: VerifiedEpoch[] = [];
  const latest = await facts.latestProposedEpoch();
  if (options.epoch < 1n || options.epoch > latest) {
    const failure = {
      epoch: options.epoch,
      kind: "no-root" as const,
      message: `epoch ${options.epoch} has no root on chain (latest proposed: ${latest})`,
      receipts: [],
    };
    return { ok: false, epochs, failure };
  }
  let totals = emptyCumulative();
  // Receipts of the epochs replayed so far: a later file naming one again pays it twice.
  const settledBefore = new Set<string>();
  for (const root of await facts.roots(options.epoch)) {
    try {
      const verified = await verifyEpoch(options, facts, root, totals, settledBefore);
      totals = verified.cumulative;
      epochs.push(verified.epoch);
      options.onEpoch?.(verified.epoch);
    } catch (error) {
      if (!(error instanceof Disagreement)) throw error;
      const failure = {
        epoch: root.epoch,
        kind: error.kind,
        message: `epoch ${root.epoch} (${root.status}): ${error.message}`,
        receipts: error.receipts,
      };
      return { ok: false, epochs, failure };
    }
  }
  return { ok: true, epochs };
}

/** One epoch on the previous totals; throws a Disagreement naming what does not agree. */
async function verifyEpoch(
  options: VerifyRootOptions,
  facts: ChainFacts,
  root: ChainRoot,
  previous: Cumulative,
  settledBefore: Set<string>,
): Promise<{ epoch: VerifiedEpoch; cumulative: Cumulative }> {
  const { url, text } = await fetchEpochFile(root.dataURI, options);
  let file: EpochFile;
  try {
    file = parseEpochFile(text);
  } catch (error) {
    if (!(error instanceof EpochFileError)) throw error;
    throw new Disagreement("malformed", `the file at ${url} is malformed: ${error.message}`);
  }
  checkDeployment(file, root.epoch, options, await options.client.getChainId());
  // The training manifests are served beside the epoch files (`api`, or the file's own origin).
  const api = options.api ?? url.replace(/\/epochs\/[0-9a-f]{64}\.json$/, "");
  let training: Awaited<ReturnType<typeof fetchTrainingAttribution>>;
  try {
    training = await fetchTrainingAttribution(api, manifestHashesOf(file.receipts), options.fetch);
  } catch (error) {
    if (!(error instanceof ManifestUnverifiable)) throw error;
    throw new Disagreement(error.kind, error.message);
  }
  const settled = await settleEpochFile(file, previous, {
    protocol: options.protocol,
    training,
    authorized: facts.signerAuthorized,
    settledBefore,
  });
  const problems = [...settled.problems, ...(await operatorProblems(file, facts))].sort(
    (a, b) => a.index - b.index,
  );
  if (problems.length > 0)
    throw new Disagreement(
      "receipts",
      problems.map((p) => `receipt ${p.index} (requestId ${p.requestId}): ${p.problem}`).join("; "),
      problems,
    );
  const total = totalOf(settled.cumulative);
  const differences = [
    same(settled.tree?.root, root.root) ? null : `root ${settled.tree?.root ?? "(none)"}`,
    same(settled.dataHash, root.dataHash) ? null : `data hash ${settled.dataHash ?? "(none)"}`,
    total === root.totalCumulative ? null : `total ${total}`,
  ].filter((d) => d !== null);
  if (differences.length > 0)
    throw new Disagreement(
      "root-mismatch",
      `recomputed ${differences.join(", ")}; the chain has root ${root.root}, data hash ${root.dataHash}, total ${root.totalCumulative}`,
    );
  const epoch = {
    epoch: root.epoch,
    status: root.status,
    root: root.root,
    totalCumulative: root.totalCumulative,
    receipts: file.receipts.length,
    url,
  };
  return { epoch, cumulative: settled.cumulative };
}

const same = (a: string | null | undefined, b: Hex) => a?.toLowerCase() === b.toLowerCase();

/**
 * The file's bytes from the URI on chain (or the same address under `api`), checked against the
 * content address the URI names: the only link between the chain and the file.
 */
async function fetchEpochFile(
  dataURI: string,
  options: Pick<VerifyRootOptions, "api" | "fetch">,
): Promise<{ url: string; text: string }> {
  const address = /\/epochs\/([0-9a-f]{64})\.json$/.exec(dataURI)?.[1];
  if (!address)
    throw new Disagreement(
      "content-address",
      `dataURI ${JSON.stringify(dataURI)} names no content address (…/epochs/<sha256>.json)`,
    );
  const url = options.api ? epochFileUri(options.api, address) : dataURI;
  let bytes: Uint8Array;
  try {
    const response = await (options.fetch ?? fetch)(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new Disagreement("unreachable", `cannot fetch ${url}: ${(error as Error).message}`);
  }
  const hash = sha256(bytes);
  if (hash !== `0x${address}`)
    throw new Disagreement(
      "content-address",
      `the file at ${url} hashes to ${hash}, not the content address 0x${address} on chain`,
    );
  return { url, text: new TextDecoder().decode(bytes) };
}

/** The file must describe this epoch on this deployment: a receipt's domain names the chain. */
function checkDeployment(
  file: EpochFile,
  epoch: bigint,
  options: Pick<VerifyRootOptions, "settlement" | "staking">,
  chainId: number,
) {
  const wrong = [
    file.epoch === epoch ? null : `epoch ${file.epoch}`,
    file.chainId === chainId ? null : `chain ${file.chainId}`,
    isAddressEqual(file.settlement, options.settlement) ? null : `settlement ${file.settlement}`,
    isAddressEqual(file.agentStaking, options.staking) ? null : `staking ${file.agentStaking}`,
  ].filter((w) => w !== null);
  if (wrong.length > 0)
    throw new Disagreement("wrong-deployment", `the file is for ${wrong.join(", ")}`);
}

/** Receipts whose named operator (the one payee the signature does not cover) the chain denies. */
async function operatorProblems(file: EpochFile, facts: ChainFacts): Promise<ReceiptProblem[]> {
  const problems: ReceiptProblem[] = [];
  for (const [index, r] of file.receipts.entries()) {
    const { agentId, issuedAt, requestId } = r.message;
    if (!(await facts.operatorAllowed(agentId, r.operator, issuedAt)))
      problems.push({
        index,
        requestId,
        problem: `operator ${r.operator} was not the agent's operator on chain when the receipt was issued`,
      });
  }
  return problems;
}
