import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClock } from '../../functions/adapters/clock.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import { apiClient, eventually, type Json } from '../support/http-client.ts';

/**
 * Chat on the local runtime: a chat provider posts signed messages to a chat channel; they stay conversations
 * (no ticket) through an agent's reply and a resolution, and become a ticket only when escalated — by the Nth
 * customer message, by an agent, by the channel's keyword rule, or by the minutes timer through the sweeper.
 * The platform's clock runs 120 times faster (a simulated minute every 500 ms), so a 2-minute escalation takes
 * about a second; messages are signed with the platform's (simulated) time, as the signature window demands.
 */
const SPEED = 120;
const ORIGIN = String(Date.now());
const clock = makeClock({ DESKLESS_CLOCK_SPEED: String(SPEED), DESKLESS_CLOCK_ORIGIN: ORIGIN });

let runtime: LocalRuntime;
let dataDir: string;
let admin: string;
let agentKey: string;
let agentId: string;
const api = apiClient(() => runtime.apiUrl);

/** The tenant's webhook receiver (what would forward agents' replies to the chat provider). */
let receiver: Server;
const received: { headers: Record<string, string>; body: string; json: Json }[] = [];
let subscription: { id: string; secret: string };

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers as Record<string, string>, body, json: JSON.parse(body) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-chat-'));
  runtime = await startLocalRuntime({
    dataDir,
    inMemory: true,
    port: 0,
    smtpPort: 0,
    env: { DESKLESS_CLOCK_SPEED: String(SPEED), DESKLESS_CLOCK_ORIGIN: ORIGIN },
  });
  admin = runtime.state.adminApiKey;
  // First, before any event of the tenant: subscriptions are cached for a few seconds per container.
  const subscribed = await api('POST', '/v1/subscriptions', admin, {
    url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/chat-replies`,
    events: ['conversation.message_added'],
  });
  expect(subscribed.status, JSON.stringify(subscribed.body)).toBe(201);
  subscription = subscribed.body;
  const agent = await api('POST', '/v1/agents', admin, { name: 'Bo', email: 'bo@support.test' });
  agentId = agent.body.id;
  agentKey = (await api('POST', '/v1/api-keys', admin, { name: 'Bo', role: 'agent', agentId })).body.secret;
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

interface Channel {
  readonly id: string;
  readonly secret: string;
}

async function chatChannel(name: string, chat: object, extra: object = {}): Promise<Channel> {
  const created = await api('POST', '/v1/channels', admin, { type: 'chat', name, chat, ...extra });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.url).toBe(`${runtime.apiUrl}/v1/channels/${created.body.id}/messages`);
  return { id: created.body.id, secret: created.body.secret };
}

let sent = 0;
/** What the chat provider does: POST the message, signed (Standard Webhooks) at the platform's time. */
async function say(channel: Channel, conversationId: string, text: string, webhookId = `wh_${++sent}`) {
  const body = JSON.stringify({
    conversationId,
    from: { id: `visitor-${conversationId}`, name: 'Ann', email: 'ann@example.com' },
    text,
  });
  const at = new Date(clock.now());
  const response = await fetch(`${runtime.apiUrl}/v1/channels/${channel.id}/messages`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(channel.secret).sign(webhookId, at, body),
    },
  });
  const answer = (await response.json()) as Json;
  expect(response.status, JSON.stringify(answer)).toBe(202);
  return answer;
}

const chatTickets = async () =>
  ((await api('GET', '/v1/tickets?limit=100', admin)).body.items as Json[]).filter(
    (t) => t.channel === 'chat',
  );
const conversation = async (id: string) => (await api('GET', `/v1/conversations/${id}`, agentKey)).body;
const comments = async (ticket: number) =>
  ((await api('GET', `/v1/tickets/${ticket}/timeline?limit=100`, admin)).body.items as Json[]).filter(
    (e) => e.type === 'comment',
  );

describe('a chat channel', () => {
  it('keeps messages, an agent reply and a resolution as a conversation: no ticket', async () => {
    const channel = await chatChannel('Website chat', { escalateAfterMessages: 3 });
    const first = await say(channel, 'quick-1', 'Are you open on Sunday?', 'wh_quick_1');
    expect(first).toMatchObject({ outcome: 'started', status: 'open', ticket: null });
    expect(await say(channel, 'quick-1', 'Are you open on Sunday?', 'wh_quick_1')).toEqual({
      ...first,
      outcome: 'duplicate',
    });

    const reply = await api('POST', `/v1/conversations/${first.conversation}/messages`, agentKey, {
      text: 'Yes, from 10 to 4.',
    });
    expect(reply.status).toBe(201);
    expect(reply.body.message).toMatchObject({ author: { type: 'agent', id: agentId, name: 'Bo' } });
    const resolved = await api('POST', `/v1/conversations/${first.conversation}:resolve`, agentKey);
    expect(resolved.body.conversation.status).toBe('resolved');
    expect((await conversation(first.conversation)).messages.map((m: Json) => m.text)).toEqual([
      'Are you open on Sunday?',
      'Yes, from 10 to 4.',
    ]);
    expect(await chatTickets()).toEqual([]);

    // The agent's reply went out through the outbox, for a webhook subscription to deliver to the provider.
    const events = await eventually(
      async () =>
        ((await (await fetch(`${runtime.eventsUrl}?detail-type=conversation.message_added`)).json()) as Json)
          .events as Json[],
      (list) => list.some((e) => e.detail.data.message.author.type === 'agent'),
    );
    expect(events.find((e) => e.detail.data.message.author.type === 'agent')?.detail).toMatchObject({
      conversation: { id: first.conversation, channelId: channel.id, externalId: 'quick-1' },
      data: { message: { text: 'Yes, from 10 to 4.' } },
    });
    await eventually(
      async () =>
        ((await (await fetch(`${runtime.eventsUrl}?detail-type=conversation.resolved`)).json()) as Json)
          .events,
      (list: Json[]) => list.some((e) => e.detail.conversation.id === first.conversation),
    );

    // …and the tenant's webhook subscription delivered it, signed (Standard Webhooks).
    const agentReply = (hit: (typeof received)[number]) =>
      hit.json.type === 'conversation.message_added' && hit.json.data.data.message.author.type === 'agent';
    await eventually(
      async () => received.filter(agentReply),
      (hits) => hits.length > 0,
    );
    const hit = received.find(agentReply)!;
    expect(hit.json.data).toMatchObject({
      conversation: { id: first.conversation, externalId: 'quick-1' },
      data: { message: { text: 'Yes, from 10 to 4.' } },
    });
    // The platform's clock runs fast, so the signature is checked at the delivery's own timestamp.
    const sentAt = new Date(Number(hit.headers['webhook-timestamp']) * 1000);
    const expected = new Webhook(subscription.secret).sign(hit.headers['webhook-id']!, sentAt, hit.body);
    expect(hit.headers['webhook-signature']!.split(' ')).toContain(expected);
  });

  it('escalates on the Nth customer message into a ticket with the transcript; later messages comment on it', async () => {
    const channel = await chatChannel(
      'Support chat',
      { escalateAfterMessages: 3 },
      { tags: ['chat', 'vip'] },
    );
    const first = await say(channel, 'long-1', 'My invoice is wrong');
    await api('POST', `/v1/conversations/${first.conversation}/messages`, agentKey, { text: 'Which one?' });
    expect((await say(channel, 'long-1', 'INV-42')).ticket).toBeNull();
    const third = await say(channel, 'long-1', 'It charges me twice');
    expect(third).toMatchObject({ outcome: 'escalated', status: 'escalated', ticket: expect.any(Number) });

    const ticket = (await api('GET', `/v1/tickets/${third.ticket}`, admin)).body;
    expect(ticket).toMatchObject({
      channel: 'chat',
      subject: 'My invoice is wrong',
      tags: ['chat', 'vip'],
      requester: { email: 'ann@example.com' },
      conversation: { channelId: channel.id, channelType: 'chat', conversationId: 'long-1' },
    });
    const [transcript] = await comments(third.ticket);
    const lines = (transcript.data.body as string).split('\n').filter((l) => l.startsWith('['));
    expect(lines.map((l) => l.replace(/^\[[^\]]+\] /, ''))).toEqual([
      'Ann (customer): My invoice is wrong',
      'Bo (agent): Which one?',
      'Ann (customer): INV-42',
      'Ann (customer): It charges me twice',
    ]);

    const later = await say(channel, 'long-1', 'Any news?');
    expect(later).toMatchObject({ outcome: 'commented', ticket: third.ticket });
    expect((await comments(third.ticket)).map((c) => c.data.body).at(-1)).toBe('Any news?');
    expect(await chatTickets()).toHaveLength(1);
  });

  it('escalates by an agent (once) and by the channel’s keyword rule', async () => {
    const plain = await chatChannel('Plain chat', {});
    const asked = await say(plain, 'agent-1', 'Can I get a quote for 40 seats?');
    const escalated = await api('POST', `/v1/conversations/${asked.conversation}:escalate`, agentKey, {
      reason: 'sales lead',
    });
    expect(escalated.status).toBe(201);
    expect(escalated.body.conversation.escalation).toMatchObject({ by: 'agent', reason: 'sales lead' });
    const again = await api('POST', `/v1/conversations/${asked.conversation}:escalate`, agentKey);
    expect(again.status).toBe(200);
    expect(again.body.ticket.number).toBe(escalated.body.ticket.number);

    const rules = await chatChannel('Billing chat', {
      escalateWhen: { any: [{ field: 'comment', operator: 'contains', value: 'refund' }] },
    });
    expect((await say(rules, 'rule-1', 'Hello there')).ticket).toBeNull();
    const refund = await say(rules, 'rule-1', 'I would like a refund for my order');
    expect(refund).toMatchObject({ outcome: 'escalated', ticket: expect.any(Number) });
    expect((await conversation(refund.conversation)).conversation.escalation).toMatchObject({ by: 'rule' });

    const refused = await api('POST', '/v1/channels', admin, {
      type: 'chat',
      name: 'Bad rule',
      chat: { escalateWhen: { all: [{ field: 'priority', operator: 'is', value: 'high' }] } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].path).toMatch(/escalateWhen/);
  });

  it('escalates a conversation still open after the channel’s minutes, through the sweeper', async () => {
    const channel = await chatChannel('Timed chat', { escalateAfterMinutes: 2 });
    const started = await say(channel, 'slow-1', 'Hello? Is anybody there?');
    expect(started.ticket).toBeNull();
    const armed = (await conversation(started.conversation)).conversation;
    expect(armed.timer).toMatchObject({ dueAt: expect.any(String) });

    const done = await eventually(
      () => conversation(started.conversation),
      (read) => read.conversation.status === 'escalated',
      20_000,
      200,
    );
    expect(done.conversation).toMatchObject({
      status: 'escalated',
      escalation: { by: 'minutes', reason: 'still unresolved 2 minutes after it began' },
      timer: null,
    });
    // Never before it was due.
    expect(Date.parse(done.conversation.escalation.at)).toBeGreaterThanOrEqual(Date.parse(armed.timer.dueAt));
    const ticket = (await api('GET', `/v1/tickets/${done.conversation.ticketNumber}`, admin)).body;
    expect(ticket).toMatchObject({ channel: 'chat', subject: 'Hello? Is anybody there?' });

    // A conversation resolved in time is never escalated by its timer.
    const quick = await say(channel, 'slow-2', 'Quick one');
    await api('POST', `/v1/conversations/${quick.conversation}:resolve`, agentKey);
    await new Promise((resolve) => setTimeout(resolve, (3 * 60_000) / SPEED));
    expect((await conversation(quick.conversation)).conversation).toMatchObject({
      status: 'resolved',
      ticketNumber: null,
    });
  });
});
