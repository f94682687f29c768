import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../functions/adapters/mime/parse-mail.ts';
import { base64, bytes, mail } from './mime-fixtures.ts';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

describe('parseMail: headers', () => {
  it('decodes encoded words, lower-cases addresses and strips angle brackets from ids', async () => {
    const parsed = await parseMail(
      mail([
        'From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <Juergen.Mueller@Example.COM>',
        'To: "Support" <Support@Acme.test>, =?ISO-8859-1?Q?Andr=E9?= <andre@acme.test>',
        'Cc: team: a@acme.test, b@acme.test;',
        'Reply-To: <Replies@Example.com>',
        'Subject: =?UTF-8?Q?Drucker_brennt_=F0=9F=94=A5?= =?UTF-8?Q?_schon_wieder?=',
        'Message-ID: <abc.123@mail.example.com>',
        'In-Reply-To: <parent@acme.test> (message from Support)',
        'References: <root@acme.test>',
        '  <parent@acme.test>',
        'Date: Tue, 3 Mar 2026 10:15:00 +0100 (CET)',
        '',
        'Hallo',
      ]),
    );
    expect(parsed.from).toEqual({ address: 'juergen.mueller@example.com', name: 'Jürgen Müller' });
    expect(parsed.to).toEqual([
      { address: 'support@acme.test', name: 'Support' },
      { address: 'andre@acme.test', name: 'André' },
    ]);
    expect(parsed.cc.map((a) => a.address)).toEqual(['a@acme.test', 'b@acme.test']);
    expect(parsed.replyTo).toEqual([{ address: 'replies@example.com', name: null }]);
    expect(parsed.subject).toBe('Drucker brennt 🔥 schon wieder');
    expect(parsed.messageId).toBe('abc.123@mail.example.com');
    expect(parsed.inReplyTo).toEqual(['parent@acme.test']);
    expect(parsed.references).toEqual(['root@acme.test', 'parent@acme.test']);
    expect(parsed.date).toBe('2026-03-03T09:15:00.000Z');
    expect(parsed.headers.get('subject')).toEqual(['Drucker brennt 🔥 schon wieder']);
    expect(parsed.contentType).toBe('text/plain');
  });

  it('reads ids written without angle brackets, and a missing Message-ID as null', async () => {
    const parsed = await parseMail(
      mail([
        'From: a@example.com',
        'In-Reply-To: parent@acme.test',
        'References: root@acme.test parent@acme.test',
        '',
        'x',
      ]),
    );
    expect(parsed.messageId).toBeNull();
    expect(parsed.inReplyTo).toEqual(['parent@acme.test']);
    expect(parsed.references).toEqual(['root@acme.test', 'parent@acme.test']);
    const bare = await parseMail(
      mail(['From: a@example.com', 'Message-Id: 20200123.05D7E@example.com', '', 'x']),
    );
    expect(bare.messageId).toBe('20200123.05D7E@example.com');
  });

  it('collects Delivered-To and X-Original-To, and keeps an empty Return-Path apart from a missing one', async () => {
    const parsed = await parseMail(
      mail([
        'Return-Path: <>',
        'Delivered-To: Support+acme@Deskless.test',
        'X-Original-To: help@acme.test',
        'Delivered-To: support+acme@deskless.test',
        'From: MAILER-DAEMON@mx.example.com (Mail Delivery System)',
        '',
        'x',
      ]),
    );
    expect(parsed.deliveredTo).toEqual(['support+acme@deskless.test', 'help@acme.test']);
    expect(parsed.returnPath).toBe('');
    expect(parsed.from).toEqual({ address: 'mailer-daemon@mx.example.com', name: 'Mail Delivery System' });
    const noReturnPath = await parseMail(mail(['From: a@example.com', '', 'x']));
    expect(noReturnPath.returnPath).toBeNull();
  });

  it('keeps a comma inside an encoded display name in one address', async () => {
    const parsed = await parseMail(
      mail(['From: =?iso-8859-1?Q?B=FCrling,=20Andreas?= <Smith@example.com>', '', 'x']),
    );
    expect(parsed.from).toEqual({ address: 'smith@example.com', name: 'Bürling, Andreas' });
  });

  it('takes the first usable From, and falls back to Sender, then Reply-To', async () => {
    const broken = await parseMail(mail(['From: [??????]', 'From: Ann <ann@example.com>', '', 'x']));
    expect(broken.from).toEqual({ address: 'ann@example.com', name: 'Ann' });
    const none = await parseMail(mail(['Reply-To: <vip@example.com>', '', 'x']));
    expect(none.from).toEqual({ address: 'vip@example.com', name: null });
  });

  it('does not decode an encoded word inside an address into another address', async () => {
    const parsed = await parseMail(mail(['From: =?utf-8?Q?agent?=@example.com', '', 'x']));
    expect(parsed.from).toEqual({ address: '=?utf-8?q?agent?=@example.com', name: null });
  });

  it('gives an unparsable Date as null and one-line subjects', async () => {
    const parsed = await parseMail(
      mail(['From: a@example.com', 'Date: sometime soon', 'Subject: =?UTF-8?B?DQpIZWxsbw==?=', '', 'x']),
    );
    expect(parsed.date).toBeNull();
    expect(parsed.subject).toBe('Hello');
  });
});

