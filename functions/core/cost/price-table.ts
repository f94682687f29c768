/**
 * List prices the cost figures are computed from. Versioned and dated: when AWS changes a price, add a
 * version rather than editing this one, so past figures stay explainable.
 */
export const PRICE_TABLE = {
  version: '2025-06-us-east-1',
  date: '2025-06-01',
  region: 'us-east-1',
  ses: {
    /** Receiving: per mail, plus per started 256 KB chunk of each mail. */
    inboundPerMail: 0.1 / 1000,
    inboundPerChunk: 0.09 / 1000,
    inboundChunkBytes: 256 * 1024,
    outboundPerMail: 0.1 / 1000,
  },
} as const;

/** What SES charges to receive mails of these sizes (bytes, as received). */
export function sesInboundCost(sizes: readonly number[], prices = PRICE_TABLE.ses): number {
  return sizes.reduce(
    (total, size) =>
      total +
      prices.inboundPerMail +
      Math.max(1, Math.ceil(size / prices.inboundChunkBytes)) * prices.inboundPerChunk,
    0,
  );
}
