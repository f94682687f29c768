import type { UsageStore } from '../../core/ports.ts';
import { DEPLOYMENT_TENANT, usageBuffer } from './buffer.ts';
import { withoutMetering } from './capacity.ts';
import { PLATFORM_LOG_BYTES_PER_INVOCATION, takeLoggedBytes } from './logs.ts';

export interface MeteredFunction {
  readonly name: string;
  readonly memoryMb: number;
}

interface Logger {
  warn(message: string, extra: Record<string, unknown>): void;
}

const TENANT_FIELD = /"tenantId":\s*"([^"]+)"/;

/** The tenants of an SQS batch: each record's domain event (or timer) names its tenant. */
export function tenantsOfRecords(event: { Records?: readonly { body?: string }[] }): string[] {
  return (event.Records ?? []).map(
    (record) => TENANT_FIELD.exec(record.body ?? '')?.[1] ?? DEPLOYMENT_TENANT,
  );
}

/** The tenant an authorised API request works for (the authorizer's context); none for public routes. */
export function tenantOfApiRequest(event: {
  requestContext?: { authorizer?: { lambda?: { tenantId?: unknown } } };
}): string[] {
  const tenant = event.requestContext?.authorizer?.lambda?.tenantId;
  return [typeof tenant === 'string' && tenant ? tenant : DEPLOYMENT_TENANT];
}

const STREAM_TENANT_KEY = /^T#([^#]+)#/;

/** The tenants of a DynamoDB stream batch (the outbox): each record's key names its tenant. */
export function tenantsOfStreamRecords(event: {
  Records?: readonly { dynamodb?: { Keys?: Record<string, { S?: string } | undefined> } }[];
}): string[] {
  return (event.Records ?? []).map(
    (record) => STREAM_TENANT_KEY.exec(record.dynamodb?.Keys?.pk?.S ?? '')?.[1] ?? DEPLOYMENT_TENANT,
  );
}

/**
 * Meters a Lambda handler: one invocation, its GB-seconds (measured duration × the function's memory) and its
 * log bytes (what the logger wrote since the last invocation ended, plus Lambda's own START/END/REPORT
 * lines), shared equally among the tenants the invocation worked for, plus `api.requests` for the API; then
 * flushes the container's measured usage when a minute has passed. Metering never fails the invocation.
 */
export function metered<E, R>(
  fn: MeteredFunction,
  handler: (event: E, context?: unknown) => Promise<R>,
  options: {
    readonly tenantsOf: (event: E) => readonly string[];
    readonly store: UsageStore;
    readonly logger: Logger;
    readonly apiRequests?: boolean;
    /**
     * An SQS batch: its messages were each sent once (by the bus, SNS or the sweeper) and the batch received and
     * deleted in one request each: messages + 2 SQS requests.
     */
    readonly sqsBatch?: boolean;
    /** Invoked by EventBridge Scheduler: one scheduled invocation. */
    readonly scheduled?: boolean;
  },
) {
  return async (event: E, context?: unknown): Promise<R> => {
    const start = performance.now();
    try {
      return await handler(event, context);
    } finally {
      const seconds = (performance.now() - start) / 1000;
      const logBytes = takeLoggedBytes() + PLATFORM_LOG_BYTES_PER_INVOCATION;
      const tenants = options.tenantsOf(event);
      const share = 1 / Math.max(1, tenants.length);
      for (const tenant of tenants.length > 0 ? tenants : [DEPLOYMENT_TENANT]) {
        usageBuffer.record(tenant, 'lambda.requests', share);
        usageBuffer.record(tenant, 'lambda.gb_seconds', seconds * (fn.memoryMb / 1024) * share);
        usageBuffer.record(tenant, 'logs.bytes', logBytes * share);
        if (options.apiRequests) usageBuffer.record(tenant, 'api.requests', share);
        if (options.sqsBatch) usageBuffer.record(tenant, 'sqs.requests', (tenants.length + 2) * share);
        if (options.scheduled) usageBuffer.record(tenant, 'scheduler.invocations', share);
      }
      await withoutMetering(() => usageBuffer.flush(options.store)).catch((error: unknown) =>
        options.logger.warn('metering: usage flush failed, kept for the next one', {
          function: fn.name,
          error,
        }),
      );
    }
  };
}
