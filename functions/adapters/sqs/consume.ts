import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface ConsumerLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

/** A message that can never succeed (malformed, unknown): logged with the reason and not retried. */
export class PoisonMessageError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'PoisonMessageError';
  }
}

/**
 * Runs `handle` for each record of an SQS batch and reports partial batch failures: a record that failed
 * for a reason worth retrying comes back (and lands in the DLQ after maxReceiveCount); a poison record is
 * logged as rejected and dropped from the queue, so it never loops.
 */
export interface ConsumerOptions {
  /**
   * Where poison records go instead of being dropped: the queue's DLQ (see dead-letter.ts), with the reason.
   * When that send fails, the record is reported failed and comes back.
   */
  readonly deadLetter?: (record: SQSRecord, reason: string) => Promise<void>;
}

export function makeSqsConsumer(
  name: string,
  handle: (record: SQSRecord) => Promise<Record<string, unknown>>,
  logger: ConsumerLogger,
  options: ConsumerOptions = {},
) {
  // The Lambda runtime passes a context too; nothing here needs it.
  return async function consume(event: SQSEvent, _context?: unknown): Promise<SQSBatchResponse> {
    const batchItemFailures: { itemIdentifier: string }[] = [];
    // Records of a batch are independent (each use case is idempotent and retries its own conflicts).
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          const outcome = await handle(record);
          logger.info(`${name}: done`, { messageId: record.messageId, ...outcome });
        } catch (error) {
          if (error instanceof PoisonMessageError) {
            logger.warn(`${name}: rejected`, { messageId: record.messageId, reason: error.message });
            if (!options.deadLetter) return;
            try {
              await options.deadLetter(record, error.message);
              return;
            } catch (sendError) {
              logger.error(`${name}: could not dead-letter, will retry`, {
                messageId: record.messageId,
                sendError,
              });
            }
            batchItemFailures.push({ itemIdentifier: record.messageId });
            return;
          }
          logger.error(`${name}: failed, will retry`, {
            messageId: record.messageId,
            receiveCount: record.attributes.ApproximateReceiveCount,
            error,
          });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures };
  };
}
