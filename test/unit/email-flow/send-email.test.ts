import { beforeEach, describe, expect, it } from 'vitest';
import { hmacSigner } from '../../../functions/adapters/reply-signer.ts';
import type { Caller } from '../../../functions/core/caller.ts';
import type { OutboundMail } from '../../../functions/core/email/outbound.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { makeSendEmail } from '../../../functions/core/use-cases/send-email.ts';
import { MemoryMessageStore, memoryPorts } from '../../support/in-memory-ports.ts';

const channel: Caller = {
  tenantId: 'acme',
  role: 'channel',
  keyId: 'email',
  actor: { type: 'system', id: 'email' },
};
const agent: Caller = { tenantId: 'acme', role: 'agent', keyId: 'k', actor: { type: 'agent', id: 'agt_1' } };
const signer = hmacSigner('secret');

let ports: ReturnType<typeof memoryPorts>;
let sent: OutboundMail[];
let failNext = false;
let send: ReturnType<typeof makeSendEmail>;
let messages: MemoryMessageStore;

beforeEach(async () => {
  ports = memoryPorts();
  sent = [];
  failNext = false;
  messages = new MemoryMessageStore(ports.tickets);
  send = makeSendEmail({
    ...ports,
    messages,
    settings: ports.emailSettings,
    signer,
    mailer: {
      async send(mail) {
        if (failNext) {
          failNext = false;
          throw new Error('Throttling: maximum sending rate exceeded');
        }
        sent.push(mail);
        return { messageIds: [mail.messageId, 'ses-1@email.amazonses.com'] };
      },
    },
  });
});

async function emailTicket(automated: string | null = null, messageId = 'in-1@example.com') {
  const uc = makeUseCases(ports);
  const { ticket } = await uc.createTicket(
    channel,
    {
      subject: 'Order missing',
      comment: {
        body: 'Where is it?',
        email: {
          messageId,
          from: 'ann@example.com',
          to: ['support@acme.test'],
          cc: [],
          subject: 'Order missing',
          text: 'Where is it?',
          html: null,
          rawKey: 'inbound/1',
          automated,
        },
      },
      requester: { email: 'ann@example.com', name: 'Ann' },
      participants: ['bo@example.com'],
      mailbox: 'support@acme.test',
    },
    { channel: 'email', inboundMessage: { messageId } },
  );
  const firstComment = ports.tickets.events.find(
    (e) => e.data.type === 'comment' && e.ticketNumber === ticket.number,
  )!;
  return { ticket, firstComment, uc };
}

describe('sending mail for timeline events', () => {
  it('acknowledges a new email ticket once, as an automatic reply in the thread', async () => {
    const { ticket, firstComment } = await emailTicket();
    expect(await send('acme', ticket.number, firstComment.id, 1)).toMatchObject({ outcome: 'sent' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: 'acknowledgement',
      from: 'support@acme.test',
      to: ['ann@example.com'],
      cc: [],
      inReplyTo: 'in-1@example.com',
      autoSubmitted: true,
      subject: '[#1] Order missing',
    });
    expect(sent[0]!.replyTo).toMatch(/^support\+1\.[0-9a-f]{10}@acme\.test$/);
    expect(await send('acme', ticket.number, firstComment.id, 2)).toEqual({ outcome: 'already_sent' });
    expect(sent).toHaveLength(1);
    expect(await messages.ticketsFor('acme', ['ses-1@email.amazonses.com'])).toEqual(
      new Map([['ses-1@email.amazonses.com', 1]]),
    );
    expect(ports.tickets.events.at(-1)!.data).toMatchObject({ type: 'email_sent', kind: 'acknowledgement' });
  });

  it('never acknowledges automatic mail, nor when the tenant turned it off', async () => {
    const automatic = await emailTicket('auto_reply: Auto-Submitted: auto-replied');
    expect(await send('acme', 1, automatic.firstComment.id, 1)).toMatchObject({ outcome: 'skipped' });
    await ports.emailSettings.put('acme', {
      acknowledgement: { enabled: false, subject: 's', body: 'b' },
    });
    const off = await emailTicket(null, 'in-2@example.com');
    expect(await send('acme', off.ticket.number, off.firstComment.id, 1)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/off/),
    });
    expect(sent).toEqual([]);
  });

  it('never answers a ticket held as spam', async () => {
    const { ticket, firstComment } = await emailTicket();
    const stored = (await ports.tickets.get('acme', ticket.number))!;
    await ports.tickets.save(
      { ticket: { ...stored, spam: true, version: stored.version + 1 }, events: [] },
      stored.version,
    );
    expect(await send('acme', ticket.number, firstComment.id, 1)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/spam/),
    });
    expect(sent).toEqual([]);
  });

  it('sends an agent’s public reply to the requester with participants in copy, threaded', async () => {
    const { ticket, firstComment, uc } = await emailTicket();
    await send('acme', ticket.number, firstComment.id, 1);
    const note = await uc.addComment(agent, ticket.number, { body: 'internal', public: false });
    expect(await send('acme', ticket.number, note.comment.id, 1)).toMatchObject({ outcome: 'skipped' });
    const reply = await uc.addComment(agent, ticket.number, { body: 'It ships today.' });
    await send('acme', ticket.number, reply.comment.id, 1);
    expect(sent.at(-1)).toMatchObject({
      kind: 'reply',
      to: ['ann@example.com'],
      cc: ['bo@example.com'],
      text: 'It ships today.',
      subject: 'Re: [#1] Order missing',
      autoSubmitted: false,
    });
    expect(sent.at(-1)!.references).toEqual(['in-1@example.com', sent[0]!.messageId]);
  });

  it('sends a public comment the system wrote (a rule’s macro reply, a reminder) as automatic mail', async () => {
    const { ticket, uc } = await emailTicket();
    const automatic = await uc.addComment(channel, ticket.number, { body: 'We are on it.' });
    expect(automatic.comment.actor.type).toBe('system');
    await send('acme', ticket.number, automatic.comment.id, 1);
    expect(sent.at(-1)).toMatchObject({ kind: 'reply', text: 'We are on it.', autoSubmitted: true });
  });

  it('writes a failed send on the timeline and throws for the queue to retry', async () => {
    const { ticket, firstComment } = await emailTicket();
    failNext = true;
    await expect(send('acme', ticket.number, firstComment.id, 1)).rejects.toThrow(/Throttling/);
    expect(ports.tickets.events.at(-1)!.data).toMatchObject({
      type: 'email_failed',
      attempt: 1,
      error: expect.stringMatching(/Throttling/),
    });
    expect(await send('acme', ticket.number, firstComment.id, 2)).toMatchObject({ outcome: 'sent' });
  });
});
