// One walk through every state-changing function of every protocol contract, through viem
// against anvil. Returns what the indexer must then hold.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  contributionCommitment,
  type DevnetRole,
  registrationCommitment,
} from "@tributary/contracts";
import {
  agentStakingAbi,
  attributionSettlementAbi,
  contributionVotesAbi,
  datanetRegistryAbi,
  modelRegistryAbi,
  proposalMarketAbi,
  tributaryGovernorAbi,
  tributaryTokenAbi,
} from "@tributary/contracts/abis";
import {
  type Abi,
  type Address,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  maxUint256,
  parseEther,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devnetAccount } from "./accounts.ts";
import type { TestChain } from "./chain.ts";

export const hash = (label: string): Hex => keccak256(stringToHex(label));
const addr = (role: DevnetRole) => devnetAccount(role).address;

export function protocol(chain: TestChain) {
  const c = chain.deployment.contracts;
  const at = {
    token: [c.TributaryToken.address, tributaryTokenAbi as Abi],
    votes: [c.ContributionVotes.address, contributionVotesAbi as Abi],
    governor: [c.TributaryGovernor.address, tributaryGovernorAbi as Abi],
    datanets: [c.DatanetRegistry.address, datanetRegistryAbi as Abi],
    models: [c.ModelRegistry.address, modelRegistryAbi as Abi],
    market: [c.ProposalMarket.address, proposalMarketAbi as Abi],
    staking: [c.AgentStaking.address, agentStakingAbi as Abi],
    settlement: [c.AttributionSettlement.address, attributionSettlementAbi as Abi],
  } as const;
  type Target = keyof typeof at;
  const send = <T = unknown>(
    role: DevnetRole,
    target: Target,
    fn: string,
    args: readonly unknown[] = [],
  ) => chain.send<T>(role, at[target][0], at[target][1], fn, args);
  const read = <T = unknown>(target: Target, fn: string, args: readonly unknown[] = []) =>
    chain.publicClient.readContract({
      address: at[target][0],
      abi: at[target][1],
      functionName: fn,
      args,
    }) as Promise<T>;
  /** Sends as the governance timelock (impersonated): the holder of every parameter role. */
  async function asTimelock(target: Target, fn: string, args: readonly unknown[]) {
    const timelock = chain.deployment.roles.timelock;
    await chain.rpc("anvil_impersonateAccount", [timelock]);
    await chain.rpc("anvil_setBalance", [timelock, "0x56BC75E2D63100000"]);
    const wallet = createWalletClient({
      account: timelock,
      chain: chain.publicClient.chain,
      transport: http(chain.anvil.rpcUrl),
    });
    const hash = await wallet.writeContract({
      address: at[target][0],
      abi: at[target][1],
      functionName: fn,
      args,
    } as never);
    const receipt = await chain.publicClient.waitForTransactionReceipt({
      hash,
      pollingInterval: 50,
    });
    if (receipt.status !== "success") throw new Error(`${fn} as timelock reverted`);
    await chain.rpc("anvil_stopImpersonatingAccount", [timelock]);
  }
  const increaseTime = async (seconds: number) => {
    await chain.rpc("evm_increaseTime", [seconds]);
    await chain.rpc("evm_mine", []);
  };
  const mine = (blocks: number) => chain.rpc("anvil_mine", [`0x${blocks.toString(16)}`]);
  async function approveAndMint(role: DevnetRole, spender: Target, amount: bigint) {
    await send("deployer", "token", "mint", [addr(role), amount]);
    await send(role, "token", "approve", [at[spender][0], amount]);
  }
  async function signVoucher(role: DevnetRole, cumulativeAmount: bigint, expiry: bigint) {
    const account = devnetAccount(role);
    const signature = await account.signTypedData({
      domain: {
        name: "Tributary Settlement",
        version: "1",
        chainId: chain.anvil.chainId,
        verifyingContract: at.settlement[0],
      },
      types: {
        Voucher: [
          { name: "payer", type: "address" },
          { name: "cumulativeAmount", type: "uint256" },
          { name: "expiry", type: "uint64" },
        ],
      },
      primaryType: "Voucher",
      message: { payer: account.address, cumulativeAmount, expiry },
    });
    return { voucher: { payer: account.address, cumulativeAmount, expiry }, signature };
  }
  const now = async () => (await chain.publicClient.getBlock()).timestamp;
  return { at, send, read, asTimelock, increaseTime, mine, approveAndMint, signVoucher, now };
}

