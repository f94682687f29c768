import { beforeEach, describe, expect, it } from 'vitest';
import { hmacSigner } from '../../../functions/adapters/reply-signer.ts';
import { replyAddress } from '../../../functions/core/email/addresses.ts';
import { makeReceiveEmail, type ReceivedMail } from '../../../functions/core/use-cases/receive-email.ts';
import { makeAddComment, makeCreateTicket } from '../../../functions/core/use-cases/tickets.ts';
import {
  MemoryBlobStore,
  MemoryMessageStore,
  MemoryRateLimiter,
  memoryPorts,
} from '../../support/in-memory-ports.ts';
import { parsedMail } from '../../support/mail.ts';

const signer = hmacSigner('test-secret');
let ports: ReturnType<typeof memoryPorts>;
let blobs: MemoryBlobStore;
let limiter: MemoryRateLimiter;
let receive: ReturnType<typeof makeReceiveEmail>;

beforeEach(async () => {
  ports = memoryPorts();
  blobs = new MemoryBlobStore();
  limiter = new MemoryRateLimiter(5);
  await ports.mailboxes.create('acme', 'support@acme.test', ports.clock.now());
  receive = makeReceiveEmail({
    ...ports,
    messages: new MemoryMessageStore(ports.tickets),
    rateLimiter: limiter,
    blobs,
    signer,
    createTicket: makeCreateTicket(ports),
    addComment: makeAddComment(ports),
    digest: (text) => Buffer.from(text).toString('hex').slice(0, 40),
    limits: { maxAttachmentBytes: 100, maxAttachmentBytesPerMail: 150 },
    attachmentsPrefix: 'attachments/',
  });
});

const delivered = (
  mail: ReturnType<typeof parsedMail>,
  recipients = ['support@acme.test'],
): ReceivedMail => ({
  mail,
  recipients,
  rawKey: `inbound/${mail.messageId}`,
  spamVerdict: 'PASS',
  virusVerdict: 'PASS',
});

