// Receipt signer keys: one per agent, made by this service (never a user's key). A key is made
// with the agent's spec, before the on-chain id exists, and bound to the agent the first time
// the chain shows an agent with that operator and spec. Keys are stored AES-256-GCM encrypted
// under the service's signer secret, so a database dump alone signs nothing.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Address, Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { AppDb } from "../db/index.ts";
import { agentSigner } from "../db/schema.ts";

function seal(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

function open(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}

export interface AgentRecord {
  id: bigint;
  operator: Address;
  specHash: Hex;
}

export function createSignerVault(db: AppDb, secret: Uint8Array) {
  const key = createHash("sha256").update(secret).digest();

  async function make(operator: Address, specHash: Hex, agentId: bigint | null) {
    const privateKey = generatePrivateKey();
    const account = privateKeyToAccount(privateKey);
    await db.insert(agentSigner).values({
      address: account.address,
      operator,
      specHash,
      agentId: agentId?.toString() ?? null,
      encryptedKey: seal(key, privateKey),
    });
    return account.address;
  }

  return {
    /** A signer for an agent about to be registered (or reused: one unbound key per draft). */
    async forDraft(operator: Address, specHash: Hex): Promise<Address> {
      const [draft] = await db
        .select({ address: agentSigner.address })
        .from(agentSigner)
        .where(
          and(
            eq(agentSigner.operator, operator),
            eq(agentSigner.specHash, specHash),
            isNull(agentSigner.agentId),
          ),
        )
        .limit(1);
      return (draft?.address as Address | undefined) ?? make(operator, specHash, null);
    },

    /** The agent's signer address, if it has one yet. */
    async addressOf(agentId: bigint): Promise<Address | null> {
      const [row] = await db
        .select({ address: agentSigner.address })
        .from(agentSigner)
        .where(eq(agentSigner.agentId, agentId.toString()));
      return (row?.address as Address | undefined) ?? null;
    },

    /**
     * The agent's signing key: the one bound to it, else its operator's draft for its spec
     * (bound now), else a new one bound to it.
     */
    async forAgent(agent: AgentRecord): Promise<LocalAccount> {
      const agentId = agent.id.toString();
      let [row] = await db.select().from(agentSigner).where(eq(agentSigner.agentId, agentId));
      if (!row) {
        const [draft] = await db
          .select()
          .from(agentSigner)
          .where(
            and(
              eq(agentSigner.operator, agent.operator),
              eq(agentSigner.specHash, agent.specHash),
              isNull(agentSigner.agentId),
            ),
          )
          .limit(1);
        if (draft) {
          await db
            .update(agentSigner)
            .set({ agentId })
            .where(and(eq(agentSigner.address, draft.address), isNull(agentSigner.agentId)))
            .catch(() => {});
        } else {
          await make(agent.operator, agent.specHash, agent.id).catch(() => {});
        }
        // Whoever won a concurrent bind, the bound row is now the agent's one key.
        [row] = await db.select().from(agentSigner).where(eq(agentSigner.agentId, agentId));
        if (!row) throw new Error(`could not bind a signer to agent ${agentId}`);
      }
      return privateKeyToAccount(open(key, row.encryptedKey) as Hex);
    },
  };
}

export type SignerVault = ReturnType<typeof createSignerVault>;
