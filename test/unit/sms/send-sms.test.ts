import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import type { InboundChannel } from '../../../functions/core/channels/channel.ts';
import {
  type OutboundSms,
  type SecretReader,
  SecretUnavailableError,
  SmsOutcomeUnknownError,
  type SmsPartKey,
  SmsRejectedError,
} from '../../../functions/core/ports.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import {
  makeSendSms,
  SMS_CLAIM_LEASE_MS,
  SmsRetryError,
} from '../../../functions/core/use-cases/send-sms.ts';
import { MemorySmsDeliveryStore, memoryPorts } from '../../support/in-memory-ports.ts';

const CUSTOMER = '+14155550123';
const OUR_NUMBER = '+14155550100';
const ACCOUNT = `AC${'0'.repeat(32)}`;
const TOKEN = 'twilio-auth-token';

const channelCaller: Caller = {
  tenantId: 'acme',
  role: 'channel',
  keyId: 'sms',
  actor: { type: 'system', id: 'sms' },
};
const agent: Caller = { tenantId: 'acme', role: 'agent', keyId: 'k', actor: { type: 'agent', id: 'agt_1' } };

const smsChannel: InboundChannel = {
  tenantId: 'acme',
  id: 'ch_sms',
  type: 'sms_twilio',
  name: 'Support line',
  group: null,
  tags: [],
  secrets: [],
  twilio: { accountSid: ACCOUNT, fromNumber: OUR_NUMBER, authTokenSecret: 'deskless/twilio/acme/main' },
  chat: null,
  webForm: null,
  createdAt: '2026-03-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:00:00.000Z',
  version: 1,
};

let ports: ReturnType<typeof memoryPorts>;
let deliveries: MemorySmsDeliveryStore;
let sent: OutboundSms[];
let failures: Error[];
let secretReads: string[];
let send: ReturnType<typeof makeSendSms>;

const secrets: SecretReader = {
  async read(name) {
    secretReads.push(name);
    if (name !== 'deskless/twilio/acme/main')
      throw new SecretUnavailableError(name, 'ResourceNotFoundException');
    return TOKEN;
  },
};

beforeEach(async () => {
  ports = memoryPorts();
  deliveries = new MemorySmsDeliveryStore();
  sent = [];
  failures = [];
  secretReads = [];
  await ports.channels.create(smsChannel);
  send = makeSendSms({
    ...ports,
    deliveries,
    secrets,
    sender: {
      async send(sms) {
        const failure = failures.shift();
        if (failure) throw failure;
        sent.push(sms);
        return { sid: `SM${String(sent.length).padStart(32, '0')}` };
      },
    },
  });
});

async function smsTicket() {
  const uc = makeUseCases(ports);
  const { ticket } = await uc.createTicket(
    channelCaller,
    {
      subject: 'Where is my order?',
      comment: { body: 'Where is my order?' },
      requester: { phone: CUSTOMER },
      conversation: { channelId: smsChannel.id, channelType: 'sms_twilio', conversationId: CUSTOMER },
    },
    { channel: 'sms' },
  );
  return { uc, ticket };
}

async function reply(body: string, options: { public?: boolean } = {}) {
  const { uc, ticket } = await smsTicket();
  const { comment } = await uc.addComment(agent, ticket.number, { body, public: options.public ?? true });
  return { uc, ticket, eventId: comment.id };
}

const timelineTypes = (number: number) =>
  ports.tickets.events.filter((e) => e.ticketNumber === number).map((e) => e.data.type);

