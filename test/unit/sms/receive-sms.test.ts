import { beforeEach, describe, expect, it } from 'vitest';
import type { InboundChannel } from '../../../functions/core/channels/channel.ts';
import { type FormPairs, type SmsMessage, twilioMedia } from '../../../functions/core/channels/sms.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import {
  type RemoteFileOptions,
  type RemoteFiles,
  type SecretReader,
  SecretUnavailableError,
} from '../../../functions/core/ports.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { TWILIO_NOT_CONFIGURED, TwilioSetupError } from '../../../functions/core/use-cases/receive-sms.ts';
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
    // The public answer says nothing of the tenant's setup; the detail is kept for the logs.
    expect(gone.message).toBe(TWILIO_NOT_CONFIGURED);
    expect(gone.message).not.toMatch(/acme|deskless\/twilio|ResourceNotFound|arn:/);
    expect(gone).toBeInstanceOf(TwilioSetupError);
    expect((gone as TwilioSetupError).detail).toContain('ResourceNotFoundException');
    await ports.channels.create({
      ...channel,
      id: 'ch_foreign',
      twilio: {
        ...channel.twilio!,
        authTokenSecret:
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:deskless/twilio/other/x-AbCdEf',
      },
    });
    const foreign = await rejection(receive('ch_foreign', request(sms('x')), parse));
    expect(foreign.message).toBe(TWILIO_NOT_CONFIGURED);
    expect(foreign.message).not.toContain('123456789012');
  });

  it('after a token rotation, reads the secret once past the cache before refusing the signature', async () => {
    // A reader that caches as the Secrets Manager adapter does.
    const stored = new Map([['deskless/twilio/acme/main', TOKEN]]);
    const cache = new Map<string, string>();
    const reads: { name: string; fresh: boolean }[] = [];
    const caching: SecretReader = {
      async read(name, options) {
        reads.push({ name, fresh: options?.fresh === true });
        const cached = options?.fresh ? undefined : cache.get(name);
        if (cached !== undefined) return cached;
        const value = stored.get(name);
        if (value === undefined) throw new SecretUnavailableError(name, 'ResourceNotFoundException');
        cache.set(name, value);
        return value;
      },
    };
    const withCache = makeUseCases({ ...ports, channelSecrets: caching }).receiveTwilioSms;
    expect((await withCache('ch_sms', request(sms('Before')), parse)).outcome).toBe('created');
    stored.set('deskless/twilio/acme/main', 'rotated-token');
    const after = await withCache('ch_sms', request(sms('After'), { token: 'rotated-token' }), parse);
    expect(after.outcome).toBe('commented');
    expect(reads.map((r) => r.fresh)).toEqual([false, false, true]);
    // The cache holds the new token: the next message needs no fresh read.
    await withCache('ch_sms', request(sms('Again'), { token: 'rotated-token' }), parse);
    expect(reads.map((r) => r.fresh)).toEqual([false, false, true, false]);
    // A forged signature costs one fresh read, then 403.
    const forged = await rejection(withCache('ch_sms', request(sms('x'), { token: 'forged' }), parse));
    expect(forged.code).toBe('forbidden');
    expect(reads.map((r) => r.fresh)).toEqual([false, false, true, false, false, true]);
  });

  it('fetches MMS media with the channel’s Twilio credentials', async () => {
    const calls: { url: string; options: RemoteFileOptions | undefined }[] = [];
    const recording: RemoteFiles = {
      async fetch(url, _limits, options) {
        calls.push({ url, options });
        return { content: new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), contentType: 'image/jpeg' };
      },
    };
    const withMedia = makeUseCases({ ...ports, remoteFiles: recording }).receiveTwilioSms;
    const mediaUrl = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Messages/MM1/Media/ME1`;
    await withMedia(
      'ch_sms',
      request(sms('', { NumMedia: '1', MediaUrl0: mediaUrl, MediaContentType0: 'image/jpeg' })),
      parse,
    );
    expect(calls).toEqual([{ url: mediaUrl, options: { twilio: { accountSid, authToken: TOKEN } } }]);
    const ticket = (await ports.tickets.get('acme', 1))!;
    expect(ticket).toBeTruthy();
  });
});
