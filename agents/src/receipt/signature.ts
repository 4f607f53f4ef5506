import { recover } from "tiny-secp256k1";
import { type Address, getAddress, type Hex, hexToBytes, keccak256 } from "viem";

/** Half the order of secp256k1: OpenZeppelin's ECDSA refuses a larger `s` (malleability). */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * The address a receipt's signature recovers to, under the rules AgentStaking applies to a
 * receipt offered as dispute evidence (OpenZeppelin's `ECDSA.tryRecover` over `ecrecover`):
 * 65 bytes `r ‖ s ‖ v`, `v` 27 or 28, `s` in the lower half of the order. Anything else is null,
 * even where viem would recover the same signer, since settling a receipt the chain refuses as
 * evidence would pay for a call that no dispute could reach.
 *
 * Recovery is libsecp256k1's (tiny-secp256k1, WebAssembly): about four times viem's pure-JS
 * recovery, which dominates settling an epoch.
 */
export function evidenceSigner(digest: Hex, signature: Hex): Address | null {
  if (signature.length !== 2 + 2 * 65) return null;
  const bytes = hexToBytes(signature);
  const v = bytes[64];
  if (v !== 27 && v !== 28) return null;
  if (BigInt(`0x${signature.slice(66, 130)}`) > HALF_N) return null;
  let publicKey: Uint8Array | null = null;
  try {
    publicKey = recover(hexToBytes(digest), bytes.subarray(0, 64), v === 27 ? 0 : 1, false);
  } catch {
    // r or s zero or not below the order: ecrecover finds no signer either.
  }
  if (!publicKey) return null;
  return getAddress(`0x${keccak256(publicKey.subarray(1)).slice(26)}`);
}
