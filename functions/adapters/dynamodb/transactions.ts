import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError } from '../../core/errors.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Runs one TransactWriteItems. When it is cancelled, `onConditionFailed` gets the indexes of the items whose
 * condition failed and may throw something more precise; otherwise a lost condition or a conflicting
 * concurrent transaction becomes a ConcurrentModificationError, which use cases retry or report as 409/412.
 */
export async function transact(
  client: DynamoDBDocumentClient,
  items: readonly TransactItem[],
  what: string,
  onConditionFailed?: (failedIndexes: number[]) => void,
): Promise<void> {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: [...items] }));
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    const failed = reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []));
    if (failed.length > 0) onConditionFailed?.(failed);
    const retryable = reasons.every((r) =>
      ['None', 'ConditionalCheckFailed', 'TransactionConflict'].includes(r.Code ?? 'None'),
    );
    if (retryable) throw new ConcurrentModificationError(what);
    throw error;
  }
}

/** Strips the storage attributes (keys, index keys, type tags) from an item, leaving the domain object. */
export function withoutStorageAttributes<T>(item: Record<string, unknown>, extra: readonly string[] = []): T {
  const storage = new Set(['pk', 'sk', 'entity', 'expiresAt', ...extra]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => !storage.has(name))) as T;
}
