import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { InboundChannel } from '../../../functions/core/channels/channel.ts';
import {
  liveSecrets,
  newChannel,
  patchChannel,
  publicPath,
  ROTATED_SECRET_GRACE_MS,
  rotateSecret,
} from '../../../functions/core/channels/manage.ts';
import { SIGNATURE_TOLERANCE_SECONDS, verifySignature } from '../../../functions/core/channels/signature.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import { fakeChannelCrypto } from '../../support/in-memory-ports.ts';

const crypto = fakeChannelCrypto();
const NOW = '2026-03-02T09:00:00.000Z';
const twilio = {
  accountSid: `AC${'0'.repeat(32)}`,
  fromNumber: '+14155550100',
  authTokenSecret: 'deskless/twilio/acme/main',
};

function fieldErrorsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).fieldErrors.map((e) => e.path);
  }
  throw new Error('expected a DomainError');
}

describe('channel settings', () => {
  it('gives each type its own settings, with defaults, and refuses the settings of another type', () => {
    const form = newChannel('acme', 'ch_1', { type: 'web_form', name: ' Contact ' }, 'whsec_x', NOW);
    expect(form).toMatchObject({ name: 'Contact', webForm: { perIpPerHour: 10 }, twilio: null, chat: null });
    const chat = newChannel(
      'acme',
      'ch_2',
      { type: 'chat', name: 'Chat', chat: { escalateAfterMessages: 3 } },
      's',
      NOW,
    );
    expect(chat.chat).toEqual({ escalateAfterMessages: 3, escalateAfterMinutes: null });
    expect(newChannel('acme', 'ch_3', { type: 'sms_twilio', name: 'SMS', twilio }, 's', NOW).twilio).toEqual(
      twilio,
    );

    expect(
      fieldErrorsOf(() => newChannel('acme', 'ch_4', { type: 'sms_twilio', name: 'SMS' }, 's', NOW)),
    ).toEqual(['twilio']);
    expect(
      fieldErrorsOf(() =>
        newChannel(
          'acme',
          'ch_5',
          { type: 'webhook', name: 'Hook', twilio, webForm: { perIpPerHour: 3 } },
          's',
          NOW,
        ),
      ),
    ).toEqual(['twilio', 'webForm']);
  });

  it('patches name, tags and own settings; a patch that changes nothing keeps the version', () => {
    const channel = newChannel(
      'acme',
      'ch_1',
      { type: 'web_form', name: 'Contact', tags: ['Web Form'] },
      's',
      NOW,
    );
    expect(channel.tags).toEqual(['web_form']);
    expect(patchChannel(channel, { name: 'Contact' }, NOW)).toBe(channel);
    const changed = patchChannel(
      channel,
      { webForm: { perIpPerHour: 3 }, tags: ['a'] },
      '2026-03-02T10:00:00.000Z',
    );
    expect(changed).toMatchObject({ webForm: { perIpPerHour: 3 }, tags: ['a'], version: 2 });
    expect(fieldErrorsOf(() => patchChannel(channel, { chat: { escalateAfterMessages: 2 } }, NOW))).toEqual([
      'chat',
    ]);
  });

  it('publishes the URL each provider posts to', () => {
    expect(publicPath({ id: 'ch_1', type: 'webhook' })).toBe('/v1/channels/ch_1/messages');
    expect(publicPath({ id: 'ch_1', type: 'chat' })).toBe('/v1/channels/ch_1/messages');
    expect(publicPath({ id: 'ch_1', type: 'sms_twilio' })).toBe('/v1/channels/ch_1/twilio');
    expect(publicPath({ id: 'ch_1', type: 'web_form' })).toBe('/v1/forms/ch_1');
  });

  it('rotates: the old secret verifies for the grace period, then expires and is dropped', () => {
    const first = newChannel('acme', 'ch_1', { type: 'webhook', name: 'Hook' }, 'whsec_old', NOW);
    const rotated = rotateSecret(first, 'whsec_new', NOW);
    const graceEnd = new Date(Date.parse(NOW) + ROTATED_SECRET_GRACE_MS).toISOString();
    expect(rotated.secrets).toEqual([
      { secret: 'whsec_new', createdAt: NOW, expiresAt: null },
      { secret: 'whsec_old', createdAt: NOW, expiresAt: graceEnd },
    ]);
    expect(rotated.version).toBe(2);
    expect(liveSecrets(rotated, '2026-03-03T08:59:59.000Z').map((s) => s.secret)).toEqual([
      'whsec_new',
      'whsec_old',
    ]);
    expect(liveSecrets(rotated, graceEnd).map((s) => s.secret)).toEqual(['whsec_new']);
    // Rotating again within the grace period keeps the oldest one's own expiry; after it, drops it.
    const again = rotateSecret(rotated, 'whsec_newer', '2026-03-02T12:00:00.000Z');
    expect(again.secrets.map((s) => [s.secret, s.expiresAt])).toEqual([
      ['whsec_newer', null],
      ['whsec_new', '2026-03-03T12:00:00.000Z'],
      ['whsec_old', graceEnd],
    ]);
    expect(rotateSecret(again, 'whsec_4', '2026-03-03T10:00:00.000Z').secrets.map((s) => s.secret)).toEqual([
      'whsec_4',
      'whsec_newer',
      'whsec_new',
    ]);
  });
});

