/**
 * SES outbound, locally (local/ses-outbound.ts): what a handler sends with `@aws-sdk/client-sesv2`, configured
 * only by `AWS_ENDPOINT_URL_SESV2`, shows up in the emulator's store and web page, and a raw send keeps its MIME
 * (threading and auto-reply headers included) at `/raw/<MessageId>`.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { mail } from '../../functions/topology.ts';
import { readSentMails } from '../support/smtp.ts';

const { sesUrl, endpoints } = inject('deskless');

describe('local SES emulator (SES outbound)', () => {
  // As a handler creates it: region, credentials and endpoint from the environment.
  const ses = new SESv2Client({});

  afterAll(() => ses.destroy());

  it('is what the handlers are pointed at', () => {
    expect(process.env[mail.sesEndpointEnvVar]).toBe(sesUrl);
    expect(process.env.AWS_ENDPOINT_URL_SES).toBe(sesUrl);
    expect(endpoints.ses).toBe(sesUrl);
  });

  it('records a raw send with its headers intact', async () => {
    const raw = Buffer.from(
      [
        'From: Demo Support <support@demo.localhost>',
        'To: Ann <ann@example.com>',
        'Reply-To: support+42.k3y@demo.localhost',
        'Subject: =?UTF-8?Q?Re:_Printer_on_fire_=F0=9F=94=A5_[#42]?=',
        'Message-ID: <ticket-42-reply-1@demo.localhost>',
        'In-Reply-To: <printer-1@example.com>',
        'References: <older-1@example.com>',
        ' <printer-1@example.com>',
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'We are on it. Grüße, Demo Support',
        '',
      ].join('\r\n'),
    );
    const { MessageId } = await ses.send(new SendEmailCommand({ Content: { Raw: { Data: raw } } }));
    expect(MessageId).toBeTruthy();

    const sent = (await readSentMails(sesUrl)).find((candidate) => candidate.messageId === MessageId);
    expect(sent).toMatchObject({
      subject: 'Re: Printer on fire 🔥 [#42]',
      replyTo: ['support+42.k3y@demo.localhost'],
      destination: { to: ['"Ann" <ann@example.com>'], cc: [], bcc: [] },
      body: { text: 'We are on it. Grüße, Demo Support\n' },
    });
    expect(sent?.from).toContain('support@demo.localhost');
    expect(sent?.raw).toBe(raw.toString('utf8'));
    expect(sent?.headers?.get('in-reply-to')).toEqual(['<printer-1@example.com>']);
    expect(sent?.headers?.get('references')).toEqual(['<older-1@example.com> <printer-1@example.com>']);
    expect(sent?.headers?.get('auto-submitted')).toEqual(['auto-replied']);
    expect(sent?.headers?.get('reply-to')).toEqual(['support+42.k3y@demo.localhost']);
    expect(sent?.headers?.get('message-id')).toEqual(['<ticket-42-reply-1@demo.localhost>']);

    // The web page's download button gets the MIME as sent, not a rebuild from the parsed fields.
    const eml = (await (await fetch(`${sesUrl}/get-emlContent?messageId=${MessageId}`)).json()) as {
      body: { data: number[] };
    };
    expect(Buffer.from(eml.body.data).equals(raw)).toBe(true);
  });

  it('records a simple send too (no raw MIME) and serves the web page of sent mail', async () => {
    const { MessageId } = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'support@demo.localhost',
        Destination: { ToAddresses: ['bob@example.com'] },
        Content: { Simple: { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Hi Bob' } } } },
      }),
    );
    const sent = (await readSentMails(sesUrl)).find((candidate) => candidate.messageId === MessageId);
    expect(sent).toMatchObject({ subject: 'Hello', destination: { to: ['bob@example.com'] } });
    expect(sent?.raw).toBeUndefined();
    const raw = await fetch(`${sesUrl}/raw/${MessageId}`);
    expect(raw.status).toBe(404);
    await raw.arrayBuffer();

    const page = await fetch(sesUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });
});
