// A validator's vote on a Pending contribution: the step that turns uploaded data into data an
// agent may cite (only Accepted contributions are retrieved and paid).
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { datanetRegistryAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { and, eq } from "drizzle-orm";
import { builder } from "../builder.ts";
import { InvalidInputError } from "../errors.ts";
import { action, call, one, PreparedAction, prepareOptions, viewer } from "./prepare.ts";

builder.mutationFields((f) => ({
  prepareVoteContribution: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "As a validator of its Datanet, vote to accept or reject a Pending contribution (a quorum of either decides it; the contributor's bond is returned on acceptance and forfeited on rejection). Errors: NotFoundError, ForbiddenError when you are not an active validator of the Datanet or are its contributor, InvalidInputError when it is no longer Pending or you already voted.",
    args: {
      contributionId: f.arg({ type: "BigInt", required: true, description: "The contribution." }),
      accept: f.arg.boolean({ required: true, description: "True accepts, false rejects." }),
    },
    resolve: async (_, args, ctx) => {
      const contribution = await one(
        ctx.reader.db
          .select()
          .from(t.contribution)
          .where(eq(t.contribution.id, args.contributionId)),
        "Contribution",
        args.contributionId,
      );
      const me = viewer(ctx);
      if (contribution.status !== "Pending")
        throw new InvalidInputError(`The contribution is ${contribution.status}`, "contributionId");
      const [seat] = await ctx.reader.db
        .select()
        .from(t.datanetValidator)
        .where(
          and(
            eq(t.datanetValidator.datanetId, contribution.datanetId),
            eq(t.datanetValidator.validator, me),
          ),
        );
      if (!seat?.active)
        throw new ForbiddenError(
          `Only an active validator of Datanet ${contribution.datanetId} votes`,
        );
      if (contribution.contributor === me)
        throw new ForbiddenError("A contributor does not vote on its own contribution");
      const [ballot] = await ctx.reader.db
        .select()
        .from(t.contributionVote)
        .where(
          and(
            eq(t.contributionVote.contributionId, args.contributionId),
            eq(t.contributionVote.validator, me),
          ),
        );
      if (ballot) throw new InvalidInputError("You already voted on it", "contributionId");
      return action(ctx, [
        ctx.chain.prepare({
          from: me,
          to: ctx.chain.address("DatanetRegistry"),
          data: call(datanetRegistryAbi, "vote", [args.contributionId, args.accept]),
          description: `${args.accept ? "Accept" : "Reject"} contribution ${args.contributionId}`,
        }),
      ]);
    },
  }),
}));
