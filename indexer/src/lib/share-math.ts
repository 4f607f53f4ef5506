/** AgentStaking's SharePool virtual offset (DECIMALS_OFFSET = 6). */
const VIRTUAL_SHARES = 10n ** 6n;

/** SharePool.toAssets: what `shares` of a pool `(assets, totalShares)` redeem for, rounded down. */
export function toAssets(shares: bigint, assets: bigint, totalShares: bigint): bigint {
  return (shares * (assets + 1n)) / (totalShares + VIRTUAL_SHARES);
}