describe('parseMail: bodies and charsets', () => {
  it('drops an mbox From line and reads LF-only mail', async () => {
    const parsed = await parseMail(
      mail(
        [
          'From someone@example.com  Tue Oct 29 03:52:03 2013',
          'From: a@example.com',
          'Subject: Hi',
          '',
          'Body',
        ],
        '\n',
      ),
    );
    expect(parsed.subject).toBe('Hi');
    expect(parsed.headers.has('from someone@example.com  tue oct 29 03')).toBe(false);
    expect(parsed.text).toBe('Body');
  });

  it('decodes quoted-printable and base64 bodies', async () => {
    const qp = await parseMail(
      mail([
        'From: a@example.com',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Gr=C3=BC=C3=9Fe aus M=C3=BCnchen, eine sehr lange Zeile die weich umbrochen=',
        ' wird.',
      ]),
    );
    expect(qp.text).toBe('Grüße aus München, eine sehr lange Zeile die weich umbrochen wird.');
    const b64 = await parseMail(
      mail([
        'From: a@example.com',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        base64('Привет, мир'),
      ]),
    );
    expect(b64.text).toBe('Привет, мир');
  });

  it('decodes a declared latin1 body, and falls back to windows-1252 for raw 8-bit bytes without a charset', async () => {
    const declared = await parseMail(
      bytes(
        'From: a@example.com\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nK\xe4se f\xfcr \x80 5\r\n',
      ),
    );
    expect(declared.text).toBe('Käse für € 5');
    const undeclared = await parseMail(
      bytes('From: a@example.com\r\nSubject: Gr\xfc\xdfe\r\n\r\nK\xe4se\r\n'),
    );
    expect(undeclared.subject).toBe('Grüße');
    expect(undeclared.text).toBe('Käse');
  });

  it('reads UTF-8 text that is labelled US-ASCII or ISO-2022-JP as UTF-8', async () => {
    const parsed = await parseMail(
      mail([
        'From: a@example.com',
        'Content-Type: text/plain; charset=ISO-2022-JP',
        '',
        'カテゴリ：全メンバー',
      ]),
    );
    expect(parsed.text).toBe('カテゴリ：全メンバー');
  });

  it('decodes Shift_JIS bytes labelled ISO-2022-JP, in encoded words and raw header bytes', async () => {
    const tool = [0x83, 0x63, 0x81, 0x5b, 0x83, 0x8b]; // ツール in Shift_JIS
    const parsed = await parseMail(
      bytes(
        `From: =?ISO-2022-JP?B?${base64(Uint8Array.from(tool))}?= <bar@example.org>\r\nSubject: `,
        tool,
        '\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\nx\r\n',
      ),
    );
    expect(parsed.from?.name).toBe('ツール');
    expect(parsed.subject).toBe('ツール');
  });

  it('turns HTML-only mail into text and sanitises the HTML', async () => {
    const parsed = await parseMail(
      mail([
        'From: a@example.com',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<html><head><title>Newsletter</title><style>p{color:red}</style></head><body>',
        '<p>Hello&nbsp;<b>Ann</b>,</p><p>the printer is on fire &amp; smoking.<br>Help!</p>',
        '<script>alert(1)</script><img src="x" onerror="alert(2)"></body></html>',
      ]),
    );
    expect(parsed.text).toBe('Hello Ann,\n\nthe printer is on fire & smoking.\nHelp!');
    expect(parsed.html).toContain('<b>Ann</b>');
    expect(parsed.html).not.toMatch(/script|onerror|alert|<style|Newsletter/);
    expect(parsed.contentType).toBe('text/html');
  });

  it('prefers the text/plain alternative and sanitises the HTML one', async () => {
    const parsed = await parseMail(
      mail([
        'From: a@example.com',
        'Content-Type: multipart/alternative; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Plain version',
        '--b1',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p onclick="x()">HTML version</p>',
        '--b1--',
      ]),
    );
    expect(parsed.text).toBe('Plain version');
    expect(parsed.html).toBe('<p>HTML version</p>');
    expect(parsed.contentType).toBe('multipart/alternative');
  });

  it('puts the reply without quote and signature into body and keeps the full text', async () => {
    const parsed = await parseMail(
      mail([
        'From: a@example.com',
        '',
        'Works now, thanks!',
        '',
        '-- ',
        'Ann',
        '',
        'On Mon, 2 Mar 2026 at 10:00, Support <support@acme.test> wrote:',
        '> Please restart it.',
      ]),
    );
    expect(parsed.body).toBe('Works now, thanks!');
    expect(parsed.text).toContain('> Please restart it.');
  });
});

