// The payer's voucher: AttributionSettlement's EIP-712 `Voucher(address payer,uint256
// cumulativeAmount,uint64 expiry)`, a cumulative cap on what the settler may ever redeem from the
// payer's escrow. Checked here as the contract will check it at redemption, so that a call is
// never charged against a voucher the settler could not redeem.
import type { Address, Hex, LocalAccount, PublicClient } from "viem";

export const VOUCHER_TYPES = {
  Voucher: [
    { name: "payer", type: "address" },
    { name: "cumulativeAmount", type: "uint256" },
    { name: "expiry", type: "uint64" },
  ],
} as const;

export function voucherDomain(chainId: number, settlement: Address) {
  return {
    name: "Tributary Settlement",
    version: "1",
    chainId,
    verifyingContract: settlement,
  } as const;
}

export interface Voucher {
  payer: Address;
  cumulativeAmount: bigint;
  /** Unix seconds; redeemable up to and including this second. */
  expiry: bigint;
  signature: Hex;
}

/** The payer's wallet signs a voucher (what `prepareVoucher` prepares for a browser wallet). */
export function signVoucher(
  account: LocalAccount,
  voucher: {
    chainId: number;
    settlement: Address;
    payer?: Address;
    cumulativeAmount: bigint;
    expiry: bigint;
  },
): Promise<Hex> {
  return account.signTypedData({
    domain: voucherDomain(voucher.chainId, voucher.settlement),
    types: VOUCHER_TYPES,
    primaryType: "Voucher",
    message: {
      payer: voucher.payer ?? account.address,
      cumulativeAmount: voucher.cumulativeAmount,
      expiry: voucher.expiry,
    },
  });
}

export type VoucherProblem =
  | { kind: "INVALID_SIGNATURE" }
  | { kind: "EXPIRES_TOO_SOON"; expiry: bigint; notBefore: bigint };

/**
 * Whether `voucher` can back a call now: signed by its payer (ECDSA for an EOA, ERC-1271 for a
 * contract, both through viem's `verifyTypedData` on the chain the settlement contract lives on)
 * and still redeemable at the next settlement: `expiry ≥ now + minLifetimeS`. Null when it can.
 */
export async function checkVoucher(options: {
  client: PublicClient;
  chainId: number;
  settlement: Address;
  voucher: Voucher;
  nowS: bigint;
  minLifetimeS: bigint;
}): Promise<VoucherProblem | null> {
  const { voucher } = options;
  const notBefore = options.nowS + options.minLifetimeS;
  if (voucher.expiry < notBefore)
    return { kind: "EXPIRES_TOO_SOON", expiry: voucher.expiry, notBefore };
  let valid = false;
  try {
    valid = await options.client.verifyTypedData({
      address: voucher.payer,
      domain: voucherDomain(options.chainId, options.settlement),
      types: VOUCHER_TYPES,
      primaryType: "Voucher",
      message: {
        payer: voucher.payer,
        cumulativeAmount: voucher.cumulativeAmount,
        expiry: voucher.expiry,
      },
      signature: voucher.signature,
    });
  } catch {
    valid = false;
  }
  return valid ? null : { kind: "INVALID_SIGNATURE" };
}
