import type { Abi, Hex } from "viem";
import * as abis from "../generated/abis.ts";
import * as bytecode from "../generated/bytecode.ts";
import { PROTOCOL_CONTRACTS, type ProtocolContractName } from "./protocol-contracts.ts";

function idOf(name: ProtocolContractName): string {
  const entry = PROTOCOL_CONTRACTS.find((c) => c.name === name);
  if (!entry) throw new Error(`unknown protocol contract ${name}`);
  return entry.id;
}

/** The generated ABI of a protocol contract, looked up by name (for generic tooling). */
export function abiOf(name: ProtocolContractName): Abi {
  return (abis as Record<string, Abi>)[`${idOf(name)}Abi`] as Abi;
}

/** The generated creation bytecode of a protocol contract. */
export function bytecodeOf(name: ProtocolContractName): Hex {
  return (bytecode as Record<string, Hex>)[`${idOf(name)}Bytecode`] as Hex;
}
