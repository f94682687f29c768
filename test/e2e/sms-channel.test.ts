import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSecretEnvVar } from '../../functions/adapters/channel-secrets.ts';
import { EMPTY_TWIML } from '../../functions/core/channels/sms.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import type { LocalTwilioMessage } from '../../local/twilio.ts';
import { apiClient, eventually, type Json } from '../support/http-client.ts';
import { signedTwilioRequest, smsParams, testAccountSid } from '../support/twilio.ts';

/**
 * The SMS channel on the local runtime: Twilio's signed webhooks make and thread a ticket, a forged one is
 * refused, and an agent's public reply travels the outbox → bus → outbound-sms queue → smsOut → the local
 * Twilio stand-in, exactly once.
 */
const CUSTOMER = '+14155550123';
const OUR_NUMBER = '+14155550100';
const AUTH_TOKEN = 'e2e-twilio-auth-token';
/** The demo tenant's token secret; the runtime's handlers read it from DESKLESS_LOCAL_SECRET_<NAME>. */
const SECRET_NAME = 'deskless/twilio/demo/main';
const accountSid = testAccountSid();

let runtime: LocalRuntime;
let dataDir: string;
const api = apiClient(() => runtime.apiUrl);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-sms-'));
  runtime = await startLocalRuntime({
    dataDir,
    inMemory: true,
    port: 0,
    env: { SMTP_PORT: '0', [localSecretEnvVar(SECRET_NAME)]: AUTH_TOKEN },
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Twilio's POST of an SMS to the channel's URL, signed as Twilio signs it. */
async function twilioPost(url: string, params: Record<string, string>, token = AUTH_TOKEN) {
  const signed = signedTwilioRequest(token, url, params);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed.signature },
    body: signed.body,
  });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

async function sentSms(): Promise<LocalTwilioMessage[]> {
  const response = await fetch(`${runtime.twilioUrl}/messages`);
  return ((await response.json()) as { messages: LocalTwilioMessage[] }).messages;
}

describe('SMS through Twilio on the local runtime', () => {
  it('threads SMS into a ticket, refuses a forged one, and sends the agent’s reply back once', async () => {
    const admin = runtime.state.adminApiKey;
    const created = await api('POST', '/v1/channels', admin, {
      type: 'sms_twilio',
      name: 'Support line',
      twilio: { accountSid, fromNumber: OUR_NUMBER, authTokenSecret: SECRET_NAME },
    });
    expect(created.status).toBe(201);
    const url: string = created.body.url;
    expect(url).toBe(`${runtime.apiUrl}/v1/channels/${created.body.id}/twilio`);

    // A signed SMS creates a ticket on channel sms, answered with empty TwiML.
    const first = await twilioPost(
      url,
      smsParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'My parcel never came', accountSid }),
    );
    expect(first).toEqual({ status: 200, type: expect.stringMatching(/^text\/xml/), text: EMPTY_TWIML });
    const customers = await api('GET', `/v1/customers?phone=${encodeURIComponent(CUSTOMER)}`, admin);
    const customerId = customers.body.items[0].id;
    const tickets = async (): Promise<Json[]> =>
      (await api('GET', `/v1/customers/${customerId}`, admin)).body.tickets.items;
    const [ticket] = await tickets();
    expect(ticket).toMatchObject({ subject: 'My parcel never came', channel: 'sms' });

    // The same number again threads onto it.
    const second = await twilioPost(
      url,
      smsParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'It was due Monday', accountSid }),
    );
    expect(second.status).toBe(200);
    expect(await tickets()).toHaveLength(1);
    const timeline = async (): Promise<Json[]> =>
      (await api('GET', `/v1/tickets/${ticket.number}/timeline?limit=100`, admin)).body.items;
    expect((await timeline()).filter((e) => e.type === 'comment').map((e) => e.data.body)).toEqual([
      'My parcel never came',
      'It was due Monday',
    ]);

    // A forged signature is refused and stores nothing.
    const forged = await twilioPost(
      url,
      smsParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'forged', accountSid }),
      'someone-elses-token',
    );
    expect(forged.status).toBe(403);
    expect(forged.type).toBe('application/problem+json');
    expect((await timeline()).filter((e) => e.type === 'comment')).toHaveLength(2);

    // The agent's public reply goes out by SMS, to the customer, from the channel's number, with basic auth.
    const reply = await api('POST', `/v1/tickets/${ticket.number}/comments`, admin, {
      body: 'Sorry! A new one ships today.',
      public: true,
    });
    expect(reply.status).toBe(201);
    const sent = await eventually(sentSms, (messages) => messages.length > 0);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      accountSid,
      to: CUSTOMER,
      from: OUR_NUMBER,
      body: 'Sorry! A new one ships today.',
      authorization: `Basic ${Buffer.from(`${accountSid}:${AUTH_TOKEN}`).toString('base64')}`,
    });
    const recorded = await eventually(timeline, (events) => events.some((e) => e.type === 'sms_sent'));
    expect(recorded.find((e) => e.type === 'sms_sent')?.data).toEqual({
      to: CUSTOMER,
      from: OUR_NUMBER,
      sids: [sent[0]!.sid],
      forEvent: reply.body.comment.id,
    });

    // Exactly once: an internal note sends nothing, and nothing more arrives for the reply.
    await api('POST', `/v1/tickets/${ticket.number}/comments`, admin, {
      body: 'called the courier',
      public: false,
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await sentSms()).toHaveLength(1);
  });
});
