/**
 * Splits `amount` into parts proportional to `weights`, exactly: each part is floored, then the
 * units left over (fewer than the number of parts) go one each to the parts with the largest
 * remainders, the earlier part first among equals (Hamilton's method). Zero weights get zero;
 * all-zero or no weights is a caller error, since the amount would be lost.
 */
export function apportion(amount: bigint, weights: readonly bigint[]): bigint[] {
  if (amount < 0n) throw new RangeError("amount must not be negative");
  if (weights.some((w) => w < 0n)) throw new RangeError("weights must not be negative");
  const total = weights.reduce((sum, w) => sum + w, 0n);
  if (total === 0n) throw new RangeError("weights must not all be zero");
  const parts = weights.map((w) => (amount * w) / total);
  let left = amount - parts.reduce((sum, p) => sum + p, 0n);
  if (left === 0n) return parts;
  const order = weights
    .map((w, i) => ({ i, remainder: (amount * w) % total }))
    .filter((r) => weights[r.i] !== 0n)
    .sort((a, b) => (a.remainder === b.remainder ? a.i - b.i : a.remainder > b.remainder ? -1 : 1));
  for (const { i } of order) {
    if (left === 0n) break;
    parts[i] = (parts[i] as bigint) + 1n;
    left -= 1n;
  }
  return parts;
}
