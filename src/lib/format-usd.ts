/** Dollars as people read them; cents are too coarse for a short run, so under $1 four decimals. */
export function formatUsd(amount: number): string {
  return `$${amount.toFixed(amount >= 1 ? 2 : 4)}`;
}
