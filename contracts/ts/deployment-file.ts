import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress, isAddress } from "viem";
import { z } from "zod";
import { PROTOCOL_CONTRACTS } from "./protocol-contracts.ts";

export const DEPLOYMENTS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "deployments",
);

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), "not an EVM address")
  .transform((value) => getAddress(value));
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "not a 32-byte hex string");

const deployedContract = z.object({
  address,
  blockNumber: z.number().int().nonnegative(),
  transactionHash: hex32,
  /** keccak256 of the ABI's JSON: lets readers detect an ABI that no longer matches. */
  abiHash: hex32,
});

const contractsShape = Object.fromEntries(
  PROTOCOL_CONTRACTS.map(({ name }) => [name, deployedContract]),
) as Record<(typeof PROTOCOL_CONTRACTS)[number]["name"], typeof deployedContract>;

export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  deployedAt: z.string(),
  deployer: address,
  startBlock: z.number().int().nonnegative(),
  contracts: z.object(contractsShape),
  roles: z.object({
    timelock: address,
    governor: address,
    treasury: address,
    settler: address,
    guardian: address.nullable(),
  }),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
});

export type Deployment = z.infer<typeof deploymentSchema>;

/** Thrown when a deployment file is absent or does not describe a complete deployment. */
export class DeploymentFileError extends Error {
  override name = "DeploymentFileError";
}

export function deploymentPath(chainId: number, dir = DEPLOYMENTS_DIR): string {
  return path.join(dir, `${chainId}.json`);
}

/** Reads and validates `deployments/<chainId>.json`; every failure names the file and the field. */
export function readDeployment(chainId: number, dir = DEPLOYMENTS_DIR): Deployment {
  const file = deploymentPath(chainId, dir);
  if (!existsSync(file)) {
    throw new DeploymentFileError(
      `no deployment for chain ${chainId}: ${file} does not exist (run \`npm run deploy -w contracts\`)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeploymentFileError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new DeploymentFileError(`${file} is malformed: ${issues.join("; ")}`);
  }
  if (parsed.data.chainId !== chainId) {
    throw new DeploymentFileError(
      `${file} describes chain ${parsed.data.chainId}, not chain ${chainId}`,
    );
  }
  return parsed.data;
}

export function writeDeployment(deployment: Deployment, dir = DEPLOYMENTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const file = deploymentPath(deployment.chainId, dir);
  writeFileSync(file, `${JSON.stringify(deploymentSchema.parse(deployment), null, 2)}\n`);
  return file;
}