describe('Standard Webhooks verification', () => {
  const secret = crypto.newSecret();
  const other = crypto.newSecret();
  const body = JSON.stringify({ conversationId: 'c-1', from: { email: 'ann@example.com' }, text: 'Hi' });
  const channel = { secrets: [{ secret, createdAt: NOW, expiresAt: null }] } as Pick<
    InboundChannel,
    'secrets'
  >;
  const signed = (at: string, payload = body, key = secret, id = 'msg_1') => ({
    id,
    timestamp: String(Math.floor(Date.parse(at) / 1000)),
    signature: new Webhook(key).sign(id, new Date(at), payload),
  });

  it('accepts what the standardwebhooks library signs, against the raw body', async () => {
    expect(await verifySignature(signed(NOW), body, channel.secrets, NOW)).toEqual({ ok: true, id: 'msg_1' });
    // Several signatures (a sender mid-rotation): any one matching is enough.
    const two = signed(NOW);
    const both = { ...two, signature: `v1,bm9wZQ== ${two.signature}` };
    expect((await verifySignature(both, body, channel.secrets, NOW)).ok).toBe(true);
  });

  it('refuses a changed body, another id, another secret, and missing headers, saying why', async () => {
    const delivery = signed(NOW);
    expect(await verifySignature(delivery, `${body} `, channel.secrets, NOW)).toMatchObject({
      reason: 'no_match',
    });
    expect(await verifySignature({ ...delivery, id: 'msg_2' }, body, channel.secrets, NOW)).toMatchObject({
      reason: 'no_match',
    });
    expect(await verifySignature(signed(NOW, body, other), body, channel.secrets, NOW)).toMatchObject({
      reason: 'no_match',
    });
    expect(
      await verifySignature({ ...delivery, signature: undefined }, body, channel.secrets, NOW),
    ).toMatchObject({
      reason: 'missing_headers',
      detail: 'missing header(s): webhook-signature',
    });
    expect(
      await verifySignature({ ...delivery, timestamp: 'yesterday' }, body, channel.secrets, NOW),
    ).toMatchObject({
      reason: 'bad_timestamp',
    });
  });

  it('keeps a 5-minute window either way, measured on the injected clock', async () => {
    const at = (offsetSeconds: number) => new Date(Date.parse(NOW) + offsetSeconds * 1000).toISOString();
    expect(
      (await verifySignature(signed(at(-SIGNATURE_TOLERANCE_SECONDS)), body, channel.secrets, NOW)).ok,
    ).toBe(true);
    expect(
      (await verifySignature(signed(at(SIGNATURE_TOLERANCE_SECONDS)), body, channel.secrets, NOW)).ok,
    ).toBe(true);
    const stale = await verifySignature(signed(at(-600)), body, channel.secrets, NOW);
    expect(stale).toMatchObject({ ok: false, reason: 'stale' });
    expect(stale.ok === false && stale.detail).toContain('600 s old');
    expect(await verifySignature(signed(at(301)), body, channel.secrets, NOW)).toMatchObject({
      reason: 'future',
    });
    // The clock decides, not the machine's time: a message signed "in 2030" verifies when the clock says 2030.
    const later = '2030-01-01T00:00:00.000Z';
    expect((await verifySignature(signed(later), body, channel.secrets, later)).ok).toBe(true);
  });

  it('verifies the HMAC over the body bytes as they arrived, not text decoded from them', async () => {
    // Bytes that are not UTF-8: a decoder turns 0xff and 0xfe alike into U+FFFD.
    const raw = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
    const seconds = Math.floor(Date.parse(NOW) / 1000);
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key)
      .update(Buffer.concat([Buffer.from(`msg_1.${seconds}.`), raw]))
      .digest('base64');
    const delivery = { id: 'msg_1', timestamp: String(seconds), signature: `v1,${mac}` };
    expect(await verifySignature(delivery, raw, channel.secrets, NOW)).toEqual({ ok: true, id: 'msg_1' });
    const other = raw.slice();
    other[6] = 0xfe;
    expect(await verifySignature(delivery, other, channel.secrets, NOW)).toMatchObject({
      reason: 'no_match',
    });
    // The text a lenient decoder makes of it is not what was signed either.
    const decoded = new TextDecoder().decode(raw);
    expect(await verifySignature(delivery, decoded, channel.secrets, NOW)).toMatchObject({
      reason: 'no_match',
    });
  });

  it('verifies with a rotated-out secret during its grace period only', async () => {
    const rotated = rotateSecret(
      newChannel('acme', 'ch_1', { type: 'webhook', name: 'Hook' }, secret, NOW),
      other,
      NOW,
    );
    const soon = '2026-03-02T20:00:00.000Z';
    expect(
      (await verifySignature(signed(soon, body, secret), body, liveSecrets(rotated, soon), soon)).ok,
    ).toBe(true);
    expect(
      (await verifySignature(signed(soon, body, other), body, liveSecrets(rotated, soon), soon)).ok,
    ).toBe(true);
    const late = '2026-03-03T09:00:01.000Z';
    expect(
      await verifySignature(signed(late, body, secret), body, liveSecrets(rotated, late), late),
    ).toMatchObject({
      reason: 'no_match',
    });
  });
});
