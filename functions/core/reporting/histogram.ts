/**
 * Time distributions as fixed, log-scale histograms. A duration (first reply, resolution) is counted in one
 * bucket, and buckets are counters like any other (ADDed per day and dimension), so a month of them is a few
 * dozen numbers however many tickets there were. Percentiles come from the buckets, interpolated linearly inside
 * the bucket the rank falls in: the true value lies in the same bucket as the estimate.
 */

/**
 * Upper bounds, in minutes, of the buckets: bucket 0 holds [0, 1], bucket i holds (BOUNDS[i-1], BOUNDS[i]],
 * and one more bucket (index BOUNDS.length) holds everything above 30 days.
 */
export const MINUTE_BUCKET_BOUNDS = [
  1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 5760, 10080, 20160, 43200,
] as const;

/** How many buckets a histogram has (the last one is open-ended). */
export const BUCKET_COUNT = MINUTE_BUCKET_BOUNDS.length + 1;

/** What the reference says about the estimate's error. */
export const BUCKET_ERROR_NOTE =
  'Estimated from a histogram with fixed buckets (upper bounds in minutes: 1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 5760, 10080, 20160, 43200, then open-ended), interpolated linearly within the bucket: the true value lies in the same bucket, so the error is at most that bucket’s width (e.g. a median of 75 is between 60 and 120 minutes). Beyond 30 days the value shown is 43200 (at least 30 days). Calendar minutes, not business hours.';

/** The bucket a duration in minutes falls in (negative durations, from clock skew, count as 0). */
export function bucketOf(minutes: number): number {
  const value = Math.max(0, minutes);
  for (let i = 0; i < MINUTE_BUCKET_BOUNDS.length; i++) if (value <= MINUTE_BUCKET_BOUNDS[i]!) return i;
  return MINUTE_BUCKET_BOUNDS.length;
}

/** The range a bucket covers: [lower, upper], upper null for the open-ended last one. */
export function bucketRange(index: number): { lower: number; upper: number | null } {
  const lower = index === 0 ? 0 : (MINUTE_BUCKET_BOUNDS[index - 1] ?? 0);
  const upper = MINUTE_BUCKET_BOUNDS[index] ?? null;
  return { lower, upper };
}

/**
 * The q-quantile (0 < q ≤ 1) of the durations counted in `counts` (one count per bucket), in minutes rounded to
 * one decimal; null when nothing was counted.
 */
export function percentile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, n) => sum + Math.max(0, n), 0);
  if (total === 0) return null;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let before = 0;
  for (let i = 0; i < counts.length; i++) {
    const inBucket = Math.max(0, counts[i] ?? 0);
    if (inBucket === 0) continue;
    if (before + inBucket >= rank) {
      const { lower, upper } = bucketRange(i);
      if (upper === null) return lower;
      const within = (rank - before) / inBucket;
      return Math.round((lower + (upper - lower) * within) * 10) / 10;
    }
    before += inBucket;
  }
  // Only reached through rounding at q = 1: the top of the last non-empty bucket.
  const last = counts.findLastIndex((n) => n > 0);
  return bucketRange(last).upper ?? bucketRange(last).lower;
}
