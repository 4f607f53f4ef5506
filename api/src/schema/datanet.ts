import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { contributionCommitment, randomSalt } from "@tributary/contracts";
import { datanetRegistryAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { and, desc, eq, ilike, inArray, type SQL } from "drizzle-orm";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { InvalidInputError } from "../errors.ts";
import { listRows, OrderDirection } from "./common.ts";
import { datanetAdapters } from "./datanet-adapters.ts";
import { type ConnectionArgs, sortBy } from "./keyset.ts";
import { childRows, listChildRows } from "./nested.ts";
import { action, call, one, PreparedAction, prepareOptions, viewer } from "./prepare.ts";
import { AccountRef, ContributionRef, DatanetRef, ModelRef, NODE_DESCRIPTIONS } from "./refs.ts";

export const ContributionStatus = builder.enumType("ContributionStatus", {
  description: "Validation state of a contribution.",
  values: {
    Pending: { description: "Awaiting validator votes." },
    Accepted: { description: "Accepted by a quorum; its bond returned." },
    Rejected: { description: "Rejected by a quorum; its bond forfeited." },
    Withdrawn: { description: "Taken down by its contributor." },
  } as const,
});

const BondOutcome = builder.enumType("BondOutcome", {
  description: "What happened to a contribution's bond.",
  values: {
    Held: { description: "Still held by the registry." },
    Returned: { description: "Paid back to the contributor." },
    Forfeited: { description: "Sent to the treasury." },
  } as const,
});

const Validator = builder
  .objectRef<typeof t.datanetValidator.$inferSelect>("DatanetValidator")
  .implement({
    description: "A validator of a Datanet (inactive ones were removed).",
    fields: (f) => ({
      validator: f.field({
        type: AccountRef,
        description: "The validator's account.",
        resolve: (v) => v.validator,
      }),
      active: f.exposeBoolean("active", { description: "Whether it may still vote." }),
      since: f.field({
        type: "DateTime",
        description: "When it was first added.",
        resolve: (v) => v.createdAt,
      }),
    }),
  });

const ContributionVote = builder
  .objectRef<typeof t.contributionVote.$inferSelect>("ContributionVote")
  .implement({
    description: "A validator's vote on a contribution.",
    fields: (f) => ({
      validator: f.field({
        type: AccountRef,
        description: "Who voted.",
        resolve: (v) => v.validator,
      }),
      accept: f.exposeBoolean("accept", { description: "True to accept, false to reject." }),
      votedAt: f.field({
        type: "DateTime",
        description: "Block time of the vote.",
        resolve: (v) => v.timestamp,
      }),
      transactionHash: f.field({
        type: "Bytes32",
        description: "Transaction of the vote.",
        resolve: (v) => v.transactionHash,
      }),
    }),
  });

const ContributionFilter = builder.inputType("ContributionFilter", {
  description: "Filters for contributions; all given conditions must hold.",
  fields: (f) => ({
    datanetId: f.field({ type: "BigInt", description: "In this Datanet (on-chain id)." }),
    contributor: f.field({ type: "Address", description: "By this contributor." }),
    status: f.field({ type: ContributionStatus, description: "In this state." }),
  }),
});

function contributionWhere(
  filter: typeof ContributionFilter.$inferInput | null | undefined,
): SQL | undefined {
  const c = t.contribution;
  return and(
    filter?.datanetId != null ? eq(c.datanetId, filter.datanetId) : undefined,
    filter?.contributor ? eq(c.contributor, filter.contributor) : undefined,
    filter?.status ? eq(c.status, filter.status) : undefined,
  );
}

export function listContributions(
  ctx: Context,
  args: ConnectionArgs & {
    filter?: typeof ContributionFilter.$inferInput | null;
    direction?: "ASC" | "DESC" | null;
  },
) {
  return listRows(
    ctx,
    args,
    t.contribution,
    contributionWhere(args.filter),
    sortBy(args.direction ?? "DESC", t.contribution.id),
  );
}

ContributionRef.implement({
  description: NODE_DESCRIPTIONS.ContributionRef,
  fields: (f) => ({
    contributionId: f.field({ type: "BigInt", description: "On-chain id.", resolve: (c) => c.id }),
    datanet: f.field({
      type: DatanetRef,
      description: "The Datanet it belongs to.",
      resolve: (c) => c.datanetId.toString(),
    }),
    contributor: f.field({
      type: AccountRef,
      description: "Who contributed it (and is paid for it).",
      resolve: (c) => c.contributor,
    }),
    contentHash: f.field({
      type: "Bytes32",
      description: "Hash of the content.",
      resolve: (c) => c.contentHash,
    }),
    uri: f.exposeString("uri", { description: "Where the content can be fetched." }),
    bond: f.field({
      type: "TokenAmount",
      description: "Bond posted with it.",
      resolve: (c) => c.bond,
    }),
    status: f.field({
      type: ContributionStatus,
      description: "Validation state.",
      resolve: (c) => c.status,
    }),
    acceptVotes: f.exposeInt("acceptVotes", { description: "Votes to accept so far." }),
    rejectVotes: f.exposeInt("rejectVotes", { description: "Votes to reject so far." }),
    quorum: f.exposeInt("quorum", { description: "Votes needed to resolve it." }),
    bondOutcome: f.field({
      type: BondOutcome,
      description: "What happened to the bond.",
      resolve: (c) => c.bondOutcome,
    }),
    // Loaded for every contribution of the request at once (one IN query), not per parent.
    votes: f.loadableGroup({
      type: ContributionVote,
      description: "Validator votes, in order.",
      group: (vote) => vote.contributionId,
      resolve: (c) => c.id,
      load: (ids: bigint[], ctx) =>
        ctx.reader.db
          .select()
          .from(t.contributionVote)
          .where(inArray(t.contributionVote.contributionId, ids))
          .orderBy(t.contributionVote.blockNumber, t.contributionVote.logIndex),
    }),
    createdAt: f.field({
      type: "DateTime",
      description: "Registration time.",
      resolve: (c) => c.createdAt,
    }),
    resolvedAt: f.field({
      type: "DateTime",
      nullable: true,
      description: "When a quorum resolved it.",
      resolve: (c) => c.resolvedAt,
    }),
    withdrawnAt: f.field({
      type: "DateTime",
      nullable: true,
      description: "When the contributor took it down.",
      resolve: (c) => c.withdrawnAt,
    }),
  }),
});

type DatanetRow = typeof t.datanet.$inferSelect;

/** Scheduled curator changes apply lazily on chain; the reads apply them at the clock's time. */
const due = (effectiveAt: bigint) => effectiveAt * 1000n <= BigInt(Date.now());
const effectiveQuorum = (d: DatanetRow) =>
  d.pendingQuorum !== null && d.quorumEffectiveAt !== null && due(d.quorumEffectiveAt)
    ? d.pendingQuorum
    : d.quorum;
const effectiveBond = (d: DatanetRow) =>
  d.pendingContributionBond !== null && d.bondEffectiveAt !== null && due(d.bondEffectiveAt)
    ? d.pendingContributionBond
    : d.contributionBond;

const DatanetAccessPolicy = builder.enumType("DatanetAccessPolicy", {
  description: "Who may read a Datanet's content.",
  values: {
    Open: { description: "Anyone." },
    Restricted: {
      description: "Its curator, its validators and the accounts the curator approved.",
    },
  } as const,
});

const DatanetAccessStatus = builder.enumType("DatanetAccessStatus", {
  description: "An account's access to a Restricted Datanet.",
  values: {
    Requested: { description: "Asked, awaiting the curator." },
    Approved: { description: "The curator granted it." },
    Refused: { description: "The curator refused or revoked it (the account may ask again)." },
  } as const,
});

const AccessRequest = builder
  .objectRef<typeof t.datanetAccessRequest.$inferSelect>("DatanetAccessRequest")
  .implement({
    description: "An account's latest access request to a Datanet and the curator's decision.",
    fields: (f) => ({
      account: f.field({ type: AccountRef, description: "Who asked.", resolve: (r) => r.account }),
      status: f.field({
        type: DatanetAccessStatus,
        description: "Where it stands.",
        resolve: (r) => r.status,
      }),
      purpose: f.exposeString("purpose", {
        nullable: true,
        description: "The purpose stated (null when the curator decided unasked).",
      }),
      requestedAt: f.field({
        type: "DateTime",
        nullable: true,
        description: "When it was asked.",
        resolve: (r) => r.requestedAt,
      }),
      decidedBy: f.field({
        type: "Address",
        nullable: true,
        description: "The curator who decided.",
        resolve: (r) => r.decidedBy,
      }),
      decidedAt: f.field({
        type: "DateTime",
        nullable: true,
        description: "When it was decided.",
        resolve: (r) => r.decidedAt,
      }),
    }),
  });

const ScheduledQuorum = builder
  .objectRef<{ value: number; effectiveAt: bigint }>("ScheduledQuorum")
  .implement({
    description: "A quorum change and when it applies to new contributions.",
    fields: (f) => ({
      value: f.exposeInt("value", { description: "The new quorum." }),
      effectiveAt: f.field({
        type: "DateTime",
        description: "From then on.",
        resolve: (q) => q.effectiveAt,
      }),
    }),
  });

const ScheduledBond = builder
  .objectRef<{ value: bigint; effectiveAt: bigint }>("ScheduledContributionBond")
  .implement({
    description: "A contribution-bond change and when it applies to new contributions.",
    fields: (f) => ({
      value: f.field({
        type: "TokenAmount",
        description: "The new bond.",
        resolve: (b) => b.value,
      }),
      effectiveAt: f.field({
        type: "DateTime",
        description: "From then on.",
        resolve: (b) => b.effectiveAt,
      }),
    }),
  });

DatanetRef.implement({
  description: NODE_DESCRIPTIONS.DatanetRef,
  fields: (f) => ({
    datanetId: f.field({ type: "BigInt", description: "On-chain id.", resolve: (d) => d.id }),
    name: f.exposeString("name", { description: "Display name." }),
    metadataURI: f.exposeString("metadataURI", {
      description: "Where its description and rules live.",
    }),
    curator: f.field({
      type: AccountRef,
      description: "Who curates it.",
      resolve: (d) => d.curator,
    }),
    pendingCurator: f.field({
      type: "Address",
      nullable: true,
      description: "Curator-elect awaiting acceptance.",
      resolve: (d) => d.pendingCurator,
    }),
    quorum: f.int({
      description:
        "Validator votes needed to resolve a contribution submitted now (a scheduled change counts from its effective time).",
      resolve: (d) => effectiveQuorum(d),
    }),
    contributionBond: f.field({
      type: "TokenAmount",
      description:
        "Bond required per contribution submitted now (a scheduled change counts from its effective time).",
      resolve: (d) => effectiveBond(d),
    }),
    scheduledQuorum: f.field({
      type: ScheduledQuorum,
      nullable: true,
      description: "A quorum change the curator scheduled that is not in force yet (null: none).",
      resolve: (d) =>
        d.quorumEffectiveAt !== null && d.pendingQuorum !== null && !due(d.quorumEffectiveAt)
          ? { value: d.pendingQuorum, effectiveAt: d.quorumEffectiveAt }
          : null,
    }),
    scheduledContributionBond: f.field({
      type: ScheduledBond,
      nullable: true,
      description: "A bond change the curator scheduled that is not in force yet (null: none).",
      resolve: (d) =>
        d.bondEffectiveAt !== null && d.pendingContributionBond !== null && !due(d.bondEffectiveAt)
          ? { value: d.pendingContributionBond, effectiveAt: d.bondEffectiveAt }
          : null,
    }),
    accessPolicy: f.field({
      type: DatanetAccessPolicy,
      description: "Who may read its content: anyone (Open) or approved accounts (Restricted).",
      resolve: (d) => d.accessPolicy,
    }),
    accessRequests: f.field({
      type: [AccessRequest],
      description: "Access requests and the curator's decisions, one per account, latest first.",
      args: {
        status: f.arg({ type: DatanetAccessStatus, description: "Only in this state." }),
      },
      resolve: (d, args, ctx) =>
        childRows(
          ctx,
          t.datanetAccessRequest,
          { column: t.datanetAccessRequest.datanetId, key: d.id },
          args.status ? eq(t.datanetAccessRequest.status, args.status) : undefined,
          [desc(t.datanetAccessRequest.blockNumber)],
        ),
    }),
    validatorCount: f.exposeInt("validatorCount", { description: "Active validators." }),
    contributionCount: f.exposeInt("contributionCount", {
      description: "Contributions ever registered.",
    }),
    acceptedCount: f.exposeInt("acceptedCount", { description: "Accepted contributions." }),
    rejectedCount: f.exposeInt("rejectedCount", { description: "Rejected contributions." }),
    withdrawnCount: f.exposeInt("withdrawnCount", { description: "Withdrawn contributions." }),
    validators: f.loadableGroup({
      type: Validator,
      description: "Validators, active and removed.",
      group: (validator) => validator.datanetId,
      resolve: (d) => d.id,
      load: (ids: bigint[], ctx) =>
        ctx.reader.db
          .select()
          .from(t.datanetValidator)
          .where(inArray(t.datanetValidator.datanetId, ids)),
    }),
    contributions: f.connection({
      type: ContributionRef,
      description: "Its contributions, newest first unless `direction` says otherwise.",
      args: {
        status: f.arg({ type: ContributionStatus, description: "Only in this state." }),
        direction: f.arg({ type: OrderDirection, description: "By id; DESC by default." }),
      },
      resolve: (d, args, ctx) =>
        listChildRows(
          ctx,
          args,
          t.contribution,
          { column: t.contribution.datanetId, key: d.id },
          contributionWhere({ status: args.status }),
          sortBy(args.direction ?? "DESC", t.contribution.id),
        ),
    }),
    adapters: f.connection({
      type: ModelRef,
      description: "Adapters trained on it, by id.",
      resolve: (d, args, ctx) => datanetAdapters(ctx, args, d.id),
    }),
    createdAt: f.field({
      type: "DateTime",
      description: "Creation time.",
      resolve: (d) => d.createdAt,
    }),
  }),
});

builder.queryFields((f) => ({
  datanet: f.field({
    type: DatanetRef,
    nullable: true,
    description: "A Datanet by on-chain id (null when unknown).",
    args: { datanetId: f.arg({ type: "BigInt", required: true, description: "On-chain id." }) },
    resolve: (_, { datanetId }) => datanetId.toString(),
  }),
  datanets: f.connection({
    type: DatanetRef,
    description: "Datanets, by id.",
    args: {
      curator: f.arg({ type: "Address", description: "Only those this account curates." }),
      search: f.arg.string({
        description: "Case-insensitive substring of the name.",
        validate: { maxLength: 100 },
      }),
    },
    resolve: (_, args, ctx) =>
      listRows(
        ctx,
        args,
        t.datanet,
        and(
          args.curator ? eq(t.datanet.curator, args.curator) : undefined,
          args.search
            ? ilike(t.datanet.name, `%${args.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
            : undefined,
        ),
        sortBy("ASC", t.datanet.id),
      ),
  }),
  contribution: f.field({
    type: ContributionRef,
    nullable: true,
    description: "A contribution by on-chain id (null when unknown).",
    args: {
      contributionId: f.arg({ type: "BigInt", required: true, description: "On-chain id." }),
    },
    resolve: (_, { contributionId }) => contributionId.toString(),
  }),
  contributions: f.connection({
    type: ContributionRef,
    description: "Contributions across Datanets, newest first by default.",
    args: {
      filter: f.arg({ type: ContributionFilter, description: "Conditions to match." }),
      direction: f.arg({ type: OrderDirection, description: "By id; DESC by default." }),
    },
    resolve: (_, args, ctx) => listContributions(ctx, args),
  }),
}));

builder.mutationFields((f) => ({
  prepareContribute: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Contribute content to a Datanet, posting its bond (approval first if needed). Then two transactions, sent in order and mined in different blocks: a commitment (it hides the content hash and binds you, so nobody can front-run the contribution), then the contribution that reveals it, which refuses a bond above the Datanet's current one.",
    args: {
      datanetId: f.arg({ type: "BigInt", required: true, description: "The Datanet." }),
      contentHash: f.arg({ type: "Bytes32", required: true, description: "Hash of the content." }),
      uri: f.arg.string({
        required: true,
        description: "Where the content lives.",
        validate: { minLength: 1, maxLength: 2000 },
      }),
    },
    resolve: async (_, args, ctx) => {
      const datanet = await one(
        ctx.reader.db.select().from(t.datanet).where(eq(t.datanet.id, args.datanetId)),
        "Datanet",
        args.datanetId,
      );
      const registry = ctx.chain.address("DatanetRegistry");
      const salt = randomSalt();
      const bond = effectiveBond(datanet);
      return action(ctx, [
        ctx.chain.approvalIfNeeded(viewer(ctx), registry, bond),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: registry,
          data: call(datanetRegistryAbi, "commitContent", [
            contributionCommitment(args.datanetId, args.contentHash, viewer(ctx), salt),
          ]),
          description: `Commit to a contribution to Datanet ${args.datanetId}`,
        }),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: registry,
          data: call(datanetRegistryAbi, "contribute", [
            args.datanetId,
            args.contentHash,
            args.uri,
            bond,
            salt,
          ]),
          description: `Contribute to Datanet ${args.datanetId}`,
        }),
      ]);
    },
  }),
  prepareRequestDatanetAccess: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Ask the curator of a Restricted Datanet for access to its content, stating your purpose. Errors: InvalidInputError when the Datanet is Open or you already asked or were approved.",
    args: {
      datanetId: f.arg({ type: "BigInt", required: true, description: "The Datanet." }),
      purpose: f.arg.string({
        required: true,
        description: "What you will use its content for (shown to the curator).",
        validate: { minLength: 1, maxLength: 1024 },
      }),
    },
    resolve: async (_, args, ctx) => {
      const datanet = await one(
        ctx.reader.db.select().from(t.datanet).where(eq(t.datanet.id, args.datanetId)),
        "Datanet",
        args.datanetId,
      );
      if (datanet.accessPolicy !== "Restricted")
        throw new InvalidInputError(`Datanet ${args.datanetId} is Open`, "datanetId");
      if (new TextEncoder().encode(args.purpose).length > 1024)
        throw new InvalidInputError("The purpose is longer than 1024 bytes", "purpose");
      const [request] = await ctx.reader.db
        .select()
        .from(t.datanetAccessRequest)
        .where(
          and(
            eq(t.datanetAccessRequest.datanetId, args.datanetId),
            eq(t.datanetAccessRequest.account, viewer(ctx)),
          ),
        );
      if (request && request.status !== "Refused")
        throw new InvalidInputError(`Your access is already ${request.status}`, "datanetId");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("DatanetRegistry"),
          data: call(datanetRegistryAbi, "requestAccess", [args.datanetId, args.purpose]),
          description: `Request access to Datanet ${args.datanetId}`,
        }),
      ]);
    },
  }),
  prepareDecideDatanetAccess: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "As the curator, approve or refuse an account's access to your Datanet (refusing an approved account revokes it). Errors: ForbiddenError when you are not the curator, InvalidInputError when it would change nothing.",
    args: {
      datanetId: f.arg({ type: "BigInt", required: true, description: "Your Datanet." }),
      account: f.arg({ type: "Address", required: true, description: "Who asked." }),
      approve: f.arg.boolean({ required: true, description: "True approves, false refuses." }),
    },
    resolve: async (_, args, ctx) => {
      const datanet = await one(
        ctx.reader.db.select().from(t.datanet).where(eq(t.datanet.id, args.datanetId)),
        "Datanet",
        args.datanetId,
      );
      if (datanet.curator !== viewer(ctx))
        throw new ForbiddenError("Only the Datanet's curator decides access");
      const [request] = await ctx.reader.db
        .select()
        .from(t.datanetAccessRequest)
        .where(
          and(
            eq(t.datanetAccessRequest.datanetId, args.datanetId),
            eq(t.datanetAccessRequest.account, args.account),
          ),
        );
      if (request?.status === (args.approve ? "Approved" : "Refused"))
        throw new InvalidInputError(`Access is already ${request.status}`, "account");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("DatanetRegistry"),
          data: call(datanetRegistryAbi, "decideAccess", [
            args.datanetId,
            args.account,
            args.approve,
          ]),
          description: `${args.approve ? "Approve" : "Refuse"} ${args.account} on Datanet ${args.datanetId}`,
        }),
      ]);
    },
  }),
  prepareSetDatanetAccessPolicy: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "As the curator, make your Datanet's content Open to anyone or Restricted to approved accounts. Errors: ForbiddenError when you are not the curator.",
    args: {
      datanetId: f.arg({ type: "BigInt", required: true, description: "Your Datanet." }),
      policy: f.arg({ type: DatanetAccessPolicy, required: true, description: "The policy." }),
    },
    resolve: async (_, args, ctx) => {
      const datanet = await one(
        ctx.reader.db.select().from(t.datanet).where(eq(t.datanet.id, args.datanetId)),
        "Datanet",
        args.datanetId,
      );
      if (datanet.curator !== viewer(ctx))
        throw new ForbiddenError("Only the Datanet's curator sets its access policy");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("DatanetRegistry"),
          data: call(datanetRegistryAbi, "setAccessPolicy", [
            args.datanetId,
            args.policy === "Restricted" ? 1 : 0,
          ]),
          description: `Make Datanet ${args.datanetId} ${args.policy}`,
        }),
      ]);
    },
  }),
}));
