import type { BlobStore } from '../../core/ports.ts';
import type { Classifier } from '../../core/triage/classifier.ts';
import { DEPLOYMENT_TENANT, type UsageBuffer, usageBuffer } from './buffer.ts';

/**
 * One-call meters for adapters that use a billable service on a tenant's behalf. Each adds to the container's
 * usage buffer (flushed at most once a minute by the `metered()` handler wrapper), never throws, and counts
 * usage without a tenant (`null`, `undefined`, empty) for the deployment.
 */

const tenantOr = (tenantId: string | null | undefined) => tenantId || DEPLOYMENT_TENANT;

/**
 * Objects written to S3 for a tenant: `puts` PUT requests (1 by default) and `bytes` stored. Stored bytes are
 * priced as GB-months for the months the price table says a write is kept (`s3.monthsStoredPerWrite`).
 * Call it after the write succeeded:
 *
 *   await s3.send(new PutObjectCommand({ Bucket, Key, Body: bytes }));
 *   recordS3Write(tenantId, bytes.byteLength);
 */
export function recordS3Write(
  tenantId: string | null | undefined,
  bytes: number,
  options: { readonly puts?: number; readonly buffer?: UsageBuffer } = {},
): void {
  const buffer = options.buffer ?? usageBuffer;
  const tenant = tenantOr(tenantId);
  buffer.record(tenant, 's3.puts', options.puts ?? 1);
  buffer.record(tenant, 's3.bytes_written', bytes);
}

/**
 * A BlobStore whose successful `put`s are metered with `recordS3Write`, for the tenant its key belongs to
 * (`tenantOfKey`; none: the deployment's).
 */
export function meterBlobWrites(
  store: BlobStore,
  tenantOfKey: (key: string) => string | null | undefined,
  buffer: UsageBuffer = usageBuffer,
): BlobStore {
  return {
    async put(key, content, contentType) {
      await store.put(key, content, contentType);
      recordS3Write(tenantOfKey(key), content.byteLength, { buffer });
    },
  };
}

/** The tenant of a key laid out `{prefix}{tenant}/…` (attachments), or null. */
export function tenantUnderPrefix(key: string, prefix: string): string | null {
  if (!key.startsWith(prefix)) return null;
  const tenant = key.slice(prefix.length).split('/', 1)[0];
  return tenant || null;
}

/** What one model call used, as the model reported it. */
export interface ModelUsage {
  readonly tenantId?: string | null | undefined;
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
}

/** One Bedrock call the model answered, and its tokens. */
export function recordModelCall(usage: ModelUsage, buffer: UsageBuffer = usageBuffer): void {
  const tenant = tenantOr(usage.tenantId);
  buffer.record(tenant, 'bedrock.calls', 1);
  buffer.record(tenant, 'bedrock.input_tokens', usage.inputTokens ?? 0);
  buffer.record(tenant, 'bedrock.output_tokens', usage.outputTokens ?? 0);
}

/** EventBridge bills a PutEvents entry per started 64 KB chunk of its size. */
export const EVENT_CHUNK_BYTES = 64 * 1024;

/** One entry put on the bus for a tenant, of `entryBytes` (as EventBridge sizes it). */
export function recordEventPut(
  tenantId: string | null | undefined,
  entryBytes: number,
  buffer: UsageBuffer = usageBuffer,
): void {
  buffer.record(
    tenantOr(tenantId),
    'events.published',
    Math.max(1, Math.ceil(entryBytes / EVENT_CHUNK_BYTES)),
  );
}

/**
 * A classifier whose verdicts by anything but Bedrock (the built-in classifier, deciding alone or as the
 * fallback) are counted as `triage.builtin_calls` for the message's tenant: not money (its CPU time is in the
 * Lambda meters), but it says how often a paid model was not the one deciding.
 */
export function meterBuiltinClassifications(
  classifier: Classifier,
  buffer: UsageBuffer = usageBuffer,
): Classifier {
  return {
    async classify(input, context) {
      const verdict = await classifier.classify(input, context);
      if (!verdict.classifier.startsWith('bedrock:')) {
        buffer.record(tenantOr(input.tenantId), 'triage.builtin_calls', 1);
      }
      return verdict;
    },
  };
}
