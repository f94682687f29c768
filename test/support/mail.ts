import type { MailAddress, ParsedMail } from '../../functions/core/email/mail.ts';

const address = (spec: string): MailAddress => {
  const match = /^(.*)<(.+)>$/.exec(spec);
  return match
    ? { name: match[1]!.trim() || null, address: match[2]!.trim().toLowerCase() }
    : { name: null, address: spec.toLowerCase() };
};

/** A parsed mail as the MIME adapter would produce it, for tests of what the intake does with it. */
export function parsedMail(fields: {
  from?: string;
  to?: string[];
  cc?: string[];
  subject?: string;
  body?: string;
  messageId?: string | null;
  inReplyTo?: string[];
  references?: string[];
  headers?: Record<string, string>;
  contentType?: string;
  bouncedMessageId?: string | null;
  attachments?: ParsedMail['attachments'];
}): ParsedMail {
  const headers = new Map<string, string[]>(
    Object.entries(fields.headers ?? {}).map(([name, value]) => [name.toLowerCase(), [value]]),
  );
  const body = fields.body ?? 'Hello, my order has not arrived.';
  return {
    messageId:
      fields.messageId === undefined
        ? `${Math.random().toString(36).slice(2)}@mail.example.com`
        : fields.messageId,
    inReplyTo: fields.inReplyTo ?? [],
    references: fields.references ?? [],
    from: fields.from === undefined ? address('Ann Example <ann@example.com>') : address(fields.from),
    replyTo: [],
    to: (fields.to ?? ['support@acme.test']).map(address),
    cc: (fields.cc ?? []).map(address),
    deliveredTo: [],
    returnPath: null,
    subject: fields.subject ?? 'Order 1234 missing',
    date: '2026-03-02T09:00:00.000Z',
    text: body,
    html: null,
    body,
    attachments: fields.attachments ?? [],
    headers,
    contentType: fields.contentType ?? 'text/plain',
    bouncedMessageId: fields.bouncedMessageId ?? null,
  };
}