describe('parseMail: attachments', () => {
  const related = (extra: readonly string[] = []) =>
    mail([
      'From: a@example.com',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      '--outer',
      'Content-Type: multipart/related; boundary="rel"',
      '',
      '--rel',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>See <img src="cid:shot1@local"></p>',
      '--rel',
      'Content-Type: image/png',
      'Content-Transfer-Encoding: base64',
      'Content-ID: <shot1@local>',
      'Content-Disposition: inline',
      '',
      base64(PNG),
      '--rel--',
      '--outer',
      'Content-Type: application/pdf; name="=?UTF-8?Q?Rechnung_M=C3=A4rz.pdf?="',
      "Content-Disposition: attachment; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf",
      'Content-Transfer-Encoding: base64',
      '',
      base64('%PDF-1.4 a small invoice'),
      '--outer--',
      ...extra,
    ]);

  it('reports inline cid images and attachments with their decoded size', async () => {
    const parsed = await parseMail(related());
    expect(parsed.attachments.map(({ content, ...meta }) => meta)).toEqual([
      {
        filename: 'image-1.png',
        contentType: 'image/png',
        size: PNG.length,
        inline: true,
        contentId: 'shot1@local',
      },
      {
        filename: 'Rechnung März.pdf',
        contentType: 'application/pdf',
        size: 24,
        inline: false,
        contentId: null,
      },
    ]);
    expect(parsed.attachments[0]!.content).toEqual(PNG);
    expect(parsed.html).toContain('src="cid:shot1@local"');
    expect(parsed.text).toBe('See');
  });

  it('keeps an attachment over the limit listed with its real size but without its bytes', async () => {
    const parsed = await parseMail(related(), { maxAttachmentBytes: 20 });
    const pdf = parsed.attachments[1]!;
    expect(pdf.size).toBe(24);
    expect(pdf.content.byteLength).toBe(0);
    expect(parsed.attachments[0]!.content.byteLength).toBe(PNG.length);
  });
});

describe('parseMail: bounces', () => {
  const report = (original: readonly string[]) =>
    mail([
      'From: MAILER-DAEMON@mx.example.com (Mail Delivery System)',
      'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
      '',
      '--r',
      'Content-Type: text/plain',
      '',
      'I am sorry to have to inform you that your message could not be delivered.',
      '--r',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.com',
      '',
      'Final-Recipient: rfc822; gone@example.com',
      'Action: failed',
      'Status: 5.1.1',
      '--r',
      ...original,
      '--r--',
    ]);

  it('finds the bounced Message-ID in the returned message', async () => {
    const parsed = await parseMail(
      report([
        'Content-Type: message/rfc822',
        '',
        'From: support@acme.test',
        'Message-ID:',
        ' <ticket-42.1@acme.test>',
        '',
        'Your ticket',
      ]),
    );
    expect(parsed.contentType).toBe('multipart/report');
    expect(parsed.bouncedMessageId).toBe('ticket-42.1@acme.test');
    expect(parsed.text).toContain('could not be delivered');
  });

  it('finds it in returned headers only', async () => {
    const parsed = await parseMail(
      report([
        'Content-Type: text/rfc822-headers',
        '',
        'From: support@acme.test',
        'Message-Id: <ticket-7@acme.test>',
      ]),
    );
    expect(parsed.bouncedMessageId).toBe('ticket-7@acme.test');
  });

  it('is null for ordinary mail', async () => {
    expect((await parseMail(mail(['From: a@example.com', '', 'x']))).bouncedMessageId).toBeNull();
  });
});

describe('parseMail: malformed input', () => {
  it('gives a best-effort result for a mail without headers, body or boundaries', async () => {
    const parsed = await parseMail(mail(['just some text without any header']));
    expect(parsed.subject).toBe('');
    expect(parsed.from).toBeNull();
    expect(parsed.messageId).toBeNull();
    const noParts = await parseMail(
      mail(['From: a@example.com', 'Content-Type: multipart/mixed; boundary="never"', '', 'text']),
    );
    expect(noParts.text).toBe('');
    expect(noParts.body).toBe('');
  });

  it('never throws on a truncated or corrupted mail', async () => {
    const whole = mail([
      'From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.com>',
      'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=C3=BC=C3=9Fe',
      '--b',
      'Content-Type: application/pdf; name="a.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      base64('%PDF-1.4'),
      '--b--',
    ]);
    for (let length = 1; length <= whole.length; length++) {
      const prefix = whole.slice(0, length);
      if (prefix.some((byte) => byte > 0x20)) await expect(parseMail(prefix)).resolves.toBeDefined();
      const corrupted = whole.slice();
      corrupted[length - 1] = 0xff;
      await expect(parseMail(corrupted)).resolves.toBeDefined();
    }
  });

  it('throws a clear error only for empty input', async () => {
    await expect(parseMail(new Uint8Array(0))).rejects.toThrow(/Unreadable mail: the message is empty/);
    await expect(parseMail(mail(['', '  ', '']))).rejects.toThrow(/empty/);
  });
});
