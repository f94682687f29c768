import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { hmacSigner } from '../../../functions/adapters/reply-signer.ts';
import type { Caller } from '../../../functions/core/caller.ts';
import {
  keepLinkedAttachments,
  LINKED_ATTACHMENT_LIMITS,
  UNFINISHED_DOWNLOAD,
} from '../../../functions/core/channels/attachments.ts';
import type { InboundChannel } from '../../../functions/core/channels/channel.ts';
import type { OutboundMail } from '../../../functions/core/email/outbound.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import {
  type ChannelMessage,
  deliveryKey,
  SignatureRejectedError,
} from '../../../functions/core/use-cases/channel-intake.ts';
import { escalationMarker } from '../../../functions/core/use-cases/conversation-escalation.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { makeReceiveEmail } from '../../../functions/core/use-cases/receive-email.ts';
import { makeSendEmail } from '../../../functions/core/use-cases/send-email.ts';
import { makeAddComment, makeCreateTicket } from '../../../functions/core/use-cases/tickets.ts';
import { webFormPage, webFormThanksPage } from '../../../functions/http/web-form-page.ts';
import { queues } from '../../../functions/topology.ts';
import { matchesPattern } from '../../../local/eventbridge.ts';
import { MemoryBlobStore, MemoryRemoteFiles, memoryPorts } from '../../support/in-memory-ports.ts';
import { parsedMail } from '../../support/mail.ts';

const admin: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_a',
  actor: { type: 'agent', id: 'key_a' },
};

let ports: ReturnType<typeof memoryPorts>;
let uc: ReturnType<typeof makeUseCases>;

beforeEach(() => {
  ports = memoryPorts();
  uc = makeUseCases(ports);
});

const message = (overrides: Partial<ChannelMessage> = {}): ChannelMessage => ({
  conversationId: 'conv-1',
  from: { email: 'Ann@Example.com', name: 'Ann' },
  text: 'My order never arrived\nOrder 1042, placed Monday.',
  ...overrides,
});

async function webhookChannel(overrides: { group?: string; tags?: string[] } = {}) {
  return uc.createChannel(admin, { type: 'webhook', name: 'Shop', ...overrides });
}

const timelineOf = (number: number) => ports.tickets.events.filter((e) => e.ticketNumber === number);

