import { describe, expect, it } from 'vitest';
import {
  BUCKET_COUNT,
  bucketOf,
  bucketRange,
  MINUTE_BUCKET_BOUNDS,
  percentile,
} from '../../../functions/core/reporting/histogram.ts';

/** A histogram of the given durations (minutes), as the counters would hold it. */
function histogram(minutes: readonly number[]): number[] {
  const counts = Array.from({ length: BUCKET_COUNT }, () => 0);
  for (const m of minutes) counts[bucketOf(m)]! += 1;
  return counts;
}

describe('time histograms', () => {
  it('puts a duration in the bucket whose upper bound is the first at or above it', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1)).toBe(0);
    expect(bucketOf(1.01)).toBe(1);
    expect(bucketOf(2)).toBe(1);
    expect(bucketOf(59.9)).toBe(6);
    expect(bucketOf(60)).toBe(6);
    expect(bucketOf(61)).toBe(7);
    expect(bucketOf(43_200)).toBe(MINUTE_BUCKET_BOUNDS.length - 1);
    expect(bucketOf(100_000)).toBe(MINUTE_BUCKET_BOUNDS.length);
    // Clock skew between writers never makes a negative bucket.
    expect(bucketOf(-3)).toBe(0);
    expect(bucketRange(0)).toEqual({ lower: 0, upper: 1 });
    expect(bucketRange(7)).toEqual({ lower: 60, upper: 120 });
    expect(bucketRange(MINUTE_BUCKET_BOUNDS.length)).toEqual({ lower: 43_200, upper: null });
  });

  it('has no percentile without durations', () => {
    expect(percentile(histogram([]), 0.5)).toBeNull();
  });

  it('interpolates within the bucket the rank falls in', () => {
    // Ten replies between 2 and 5 minutes: the median is halfway through that bucket.
    expect(percentile(histogram(Array(10).fill(3)), 0.5)).toBe(3.5);
    // 9 fast (≤ 1 min), 1 slow (90 min): the median is fast; p90 is the top of the fast bucket.
    const mixed = histogram([...Array(9).fill(0.5), 90]);
    expect(percentile(mixed, 0.5)).toBeCloseTo(0.6, 5);
    expect(percentile(mixed, 0.9)).toBe(1);
    expect(percentile(mixed, 1)).toBe(120);
  });

  it('lands in the same bucket as the true percentile, for any data', () => {
    // Deterministic pseudo-random durations spread over hours and days.
    let seed = 42;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 50; round++) {
      const data = Array.from({ length: 1 + Math.floor(next() * 200) }, () => Math.exp(next() * 10));
      const sorted = [...data].sort((a, b) => a - b);
      const counts = histogram(data);
      for (const q of [0.5, 0.9]) {
        const truth = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
        const estimate = percentile(counts, q)!;
        const { lower, upper } = bucketRange(bucketOf(truth));
        expect(estimate).toBeGreaterThanOrEqual(lower);
        expect(estimate).toBeLessThanOrEqual(upper ?? lower);
      }
    }
  });

  it('says "at least 30 days" for durations past the last bound', () => {
    expect(percentile(histogram([50_000, 60_000]), 0.5)).toBe(43_200);
  });
});
