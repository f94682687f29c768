import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import {
  readSentMails,
  type SentMail,
  sendComposedMail,
  sendRawMail,
  waitForSentMails,
} from '../support/smtp.ts';

/**
 * The email channel end to end on the local runtime, over SMTP: the SMTP server stores the mail and notifies
 * the inbound queue as SES does; email-in makes the ticket; the outbox sends the acknowledgement through the
 * SES emulator; replies thread back.
 */
let runtime: LocalRuntime;
let dataDir: string;
let port: number;
let support: string;
let admin: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-mail-'));
  runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0, env: { SMTP_PORT: '0' } });
  port = runtime.state.smtpPort;
  support = runtime.state.supportAddress;
  admin = runtime.state.adminApiKey;
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads loosely typed JSON
  return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
}

type Ticket = { number: number; subject: string; requester: { email: string }; status: string };

async function ticketsOf(email: string): Promise<Ticket[]> {
  const found = await api('GET', `/v1/customers?email=${encodeURIComponent(email)}`);
  const customer = found.body?.items?.[0];
  if (!customer) return [];
  return (await api('GET', `/v1/customers/${customer.id}`)).body.tickets.items;
}

async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function timeline(number: number) {
  return (await api('GET', `/v1/tickets/${number}/timeline?limit=100`)).body.items as {
    type: string;
    data: Record<string, unknown>;
  }[];
}

const header = (mail: SentMail, name: string) => mail.headers?.get(name)?.[0];

describe('email over SMTP on the local runtime', () => {
  let ticket: Ticket = undefined as never;
  let ack: SentMail = undefined as never;

  it('new mail → ticket and an acknowledgement in the thread', async () => {
    await sendComposedMail({
      port,
      from: 'Ann Example <ann@example.com>',
      to: support,
      subject: 'Cannot export PDF',
      text: 'Export fails with error 500.',
      messageId: '<first-ann@example.com>',
    });
    ticket = (
      await waitFor(
        async () => (await ticketsOf('ann@example.com')).length === 1 && ticketsOf('ann@example.com'),
        'the ticket',
      )
    )[0]!;
    expect(ticket!.subject).toBe('Cannot export PDF');
    ack = (
      await waitForSentMails(runtime.state.outboxUrl, (m) => m.destination.to.includes('ann@example.com'))
    )[0]!;
    expect(ack!.subject).toBe(`[#${ticket!.number}] Cannot export PDF`);
    expect(header(ack!, 'auto-submitted')).toBe('auto-replied');
    expect(header(ack!, 'in-reply-to')).toBe('<first-ann@example.com>');
  });

  it('a reply with In-Reply-To becomes a comment on the same ticket', async () => {
    await sendComposedMail({
      port,
      from: 'ann@example.com',
      to: support,
      subject: `Re: [#${ticket.number}] Cannot export PDF`,
      text: 'It happens with every file.',
      inReplyTo: header(ack, 'message-id'),
    });
    await waitFor(
      async () => (await timeline(ticket.number)).filter((e) => e.type === 'comment').length === 2,
      'the comment',
    );
    expect(await ticketsOf('ann@example.com')).toHaveLength(1);
  });

  it('a client that drops In-Reply-To but keeps [#n] still threads; a stranger with the token does not', async () => {
    await sendComposedMail({
      port,
      from: 'ann@example.com',
      to: support,
      subject: `RE: [#${ticket.number}] export`,
      text: 'Any news?',
    });
    await waitFor(
      async () => (await timeline(ticket.number)).filter((e) => e.type === 'comment').length === 3,
      'the comment',
    );
    await sendComposedMail({
      port,
      from: 'mallory@evil.test',
      to: support,
      subject: `[#${ticket.number}] let me in`,
      text: 'hi',
    });
    const [theirs] = await waitFor(
      async () => (await ticketsOf('mallory@evil.test')).length === 1 && ticketsOf('mallory@evil.test'),
      'the stranger’s ticket',
    );
    expect(theirs!.number).not.toBe(ticket.number);
  });

  it('the same mail delivered twice makes nothing new', async () => {
    const raw = [
      'From: Dup <dup@example.com>',
      `To: ${support}`,
      'Subject: Twice',
      'Message-ID: <twice@example.com>',
      'Date: Mon, 2 Mar 2026 09:00:00 +0000',
      '',
      'Sent twice.',
      '',
    ].join('\r\n');
    await sendRawMail({ port, from: 'dup@example.com', to: [support], raw });
    await sendRawMail({ port, from: 'dup@example.com', to: [support], raw });
    const [only] = await waitFor(
      async () => (await ticketsOf('dup@example.com')).length > 0 && ticketsOf('dup@example.com'),
      'the ticket',
    );
    await new Promise((done) => setTimeout(done, 2_000));
    expect(await ticketsOf('dup@example.com')).toHaveLength(1);
    expect((await timeline(only!.number)).filter((e) => e.type === 'comment')).toHaveLength(1);
  });

  it('an auto-reply gets no answer', async () => {
    await sendComposedMail({
      port,
      from: 'ooo@example.com',
      to: support,
      subject: 'Out of office',
      text: 'I am away.',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    await waitFor(async () => (await ticketsOf('ooo@example.com')).length > 0, 'the ticket');
    await new Promise((done) => setTimeout(done, 2_000));
    expect(
      (await readSentMails(runtime.state.outboxUrl)).filter((m) =>
        m.destination.to.includes('ooo@example.com'),
      ),
    ).toEqual([]);
  });

  it('a bounce of our acknowledgement becomes an event on the original ticket', async () => {
    const ackId = header(ack, 'message-id')!;
    const raw = [
      'From: MAILER-DAEMON@mx.example.com',
      `To: ${support}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.com',
      '',
      'Final-Recipient: rfc822; ann@example.com',
      'Action: failed',
      'Status: 5.1.1',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      `From: ${support}`,
      'To: ann@example.com',
      `Message-ID: ${ackId}`,
      '--b1--',
      '',
    ].join('\r\n');
    await sendRawMail({ port, from: '', to: [support], raw });
    await waitFor(
      async () => (await timeline(ticket.number)).some((e) => e.type === 'email_bounced'),
      'the bounce event',
    );
  });

  it('100 mails from one sender in a burst engage the rate limit', async () => {
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        sendComposedMail({
          port,
          from: 'loop@example.com',
          to: support,
          subject: `Loop ${i}`,
          text: `Message ${i}`,
        }),
      ),
    );
    await new Promise((done) => setTimeout(done, 8_000));
    const created = (await ticketsOf('loop@example.com')).length;
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThanOrEqual(25);
  });
});
