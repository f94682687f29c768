import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../functions/adapters/mime/parse-mail.ts';
import { composeMime } from '../../../functions/adapters/ses/compose-mime.ts';
import type { OutboundMail } from '../../../functions/core/email/outbound.ts';

const mail: OutboundMail = {
  kind: 'reply',
  from: 'support@acme.test',
  replyTo: 'support+7.0123456789@acme.test',
  to: ['ann@example.com'],
  cc: ['bo@example.com', 'cy@example.com'],
  subject: 'Re: [#7] Überweisung fehlgeschlagen – bitte prüfen ✓ with a subject long enough to need folding',
  text: `Grüße aus Köln!\n\n${'A long line that goes on and on = with an equals sign, '.repeat(4)}\nEnd with space \n`,
  messageId: '01abc.7@acme.test',
  inReplyTo: 'in-1@example.com',
  references: ['in-1@example.com', 'out-1@acme.test'],
  autoSubmitted: true,
};

describe('outbound MIME', () => {
  it('reads back exactly what was meant, through a real parser', async () => {
    const raw = composeMime(mail, new Date('2026-03-02T09:00:00Z'));
    expect(raw.toString('latin1')).toMatch(/^[\x20-\x7e\r\n\t]+$/);
    expect(
      raw
        .toString()
        .split('\r\n')
        .every((line) => line.length <= 78),
    ).toBe(true);
    const parsed = await parseMail(new Uint8Array(raw));
    expect(parsed).toMatchObject({
      messageId: '01abc.7@acme.test',
      inReplyTo: ['in-1@example.com'],
      references: ['in-1@example.com', 'out-1@acme.test'],
      subject: mail.subject,
      from: { address: 'support@acme.test' },
      to: [{ address: 'ann@example.com' }],
      cc: [{ address: 'bo@example.com' }, { address: 'cy@example.com' }],
      replyTo: [{ address: 'support+7.0123456789@acme.test' }],
    });
    // The parser trims trailing blanks of lines (the =20 escapes are there); compare without them.
    const lines = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => line.trimEnd());
    expect(lines(parsed.text)).toEqual(lines(mail.text));
    expect(parsed.headers.get('auto-submitted')).toEqual(['auto-replied']);
  });

  it('leaves out what a reply does not have', async () => {
    const raw = composeMime({
      ...mail,
      cc: [],
      inReplyTo: null,
      references: [],
      autoSubmitted: false,
    }).toString();
    expect(raw).not.toMatch(/^(Cc|In-Reply-To|References|Auto-Submitted):/m);
  });
});