describe('channel messages: threading, follow-ups, replays', () => {
  it('opens a ticket with the conversation, the channel’s group and tags, and the requester by email', async () => {
    await uc.createGroup(admin, { name: 'Billing' });
    const group = [...ports.groups.groups.values()][0]!.id;
    const { channel } = await webhookChannel({ group, tags: ['shop'] });
    const result = await uc.receiveChannelMessage(channel, message(), {
      deliveryId: 'msg_1',
      ticketChannel: 'webhook',
    });
    expect(result).toEqual({ ticket: 1, outcome: 'created' });
    const ticket = await ports.tickets.get('acme', 1);
    expect(ticket).toMatchObject({
      subject: 'My order never arrived',
      channel: 'webhook',
      group,
      tags: ['shop'],
      conversation: { channelId: channel.id, channelType: 'webhook', conversationId: 'conv-1' },
      requester: { email: 'ann@example.com', name: 'Ann' },
    });
    const comment = timelineOf(1).find((e) => e.data.type === 'comment')!;
    expect(comment.actor).toMatchObject({ type: 'customer', email: 'ann@example.com' });
    expect(comment.data).toMatchObject({ public: true, body: message().text });
  });

  it('threads a conversation onto its ticket, and a replayed delivery changes nothing', async () => {
    const { channel } = await webhookChannel();
    const options = (deliveryId: string) => ({ deliveryId, ticketChannel: 'webhook' as const });
    await uc.receiveChannelMessage(channel, message(), options('msg_1'));
    const second = await uc.receiveChannelMessage(channel, message({ text: 'Any news?' }), options('msg_2'));
    expect(second).toEqual({ ticket: 1, outcome: 'commented' });
    const events = ports.tickets.events.length;
    expect(await uc.receiveChannelMessage(channel, message({ text: 'Any news?' }), options('msg_2'))).toEqual(
      {
        ticket: 1,
        outcome: 'duplicate',
      },
    );
    // Delivery ids are case-sensitive: MSG_2 is another delivery.
    expect(
      (await uc.receiveChannelMessage(channel, message({ text: 'Hello?' }), options('MSG_2'))).outcome,
    ).toBe('commented');
    expect(ports.tickets.events.length).toBe(events + 1);
    // Another conversation, or the same id on another channel, is another ticket.
    expect(
      (await uc.receiveChannelMessage(channel, message({ conversationId: 'conv-2' }), options('msg_3')))
        .ticket,
    ).toBe(2);
    const { channel: other } = await webhookChannel();
    expect((await uc.receiveChannelMessage(other, message(), options('msg_1'))).ticket).toBe(3);
  });

  it('opens a follow-up after the ticket is closed, and moves the conversation to it', async () => {
    const { channel } = await webhookChannel();
    const options = (deliveryId: string) => ({ deliveryId, ticketChannel: 'webhook' as const });
    await uc.receiveChannelMessage(channel, message(), options('msg_1'));
    await uc.updateTicket(admin, 1, { status: 'solved' });
    await uc.updateTicket(admin, 1, { status: 'closed' });
    const followUp = await uc.receiveChannelMessage(
      channel,
      message({ text: 'It broke again' }),
      options('msg_2'),
    );
    expect(followUp).toEqual({ ticket: 2, outcome: 'follow_up' });
    expect(await ports.tickets.get('acme', 2)).toMatchObject({
      subject: 'My order never arrived',
      links: [{ kind: 'follow_up_of', number: 1 }],
      conversation: { conversationId: 'conv-1' },
      status: 'new',
    });
    expect((await ports.tickets.get('acme', 1))?.links).toEqual([{ kind: 'followed_up_by', number: 2 }]);
    expect(await ports.channels.conversationTicket('acme', channel.id, 'conv-1')).toBe(2);
    expect(await uc.receiveChannelMessage(channel, message({ text: 'Thanks' }), options('msg_3'))).toEqual({
      ticket: 2,
      outcome: 'commented',
    });
  });

  it('re-reads the thread when another message claimed it first (no second ticket)', async () => {
    const { channel } = await webhookChannel();
    // The other message's transaction lands between this one's read and write.
    const read = ports.channels.conversationTicket.bind(ports.channels);
    let raced = false;
    ports.channels.conversationTicket = async (tenantId, channelId, conversationId) => {
      const current = await read(tenantId, channelId, conversationId);
      if (!raced) {
        raced = true;
        await uc.receiveChannelMessage(channel, message(), {
          deliveryId: 'msg_other',
          ticketChannel: 'webhook',
        });
      }
      return current;
    };
    const result = await uc.receiveChannelMessage(channel, message({ text: 'me too' }), {
      deliveryId: 'msg_mine',
      ticketChannel: 'webhook',
    });
    expect(result).toEqual({ ticket: 1, outcome: 'commented' });
    expect(ports.tickets.tickets.size).toBe(1);
  });

  it('finds the requester by phone, and refuses a sender with neither email nor phone', async () => {
    const { channel } = await webhookChannel();
    await uc.receiveChannelMessage(channel, message({ from: { phone: '+1 415 555 0123' } }), {
      deliveryId: 'm1',
      ticketChannel: 'webhook',
    });
    expect((await ports.tickets.get('acme', 1))?.requester.phone).toBe('+14155550123');
    const error = await uc
      .receiveChannelMessage(channel, message({ from: { id: 'u1' } }), {
        deliveryId: 'm2',
        ticketChannel: 'webhook',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
  });
});

describe('channel delivery keys are apart from email Message-IDs', () => {
  const receiveEmail = () =>
    makeReceiveEmail({
      ...ports,
      signer: hmacSigner('test-secret'),
      createTicket: makeCreateTicket(ports),
      addComment: makeAddComment(ports),
      digest: (text) => Buffer.from(text).toString('hex').slice(0, 40),
      limits: { maxAttachmentBytes: 100, maxAttachmentBytesPerMail: 150 },
      attachmentsPrefix: 'attachments/',
    });
  const mailWith = (fields: Parameters<typeof parsedMail>[0]) => {
    const mail = parsedMail({ from: 'Eve <eve@example.net>', ...fields });
    return {
      mail,
      recipients: ['support@acme.test'],
      rawKey: 'inbound/x',
      spamVerdict: 'PASS',
      virusVerdict: 'PASS',
    };
  };

  beforeEach(async () => {
    await ports.mailboxes.create('acme', 'support@acme.test', ports.clock.now());
  });

  it('a mail whose Message-ID is a delivery key does not claim the delivery', async () => {
    const { channel } = await webhookChannel();
    const key = deliveryKey(ports.channelCrypto, channel.id, 'msg_1');
    expect(await receiveEmail()(mailWith({ messageId: key }))).toMatchObject({ outcome: 'created' });
    const result = await uc.receiveChannelMessage(channel, message(), {
      deliveryId: 'msg_1',
      ticketChannel: 'webhook',
    });
    expect(result).toEqual({ ticket: 2, outcome: 'created' });
    // The delivery itself is still taken in once.
    expect(
      await uc.receiveChannelMessage(channel, message(), { deliveryId: 'msg_1', ticketChannel: 'webhook' }),
    ).toEqual({ ticket: 2, outcome: 'duplicate' });
  });

  it('a mail replying to a delivery key is not threaded onto the channel ticket', async () => {
    const { channel } = await webhookChannel();
    await uc.receiveChannelMessage(channel, message(), { deliveryId: 'msg_1', ticketChannel: 'webhook' });
    const key = deliveryKey(ports.channelCrypto, channel.id, 'msg_1');
    const outcome = await receiveEmail()(mailWith({ inReplyTo: [key], references: [key] }));
    expect(outcome).toMatchObject({ outcome: 'created', ticketNumber: 2 });
    expect(timelineOf(1).filter((e) => e.data.type === 'comment')).toHaveLength(1);
  });

  it('nor is the chat escalation marker in the mail key space', async () => {
    const marker = escalationMarker('cv_1');
    await makeCreateTicket(ports)(
      { ...admin, role: 'channel', actor: { type: 'system', id: 'chat' } },
      {
        subject: 'Chat',
        comment: { body: 'transcript', public: true },
        requester: { email: 'c@example.com' },
      },
      { channel: 'chat', inboundMessage: marker },
    );
    expect(await ports.conversations.inbound('acme', marker.messageId)).toEqual({
      conversationId: null,
      ticketNumber: 1,
    });
    // A mail replying to the marker opens its own ticket; a mail with the marker as its Message-ID claims nothing.
    const reply = await receiveEmail()(mailWith({ inReplyTo: [marker.messageId] }));
    expect(reply).toMatchObject({ outcome: 'created', ticketNumber: 2 });
    expect(await receiveEmail()(mailWith({ messageId: 'chat-escalation:cv_2' }))).toMatchObject({
      outcome: 'created',
    });
    expect(await ports.conversations.inbound('acme', 'chat-escalation:cv_2')).toBeNull();
  });
});

describe('linked attachments', () => {
  it('keeps what it can in the mail bucket and lists the rest, with why, in an internal note', async () => {
    const { channel } = await webhookChannel();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    ports.remoteFiles.files.set('https://files.test/receipt.png', { content: png, contentType: 'image/png' });
    ports.remoteFiles.files.set('https://files.test/tool', {
      content: new Uint8Array([0x4d, 0x5a, 0x90, 0]),
      contentType: 'application/octet-stream',
    });
    ports.remoteFiles.files.set('http://10.0.0.5/secret', {
      refuse: 'not fetched: 10.0.0.5 is not a public address',
    });
    const result = await uc.receiveChannelMessage(
      channel,
      message({
        attachments: [
          { url: 'https://files.test/receipt.png' },
          { url: 'https://files.test/tool', filename: 'invoice.pdf' },
          { url: 'http://10.0.0.5/secret' },
          { url: 'https://files.test/run.exe', filename: 'run.exe' },
          { url: 'https://files.test/gone.pdf' },
          { url: 'https://files.test/sixth.png' },
        ],
      }),
      { deliveryId: 'msg_1', ticketChannel: 'webhook' },
    );
    expect(result.outcome).toBe('created');
    const [key] = [...ports.blobs.blobs.keys()];
    expect(ports.blobs.blobs.size).toBe(1);
    expect(key).toMatch(new RegExp(`^attachments/acme/${channel.id}/[^/]+/0-receipt\\.png$`));
    expect(ports.blobs.blobs.get(key!)).toEqual({ content: png, contentType: 'image/png' });
    // The executable named .exe is refused without a download; the sixth is over the count limit.
    expect(ports.remoteFiles.fetched).not.toContain('https://files.test/run.exe');
    expect(ports.remoteFiles.fetched).not.toContain('https://files.test/sixth.png');

    const events = timelineOf(1);
    const comment = events.find((e) => e.data.type === 'comment' && e.data.public)!;
    const attachments = comment.data.type === 'comment' ? comment.data.attachments! : [];
    expect(attachments.map((a) => [a.filename, a.key !== null])).toEqual([
      ['receipt.png', true],
      ['invoice.pdf', false],
      ['secret', false],
      ['run.exe', false],
      ['gone.pdf', false],
      ['sixth.png', false],
    ]);
    const note = events.find((e) => e.data.type === 'comment' && !e.data.public)!;
    expect(note.actor).toMatchObject({ type: 'system', id: `channel:${channel.id}` });
    const body = note.data.type === 'comment' ? note.data.body : '';
    expect(body).toContain('5 attachments of this message could not be kept');
    expect(body).toContain(
      'invoice.pdf (https://files.test/tool): a Windows executable (MZ header) is not accepted',
    );
    expect(body).toContain('10.0.0.5 is not a public address');
    expect(body).toContain(
      'run.exe (https://files.test/run.exe): executable file name run.exe is not accepted',
    );
    expect(body).toContain('gone.pdf');
    expect(body).toContain('at most 5 attachments');
    // The note is part of the same change: same version as the comment.
    expect(note.ticket.version).toBe(comment.ticket.version);
  });

  it('enforces the per-file and per-message size limits', async () => {
    const { channel } = await webhookChannel();
    const mb = (n: number) => new Uint8Array(n * 1024 * 1024);
    ports.remoteFiles.files.set('https://f.test/big', { content: mb(11), contentType: 'image/png' });
    for (const name of ['a', 'b', 'c']) {
      ports.remoteFiles.files.set(`https://f.test/${name}`, { content: mb(9), contentType: 'image/png' });
    }
    await uc.receiveChannelMessage(
      channel,
      message({
        attachments: ['big', 'a', 'b', 'c'].map((n) => ({ url: `https://f.test/${n}` })),
      }),
      { deliveryId: 'm', ticketChannel: 'webhook' },
    );
    const comment = timelineOf(1).find((e) => e.data.type === 'comment' && e.data.public)!;
    const kept = comment.data.type === 'comment' ? comment.data.attachments! : [];
    expect(kept.map((a) => a.dropped ?? 'kept')).toEqual([
      'larger than 10 MB',
      'kept',
      'kept',
      "the message's attachments exceed 25 MB",
    ]);
  });
});

describe('linked attachments under one deadline', () => {
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

  it('downloads the files at once: five slow ones fit in a deadline shorter than their sum', async () => {
    const files = new MemoryRemoteFiles();
    const slow = files.fetch.bind(files);
    files.fetch = async (url, limits) => {
      await sleep(60);
      return slow(url, limits);
    };
    const urls = ['a', 'b', 'c', 'd', 'e'].map((n) => `https://f.test/${n}.png`);
    for (const url of urls) files.files.set(url, { content: png, contentType: 'image/png' });
    const blobs = new MemoryBlobStore();
    const started = Date.now();
    const { attachments, refused } = await keepLinkedAttachments(
      { files, blobs },
      'attachments/t/c/d/',
      urls.map((url) => ({ url })),
      200,
    );
    expect(Date.now() - started).toBeLessThan(200);
    expect(refused).toEqual([]);
    expect(attachments.map((a) => a.key)).toEqual([
      'attachments/t/c/d/0-a.png',
      'attachments/t/c/d/1-b.png',
      'attachments/t/c/d/2-c.png',
      'attachments/t/c/d/3-d.png',
      'attachments/t/c/d/4-e.png',
    ]);
    expect(blobs.blobs.size).toBe(5);
  });

  it('refuses what is unfinished at the deadline, keeps the rest, and never waits past it', async () => {
    const files = new MemoryRemoteFiles();
    files.files.set('https://f.test/quick.png', { content: png, contentType: 'image/png' });
    const served = files.fetch.bind(files);
    files.fetch = (url, limits) => (url.includes('hangs') ? new Promise(() => {}) : served(url, limits));
    // Storing takes time too (S3): a file in early is stored at once, not after the deadline.
    const blobs = new MemoryBlobStore();
    const put = blobs.put.bind(blobs);
    blobs.put = async (key, content, contentType) => {
      await sleep(20);
      return put(key, content, contentType);
    };
    const started = Date.now();
    const { attachments, refused } = await keepLinkedAttachments(
      { files, blobs },
      'p/',
      [
        { url: 'https://f.test/quick.png' },
        { url: 'https://f.test/hangs.pdf', contentType: 'application/pdf' },
      ],
      100,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(attachments.map((a) => [a.filename, a.key, a.dropped])).toEqual([
      ['quick.png', 'p/0-quick.png', undefined],
      ['hangs.pdf', null, UNFINISHED_DOWNLOAD],
    ]);
    expect(refused).toEqual([
      { name: 'hangs.pdf', url: 'https://f.test/hangs.pdf', reason: 'download did not finish in time' },
    ]);
    expect([...blobs.blobs.keys()]).toEqual(['p/0-quick.png']);
  });

  it('stores the message when a download hangs past the 8 s deadline (the API stops at 15 s)', async () => {
    expect(LINKED_ATTACHMENT_LIMITS.deadlineMs).toBeLessThan(15_000 - 5_000);
    const { channel } = await webhookChannel();
    ports.remoteFiles.files.set('https://f.test/ok.png', { content: png, contentType: 'image/png' });
    const served = ports.remoteFiles.fetch.bind(ports.remoteFiles);
    ports.remoteFiles.fetch = (url, limits) =>
      url.includes('hangs') ? new Promise(() => {}) : served(url, limits);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const pending = uc.receiveChannelMessage(
        channel,
        message({
          attachments: [
            { url: 'https://f.test/hangs-1.png' },
            { url: 'https://f.test/ok.png' },
            { url: 'https://f.test/hangs-2.png' },
          ],
        }),
        { deliveryId: 'slow_1', ticketChannel: 'webhook' },
      );
      await vi.advanceTimersByTimeAsync(LINKED_ATTACHMENT_LIMITS.deadlineMs);
      expect(await pending).toEqual({ ticket: 1, outcome: 'created' });
    } finally {
      vi.useRealTimers();
    }
    const events = timelineOf(1);
    const comment = events.find((e) => e.data.type === 'comment' && e.data.public)!;
    const kept = comment.data.type === 'comment' ? comment.data.attachments! : [];
    expect(kept.map((a) => a.dropped ?? 'kept')).toEqual([
      'download did not finish in time',
      'kept',
      'download did not finish in time',
    ]);
    const note = events.find((e) => e.data.type === 'comment' && !e.data.public)!;
    expect(note.data.type === 'comment' && note.data.body).toContain(
      '2 attachments of this message could not be kept',
    );
  });
});

describe('the signed webhook route', () => {
  const signedAt = (iso: string, body: string, secret: string, id = 'msg_1') => ({
    id,
    timestamp: String(Math.floor(Date.parse(iso) / 1000)),
    signature: new Webhook(secret).sign(id, new Date(iso), body),
  });
  const parse = (raw: string) => JSON.parse(raw) as ChannelMessage;

  it('verifies with the clock, then stores; a rotated-out secret still works within its grace', async () => {
    const { channel, secret } = await webhookChannel();
    const body = JSON.stringify(message());
    const now = ports.clock.now();
    expect(await uc.receiveWebhook(channel.id, signedAt(now, body, secret), body, parse)).toEqual({
      ticket: 1,
      outcome: 'created',
    });
    expect(await uc.receiveWebhook(channel.id, signedAt(now, body, secret), body, parse)).toEqual({
      ticket: 1,
      outcome: 'duplicate',
    });
    const { secret: fresh } = await uc.rotateChannelSecret(admin, channel.id);
    const later = JSON.stringify(message({ text: 'again' }));
    expect(
      (await uc.receiveWebhook(channel.id, signedAt(now, later, secret, 'm2'), later, parse)).outcome,
    ).toBe('commented');
    expect(
      (await uc.receiveWebhook(channel.id, signedAt(now, later, fresh, 'm3'), later, parse)).outcome,
    ).toBe('commented');
    ports.clock.advance(24 * 3600 * 1000 + 1000);
    const afterGrace = ports.clock.now();
    const refused = await uc
      .receiveWebhook(channel.id, signedAt(afterGrace, later, secret, 'm4'), later, parse)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SignatureRejectedError);
    expect((refused as SignatureRejectedError).verdict.reason).toBe('no_match');
  });

  it('stores nothing for a bad signature or a stale timestamp, and never parses the body', async () => {
    const { channel, secret } = await webhookChannel();
    const body = JSON.stringify(message());
    let parsed = 0;
    const counting = (raw: string) => {
      parsed++;
      return parse(raw);
    };
    const tenMinutesAgo = new Date(Date.parse(ports.clock.now()) - 600_000).toISOString();
    const stale = await uc
      .receiveWebhook(channel.id, signedAt(tenMinutesAgo, body, secret), body, counting)
      .catch((e: unknown) => e);
    expect((stale as SignatureRejectedError).verdict.reason).toBe('stale');
    const forged = await uc
      .receiveWebhook(
        channel.id,
        signedAt(ports.clock.now(), body, 'whsec_Zm9yZ2VkLWZvcmdlZC1mb3JnZWQtZm9yZ2Vk'),
        body,
        counting,
      )
      .catch((e: unknown) => e);
    expect((forged as SignatureRejectedError).verdict.reason).toBe('no_match');
    expect(parsed).toBe(0);
    expect(ports.tickets.tickets.size).toBe(0);
  });

  it('answers 404 for an unknown channel and 409 naming the right URL for other types', async () => {
    const body = '{}';
    const delivery = { id: 'm', timestamp: '1', signature: 'v1,x' };
    const codeOf = async (id: string) =>
      (await uc.receiveWebhook(id, delivery, body, parse).catch((e: unknown) => e)) as DomainError;
    expect((await codeOf('ch_nope')).code).toBe('not_found');
    const { channel: sms } = await uc.createChannel(admin, {
      type: 'sms_twilio',
      name: 'SMS',
      twilio: {
        accountSid: `AC${'1'.repeat(32)}`,
        fromNumber: '+14155550100',
        authTokenSecret: 'deskless/twilio/acme/main',
      },
    });
    const smsError = await codeOf(sms.id);
    expect(smsError.code).toBe('conflict');
    expect(smsError.message).toContain(`/v1/channels/${sms.id}/twilio`);
    const { channel: form } = await uc.createChannel(admin, { type: 'web_form', name: 'Form' });
    expect((await codeOf(form.id)).message).toContain(`/v1/forms/${form.id}`);
  });
});

describe('the web form', () => {
  let form: InboundChannel;
  beforeEach(async () => {
    form = (
      await uc.createChannel(admin, { type: 'web_form', name: 'Contact', webForm: { perIpPerHour: 3 } })
    ).channel;
  });
  const submission = { email: 'bob@example.com', name: 'Bob', message: 'Hello there', subject: 'Question' };

  it('makes every submission a new ticket on the web_form channel', async () => {
    expect(await uc.submitWebForm(form.id, submission, '203.0.113.9')).toEqual({
      outcome: 'created',
      ticket: 1,
      repliesByEmail: false,
    });
    expect(await uc.submitWebForm(form.id, submission, '203.0.113.9')).toEqual({
      outcome: 'created',
      ticket: 2,
      repliesByEmail: false,
    });
    expect(await ports.tickets.get('acme', 1)).toMatchObject({
      subject: 'Question',
      channel: 'web_form',
      conversation: { channelType: 'web_form' },
      requester: { email: 'bob@example.com', name: 'Bob' },
    });
  });

  it('answers a filled honeypot as a success and stores nothing, not even a rate-limit token', async () => {
    expect(
      await uc.submitWebForm(form.id, { ...submission, website: 'http://spam.test' }, '203.0.113.9'),
    ).toEqual({
      outcome: 'honeypot',
      repliesByEmail: false,
    });
    expect(ports.tickets.tickets.size).toBe(0);
    expect(ports.rateLimiter.taken.size).toBe(0);
  });

  it('limits submissions per client IP with the channel’s setting, telling when to retry', async () => {
    for (let i = 0; i < 3; i++) await uc.submitWebForm(form.id, submission, '203.0.113.9');
    expect(await uc.submitWebForm(form.id, submission, '203.0.113.9')).toEqual({
      outcome: 'rate_limited',
      retryAfterSeconds: 1200,
    });
    expect((await uc.submitWebForm(form.id, submission, '198.51.100.7')).outcome).toBe('created');
    expect(ports.tickets.tickets.size).toBe(4);
    expect(ports.rateLimiter.held).toBe(1);
  });

  it('with a support mailbox, its tickets are answered by email from it; without one, no email is promised', async () => {
    const noMailbox = await uc.submitWebForm(form.id, submission, '203.0.113.9');
    expect(noMailbox).toMatchObject({ outcome: 'created', repliesByEmail: false });
    expect((await ports.tickets.get('acme', 1))!.mailbox).toBeNull();
    expect(await uc.getWebForm(form.id)).toMatchObject({ repliesByEmail: false });
    expect(webFormPage('Contact', 'https://x.test/v1/forms/f', false)).not.toContain('we reply here');
    expect(webFormThanksPage(false)).toContain('will get back to you.');

    await ports.mailboxes.create('acme', 'support@acme.test', '2026-01-01T00:00:00.000Z');
    await ports.mailboxes.create('acme', 'sales@acme.test', '2026-02-01T00:00:00.000Z');
    expect(await uc.getWebForm(form.id)).toMatchObject({ repliesByEmail: true });
    expect(webFormPage('Contact', 'https://x.test/v1/forms/f', true)).toContain('we reply here');
    expect(webFormThanksPage(true)).toContain('will reply by email.');
    const withMailbox = await uc.submitWebForm(form.id, submission, '203.0.113.9');
    expect(withMailbox).toEqual({ outcome: 'created', ticket: 2, repliesByEmail: true });
    expect(await uc.submitWebForm(form.id, { ...submission, website: 'bot' }, '203.0.113.9')).toEqual({
      outcome: 'honeypot',
      repliesByEmail: true,
    });
    expect((await ports.tickets.get('acme', 2))!.mailbox).toBe('support@acme.test');

    // The bus delivers the ticket's public comments to the mail sender, which mails an agent's reply.
    const outbound = queues.find((q) => q.name === 'outbound-email')!.detail!;
    expect(matchesPattern(outbound, { ticket: { channel: 'web_form' }, data: { public: true } })).toBe(true);
    const sent: OutboundMail[] = [];
    const send = makeSendEmail({
      ...ports,
      settings: ports.emailSettings,
      signer: hmacSigner('secret'),
      mailer: {
        async send(mail) {
          sent.push(mail);
          return { messageIds: [mail.messageId] };
        },
      },
    });
    const customerComment = timelineOf(2).find((e) => e.data.type === 'comment')!;
    // The submission itself is not echoed (no acknowledgement: it was not a mail).
    expect(await send('acme', 2, customerComment.id, 1)).toMatchObject({ outcome: 'skipped' });
    const agent: Caller = {
      tenantId: 'acme',
      role: 'agent',
      keyId: 'k',
      actor: { type: 'agent', id: 'agt_1' },
    };
    await uc.addComment(agent, 2, { body: 'We are on it.', public: true });
    const reply = timelineOf(2)
      .filter((e) => e.data.type === 'comment')
      .at(-1)!;
    expect(await send('acme', 2, reply.id, 1)).toMatchObject({ outcome: 'sent' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: 'reply',
      from: 'support@acme.test',
      to: ['bob@example.com'],
      text: 'We are on it.',
    });
    expect(sent[0]!.replyTo).toMatch(/^support\+2\.[0-9a-f]{10}@acme\.test$/);
  });

  it('is a 404 for ids that are not web forms', async () => {
    const { channel } = await webhookChannel();
    for (const id of [channel.id, 'ch_nope']) {
      const error = await uc.submitWebForm(id, submission, '203.0.113.9').catch((e: unknown) => e);
      expect((error as DomainError).code).toBe('not_found');
      expect(((await uc.getWebForm(id).catch((e: unknown) => e)) as DomainError).code).toBe('not_found');
    }
  });
});
