import type { UsageByTenantDay, UsageCounter } from '../../core/metering.ts';
import type { UsageStore } from '../../core/ports.ts';

/** Usage of the deployment itself (global lookups, the sweeper, metering), not of any one tenant. */
export const DEPLOYMENT_TENANT = '_deployment';

/**
 * A container flushes its measured usage at most this often: a few counter writes a minute, not per request.
 * `DESKLESS_METERING_FLUSH_MS` shortens it for demos and tests of the local runtime.
 */
export const FLUSH_INTERVAL_MS = Number(process.env.DESKLESS_METERING_FLUSH_MS) || 60_000;

/**
 * Measured usage of this container (DynamoDB capacity, Lambda time and logs, API requests, S3 writes, Bedrock
 * tokens, events put on the bus), kept in memory and added to the usage counters at most once a minute, at the
 * end of an invocation. Cheap by design: the counters cost a few writes a minute per container whatever the
 * traffic; the usage store counts those writes as `metering.counter_writes` of the tenant they are for. The
 * price: a container that AWS reclaims between flushes loses up to a minute of its measured usage (the
 * event-based meters are not affected).
 */
export class UsageBuffer {
  private pending: UsageByTenantDay = new Map();
  private lastFlush = Date.now();

  record(tenantId: string, counter: UsageCounter, quantity: number, at = new Date()): void {
    if (!(quantity > 0)) return;
    const day = at.toISOString().slice(0, 10);
    const days = this.pending.get(tenantId) ?? new Map();
    this.pending.set(tenantId, days);
    const counts = days.get(day) ?? {};
    counts[counter] = (counts[counter] ?? 0) + quantity;
    days.set(day, counts);
  }

  /**
   * Writes what was measured when a minute has passed since the last flush (or when `force`); returns the
   * counters written (one per tenant, day and counter), 0 when it was not time or there was nothing.
   */
  async flush(store: UsageStore, options: { force?: boolean; now?: number } = {}): Promise<number> {
    const now = options.now ?? Date.now();
    if (!options.force && now - this.lastFlush < FLUSH_INTERVAL_MS) return 0;
    const batch = this.pending;
    if (batch.size === 0) return 0;
    this.pending = new Map();
    this.lastFlush = now;
    let writes = 0;
    for (const days of batch.values())
      for (const counts of days.values()) writes += Object.keys(counts).length;
    try {
      await store.add(batch);
      return writes;
    } catch (error) {
      // Kept for the next flush rather than lost; only what the store says it did not write, when it says
      // (the transactions it did write are counted already and must not be added twice).
      const kept = error instanceof UsageNotWrittenError ? error.unwritten : batch;
      for (const [tenant, days] of kept) {
        for (const [day, counts] of days) {
          for (const [counter, quantity] of Object.entries(counts)) {
            this.record(tenant, counter as UsageCounter, quantity ?? 0, new Date(`${day}T12:00:00Z`));
          }
        }
      }
      throw error;
    }
  }
}

/**
 * A usage store's failed `add` that names what it did not write: the rest of the batch was written (in
 * earlier transactions) and is counted already. `partly` says some of it was.
 */
export class UsageNotWrittenError extends Error {
  override readonly name = 'UsageNotWrittenError';
  constructor(
    readonly unwritten: UsageByTenantDay,
    readonly partly: boolean,
    cause: unknown,
  ) {
    super(
      `usage counters ${partly ? 'partly ' : ''}not written: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** One buffer per container, shared by the DynamoDB client's capacity meter and the handler wrapper. */
export const usageBuffer = new UsageBuffer();
