import type { Email } from 'postal-mime';
import PostalMime, { decodeWords } from 'postal-mime';
import type { ParsedMail } from '../../core/email/mail.ts';
import { stripQuotedReply } from '../../core/email/quotes.ts';
import { deliveredTo, mailboxes, returnPath, sender } from './addresses.ts';
import { toMailAttachments } from './attachments.ts';
import { bouncedMessageId, isDeliveryReport } from './bounce.ts';
import { fixC1Controls } from './charset.ts';
import { htmlToText } from './html-to-text.ts';
import { firstMessageId, messageIds } from './message-ids.ts';
import { repairRawMail } from './raw-repair.ts';
import { sanitizeMailHtml } from './sanitize.ts';

export interface ParseMailOptions {
  /** Attachments larger than this keep their metadata and real `size` but come without `content`. */
  readonly maxAttachmentBytes?: number;
}

/**
 * Raw RFC 5322 bytes (as SES stores them in S3) to the intake's ParsedMail. Best effort: a malformed mail still
 * gives a ParsedMail with whatever could be read; only input that is no mail at all (empty) or that the MIME
 * parser refuses (its nesting and header-size limits) throws.
 */
export async function parseMail(raw: Uint8Array, options: ParseMailOptions = {}): Promise<ParsedMail> {
  if (!(raw instanceof Uint8Array)) throw new TypeError('parseMail expects the raw mail as a Uint8Array');
  if (!raw.some((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0d && byte !== 0x0a)) {
    throw new Error('Unreadable mail: the message is empty');
  }
  let email: Email;
  try {
    email = await PostalMime.parse(repairRawMail(raw), { attachmentEncoding: 'arraybuffer' });
  } catch (cause) {
    throw new Error(`Unreadable mail: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }

  const headers = headerMap(email);
  const all = (name: string): string[] => email.headers.filter((h) => h.key === name).map((h) => h.value);
  const contentTypeHeader = all('content-type')[0] ?? '';
  const rawHtml = email.html && email.html.trim().length > 0 ? fixC1Controls(email.html) : null;
  const text = wholeText(email.text && fixC1Controls(email.text), rawHtml);
  const attachments = toMailAttachments(email.attachments, rawHtml, options.maxAttachmentBytes);
  // From postal-mime's parts, not ours: maxAttachmentBytes may have emptied the bounced message.
  const reportParts = email.attachments.map((a) => ({
    contentType: a.mimeType.toLowerCase(),
    content: typeof a.content === 'string' ? new TextEncoder().encode(a.content) : new Uint8Array(a.content),
  }));

  return {
    messageId: firstMessageId(all('message-id')[0]),
    inReplyTo: messageIds(all('in-reply-to')[0]),
    references: all('references').flatMap((value) => messageIds(value)),
    from: sender(all('from'), all('sender'), all('reply-to')),
    replyTo: mailboxes(all('reply-to')),
    to: mailboxes(all('to')),
    cc: mailboxes(all('cc')),
    deliveredTo: deliveredTo([...all('delivered-to'), ...all('x-original-to')]),
    returnPath: returnPath(all('return-path')),
    subject: cleanSubject(fixC1Controls(email.subject ?? '')),
    date: isoDate(all('date')[0]),
    text,
    html: rawHtml === null ? null : sanitizeMailHtml(rawHtml),
    body: stripQuotedReply(text),
    attachments,
    headers,
    contentType: (contentTypeHeader.split(';')[0] ?? '').trim().toLowerCase() || 'text/plain',
    bouncedMessageId: isDeliveryReport(contentTypeHeader, reportParts)
      ? bouncedMessageId(reportParts, text)
      : null,
  };
}

function headerMap(email: Email): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, value } of email.headers) {
    const values = map.get(key) ?? [];
    values.push(fixC1Controls(decodeWords(value)));
    map.set(key, values);
  }
  return map;
}

/** The text/plain part, or the HTML as text when there is none (or only an empty one). */
function wholeText(plain: string | undefined, html: string | null): string {
  const text = plain && plain.trim().length > 0 ? plain : html ? htmlToText(html) : '';
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .trim();
}

/** Encoded words can smuggle line breaks into a subject; a subject is one line. */
function cleanSubject(subject: string): string {
  return subject.replace(/^[\r\n]+|[\r\n]+$/g, '').replace(/[\r\n]+/g, ' ');
}

function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  // Drop comments such as "(CET)", which not every Date parser skips.
  const date = new Date(value.replace(/\([^()]*\)/g, ' ').trim());
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
