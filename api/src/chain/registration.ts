// An adapter's ModelRegistry registration as the wallet sends it: a commitment (hiding the
// content hash and binding the registrant), then, from a later block, the registration that
// reveals it with the same salt. Shared by `prepareRegisterAdapter` and `publishTrainingJob`.
import { randomSalt, registrationCommitment } from "@tributary/contracts";
import { modelRegistryAbi } from "@tributary/contracts/abis";
import { type Address, encodeFunctionData, type Hex } from "viem";
import type { ChainService, UnsignedTransaction } from "./index.ts";

/** ModelRegistry's `AdapterParams`. */
export interface AdapterRegistration {
  baseModelId: bigint;
  name: string;
  contentHash: Hex;
  uri: string;
  rank: number;
  pricePerCall: bigint;
  pricePer1kTokens: bigint;
  datanetIds: readonly bigint[];
  trainingManifestHash: Hex;
  supersedes: bigint;
}

export function prepareAdapterRegistration(
  chain: ChainService,
  from: Address,
  params: AdapterRegistration,
): Promise<UnsignedTransaction>[] {
  const salt = randomSalt();
  const registry = chain.address("ModelRegistry");
  const data = (functionName: string, args: readonly unknown[]) =>
    encodeFunctionData({ abi: modelRegistryAbi, functionName, args } as never);
  return [
    chain.prepare({
      from,
      to: registry,
      data: data("commitRegistration", [registrationCommitment(params.contentHash, from, salt)]),
      description: `Commit to registering adapter "${params.name}"`,
    }),
    chain.prepare({
      from,
      to: registry,
      data: data("registerAdapter", [params, salt]),
      description: `Register adapter "${params.name}"`,
    }),
  ];
}
