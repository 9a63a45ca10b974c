/**
 * Index of an item picked at random with probability proportional to its `count` (a gateway's
 * upstream count for the endpoint). Items with a count of 0 or less are never picked unless all
 * are, in which case the pick is uniform. `random` returns [0, 1), like Math.random.
 */
export function pickWeighted(items: ReadonlyArray<{ count: number }>, random: () => number = Math.random): number {
  let total = 0;
  for (const item of items) if (item.count > 0) total += item.count;
  if (total <= 0) return Math.floor(random() * items.length);
  let r = random() * total;
  for (let i = 0; i < items.length; i++) {
    const weight = items[i].count;
    if (weight <= 0) continue;
    if (r < weight) return i;
    r -= weight;
  }
  // Only reachable through floating point rounding at the very top of the range.
  for (let i = items.length - 1; ; i--) if (items[i].count > 0) return i;
}