describe('email intake', () => {
  it('opens a ticket for a new mail, with requester, participants and the origin kept', async () => {
    const mail = parsedMail({
      cc: ['Bo <bo@example.com>', 'support@acme.test'],
      subject: 'Re: Fwd: Order 1234 missing',
    });
    const outcome = await receive(delivered(mail));
    expect(outcome).toMatchObject({ outcome: 'created', tenantId: 'acme', ticketNumber: 1 });
    const ticket = await ports.tickets.get('acme', 1);
    expect(ticket).toMatchObject({
      subject: 'Order 1234 missing',
      channel: 'email',
      mailbox: 'support@acme.test',
      participants: ['bo@example.com'],
      requester: { email: 'ann@example.com', name: 'Ann Example' },
    });
    const comment = ports.tickets.events.find((e) => e.data.type === 'comment')!;
    expect(comment.data).toMatchObject({
      public: true,
      email: { messageId: mail.messageId, rawKey: `inbound/${mail.messageId}` },
    });
  });

  it('takes the same mail in once, however often it is delivered', async () => {
    const mail = parsedMail({});
    await receive(delivered(mail));
    expect(await receive(delivered(mail))).toMatchObject({ outcome: 'duplicate' });
    const withoutId = parsedMail({ messageId: null });
    await receive(delivered(withoutId));
    expect(await receive(delivered(withoutId))).toMatchObject({ outcome: 'duplicate' });
    expect(ports.tickets.tickets.size).toBe(2);
  });

  it('threads by In-Reply-To, then References, then the signed reply address', async () => {
    const first = parsedMail({});
    await receive(delivered(first));
    const reply = parsedMail({ inReplyTo: [first.messageId!], subject: 'Re: something else' });
    expect(await receive(delivered(reply))).toMatchObject({
      outcome: 'commented',
      ticketNumber: 1,
      via: 'in-reply-to',
    });
    const viaReferences = parsedMail({ references: ['unknown@x', first.messageId!] });
    expect(await receive(delivered(viaReferences))).toMatchObject({ via: 'references', ticketNumber: 1 });
    const signed = replyAddress(signer, 'acme', 'support@acme.test', 1);
    const viaAddress = parsedMail({ to: [signed], subject: 'no token here' });
    expect(await receive(delivered(viaAddress, [signed]))).toMatchObject({
      via: 'reply-address',
      ticketNumber: 1,
    });
    const forged = 'support+1.0000000000@acme.test';
    expect(await receive(delivered(parsedMail({ to: [forged] }), [forged]))).toMatchObject({
      outcome: 'created',
    });
  });

  it('honours a subject token only from the requester or a participant', async () => {
    await receive(delivered(parsedMail({ cc: ['bo@example.com'] })));
    const fromRequester = parsedMail({ subject: 'Re: [#1] Order 1234 missing' });
    expect(await receive(delivered(fromRequester))).toMatchObject({ outcome: 'commented', via: 'subject' });
    const fromParticipant = parsedMail({ from: 'bo@example.com', subject: '[#1] more' });
    expect(await receive(delivered(fromParticipant))).toMatchObject({ outcome: 'commented', via: 'subject' });
    const fromStranger = parsedMail({ from: 'mallory@evil.test', subject: 'Re: [#1] let me in' });
    expect(await receive(delivered(fromStranger))).toMatchObject({ outcome: 'created', ticketNumber: 2 });
  });

  it('reopens a solved ticket on a reply and opens a linked follow-up for a closed one', async () => {
    const first = parsedMail({});
    await receive(delivered(first));
    const ticket = (await ports.tickets.get('acme', 1))!;
    await ports.tickets.save(
      { ticket: { ...ticket, status: 'closed', version: ticket.version + 1 }, events: [] },
      ticket.version,
    );
    const late = parsedMail({ inReplyTo: [first.messageId!] });
    expect(await receive(delivered(late))).toMatchObject({ outcome: 'follow_up', ticketNumber: 2 });
    expect(await ports.tickets.get('acme', 2)).toMatchObject({
      links: [{ kind: 'follow_up_of', number: 1 }],
      mailbox: 'support@acme.test',
    });
  });

  it('records an auto-reply on its thread as a note, without reopening or answering it', async () => {
    const first = parsedMail({});
    await receive(delivered(first));
    const ticket = (await ports.tickets.get('acme', 1))!;
    await ports.tickets.save(
      { ticket: { ...ticket, status: 'pending', version: 2 }, events: [] },
      ticket.version,
    );
    const ooo = parsedMail({ inReplyTo: [first.messageId!], headers: { 'Auto-Submitted': 'auto-replied' } });
    expect(await receive(delivered(ooo))).toMatchObject({ outcome: 'commented' });
    expect((await ports.tickets.get('acme', 1))!.status).toBe('pending');
    const note = ports.tickets.events.filter((e) => e.data.type === 'comment').at(-1)!;
    expect(note.data).toMatchObject({
      public: false,
      email: { automated: expect.stringMatching(/auto_reply/) },
    });
  });

  it('attaches a bounce to the ticket of the mail that bounced', async () => {
    const first = parsedMail({});
    await receive(delivered(first));
    await new MemoryMessageStore(ports.tickets).recordOutbound(
      'acme',
      1,
      ['reply-1@acme.test'],
      ports.clock.now(),
    );
    const bounce = parsedMail({
      from: 'MAILER-DAEMON@mx.example.com',
      contentType: 'multipart/report',
      bouncedMessageId: 'reply-1@acme.test',
      subject: 'Undelivered Mail Returned to Sender',
    });
    expect(await receive(delivered(bounce))).toMatchObject({ outcome: 'noted', ticketNumber: 1 });
    expect(ports.tickets.events.at(-1)!.data).toMatchObject({
      type: 'email_bounced',
      bouncedMessageId: 'reply-1@acme.test',
    });
    expect(ports.tickets.tickets.size).toBe(1);
  });

  it('holds mail whose spam verdict failed as spam, out of the queues', async () => {
    const outcome = await receive({ ...delivered(parsedMail({ subject: 'You won' })), spamVerdict: 'FAIL' });
    expect(outcome).toMatchObject({ outcome: 'created', ticketNumber: 1 });
    expect((await ports.tickets.get('acme', 1))!.spam).toBe(true);
    expect((await ports.tickets.list('acme', { status: 'new' }, { limit: 10 })).items).toEqual([]);
    expect(
      (await ports.tickets.list('acme', { status: 'spam' }, { limit: 10 })).items.map((t) => t.number),
    ).toEqual([1]);
  });

  it('drops mail for unknown addresses and refuses viruses, with the reason', async () => {
    expect(
      await receive(delivered(parsedMail({ to: ['someone@else.test'] }), ['someone@else.test'])),
    ).toMatchObject({
      outcome: 'dropped',
      tenantId: null,
    });
    expect(await receive({ ...delivered(parsedMail({})), virusVerdict: 'FAIL' })).toMatchObject({
      outcome: 'rejected',
    });
    expect(ports.tickets.tickets.size).toBe(0);
  });

  it('holds back a runaway sender’s new tickets and counts them, but still threads replies', async () => {
    const outcomes = [];
    for (let i = 0; i < 8; i++)
      outcomes.push((await receive(delivered(parsedMail({ subject: `Loop ${i}` })))).outcome);
    expect(outcomes).toEqual([
      'created',
      'created',
      'created',
      'created',
      'created',
      'rate_limited',
      'rate_limited',
      'rate_limited',
    ]);
    expect(limiter.held).toBe(3);
  });

  it('keeps attachments within the limits and notes the ones it drops', async () => {
    const file = (name: string, size: number) => ({
      filename: name,
      contentType: 'application/pdf',
      size,
      inline: false,
      contentId: null,
      content: new Uint8Array(size),
    });
    await receive(
      delivered(parsedMail({ attachments: [file('a.pdf', 80), file('huge.pdf', 500), file('b.pdf', 80)] })),
    );
    const comment = ports.tickets.events.find((e) => e.data.type === 'comment')!;
    const attachments = (
      comment.data as unknown as { attachments: { filename: string; key: string | null; dropped?: string }[] }
    ).attachments;
    expect(attachments.map((a) => [a.filename, a.key !== null, a.dropped !== undefined])).toEqual([
      ['a.pdf', true, false],
      ['huge.pdf', false, true],
      ['b.pdf', false, true],
    ]);
    expect(blobs.blobs.size).toBe(1);
  });
});
