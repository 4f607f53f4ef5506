import { type HDAccount, mnemonicToAccount } from "viem/accounts";
import { ANVIL_MNEMONIC } from "./anvil.ts";

/** Which of anvil's mnemonic accounts plays which part on a devnet. */
export const DEVNET_ROLES = {
  deployer: 0,
  settler: 1,
  curator: 2,
  validatorA: 3,
  validatorB: 4,
  contributorA: 5,
  contributorB: 6,
  builder: 7,
  operator: 8,
  payer: 9,
} as const;

export type DevnetRole = keyof typeof DEVNET_ROLES;

export function devnetAccount(role: DevnetRole): HDAccount {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: DEVNET_ROLES[role] });
}