describe('sending public replies on SMS tickets', () => {
  it('sends an agent’s public reply to the customer’s number from the channel’s number, once', async () => {
    const { ticket, eventId } = await reply('It ships today.');
    const outcome = await send('acme', ticket.number, eventId, 1);
    expect(outcome).toEqual({ outcome: 'sent', to: CUSTOMER, sids: [`SM${'0'.repeat(31)}1`] });
    expect(sent).toEqual([
      { accountSid: ACCOUNT, authToken: TOKEN, from: OUR_NUMBER, to: CUSTOMER, body: 'It ships today.' },
    ]);
    const note = ports.tickets.events.at(-1)!;
    expect(note.data).toEqual({
      type: 'sms_sent',
      to: CUSTOMER,
      from: OUR_NUMBER,
      sids: [`SM${'0'.repeat(31)}1`],
      forEvent: eventId,
    });
    expect(note.actor).toEqual({ type: 'system', id: 'sms' });

    // The same event delivered again sends nothing and notes nothing.
    expect(await send('acme', ticket.number, eventId, 2)).toEqual({ outcome: 'already_sent' });
    expect(sent).toHaveLength(1);
    expect(timelineTypes(ticket.number).filter((t) => t === 'sms_sent')).toHaveLength(1);
  });

  it('never echoes the customer’s message, and keeps internal notes internal', async () => {
    const { ticket } = await smsTicket();
    const customerComment = ports.tickets.events.find(
      (e) => e.ticketNumber === ticket.number && e.data.type === 'comment',
    )!;
    expect(await send('acme', ticket.number, customerComment.id, 1)).toEqual({
      outcome: 'skipped',
      reason: 'customer messages are not echoed',
    });
    const internal = await reply('Checking with the warehouse', { public: false });
    expect(await send('acme', internal.ticket.number, internal.eventId, 1)).toMatchObject({
      outcome: 'skipped',
      reason: 'internal notes stay internal',
    });
    expect(sent).toEqual([]);
  });

  it('skips tickets that are not SMS conversations', async () => {
    const uc = makeUseCases(ports);
    const { ticket } = await uc.createTicket(agent, {
      subject: 'By API',
      comment: { body: 'b' },
      requester: { phone: CUSTOMER },
    });
    const { comment } = await uc.addComment(agent, ticket.number, { body: 'Hi' });
    expect(await send('acme', ticket.number, comment.id, 1)).toEqual({
      outcome: 'skipped',
      reason: 'the ticket is not an SMS conversation',
    });
    expect(sent).toEqual([]);
  });

  it('splits a long reply into messages of at most 1600 characters, sent in order', async () => {
    const body = Array.from({ length: 600 }, (_, i) => `w${i}`).join(' ');
    const { ticket, eventId } = await reply(body);
    const outcome = await send('acme', ticket.number, eventId, 1);
    expect(outcome.outcome).toBe('sent');
    expect(sent.length).toBe(2);
    for (const sms of sent) expect(sms.body.length).toBeLessThanOrEqual(1600);
    expect(sent.map((s) => s.body).join(' ')).toBe(body);
  });

  it('resumes at the part that failed: a 5xx is retried through the queue, parts sent stay sent', async () => {
    const body = Array.from({ length: 600 }, (_, i) => `w${i}`).join(' ');
    const { ticket, eventId } = await reply(body);
    // First part goes out, the second meets a Twilio 503.
    const sender = { calls: 0 };
    const flaky = makeSendSms({
      ...ports,
      deliveries,
      secrets,
      sender: {
        async send(sms) {
          sender.calls++;
          if (sender.calls === 2) throw Object.assign(new Error('Twilio 503: unavailable'), { status: 503 });
          sent.push(sms);
          return { sid: `SM-part-${sender.calls}` };
        },
      },
    });
    await expect(flaky('acme', ticket.number, eventId, 1)).rejects.toBeInstanceOf(SmsRetryError);
    expect(sent).toHaveLength(1);
    const failed = ports.tickets.events.at(-1)!.data;
    expect(failed).toMatchObject({
      type: 'sms_failed',
      status: 503,
      retrying: true,
      attempt: 1,
      forEvent: eventId,
    });

    expect(await flaky('acme', ticket.number, eventId, 2)).toEqual({
      outcome: 'sent',
      to: CUSTOMER,
      sids: ['SM-part-1', 'SM-part-3'],
    });
    expect(sent).toHaveLength(2);
    expect(sender.calls).toBe(3);
  });

  it('records Twilio’s refusal (a bad number) as sms_failed and never tries again', async () => {
    const { ticket, eventId } = await reply('Hello');
    failures.push(new SmsRejectedError(400, 21211, "Twilio 400 (error 21211): The 'To' number is not valid"));
    expect(await send('acme', ticket.number, eventId, 1)).toEqual({
      outcome: 'rejected',
      to: CUSTOMER,
      error: "Twilio 400 (error 21211): The 'To' number is not valid",
    });
    expect(ports.tickets.events.at(-1)!.data).toEqual({
      type: 'sms_failed',
      to: CUSTOMER,
      error: "Twilio 400 (error 21211): The 'To' number is not valid",
      status: 400,
      attempt: 1,
      retrying: false,
      forEvent: eventId,
    });
    // Redelivered: rejected again without calling Twilio.
    expect(await send('acme', ticket.number, eventId, 2)).toMatchObject({ outcome: 'rejected' });
    expect(sent).toEqual([]);
    expect(timelineTypes(ticket.number).filter((t) => t === 'sms_failed')).toHaveLength(1);
  });

  it('waits while another worker holds a fresh claim, and takes a stale one over', async () => {
    const { ticket, eventId } = await reply('Hello');
    const claim = await deliveries.claim(
      { tenantId: 'acme', eventId, part: 0 },
      ports.clock.now(),
      SMS_CLAIM_LEASE_MS,
    );
    expect(claim.state).toBe('claimed');
    await expect(send('acme', ticket.number, eventId, 1)).rejects.toThrow(/being sent/);
    expect(sent).toEqual([]);
    ports.clock.advance(SMS_CLAIM_LEASE_MS + 1);
    expect(await send('acme', ticket.number, eventId, 2)).toMatchObject({ outcome: 'sent' });
    expect(sent).toHaveLength(1);
  });

  it('refuses a token secret outside the tenant’s prefix without reading it', async () => {
    await ports.channels.save(
      {
        ...smsChannel,
        twilio: { ...smsChannel.twilio!, authTokenSecret: 'deskless/twilio/other/main' },
        version: 2,
      },
      1,
    );
    const { ticket, eventId } = await reply('Hello');
    const outcome = await send('acme', ticket.number, eventId, 1);
    expect(outcome).toMatchObject({ outcome: 'rejected' });
    expect(secretReads).toEqual([]);
    expect(ports.tickets.events.at(-1)!.data).toMatchObject({
      type: 'sms_failed',
      retrying: false,
      status: null,
    });
  });

  it('notes a missing secret as a failure that is not retried', async () => {
    await ports.channels.save(
      {
        ...smsChannel,
        twilio: { ...smsChannel.twilio!, authTokenSecret: 'deskless/twilio/acme/gone' },
        version: 2,
      },
      1,
    );
    const { ticket, eventId } = await reply('Hello');
    expect(await send('acme', ticket.number, eventId, 1)).toMatchObject({
      outcome: 'rejected',
      error: 'secret deskless/twilio/acme/gone cannot be read: ResourceNotFoundException',
    });
    expect(sent).toEqual([]);
  });

  it('skips replies whose channel was deleted', async () => {
    const { ticket, eventId } = await reply('Hello');
    await ports.channels.delete('acme', smsChannel.id);
    expect(await send('acme', ticket.number, eventId, 1)).toEqual({
      outcome: 'skipped',
      reason: 'channel ch_sms no longer sends SMS',
    });
  });

  it('never sends a part twice when marking it sent fails after Twilio took it', async () => {
    const { ticket, eventId } = await reply('Hello');
    // A store whose marker write fails (every attempt of the first delivery), as a DynamoDB throttle would.
    let failingWrites = 3;
    const flakyStore = new (class extends MemorySmsDeliveryStore {
      override async sent(key: SmsPartKey, sid: string) {
        if (failingWrites > 0) {
          failingWrites--;
          throw new Error('ProvisionedThroughputExceededException');
        }
        return super.sent(key, sid);
      }
    })();
    const withStore = makeSendSms({
      ...ports,
      deliveries: flakyStore,
      secrets,
      markerRetryDelaysMs: [0, 0],
      sender: {
        async send(sms) {
          sent.push(sms);
          return { sid: `SM${String(sent.length).padStart(32, '0')}` };
        },
      },
    });
    await expect(withStore('acme', ticket.number, eventId, 1)).rejects.toThrow(/could not be marked sent/);
    expect(sent).toHaveLength(1);
    // No sms_failed saying it will be retried: the part went out.
    expect(timelineTypes(ticket.number)).not.toContain('sms_failed');
    // The claim is kept: a redelivery within the lease sends nothing.
    await expect(withStore('acme', ticket.number, eventId, 2)).rejects.toThrow(/being sent/);
    expect(sent).toHaveLength(1);
  });

  it('a marker write that fails once is retried, and the part is marked sent', async () => {
    const { ticket, eventId } = await reply('Hello');
    let failingWrites = 1;
    const flakyStore = new (class extends MemorySmsDeliveryStore {
      override async sent(key: SmsPartKey, sid: string) {
        if (failingWrites-- > 0) throw new Error('InternalServerError');
        return super.sent(key, sid);
      }
    })();
    const withStore = makeSendSms({
      ...ports,
      deliveries: flakyStore,
      secrets,
      markerRetryDelaysMs: [0],
      sender: {
        async send(sms) {
          sent.push(sms);
          return { sid: 'SM-once' };
        },
      },
    });
    expect(await withStore('acme', ticket.number, eventId, 1)).toMatchObject({ outcome: 'sent' });
    expect(await withStore('acme', ticket.number, eventId, 2)).toEqual({ outcome: 'already_sent' });
    expect(sent).toHaveLength(1);
  });

  it('does not send again when Twilio’s answer was lost (outcome unknown), even after the lease', async () => {
    const { ticket, eventId } = await reply('Hello');
    failures.push(
      new SmsOutcomeUnknownError('no answer from Twilio: The operation was aborted due to timeout'),
    );
    const outcome = await send('acme', ticket.number, eventId, 1);
    expect(outcome).toMatchObject({ outcome: 'rejected', error: expect.stringMatching(/not sent again/) });
    expect(ports.tickets.events.at(-1)!.data).toMatchObject({ type: 'sms_failed', retrying: false });
    ports.clock.advance(SMS_CLAIM_LEASE_MS + 1);
    expect(await send('acme', ticket.number, eventId, 2)).toMatchObject({ outcome: 'rejected' });
    expect(sent).toEqual([]);
  });
});
