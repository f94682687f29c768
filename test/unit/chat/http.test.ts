import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it } from 'vitest';
import type { InboundChannel } from '../../../functions/core/channels/channel.ts';
import { MAX_CHAT_MESSAGE_CHARS } from '../../../functions/core/chat/conversation.ts';
import { makeChatIntake } from '../../../functions/core/use-cases/conversations.ts';
import { makeApi } from '../../../functions/http/api.ts';
import { apiEvent, type EventOptions } from '../../support/api-event.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const agent = { tenantId: 'acme', role: 'agent', agentId: 'agt_bo' };
const logger = { error: () => {}, warn: () => {} };

let ports: ReturnType<typeof memoryPorts>;
let api: ReturnType<typeof makeApi>;
let conversationId: string;

async function call(method: string, path: string, options: EventOptions = {}) {
  const result = await api(apiEvent(method, path, { auth: agent, ...options }));
  const body = result.body ? JSON.parse(result.body as string) : undefined;
  return { status: result.statusCode!, headers: result.headers ?? {}, body };
}

beforeEach(async () => {
  ports = memoryPorts();
  api = makeApi(ports, logger, '0.0.0-test');
  const now = ports.clock.now();
  const channel: InboundChannel = {
    tenantId: 'acme',
    id: 'ch_chat',
    type: 'chat',
    name: 'Chat',
    group: null,
    tags: [],
    secrets: [],
    twilio: null,
    chat: { escalateAfterMessages: null, escalateAfterMinutes: null },
    webForm: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await ports.channels.create(channel);
  const started = await makeChatIntake(ports).receive(channel, {
    conversationId: 'prov-1',
    from: { name: 'Ann', email: 'ann@example.com' },
    text: 'Do you ship to Norway?',
    inboundMessage: { messageId: 'wh_1@ch_chat.channel' },
  });
  conversationId = started.conversation;
});

describe('the conversations API', () => {
  it('lists open conversations by default and reads one with its messages', async () => {
    const list = await call('GET', '/v1/conversations');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ items: [{ id: conversationId, status: 'open' }], nextCursor: null });
    expect(list.body.items[0]).not.toHaveProperty('tenantId');
    expect((await call('GET', '/v1/conversations?status=resolved')).body.items).toEqual([]);
    expect((await call('GET', '/v1/conversations?status=closed')).status).toBe(400);

    const one = await call('GET', `/v1/conversations/${conversationId}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      conversation: { id: conversationId, externalId: 'prov-1', customer: { email: 'ann@example.com' } },
      messages: [{ text: 'Do you ship to Norway?', author: { type: 'customer', name: 'Ann' } }],
    });
    const missing = await call('GET', '/v1/conversations/cv_nothere');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
  });

  it('takes an agent reply, and refuses an empty or unknown body with field errors', async () => {
    const reply = await call('POST', `/v1/conversations/${conversationId}/messages`, {
      body: { text: 'Yes, we do.' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      conversation: { messages: 2 },
      message: { text: 'Yes, we do.', author: { type: 'agent', id: 'agt_bo' } },
    });
    const empty = await call('POST', `/v1/conversations/${conversationId}/messages`, {
      body: { text: '  ' },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].path).toBe('text');
    const extra = await call('POST', `/v1/conversations/${conversationId}/messages`, {
      body: { text: 'x', public: false },
    });
    expect(extra.status).toBe(400);
  });

  it('resolves without a body, escalates once, and 404s an unknown action', async () => {
    const resolved = await call('POST', `/v1/conversations/${conversationId}:resolve`, { rawBody: '' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ conversation: { status: 'resolved' }, ticket: null });

    const escalated = await call('POST', `/v1/conversations/${conversationId}:escalate`, {
      body: { reason: 'wants a quote' },
    });
    expect(escalated.status).toBe(201);
    expect(escalated.body).toMatchObject({
      conversation: { status: 'escalated', escalation: { by: 'agent', reason: 'wants a quote' } },
      ticket: {
        channel: 'chat',
        subject: 'Do you ship to Norway?',
        conversation: { conversationId: 'prov-1' },
      },
    });
    expect(escalated.headers.location).toBe(`/v1/tickets/${escalated.body.ticket.number}`);
    const again = await call('POST', `/v1/conversations/${conversationId}:escalate`);
    expect(again.status).toBe(200);
    expect(again.body.ticket.number).toBe(escalated.body.ticket.number);

    const conflict = await call('POST', `/v1/conversations/${conversationId}:resolve`);
    expect(conflict.status).toBe(409);
    expect((await call('POST', `/v1/conversations/${conversationId}:archive`)).status).toBe(404);
    expect((await call('POST', '/v1/conversations/not-an-id:resolve')).status).toBe(404);
  });

  it('pages a conversation’s messages, oldest first', async () => {
    for (const text of ['Hello?', 'Anyone?']) {
      await call('POST', `/v1/conversations/${conversationId}/messages`, { body: { text } });
    }
    const first = await call('GET', `/v1/conversations/${conversationId}?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.messages.map((m: { text: string }) => m.text)).toEqual([
      'Do you ship to Norway?',
      'Hello?',
    ]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call(
      'GET',
      `/v1/conversations/${conversationId}?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(second.body).toMatchObject({ messages: [{ text: 'Anyone?' }], nextCursor: null });
    expect((await call('GET', `/v1/conversations/${conversationId}`)).body.messages).toHaveLength(3);
    expect((await call('GET', `/v1/conversations/${conversationId}?limit=201`)).status).toBe(400);
    expect((await call('GET', `/v1/conversations/${conversationId}?limit=0`)).status).toBe(400);
  });

  it('refuses a signed chat message over the length limit with a problem, storing nothing', async () => {
    const now = ports.clock.now();
    const secret = 'whsec_dGVzdA==';
    await ports.channels.create({
      tenantId: 'acme',
      id: 'ch_signed',
      type: 'chat',
      name: 'Signed chat',
      group: null,
      tags: [],
      secrets: [{ secret, createdAt: now, expiresAt: null }],
      twilio: null,
      chat: { escalateAfterMessages: null, escalateAfterMinutes: null },
      webForm: null,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    const post = (text: string, id: string) => {
      const rawBody = JSON.stringify({
        conversationId: 'prov-big',
        from: { email: 'ann@example.com' },
        text,
      });
      return call('POST', '/v1/channels/ch_signed/messages', {
        auth: null,
        rawBody,
        headers: {
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(Date.parse(now) / 1000)),
          'webhook-signature': new Webhook(secret).sign(id, new Date(now), rawBody),
        },
      });
    };
    const big = await post('x'.repeat(MAX_CHAT_MESSAGE_CHARS + 1), 'wh_big');
    expect(big.status).toBe(422);
    expect(big.headers['content-type']).toBe('application/problem+json');
    expect(big.body.errors[0].path).toBe('text');
    expect(await ports.conversations.find('acme', 'ch_signed', 'prov-big')).toBeNull();
    expect((await post('x'.repeat(MAX_CHAT_MESSAGE_CHARS), 'wh_fits')).status).toBe(202);
  });

  it('is for admins and agents only', async () => {
    const asChannel = await call('GET', '/v1/conversations', { auth: { tenantId: 'acme', role: 'channel' } });
    expect(asChannel.status).toBe(403);
    expect((await call('GET', '/v1/conversations', { auth: null })).status).toBe(401);
  });

  it('documents every conversation route in the OpenAPI document', async () => {
    const document = (await call('GET', '/v1/openapi.json', { auth: null })).body;
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/conversations',
        '/v1/conversations/{id}',
        '/v1/conversations/{id}/messages',
      ]),
    );
    expect(document.paths['/v1/conversations/{id}'].post.operationId).toBe('conversationAction');
    expect(document.components.schemas.ChatSettings.properties).toHaveProperty('escalateWhen');
  });
});
