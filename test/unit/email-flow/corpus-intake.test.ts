import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { htmlToText } from '../../../functions/adapters/mime/html-to-text.ts';
import { parseMail } from '../../../functions/adapters/mime/parse-mail.ts';
import { hmacSigner } from '../../../functions/adapters/reply-signer.ts';
import { makeReceiveEmail } from '../../../functions/core/use-cases/receive-email.ts';
import { makeAddComment, makeCreateTicket } from '../../../functions/core/use-cases/tickets.ts';
import {
  MemoryBlobStore,
  MemoryMessageStore,
  MemoryRateLimiter,
  memoryPorts,
} from '../../support/in-memory-ports.ts';

/**
 * Every mail of the shared corpus (real, anonymised mail with Zammad's expected parse results) goes through
 * the whole intake, MIME bytes to ticket, as SES would deliver it to a registered support address. The
 * ticket's requester and its first comment must match what Zammad expects.
 */
const corpus = resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'mail-corpus', 'zammad');

interface Expected {
  file: string;
  from_email: string | null;
  from_display_name: string | null;
  subject: string | null;
  body_excerpt: string | null;
}

/** Where we knowingly differ from Zammad; each entry says why. Everything else must match. */
const BOUNCE_OF_UNKNOWN_MAIL =
  'a bounce of a mail Deskless never sent (backscatter): dropped with a logged reason, never a ticket';
const ACCEPTED: Record<string, string> = {
  'mail033-undelivered-mail-returned-to-sender-notification.box': BOUNCE_OF_UNKNOWN_MAIL,
  'mail052.box': BOUNCE_OF_UNKNOWN_MAIL,
  'mail055.box': BOUNCE_OF_UNKNOWN_MAIL,
  'mail078.box': BOUNCE_OF_UNKNOWN_MAIL,
  'mail092.box': BOUNCE_OF_UNKNOWN_MAIL,
  'mail016.box': 'Zammad keeps the HTML <title> text; like a browser, we do not show it',
  'mail046.box':
    'raw 8-bit display name: Zammad reads ISO-8859-2, we read GB18030 like the subject (which matches)',
  'mail065.box': 'Zammad splits the encoded word at its comma; we decode "Bürling, Andreas" whole',
  'mail072.box': 'windows-1258 part: Zammad decodes it as windows-1250, we decode it correctly ("à")',
  'mail076.box':
    'malformed From ("…"@example.com>): Zammad keeps the quotes and ">" and copies the address as name',
  'mail087.box': 'From without angle brackets: Zammad takes the whole line as address and name; we split it',
  'mail089.box': 'the corpus disagrees with itself: the newer .box has "INC678439:", the older .yml no colon',
  'mail117.box':
    'an encoded word inside the address (RFC 2047 forbids it): kept literal, not decoded into another address',
  'mail118.box':
    'an encoded word inside the address (RFC 2047 forbids it): kept literal, not decoded into another address',
};

/** Zammad's placeholder for a mail without a displayable text part. */
const NO_VISIBLE_CONTENT = 'no visible content';

const collapse = (text: string) =>
  text
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, '')
    .toLowerCase();

const results: { file: string; field: string; ok: boolean }[] = [];

afterAll(() => {
  const fields = ['from_email', 'from_display_name', 'subject', 'body'];
  const lines = fields.map((field) => {
    const rows = results.filter((r) => r.field === field);
    return `${field}: ${rows.filter((r) => r.ok).length}/${rows.length}`;
  });
  const files = [...new Set(results.map((r) => r.file))];
  const clean = files.filter((f) => results.filter((r) => r.file === f).every((r) => r.ok)).length;
  console.log(
    `mail corpus through the intake: ${clean}/${files.length} mails fully match; ${lines.join(', ')}`,
  );
});

describe('mail corpus through the intake', () => {
  const expected = JSON.parse(readFileSync(join(corpus, 'expected.json'), 'utf8')) as Expected[];

  it.each(expected.map((e) => [e.file, e] as const))('%s', async (file, want) => {
    const ports = memoryPorts();
    await ports.mailboxes.create('acme', 'support@acme.test', ports.clock.now());
    const receive = makeReceiveEmail({
      ...ports,
      messages: new MemoryMessageStore(ports.tickets),
      rateLimiter: new MemoryRateLimiter(),
      blobs: new MemoryBlobStore(),
      signer: hmacSigner('corpus'),
      createTicket: makeCreateTicket(ports),
      addComment: makeAddComment(ports),
      digest: (text) => Buffer.from(text).toString('base64url').slice(0, 40),
      limits: { maxAttachmentBytes: 10 * 1024 * 1024, maxAttachmentBytesPerMail: 25 * 1024 * 1024 },
      attachmentsPrefix: 'attachments/',
    });
    const mail = await parseMail(new Uint8Array(readFileSync(join(corpus, file))));
    const outcome = await receive({
      mail,
      recipients: ['support@acme.test'],
      rawKey: `inbound/${file}`,
      spamVerdict: 'PASS',
      virusVerdict: 'PASS',
    });
    const ticket = await ports.tickets.get('acme', 1);
    const comment = ports.tickets.events.find((e) => e.data.type === 'comment');
    const checks: [string, boolean][] = [];
    if (outcome.outcome === 'created' && ticket && comment?.data.type === 'comment') {
      if (want.from_email !== null) {
        checks.push(['from_email', ticket.requester.email === want.from_email.toLowerCase()]);
      }
      if (want.from_display_name !== null) {
        checks.push(['from_display_name', (ticket.requester.name ?? '') === want.from_display_name.trim()]);
      }
      if (want.subject !== null) {
        checks.push(['subject', comment.data.email?.subject.trim() === want.subject.trim()]);
      }
      if (want.body_excerpt !== null) {
        // Zammad's article is the whole text; ours is the comment (quotes and signature cut) with the whole
        // text kept beside it: the expected text must be in what the ticket keeps of the first mail.
        const full = comment.data.email?.text ?? '';
        const html = comment.data.email?.html ? htmlToText(comment.data.email.html) : '';
        const ok =
          want.body_excerpt === NO_VISIBLE_CONTENT
            ? full.trim() === ''
            : collapse(full).includes(collapse(want.body_excerpt)) ||
              collapse(html).includes(collapse(want.body_excerpt)) ||
              collapse(comment.data.body).includes(collapse(want.body_excerpt));
        checks.push(['body', ok]);
      }
    } else {
      checks.push(['from_email', false]);
    }
    for (const [field, ok] of checks) results.push({ file, field, ok });
    const failed = checks.filter(([, ok]) => !ok).map(([field]) => field);
    if (ACCEPTED[file]) {
      // A deviation that no longer happens must leave the list.
      if (failed.length === 0 && outcome.outcome === 'created')
        throw new Error(`${file} now matches: remove it from ACCEPTED`);
      return;
    }
    expect(
      failed,
      `${file}: ${outcome.outcome} ${JSON.stringify({ ticket: ticket?.requester, subject: ticket?.subject })}`,
    ).toEqual([]);
  });
});
