import type { Context } from "ponder:registry";
import { votesAccount } from "ponder:schema";
import { contributionVotesAbi } from "@tributary/contracts/abis";
import { type Address, zeroAddress } from "viem";
import { indexContract } from "./lib/log-event.ts";
import { created, type LogMeta, touched } from "./lib/meta.ts";

type Change = Partial<Pick<typeof votesAccount.$inferInsert, "delegate" | "votingPower">> & {
  balanceDelta?: bigint;
};

async function updateVotes(context: Context, event: LogMeta, address: Address, change: Change) {
  const { balanceDelta = 0n, ...fields } = change;
  await context.db
    .insert(votesAccount)
    .values({
      address,
      balance: balanceDelta,
      votingPower: 0n,
      delegate: null,
      ...fields,
      ...created(event),
    })
    .onConflictDoUpdate((row) => ({
      ...fields,
      balance: row.balance + balanceDelta,
      ...touched(event),
    }));
}

indexContract("ContributionVotes", contributionVotesAbi, {
  // Only mints happen (transfers revert); burns are handled for completeness.
  Transfer: async ({ event, context }) => {
    const { from, to, value } = event.args;
    if (from !== zeroAddress) await updateVotes(context, event, from, { balanceDelta: -value });
    if (to !== zeroAddress) await updateVotes(context, event, to, { balanceDelta: value });
  },
  DelegateChanged: async ({ event, context }) => {
    await updateVotes(context, event, event.args.delegator, { delegate: event.args.toDelegate });
  },
  DelegateVotesChanged: async ({ event, context }) => {
    await updateVotes(context, event, event.args.delegate, { votingPower: event.args.newVotes });
  },
});
