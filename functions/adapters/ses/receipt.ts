import * as z from 'zod/mini';

/**
 * What arrives on the inbound queue: an SNS envelope whose Message is SES's receipt notification for an S3
 * action (the raw MIME is in the bucket, not in the notification). Only the fields the intake uses are
 * required; SES adds more.
 */
const Verdict = z.object({ status: z.string() });

const SesReceipt = z.object({
  notificationType: z.literal('Received'),
  mail: z.object({ messageId: z.string(), source: z.optional(z.string()) }),
  receipt: z.object({
    recipients: z.array(z.string()),
    spamVerdict: z.optional(Verdict),
    virusVerdict: z.optional(Verdict),
    action: z.object({ type: z.literal('S3'), bucketName: z.string(), objectKey: z.string() }),
  }),
});

const SnsEnvelope = z.object({ Type: z.literal('Notification'), Message: z.string() });

export interface InboundNotification {
  readonly bucket: string;
  readonly key: string;
  readonly recipients: readonly string[];
  readonly spamVerdict: string;
  readonly virusVerdict: string;
  readonly sesMessageId: string;
}

/** Parses one inbound queue message; throws an Error naming what is wrong when it is not one. */
export function parseInboundNotification(body: string): InboundNotification {
  const envelope = SnsEnvelope.safeParse(safeJson(body, 'the queue message'));
  if (!envelope.success) throw new Error(`not an SNS notification: ${envelope.error.issues[0]?.message}`);
  const receipt = SesReceipt.safeParse(safeJson(envelope.data.Message, 'the SNS message'));
  if (!receipt.success) {
    const issue = receipt.error.issues[0];
    throw new Error(`not an SES receipt with an S3 action: ${issue?.path.join('.')} ${issue?.message}`);
  }
  const { receipt: r, mail } = receipt.data;
  return {
    bucket: r.action.bucketName,
    key: r.action.objectKey,
    recipients: r.recipients.map((a) => a.toLowerCase()),
    spamVerdict: r.spamVerdict?.status ?? 'PROCESSING_FAILED',
    virusVerdict: r.virusVerdict?.status ?? 'PROCESSING_FAILED',
    sesMessageId: mail.messageId,
  };
}

function safeJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not JSON`);
  }
}
