import { type DevnetRole, devnetAccount as derive } from "@tributary/contracts";

const cache = new Map<DevnetRole, ReturnType<typeof derive>>();

/** The devnet account of `role`, derived once (HD derivation costs ~25 ms). */
export function devnetAccount(role: DevnetRole): ReturnType<typeof derive> {
  let account = cache.get(role);
  if (!account) {
    account = derive(role);
    cache.set(role, account);
  }
  return account;
}