export interface ScenarioResult {
  /** Expected account aggregates (only the non-zero fields). */
  accounts: Record<
    Address,
    Partial<
      Record<
        | "escrowDeposited"
        | "escrowSpent"
        | "escrowWithdrawn"
        | "earned"
        | "claimed"
        | "staked"
        | "unstaked",
        bigint
      >
    >
  >;
  ids: {
    datanet: bigint;
    adapterV2: bigint;
    agent: bigint;
    fulfilledProposal: bigint;
    expiredProposal: bigint;
    governorProposal: bigint;
  };
}

export async function runFullScenario(chain: TestChain): Promise<ScenarioResult> {
  const p = protocol(chain);
  const { send } = p;
  const E = (n: number | string) => parseEther(String(n));

  // ── Datanets and contributions ──
  const datanet = await send<bigint>("curator", "datanets", "createDatanet", [
    "Docs",
    "ipfs://docs",
    [addr("validatorA"), addr("validatorB")],
    2,
    E(10),
  ]);
  await send("curator", "datanets", "addValidator", [datanet, addr("builder")]);
  await send("curator", "datanets", "removeValidator", [datanet, addr("builder")]);
  await send("curator", "datanets", "setQuorum", [datanet, 1]);
  await send("curator", "datanets", "setContributionBond", [datanet, E(5)]);
  // Curator changes apply after PARAMETER_CHANGE_DELAY (1 day).
  await p.increaseTime(86_401);
  await send("curator", "datanets", "setAccessPolicy", [datanet, 1]);
  await send("builder", "datanets", "requestAccess", [datanet, "train a docs adapter"]);
  await send("curator", "datanets", "decideAccess", [datanet, addr("builder"), true]);
  // Commit-reveal: the commitment in one block, the contribution in the next.
  const salt = hash("salt");
  const contribute = async (role: DevnetRole, content: Hex, uri: string) => {
    await send(role, "datanets", "commitContent", [
      contributionCommitment(datanet, content, addr(role), salt),
    ]);
    return send<bigint>(role, "datanets", "contribute", [datanet, content, uri, E(5), salt]);
  };
  await send("curator", "datanets", "setMetadataURI", [datanet, "ipfs://docs-v2"]);
  await send("curator", "datanets", "transferCuratorship", [datanet, addr("operator")]);
  await send("operator", "datanets", "acceptCuratorship", [datanet]);
  await p.approveAndMint("contributorA", "datanets", E(100));
  await p.approveAndMint("contributorB", "datanets", E(100));
  const accepted = await contribute("contributorA", hash("a1"), "ipfs://a1");
  await send("validatorA", "datanets", "vote", [accepted, true]);
  const rejected = await contribute("contributorB", hash("b1"), "ipfs://b1");
  await send("validatorB", "datanets", "vote", [rejected, false]);
  const pendingTakedown = await contribute("contributorB", hash("b2"), "ipfs://b2");
  await send("contributorB", "datanets", "withdrawContribution", [pendingTakedown]);
  await send("contributorA", "datanets", "withdrawContribution", [accepted]);
  await p.asTimelock("datanets", "setTreasury", [addr("curator")]);

  // ── Models and adapters ──
  const commitRegistration = (content: Hex) =>
    send("builder", "models", "commitRegistration", [
      registrationCommitment(content, addr("builder"), salt),
    ]);
  await commitRegistration(hash("base"));
  const base = await send<bigint>("builder", "models", "registerBaseModel", [
    "base",
    hash("base"),
    "ipfs://base",
    salt,
  ]);
  const adapterParams = (name: string, supersedes: bigint) => ({
    baseModelId: base,
    name,
    contentHash: hash(name),
    uri: `ipfs://${name}`,
    rank: 8,
    pricePerCall: E(1),
    pricePer1kTokens: E("0.1"),
    datanetIds: [datanet],
    trainingManifestHash: hash(`${name}-manifest`),
    supersedes,
  });
  const registerAdapter = async (name: string, supersedes: bigint) => {
    await commitRegistration(hash(name));
    return send<bigint>("builder", "models", "registerAdapter", [
      adapterParams(name, supersedes),
      salt,
    ]);
  };
  const adapterV1 = await registerAdapter("adapter-v1", 0n);
  const adapterV2 = await registerAdapter("adapter-v2", adapterV1);
  await send("builder", "models", "setPrices", [adapterV2, E(2), E("0.2")]);
  await send("builder", "models", "setURI", [adapterV2, "ipfs://adapter-v2b"]);
  await send("builder", "models", "deprecate", [adapterV1]);
  await send("builder", "models", "approve", [addr("curator"), adapterV1]);
  await send("builder", "models", "setApprovalForAll", [addr("curator"), true]);
  await send("builder", "models", "transferFrom", [
    addr("builder"),
    addr("contributorA"),
    adapterV1,
  ]);
  await p.asTimelock("models", "setDatanetRegistry", [p.at.datanets[0]]);

  // ── Settlement: escrow, vouchers, roots, claims (mints contribution votes) ──
  const payer = addr("payer");
  await p.approveAndMint("payer", "settlement", E(1000));
  await send("payer", "settlement", "deposit", [E(600)]);
  await p.approveAndMint("deployer", "settlement", E(100));
  await send("deployer", "settlement", "depositFor", [payer, E(100)]);
  const expiry = (await p.now()) + 86_400n;
  const v1 = await p.signVoucher("payer", E(100), expiry);
  await send("settler", "settlement", "redeemVoucher", [v1.voucher, v1.signature, E(100)]);
  const v2 = await p.signVoucher("payer", E(250), expiry);
  const v3 = await p.signVoucher("payer", E(300), expiry);
  await send("settler", "settlement", "redeemVouchers", [
    [v2.voucher, v3.voucher],
    [v2.signature, v3.signature],
    [E(150), E(50)],
  ]);
  await send("payer", "settlement", "requestWithdrawal", [E(50)]);
  await send("payer", "settlement", "cancelWithdrawal");
  await send("payer", "settlement", "requestWithdrawal", [E(100)]);
  const leaves: [Address, bigint][] = [
    [addr("contributorA"), E(120)],
    [addr("builder"), E(80)],
  ];
  // Settlement leaves (schema/settlement-leaf.md): earners with all earnings vote-eligible.
  const tree = StandardMerkleTree.of(
    leaves.map(([a, v]) => [0, a, "0", v.toString(), v.toString()]),
    ["uint8", "address", "uint256", "uint256", "uint256"],
  );
  await send("settler", "settlement", "proposeRoot", [
    1n,
    tree.root,
    E(200),
    hash("data-1"),
    "ipfs://receipts-1",
  ]);
  // One root open at a time: epoch 2 once epoch 1 is live; the guardian vetoes it.
  await p.increaseTime(3601);
  await send("settler", "settlement", "proposeRoot", [
    2n,
    hash("bad-root"),
    E(200),
    hash("data-2"),
    "ipfs://receipts-2",
  ]);
  await send("deployer", "settlement", "vetoRoot", [2n]);
  await send("payer", "settlement", "executeWithdrawal");
  await send("builder", "settlement", "setClaimRecipient", [addr("operator")]);
  for (const [i, [account, amount]] of leaves.entries()) {
    await send("payer", "settlement", "claim", [account, amount, amount, tree.getProof(i)]);
    await send("payer", "settlement", "mintVotes", [account]);
  }
  // Bonded challenges: epoch 3 frozen and upheld (vetoed, bond back), epoch 4 frozen and rejected
  // (bond to the treasury), then live.
  await p.approveAndMint("contributorB", "settlement", E(200));
  for (const [epoch, upheld] of [
    [3n, true],
    [4n, false],
  ] as const) {
    await send("settler", "settlement", "proposeRoot", [
      epoch,
      tree.root,
      E(200),
      hash(`data-${epoch}`),
      `ipfs://receipts-${epoch}`,
    ]);
    await send("contributorB", "settlement", "challengeRoot", [epoch, `suspect root ${epoch}`]);
    await send("deployer", "settlement", "resolveChallenge", [epoch, upheld]);
  }
  await p.increaseTime(3601);
  await p.asTimelock("settlement", "setParams", [
    { withdrawalDelay: 7200n, challengeDelay: 7200n, challengeBond: E(100) },
  ]);
  // contributorA got votes (self-delegated on mint); builder's go to contributorB.
  await send("builder", "votes", "delegate", [addr("contributorB")]);

  // ── Proposal market ──
  await p.mine(2);
  await p.approveAndMint("contributorB", "market", E(500));
  const deadline = (await p.now()) + 86_400n;
  const fulfilled = await send<bigint>("curator", "market", "propose", [
    "ipfs://spec-1",
    [datanet],
    base,
    E(300),
    deadline,
  ]);
  await send("contributorB", "market", "back", [fulfilled, E(200)]);
  await send("contributorB", "market", "back", [fulfilled, E(100)]);
  await send("contributorA", "market", "vote", [fulfilled, true]);
  await send("contributorB", "market", "vote", [fulfilled, false]);
  // Two-phase fulfilment: an adapter registered after the proposal, judged by its backer, then
  // finalized after the window (1 hour on devnets).
  const adapterV3 = await registerAdapter("adapter-v3", 0n);
  await send("curator", "market", "fulfil", [fulfilled, adapterV3]);
  await send("contributorB", "market", "voteFulfilment", [fulfilled, true]);
  await p.increaseTime(3601);
  await send("builder", "market", "finalizeFulfilment", [fulfilled]);
  const cancelled = await send<bigint>("curator", "market", "propose", [
    "ipfs://spec-2",
    [datanet],
    base,
    E(50),
    deadline,
  ]);
  await send("contributorB", "market", "back", [cancelled, E(40)]);
  await send("curator", "market", "cancel", [cancelled]);
  await send("contributorB", "market", "refund", [cancelled]);
  const expiredByCall = await send<bigint>("curator", "market", "propose", [
    "ipfs://spec-3",
    [datanet],
    base,
    E(50),
    (await p.now()) + 100n,
  ]);
  const expiredByRefund = await send<bigint>("curator", "market", "propose", [
    "ipfs://spec-4",
    [datanet],
    base,
    E(50),
    (await p.now()) + 100n,
  ]);
  await send("contributorB", "market", "back", [expiredByRefund, E(10)]);
  // Stays Open in storage past its deadline: the indexer must report it Expired.
  const lazilyExpired = await send<bigint>("curator", "market", "propose", [
    "ipfs://spec-5",
    [datanet],
    base,
    E(50),
    (await p.now()) + 100n,
  ]);
  await p.increaseTime(200);
  await send("builder", "market", "expire", [expiredByCall]);
  await send("contributorB", "market", "refund", [expiredByRefund]);
  await p.asTimelock("market", "setMaxDuration", [86_400n * 60n]);

  // ── Agent staking ──
  await p.approveAndMint("operator", "staking", E(500));
  const agent = await send<bigint>("operator", "staking", "registerAgent", [
    hash("spec"),
    "ipfs://agent",
    E(1000),
    E(500),
  ]);
  await send("operator", "staking", "updateAgent", [agent, hash("spec-2"), "ipfs://agent-2"]);
  await send("operator", "staking", "setMinStake", [agent, E(500)]);
  await p.approveAndMint("operator", "staking", E(2000));
  await p.approveAndMint("payer", "staking", E(3000));
  await send("operator", "staking", "delegate", [agent, E(1000)]);
  await send("payer", "staking", "delegate", [agent, E(2000)]);
  await send("payer", "staking", "addRewards", [agent, E(300)]);
  const payerShares = await p.read<bigint>("staking", "sharesOf", [agent, payer]);
  const unbondingA = await send<bigint>("payer", "staking", "unbond", [agent, payerShares / 4n]);
  await send("operator", "staking", "transferOperator", [agent, addr("builder")]);
  await p.approveAndMint("contributorA", "staking", E(1000));
  const disputeAccepted = await send<bigint>("contributorA", "staking", "openDispute", [
    agent,
    hash("evidence-1"),
    "ipfs://ev1",
  ]);
  await send("deployer", "staking", "acceptDispute", [disputeAccepted, 2000]);
  const disputeRejected = await send<bigint>("contributorA", "staking", "openDispute", [
    agent,
    hash("evidence-2"),
    "ipfs://ev2",
  ]);
  await send("deployer", "staking", "rejectDispute", [disputeRejected]);
  const disputeExpired = await send<bigint>("contributorA", "staking", "openDispute", [
    agent,
    hash("evidence-3"),
    "ipfs://ev3",
  ]);
  // Receipt signers (with a rotation), a receipt dispute that ends in a draw, self-bond moves
  // and a pool signer.
  const receiptKey = privateKeyToAccount(keccak256(stringToHex("scenario-receipt-signer")));
  await send("builder", "staking", "setAgentSigner", [agent, receiptKey.address, true]);
  await send("builder", "staking", "setAgentSigner", [agent, addr("curator"), true]);
  await send("builder", "staking", "setAgentSigner", [agent, addr("curator"), false]);
  // Every empty list hashes alike: abi.encode of a dynamic array of length 0.
  const emptyList = keccak256(`0x${"20".padStart(64, "0")}${"0".repeat(64)}` as Hex);
  const receipt = {
    requestId: hash("scenario-request"),
    agentId: agent,
    specHash: hash("spec-2"),
    payer,
    price: E(1),
    tokensIn: 10,
    tokensOut: 5,
    policyVersion: 1,
    issuedAt: await p.now(),
    adaptersHash: emptyList,
    retrievalHash: emptyList,
    citationsHash: emptyList,
    spansHash: emptyList,
    usageDigest: hash("usage"),
  };
  const receiptSignature = await receiptKey.signTypedData({
    domain: {
      name: "Tributary",
      version: "1",
      chainId: chain.anvil.chainId,
      verifyingContract: p.at.staking[0],
    },
    types: {
      Receipt: [
        { name: "requestId", type: "bytes32" },
        { name: "agentId", type: "uint256" },
        { name: "specHash", type: "bytes32" },
        { name: "payer", type: "address" },
        { name: "price", type: "uint256" },
        { name: "tokensIn", type: "uint32" },
        { name: "tokensOut", type: "uint32" },
        { name: "policyVersion", type: "uint16" },
        { name: "issuedAt", type: "uint64" },
        { name: "adaptersHash", type: "bytes32" },
        { name: "retrievalHash", type: "bytes32" },
        { name: "citationsHash", type: "bytes32" },
        { name: "spansHash", type: "bytes32" },
        { name: "usageDigest", type: "bytes32" },
      ],
    },
    primaryType: "Receipt",
    message: receipt,
  });
  await p.approveAndMint("contributorB", "staking", E(100));
  const disputeDrawn = await send<bigint>("contributorB", "staking", "openDisputeWithReceipt", [
    receipt,
    receiptSignature,
    { adapters: [], retrieval: [], citations: [], spans: [] },
    2,
    "ipfs://receipt",
  ]);
  await send("deployer", "staking", "drawDispute", [disputeDrawn]);
  await p.approveAndMint("builder", "staking", E(200));
  await send("builder", "staking", "addSelfBond", [agent, E(200)]);
  await send("builder", "staking", "unbondSelfBond", [agent, E(50)]);
  await p.asTimelock("staking", "setPoolSigner", [addr("settler"), true]);
  await p.increaseTime(7201);
  await send("builder", "staking", "expireDispute", [disputeExpired]);
  await send("payer", "staking", "withdraw", [unbondingA]);
  await send("builder", "staking", "withdrawSelfBond", [agent]);
  await p.asTimelock("staking", "setParams", [
    {
      unbondingDelay: 7200n,
      disputeWindow: 3600n,
      disputeBond: E(50),
      slashCapBps: 2500,
      disputerRewardBps: 500,
      minSelfBond: E(50),
      maxDelegationRatio: 20,
      rewardVestingPeriod: 7200n,
    },
  ]);
  await p.asTimelock("staking", "setTreasury", [addr("curator")]);

  // ── Governor and timelock (contributorA holds the votes) ──
  const calldata = encodeFunctionData({
    abi: proposalMarketAbi,
    functionName: "setMaxDuration",
    args: [86_400n * 90n],
  });
  const description = "Longer proposals";
  const govArgs = [[p.at.market[0]], [0n], [calldata]] as const;
  const governorProposal = await send<bigint>("contributorA", "governor", "propose", [
    ...govArgs,
    description,
  ]);
  const doomed = await send<bigint>("contributorA", "governor", "propose", [...govArgs, "doomed"]);
  await send("contributorA", "governor", "cancel", [...govArgs, hash("doomed")]);
  await p.mine(2);
  await send("contributorA", "governor", "castVoteWithReason", [governorProposal, 1, "yes"]);
  await send("contributorB", "governor", "castVote", [governorProposal, 2]);
  await p.mine(51);
  await send("contributorA", "governor", "queue", [...govArgs, hash(description)]);
  await p.increaseTime(61);
  await send("contributorA", "governor", "execute", [...govArgs, hash(description)]);
  void doomed;
  void lazilyExpired;

  const withdrawn = await p.read<bigint>("staking", "previewWithdraw", [unbondingA]);
  void withdrawn;
  return {
    accounts: {
      [payer]: {
        escrowDeposited: E(700),
        escrowSpent: E(300),
        escrowWithdrawn: E(100),
        staked: E(2000),
      },
      [addr("contributorA")]: { earned: E(120), claimed: E(120) },
      [addr("builder")]: {
        earned: E(80) + E(300),
        claimed: E(80),
        staked: E(200),
        unstaked: E(50),
      },
      [addr("operator")]: { staked: E(1000) + E(500) },
    },
    ids: {
      datanet,
      adapterV2,
      agent,
      fulfilledProposal: fulfilled,
      expiredProposal: lazilyExpired,
      governorProposal,
    },
  };
}

export { maxUint256 };
