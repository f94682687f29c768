import { beforeEach, describe, expect, it } from 'vitest';
import type { InboundChannel } from '../../../functions/core/channels/channel.ts';
import { type FormPairs, type SmsMessage, twilioMedia } from '../../../functions/core/channels/sms.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';
import { signedTwilioRequest, smsParams, testAccountSid } from '../../support/twilio.ts';

const CUSTOMER = '+14155550123';
const OUR_NUMBER = '+14155550100';
const TOKEN = 'unit-auth-token';
const URL_ = 'https://api.example.com/v1/channels/ch_sms/twilio';
const accountSid = testAccountSid();

const channel: InboundChannel = {
  tenantId: 'acme',
  id: 'ch_sms',
  type: 'sms_twilio',
  name: 'Support line',
  group: null,
  tags: ['sms'],
  secrets: [],
  twilio: { accountSid, fromNumber: OUR_NUMBER, authTokenSecret: 'deskless/twilio/acme/main' },
  chat: null,
  webForm: null,
  createdAt: '2026-03-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:00:00.000Z',
  version: 1,
};

/** What the HTTP layer's contract does: the fields it reads (the route's tests cover its 400s). */
function parse(pairs: FormPairs): SmsMessage {
  const fields = Object.fromEntries(pairs);
  return {
    messageSid: fields.MessageSid!,
    from: fields.From!,
    to: fields.To!,
    body: fields.Body ?? '',
    media: twilioMedia(fields),
  };
}

let ports: ReturnType<typeof memoryPorts>;
let receive: ReturnType<typeof makeUseCases>['receiveTwilioSms'];

beforeEach(async () => {
  ports = memoryPorts();
  ports.channelSecrets.values.set('deskless/twilio/acme/main', TOKEN);
  await ports.channels.create(channel);
  receive = makeUseCases(ports).receiveTwilioSms;
});

function request(params: Record<string, string>, options: { token?: string; url?: string } = {}) {
  const signed = signedTwilioRequest(options.token ?? TOKEN, options.url ?? URL_, params);
  return { url: URL_, signature: signed.signature, params: Object.entries(params) };
}

const sms = (body: string, extra: Record<string, string> = {}) =>
  smsParams({ from: CUSTOMER, to: OUR_NUMBER, body, accountSid, extra });

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('receiving a Twilio SMS', () => {
  it('opens an sms ticket for the sender, then threads the sender’s next SMS onto it', async () => {
    expect(await receive('ch_sms', request(sms('Hello, my order?')), parse)).toEqual({
      ticket: 1,
      outcome: 'created',
    });
    const ticket = (await ports.tickets.get('acme', 1))!;
    expect(ticket).toMatchObject({
      channel: 'sms',
      subject: 'Hello, my order?',
      tags: ['sms'],
      requester: { phone: CUSTOMER },
      conversation: { channelId: 'ch_sms', channelType: 'sms_twilio', conversationId: CUSTOMER },
    });
    expect(await receive('ch_sms', request(sms('Any news?')), parse)).toEqual({
      ticket: 1,
      outcome: 'commented',
    });
    expect(ports.channelSecrets.reads).toEqual(['deskless/twilio/acme/main', 'deskless/twilio/acme/main']);
  });

  it('takes a MessageSid in once: Twilio retrying it changes nothing', async () => {
    const params = sms('Once');
    await receive('ch_sms', request(params), parse);
    const events = ports.tickets.events.length;
    expect(await receive('ch_sms', request(params), parse)).toEqual({ ticket: 1, outcome: 'duplicate' });
    expect(ports.tickets.events.length).toBe(events);
  });

  it('accepts the URL signed with the default port spelled out', async () => {
    const signed = request(sms('Port'), { url: 'https://api.example.com:443/v1/channels/ch_sms/twilio' });
    expect((await receive('ch_sms', signed, parse)).outcome).toBe('created');
  });

  it('refuses a missing or wrong signature (403) before reading the message', async () => {
    let parsed = 0;
    const counting = (pairs: FormPairs) => {
      parsed++;
      return parse(pairs);
    };
    const missing = await rejection(
      receive('ch_sms', { ...request(sms('x')), signature: undefined }, counting),
    );
    expect(missing.code).toBe('forbidden');
    const wrong = await rejection(receive('ch_sms', request(sms('x'), { token: 'other' }), counting));
    expect(wrong.code).toBe('forbidden');
    const otherUrl = await rejection(
      receive(
        'ch_sms',
        request(sms('x'), { url: 'https://evil.example/v1/channels/ch_sms/twilio' }),
        counting,
      ),
    );
    expect(otherUrl.code).toBe('forbidden');
    expect(parsed).toBe(0);
    expect(ports.tickets.tickets.size).toBe(0);
  });

  it('answers 404 for an unknown channel and 409 for another type or an unreadable token', async () => {
    expect((await rejection(receive('ch_none', request(sms('x')), parse))).code).toBe('not_found');
    await ports.channels.create({ ...channel, id: 'ch_hook', type: 'webhook', twilio: null });
    const hook = await rejection(receive('ch_hook', request(sms('x')), parse));
    expect(hook.code).toBe('conflict');
    expect(hook.message).toContain('/v1/channels/ch_hook/messages');
    await ports.channels.create({
      ...channel,
      id: 'ch_gone',
      twilio: { ...channel.twilio!, authTokenSecret: 'deskless/twilio/acme/gone' },
    });
    const gone = await rejection(receive('ch_gone', request(sms('x')), parse));
    expect(gone.code).toBe('conflict');
    expect(gone.message).toContain('ResourceNotFoundException');
  });
});
