import { builder } from "../builder.ts";
import "./scalars.ts";
import "./errors.ts";
import "./adapter.ts";
import "./datanet.ts";
import "./contribution-vote.ts";
import "./proposal.ts";
import "./staking.ts";
import "./payout.ts";
import "./account.ts";
import "./auth.ts";
import "./dispute.ts";
import "./escrow.ts";
import "./relay.ts";
import "./events.ts";
import "./payout-events.ts";
import "./rag.ts";
import "./agent-errors.ts";
import "./agent.ts";
import "./invocation.ts";
import "./receipts.ts";
import "./training-errors.ts";
import "./training.ts";

builder.queryType({ description: "Reads: the marketplace, staking, payouts and the caller." });
builder.mutationType({ description: "Sign-in, API keys, prepared wallet actions and relaying." });
builder.subscriptionType({ description: "Live events (SSE or graphql-ws)." });

export const schema = builder.toSchema({ sortSchema: true });
