import type { Attachment } from 'postal-mime';
import type { MailAttachment } from '../../core/email/mail.ts';

/** postal-mime's attachments as the intake's MailAttachment: bytes, a usable file name, inline or not. */

const EXTENSIONS: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'text/plain': 'txt',
  'text/html': 'html',
  'text/csv': 'csv',
  'text/calendar': 'ics',
  'message/rfc822': 'eml',
  'message/delivery-status': 'txt',
  'text/rfc822-headers': 'txt',
};

/** A file name without directories or control characters; senders control it and it ends up in S3 keys. */
function safeFilename(name: string | null, contentType: string, index: number): string {
  const base = [...(name ?? '')]
    .filter((char) => char >= ' ' && char !== '\u007f')
    .join('')
    .split(/[\\/]/)
    .pop()!
    .trim();
  if (base && base !== '.' && base !== '..') return base;
  const stem = contentType.startsWith('image/')
    ? 'image'
    : contentType === 'message/rfc822'
      ? 'message'
      : 'attachment';
  return `${stem}-${index + 1}.${EXTENSIONS[contentType] ?? 'bin'}`;
}

function bareContentId(contentId: string | undefined): string | null {
  const id = (contentId ?? '').trim().replace(/^<|>$/g, '').trim();
  return id.length > 0 ? id : null;
}

/**
 * `maxAttachmentBytes`: a larger attachment is still listed with its real size, but without its bytes
 * (`content` empty), so the caller can note on the ticket what was left out.
 */
export function toMailAttachments(
  attachments: readonly Attachment[],
  html: string | null,
  maxAttachmentBytes: number | undefined,
): MailAttachment[] {
  const referenced = (html ?? '').toLowerCase();
  return attachments.map((attachment, index) => {
    const bytes =
      typeof attachment.content === 'string'
        ? new TextEncoder().encode(attachment.content)
        : new Uint8Array(attachment.content);
    const contentType = (attachment.mimeType || 'application/octet-stream').toLowerCase();
    const contentId = bareContentId(attachment.contentId);
    const tooLarge = maxAttachmentBytes !== undefined && bytes.byteLength > maxAttachmentBytes;
    return {
      filename: safeFilename(attachment.filename, contentType, index),
      contentType,
      size: bytes.byteLength,
      inline: contentId !== null && referenced.includes(`cid:${contentId.toLowerCase()}`),
      contentId,
      content: tooLarge ? new Uint8Array(0) : bytes,
    };
  });
}
