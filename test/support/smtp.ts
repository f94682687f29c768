/**
 * Mail for tests: send a message to an SMTP port (the local runtime's, or a `local/smtp.ts` a test started), and
 * read what Deskless sent through the SES emulator (`local/ses-outbound.ts`).
 *
 *   await sendRawMail({ port, from: 'ann@example.com', to: ['support@demo.localhost'], raw });
 *   await sendComposedMail({ port, from: 'Ann <ann@example.com>', to: 'support@demo.localhost', subject, text });
 *   const mails = await waitForSentMails(outboxUrl, (mail) => mail.destination.to.some((to) => to.includes('ann@')));
 */
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';

export interface SmtpTarget {
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
}

export interface SmtpResult {
  /** The server's final reply, e.g. `250 Ok <SES message id>`. */
  readonly response: string;
  /** The SES message id the local SMTP server put in its reply (also the S3 object key after the prefix). */
  readonly sesMessageId: string | undefined;
  readonly accepted: string[];
  readonly rejected: string[];
}

function transport(target: SmtpTarget) {
  // The local server offers neither AUTH nor STARTTLS.
  return nodemailer.createTransport({
    host: target.host ?? '127.0.0.1',
    port: target.port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 10_000,
  });
}

function result(info: { response?: unknown; accepted?: unknown; rejected?: unknown }): SmtpResult {
  const response = String(info.response ?? '');
  const addresses = (value: unknown) =>
    Array.isArray(value)
      ? value.map((item) => (typeof item === 'string' ? item : String(item?.address)))
      : [];
  return {
    response,
    sesMessageId: /^250 Ok ([0-9a-v]{40})\b/.exec(response)?.[1],
    accepted: addresses(info.accepted),
    rejected: addresses(info.rejected),
  };
}

/**
 * Sends an RFC 5322 message as is (use CRLF line ends): the envelope comes from `from`/`to`, not the headers,
 * so Bcc and forwarded deliveries can be played.
 */
export async function sendRawMail(
  args: SmtpTarget & { from: string; to: readonly string[]; raw: Buffer | string },
): Promise<SmtpResult> {
  const transporter = transport(args);
  try {
    const info = await transporter.sendMail({
      envelope: { from: args.from, to: [...args.to] },
      raw: args.raw,
    });
    return result(info);
  } finally {
    transporter.close();
  }
}

/** Composes a message with nodemailer (any `Mail.Options`: html, attachments, headers...) and sends it. */
export async function sendComposedMail(args: SmtpTarget & Mail.Options): Promise<SmtpResult> {
  const { port, host, ...message } = args;
  const transporter = transport({ port, host });
  try {
    return result(await transporter.sendMail(message));
  } finally {
    transporter.close();
  }
}

/** A mail as the SES emulator's `GET /store` lists it, plus the raw MIME when it was sent with Raw content. */
export interface SentMail {
  readonly messageId: string;
  readonly from: string;
  readonly replyTo: string[];
  readonly destination: { to: string[]; cc: string[]; bcc: string[] };
  readonly subject: string;
  readonly body: { text?: string; html?: string };
  readonly attachments: { content: string; contentType: string; filename?: string; size: number }[];
  /** Epoch seconds. */
  readonly at: number;
  /** The MIME exactly as sent (Raw content only). */
  readonly raw?: string;
  /** Headers of `raw`, names lower-cased, values unfolded, in order (Raw content only). */
  readonly headers?: ReadonlyMap<string, string[]>;
}

/** Everything the SES emulator has accepted so far, oldest first. */
export async function readSentMails(outboxUrl: string): Promise<SentMail[]> {
  const store = (await (await fetch(`${outboxUrl}/store`)).json()) as { emails: Omit<SentMail, 'raw'>[] };
  return Promise.all(
    store.emails.map(async (email) => {
      const response = await fetch(`${outboxUrl}/raw/${encodeURIComponent(email.messageId)}`);
      if (response.status !== 200) {
        await response.arrayBuffer();
        return email;
      }
      const raw = await response.text();
      return { ...email, raw, headers: headerMap(raw) };
    }),
  );
}

/** Polls the emulator until `predicate` matches at least `count` mails; returns the matching ones. */
export async function waitForSentMails(
  outboxUrl: string,
  predicate: (mail: SentMail) => boolean,
  options: { count?: number; timeoutMs?: number } = {},
): Promise<SentMail[]> {
  const count = options.count ?? 1;
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let matching: SentMail[] = [];
  while (Date.now() < deadline) {
    matching = (await readSentMails(outboxUrl)).filter(predicate);
    if (matching.length >= count) return matching;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`expected ${count} sent mail(s) matching, found ${matching.length} within the timeout`);
}

function headerMap(raw: string): Map<string, string[]> {
  const end = raw.search(/\r?\n\r?\n/);
  const section = end >= 0 ? raw.slice(0, end) : raw;
  const headers = new Map<string, string[]>();
  let last: { name: string; value: string } | undefined;
  const flush = () => {
    if (!last) return;
    const values = headers.get(last.name) ?? [];
    values.push(last.value.trim());
    headers.set(last.name, values);
  };
  for (const line of section.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      last.value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    last =
      colon > 0
        ? { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) }
        : undefined;
  }
  flush();
  return headers;
}
