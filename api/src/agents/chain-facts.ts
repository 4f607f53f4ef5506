// The `chain_state` tool: reads the on-chain state of what a question names — `agent 3`,
// `adapter #2`, or an address — through the indexer. The demo model cannot call tools, so the
// runtime calls this by rule on the question's text; at most a few subjects per question.
import type { ChainFact } from "@tributary/agents";
import * as t from "@tributary/indexer/schema";
import { eq } from "drizzle-orm";
import { getAddress } from "viem";
import { INT8_LIMIT } from "../rag/upload.ts";
import type { ChainReader } from "../reader/index.ts";
import { jsonSafe } from "./receipt-lists.ts";

const MAX_FACTS = 4;
const SUBJECT = /\b(agent|adapter|model)\s*#?\s*(\d{1,19})\b|\b(0x[0-9a-fA-F]{40})\b/gi;

const plain = (row: Record<string, unknown>, keys: string[]) =>
  jsonSafe(Object.fromEntries(keys.map((k) => [k, row[k]]))) as Record<string, unknown>;

export function createChainFacts(reader: ChainReader) {
  async function agent(id: bigint): Promise<ChainFact> {
    const [row] =
      id < INT8_LIMIT ? await reader.db.select().from(t.agent).where(eq(t.agent.id, id)) : [];
    return {
      subject: `agent ${id}`,
      state: row
        ? plain(row, [
            "operator",
            "specHash",
            "active",
            "minStake",
            "totalActiveAssets",
            "delegatorCount",
            "openDisputes",
            "totalSlashed",
          ])
        : null,
    };
  }
  async function model(id: bigint): Promise<ChainFact> {
    const [row] =
      id < INT8_LIMIT ? await reader.db.select().from(t.model).where(eq(t.model.id, id)) : [];
    return {
      subject: `${row?.kind === "BaseModel" ? "base model" : "adapter"} ${id}`,
      state: row
        ? plain(row, [
            "name",
            "owner",
            "status",
            "baseModelId",
            "rank",
            "pricePerCall",
            "pricePer1kTokens",
            "version",
          ])
        : null,
    };
  }
  async function account(address: string): Promise<ChainFact> {
    const checksummed = getAddress(address);
    const [row] = await reader.db
      .select()
      .from(t.account)
      .where(eq(t.account.address, checksummed));
    return {
      subject: `account ${checksummed}`,
      state: row
        ? plain(row, ["escrowDeposited", "escrowSpent", "earned", "claimed", "staked", "slashed"])
        : null,
    };
  }

  return async function readChainState(question: string): Promise<ChainFact[]> {
    const facts: ChainFact[] = [];
    const seen = new Set<string>();
    for (const match of question.matchAll(SUBJECT)) {
      if (facts.length >= MAX_FACTS) break;
      const key = (match[3] ?? `${match[1]} ${match[2]}`).toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      if (match[3]) facts.push(await account(match[3]));
      else if (match[1]?.toLowerCase() === "agent") facts.push(await agent(BigInt(match[2] ?? 0)));
      else facts.push(await model(BigInt(match[2] ?? 0)));
    }
    return facts;
  };
}
