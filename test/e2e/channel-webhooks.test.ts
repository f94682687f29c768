import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import { apiClient, type Json } from '../support/http-client.ts';

/**
 * Inbound channels over HTTP against the local runtime: a shop's backend posts signed messages to a webhook
 * channel (threading, replays, refusals, follow-ups, an attachment served by a local file server), and a
 * customer uses a web form (a ticket; a bot's honeypot post; the per-IP rate limit).
 */
let runtime: LocalRuntime;
let dataDir: string;
let files: Server;
let filesUrl: string;
const api = apiClient(() => runtime.apiUrl);

beforeAll(async () => {
  files = createServer((request, response) => {
    if (request.url === '/label.pdf') {
      response.writeHead(200, { 'content-type': 'application/pdf' });
      response.end(Buffer.from('%PDF-1.4 shipping label'));
      return;
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-'));
  runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0 });
});

afterAll(async () => {
  await runtime?.stop();
  await new Promise((resolve) => files?.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

/** A raw POST: the body is sent exactly as signed. */
async function post(path: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${runtime.apiUrl}${path}`, { method: 'POST', body, headers });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json');
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: (json && text ? JSON.parse(text) : null) as Json,
  };
}

function signedPost(
  channelId: string,
  secret: string,
  message: unknown,
  options: { id?: string; at?: number } = {},
) {
  const body = JSON.stringify(message);
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const at = new Date(options.at ?? Date.now());
  return post(`/v1/channels/${channelId}/messages`, body, {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  });
}

describe('a webhook channel', () => {
  it('takes signed messages into threaded tickets exactly once, and refuses what it must', async () => {
    const admin = runtime.state.adminApiKey;
    const created = await api('POST', '/v1/channels', admin, {
      type: 'webhook',
      name: 'Shop',
      tags: ['shop'],
    });
    expect(created.status).toBe(201);
    const { id, secret } = created.body;
    expect(created.body.url).toBe(`${runtime.apiUrl}/v1/channels/${id}/messages`);
    const message = (text: string, extra: object = {}) => ({
      conversationId: 'order-8812',
      from: { email: 'dana@example.org', name: 'Dana' },
      text,
      ...extra,
    });

    // A signed message creates a ticket; the same webhook-id again creates nothing.
    const first = await signedPost(id, secret, message('Parcel arrived damaged'), { id: 'msg_e2e_1' });
    expect(first.status).toBe(202);
    expect(first.body.outcome).toBe('created');
    const ticket = first.body.ticket;
    const replay = await signedPost(id, secret, message('Parcel arrived damaged'), { id: 'msg_e2e_1' });
    expect(replay.body).toEqual({ ticket, outcome: 'duplicate' });
    const tickets = await api('GET', '/v1/tickets?limit=50', admin);
    expect(tickets.body.items.filter((t: Json) => t.channel === 'webhook')).toHaveLength(1);

    // A bad signature, a timestamp 10 minutes old and a malformed body: each a 4xx problem.
    const forged = await signedPost(id, `whsec_${Buffer.alloc(32, 1).toString('base64')}`, message('x'));
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toBe('application/problem+json');
    const stale = await signedPost(id, secret, message('x'), { at: Date.now() - 10 * 60_000 });
    expect(stale.status).toBe(401);
    expect(stale.body.detail).toMatch(/old/);
    const malformed = await signedPost(id, secret, { conversationId: 'order-8812', text: 'no sender' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: Json) => e.path)).toContain('from');

    // A second message on the conversation threads onto the ticket, with its attachment kept.
    const second = await signedPost(
      id,
      secret,
      message('Here is the label', { attachments: [{ url: `${filesUrl}/label.pdf` }] }),
    );
    expect(second.body).toEqual({ ticket, outcome: 'commented' });
    const timeline = await api('GET', `/v1/tickets/${ticket}/timeline`, admin);
    const comments = timeline.body.items.filter((e: Json) => e.type === 'comment');
    expect(comments.map((c: Json) => c.data.body)).toEqual(['Parcel arrived damaged', 'Here is the label']);
    expect(comments[1].data.attachments).toEqual([
      {
        filename: 'label.pdf',
        contentType: 'application/pdf',
        size: 23,
        key: expect.stringMatching(new RegExp(`^attachments/[^/]+/${id}/[^/]+/0-label\\.pdf$`)),
        inline: false,
      },
    ]);
    const read = await api('GET', `/v1/tickets/${ticket}`, admin);
    expect(read.body).toMatchObject({
      channel: 'webhook',
      tags: ['shop'],
      conversation: { channelId: id, channelType: 'webhook', conversationId: 'order-8812' },
    });

    // After closing, a message opens a follow-up, and the conversation moves to it.
    await api('PATCH', `/v1/tickets/${ticket}`, admin, { status: 'solved' });
    expect((await api('PATCH', `/v1/tickets/${ticket}`, admin, { status: 'closed' })).body.status).toBe(
      'closed',
    );
    const afterClose = await signedPost(id, secret, message('It happened again'));
    expect(afterClose.body.outcome).toBe('follow_up');
    const followUp = await api('GET', `/v1/tickets/${afterClose.body.ticket}`, admin);
    expect(followUp.body.links).toEqual([{ kind: 'follow_up_of', number: ticket }]);
    expect((await signedPost(id, secret, message('Any update?'))).body).toEqual({
      ticket: afterClose.body.ticket,
      outcome: 'commented',
    });
  });
});

describe('a web form channel', () => {
  it('makes tickets of submissions, ignores a honeypot post and rate-limits one address', async () => {
    const admin = runtime.state.adminApiKey;
    const created = await api('POST', '/v1/channels', admin, {
      type: 'web_form',
      name: 'Contact us',
      webForm: { perIpPerHour: 2 },
    });
    const { id } = created.body;
    const page = await fetch(`${runtime.apiUrl}/v1/forms/${id}`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain(`action="${runtime.apiUrl}/v1/forms/${id}"`);

    const form = (fields: Record<string, string>) =>
      post(`/v1/forms/${id}`, new URLSearchParams(fields).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
      });
    const sent = await form({
      name: 'Erin',
      email: 'erin@example.org',
      message: 'Do you ship to Oslo?',
      website: '',
    });
    expect(sent.status).toBe(202);
    const bot = await form({ email: 'bot@spam.test', message: 'Buy now', website: 'http://spam.test' });
    expect(bot.status).toBe(202);
    expect(bot.text).toBe(sent.text);
    const second = await form({ email: 'erin@example.org', message: 'And to Bergen?' });
    expect(second.status).toBe(202);
    const limited = await form({ email: 'erin@example.org', message: 'Hello?' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1800');
    expect(limited.body.type).toBe('/docs#problem-rate-limited');

    const formTickets = (await api('GET', '/v1/tickets?limit=50', admin)).body.items.filter(
      (t: Json) => t.channel === 'web_form',
    );
    expect(formTickets.map((t: Json) => t.subject).sort()).toEqual([
      'And to Bergen?',
      'Do you ship to Oslo?',
    ]);
    expect(formTickets.every((t: Json) => t.requester.email === 'erin@example.org')).toBe(true);
  });
});
