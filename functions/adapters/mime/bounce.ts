import { firstMessageId } from './message-ids.ts';

/**
 * The Message-ID of the mail a delivery-status notification (RFC 3464) reports on, so that the intake can put
 * the bounce on the ticket the bounced mail came from.
 */

export interface ReportPart {
  readonly contentType: string;
  readonly content: Uint8Array;
}

/** Parts that hold the bounced message or its headers. */
const ORIGINAL_PARTS = new Set([
  'message/rfc822',
  'message/global',
  'text/rfc822-headers',
  'message/global-headers',
]);
const STATUS_PARTS = new Set(['message/delivery-status', 'message/global-delivery-status']);

const decoder = new TextDecoder();

/** The Message-ID from a header block (unfolded), or null. */
function messageIdInHeaders(text: string, names: readonly string[]): string | null {
  const headerBlock = text.replace(/\r\n/g, '\n').split(/\n\n/)[0] ?? '';
  const unfolded = headerBlock.replace(/\n[ \t]+/g, ' ');
  for (const name of names) {
    const match = new RegExp(`^${name}:[ \\t]*(.+)$`, 'im').exec(unfolded);
    const id = match ? firstMessageId(match[1]) : null;
    if (id) return id;
  }
  return null;
}

/** True when the top-level Content-Type is a multipart/report about delivery (not e.g. a read receipt). */
export function isDeliveryReport(contentTypeHeader: string, parts: readonly ReportPart[]): boolean {
  if (!/^\s*multipart\/report\b/i.test(contentTypeHeader)) return false;
  return (
    /report-type\s*=\s*"?delivery-status/i.test(contentTypeHeader) ||
    parts.some((part) => STATUS_PARTS.has(part.contentType))
  );
}

export function bouncedMessageId(parts: readonly ReportPart[], text: string): string | null {
  for (const part of parts) {
    if (!ORIGINAL_PARTS.has(part.contentType)) continue;
    const id = messageIdInHeaders(decoder.decode(part.content), ['message-id']);
    if (id) return id;
  }
  for (const part of parts) {
    if (!STATUS_PARTS.has(part.contentType)) continue;
    const status = decoder.decode(part.content).replace(/\r\n/g, '\n').replace(/\n\n/g, '\n');
    const id = messageIdInHeaders(status, ['original-message-id', 'message-id']);
    if (id) return id;
  }
  // Some MTAs quote the original headers in the human-readable part instead.
  const quoted = /^[ \t>]*(?:original-)?message-id:[ \t]*(<[^<>\s]+>)/im.exec(text);
  return quoted ? firstMessageId(quoted[1]) : null;
}
