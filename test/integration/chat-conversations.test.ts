import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbChannelStore } from '../../functions/adapters/dynamodb/channel-store.ts';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoDbConversationStore } from '../../functions/adapters/dynamodb/conversation-store.ts';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { makeStreamDispatcher } from '../../functions/adapters/dynamodb/outbox.ts';
import { makeDynamoDbPorts } from '../../functions/adapters/dynamodb/ports.ts';
import { DynamoDbTimerStore } from '../../functions/adapters/dynamodb/timer-store.ts';
import { EventBridgePublisher } from '../../functions/adapters/eventbridge/publisher.ts';
import type { InboundChannel } from '../../functions/core/channels/channel.ts';
import { MAX_CHAT_MESSAGE_CHARS } from '../../functions/core/chat/conversation.ts';
import { ConcurrentModificationError } from '../../functions/core/errors.ts';
import type { Clock } from '../../functions/core/ports.ts';
import { timerShard } from '../../functions/core/timers.ts';
import { makeFireChatTimer } from '../../functions/core/use-cases/conversation-escalation.ts';
import { makeChatIntake } from '../../functions/core/use-cases/conversations.ts';
import { makePublishTimelineEvents } from '../../functions/core/use-cases/publish-events.ts';
import { dueTimerMessage } from '../../functions/core/use-cases/sweep-timers.ts';
import { callApi } from '../support/api-call.ts';

/**
 * Chat conversations on DynamoDB Local: the store's transactions (version guard, one conversation per provider
 * conversation under racing first messages, the status view, the escalation timer on the due index, the
 * once-only message keys), the outbox events through the dispatcher, and the agent API through the real api
 * and authorizer handlers.
 */
const commands = new Set<string>();
documentClient.middlewareStack.add(
  (next, context) => async (args) => {
    commands.add(String(context.commandName));
    return next(args);
  },
  { step: 'initialize', name: 'recordChatCommands' },
);

const tables = tableNamesFromEnv();
const tenantId = `chat-${Date.now().toString(36)}`;
const operatorKey = process.env.DESKLESS_OPERATOR_API_KEY!;

/** A clock the test moves: the minutes timer falls due without waiting. */
class TestClock implements Clock {
  readonly speed = 1;
  current = Date.now();
  now() {
    return new Date(this.current).toISOString();
  }
}
const clock = new TestClock();
const ports = makeDynamoDbPorts(documentClient, tables, clock);
const store = new DynamoDbConversationStore(documentClient, tables);
const intake = makeChatIntake(ports);
const fireChatTimer = makeFireChatTimer(ports);

let admin: string;
let channel: InboundChannel;
let delivery = 0;

const message = (text: string, conversationId: string) => ({
  conversationId,
  from: { id: 'visitor-1', name: 'Ann', email: 'ann@example.com' },
  text,
  inboundMessage: { messageId: `d${++delivery}@${channel.id}.channel` },
});

beforeAll(async () => {
  const created = await callApi('POST', '/v1/tenants', operatorKey, { body: { id: tenantId, name: 'Chat' } });
  expect(created.status).toBe(201);
  admin = created.body.apiKey.secret;
  const group = await callApi('POST', '/v1/groups', admin, { body: { name: 'Chat desk' } });
  const now = clock.now();
  channel = {
    tenantId,
    id: `ch_${tenantId}`,
    type: 'chat',
    name: 'Website chat',
    group: group.body.id,
    tags: ['chat'],
    secrets: [{ secret: 'whsec_dGVzdA==', createdAt: now, expiresAt: null }],
    twilio: null,
    chat: { escalateAfterMessages: 4, escalateAfterMinutes: 30 },
    webForm: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await new DynamoDbChannelStore(documentClient, tables).create(channel);
});

afterAll(() => {
  expect([...commands].filter((c) => /Scan/.test(c))).toEqual([]);
});

async function partition(conversationId: string) {
  const { Items } = await documentClient.send(
    new QueryCommand({
      TableName: tables.main,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.conversationPk(tenantId, conversationId) },
    }),
  );
  return Items ?? [];
}

async function views() {
  const { Items } = await documentClient.send(
    new QueryCommand({
      TableName: tables.main,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.conversationsPk(tenantId) },
    }),
  );
  return (Items ?? []).map((item) => String(item.sk));
}

describe('conversation store on DynamoDB Local', () => {
  it('writes the conversation, its message, outbox event, view, lookup and timer in one change', async () => {
    const first = await intake.receive(channel, message('Hello, anyone there?', 'prov-store'));
    expect(first).toMatchObject({ outcome: 'started', ticket: null });
    const items = await partition(first.conversation);
    expect(items.map((i) => `${i.entity} ${String(i.sk).split('#')[0]}`).sort()).toEqual([
      'chat-conversation META',
      'chat-message MSG',
      'conversation-event EV',
      'timer TIMER',
    ]);
    expect(await views()).toEqual([expect.stringMatching(new RegExp(`^open#.*#${first.conversation}$`))]);
    expect((await store.find(tenantId, channel.id, 'prov-store'))?.id).toBe(first.conversation);

    // The timer is on the sparse due index, in its conversation's shard, claimable by the sweeper.
    const conversation = (await store.get(tenantId, first.conversation))!;
    const timers = new DynamoDbTimerStore(documentClient, tables);
    const shard = timerShard(tenantId, first.conversation);
    const due = await timers.due(shard, conversation.timer!.dueAt, 100);
    const mine = due.timers.find((t) => t.conversationId === first.conversation);
    expect(mine).toMatchObject({
      kind: 'chat_escalation',
      dueAt: conversation.timer!.dueAt,
      ticketNumber: 0,
    });
    expect(await timers.claim(mine!, conversation.timer!.dueAt)).toBe(true);
    expect(dueTimerMessage(mine!, conversation.timer!.dueAt)).toMatchObject({
      conversationId: first.conversation,
      effect: conversation.timer!.effect,
    });

    // Resolving moves the view item and deletes the timer item in the same transaction.
    await callApi('POST', `/v1/conversations/${first.conversation}:resolve`, admin);
    expect(await views()).toEqual([expect.stringMatching(new RegExp(`^resolved#.*#${first.conversation}$`))]);
    expect((await partition(first.conversation)).some((i) => i.entity === 'timer')).toBe(false);
  });

  it('guards every change by version and keeps one conversation under racing first messages', async () => {
    const quiet: InboundChannel = {
      ...channel,
      chat: { escalateAfterMessages: null, escalateAfterMinutes: null },
    };
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => intake.receive(quiet, message(`burst ${i}`, 'prov-race'))),
    );
    const ids = new Set(results.map((r) => r.conversation));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(results.filter((r) => r.outcome === 'started')).toHaveLength(1);
    const conversation = (await store.get(tenantId, id!))!;
    expect(conversation).toMatchObject({ status: 'open', customerMessages: 5, messages: 5, version: 5 });
    expect((await partition(id!)).filter((i) => i.entity === 'chat-message')).toHaveLength(5);

    const stale = { ...conversation, version: conversation.version - 1 };
    await expect(
      store.save({
        previous: stale,
        conversation: { ...conversation, version: conversation.version },
        messages: [],
        events: [],
      }),
    ).rejects.toThrowError(ConcurrentModificationError);
  });

  it('takes a webhook id once, for the conversation and for its ticket alike', async () => {
    const sent = message('Is this a duplicate?', 'prov-dup');
    const first = await intake.receive(channel, sent);
    expect(await intake.receive(channel, sent)).toMatchObject({
      outcome: 'duplicate',
      conversation: first.conversation,
    });
    expect((await partition(first.conversation)).filter((i) => i.entity === 'chat-message')).toHaveLength(1);
  });

  it('escalates through the timer worker into one ticket with the transcript', async () => {
    const first = await intake.receive(channel, message('My parcel never came', 'prov-timer'));
    await callApi('POST', `/v1/conversations/${first.conversation}/messages`, admin, {
      body: { text: 'Sorry to hear that, checking now.' },
    });
    const conversation = (await store.get(tenantId, first.conversation))!;
    clock.current = Date.parse(conversation.timer!.dueAt) + 1000;
    const shard = timerShard(tenantId, first.conversation);
    const swept = (
      await new DynamoDbTimerStore(documentClient, tables).due(shard, clock.now(), 100)
    ).timers.find((t) => t.conversationId === first.conversation)!;
    const outcome = await fireChatTimer(dueTimerMessage(swept, clock.now()));
    expect(outcome).toMatchObject({ outcome: 'applied', kind: 'chat_escalation' });
    expect(await fireChatTimer(dueTimerMessage(swept, clock.now()))).toMatchObject({ outcome: 'skipped' });

    const escalated = (await store.get(tenantId, first.conversation))!;
    expect(escalated).toMatchObject({ status: 'escalated', escalation: { by: 'minutes' }, timer: null });
    const ticket = await callApi('GET', `/v1/tickets/${escalated.ticketNumber}`, admin);
    expect(ticket.body).toMatchObject({
      channel: 'chat',
      subject: 'My parcel never came',
      group: channel.group,
      tags: ['chat'],
      conversation: { channelId: channel.id, channelType: 'chat', conversationId: 'prov-timer' },
    });
    const timeline = await callApi('GET', `/v1/tickets/${escalated.ticketNumber}/timeline`, admin);
    const comments = timeline.body.items.filter((e: { type: string }) => e.type === 'comment');
    expect(comments).toHaveLength(1);
    // The admin key is bound to no agent: its replies are signed "agent".
    expect(comments[0].data.body).toMatch(
      /Ann \(customer\): My parcel never came\n.* agent: Sorry to hear that/,
    );
  });
});

describe('escalation racing customer messages', () => {
  it('puts every message on the ticket: in the transcript or as a comment, once', async () => {
    const quiet: InboundChannel = {
      ...channel,
      chat: { escalateAfterMessages: null, escalateAfterMinutes: null },
    };
    const first = await intake.receive(quiet, message('race 0', 'prov-escalation-race'));
    const texts = ['race 1', 'race 2', 'race 3', 'race 4'];
    const [escalated] = await Promise.all([
      callApi('POST', `/v1/conversations/${first.conversation}:escalate`, admin, {
        body: { reason: 'race' },
      }),
      ...texts.map((text) => intake.receive(quiet, message(text, 'prov-escalation-race'))),
    ]);
    expect([200, 201]).toContain(escalated.status);
    const number = escalated.body.ticket.number;
    const timeline = await callApi('GET', `/v1/tickets/${number}/timeline?limit=100`, admin);
    const bodies: string[] = timeline.body.items
      .filter((e: { type: string }) => e.type === 'comment')
      .map((e: { data: { body: string } }) => e.data.body);
    const all = bodies.join('\n');
    for (const text of ['race 0', ...texts]) expect(all.split(text), text).toHaveLength(2);
  });
});

describe('conversation events through the outbox', () => {
  it('publishes message, resolution and escalation events as conversation.* domain events', async () => {
    const first = await intake.receive(channel, message('Ping', 'prov-events'));
    await callApi('POST', `/v1/conversations/${first.conversation}:escalate`, admin, {
      body: { reason: 'VIP' },
    });
    const events = (await partition(first.conversation)).filter((i) => i.entity === 'conversation-event');
    let sequence = 5000;
    const records: DynamoDBRecord[] = events.map((item) => ({
      eventID: String(sequence),
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
        NewImage: marshall(item, { removeUndefinedValues: true }) as never,
        SequenceNumber: String(sequence++),
        StreamViewType: 'NEW_IMAGE',
      },
    }));
    const dispatch = makeStreamDispatcher(
      makePublishTimelineEvents({
        publisher: new EventBridgePublisher(new EventBridgeClient({}), process.env.EVENT_BUS_NAME!),
      }),
      { warn: () => {} },
    );
    expect(await dispatch({ Records: records })).toEqual({ batchItemFailures: [] });
    const response = await fetch(`${process.env.AWS_ENDPOINT_URL_EVENTBRIDGE}/events`);
    const { events: published } = (await response.json()) as {
      events: { 'detail-type': string; detail: { tenantId: string; conversation?: { id: string } } }[];
    };
    const mine = published.filter((e) => e.detail.conversation?.id === first.conversation);
    expect(mine.map((e) => e['detail-type'])).toEqual([
      'conversation.message_added',
      'conversation.escalated',
    ]);
  });
});

describe('the conversations API through the handlers', () => {
  it('lists, reads and refuses other tenants’ conversations', async () => {
    const first = await intake.receive(channel, message('Listing me', 'prov-api'));
    const list = await callApi('GET', '/v1/conversations?status=open&limit=100', admin);
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(first.conversation);
    const one = await callApi('GET', `/v1/conversations/${first.conversation}`, admin);
    expect(one.body.messages.map((m: { text: string }) => m.text)).toEqual(['Listing me']);

    const other = await callApi('POST', '/v1/tenants', operatorKey, {
      body: { id: `${tenantId}-other`, name: 'Other' },
    });
    const foreign = await callApi('GET', `/v1/conversations/${first.conversation}`, other.body.apiKey.secret);
    expect(foreign.status).toBe(404);
    const page = await callApi('GET', '/v1/conversations?limit=1', admin);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const tampered = await callApi(
      'GET',
      `/v1/conversations?cursor=${page.body.nextCursor}`,
      other.body.apiKey.secret,
    );
    // A cursor of another tenant's list is refused (the cursor helper's validation problem), never served.
    expect(tampered.status).toBe(422);
  });

  it('reads a long conversation’s messages in pages, and refuses a chat message over the limit', async () => {
    const quiet: InboundChannel = {
      ...channel,
      chat: { escalateAfterMessages: null, escalateAfterMinutes: null },
    };
    const first = await intake.receive(quiet, message('page 1', 'prov-pages'));
    for (let i = 2; i <= 5; i++) await intake.receive(quiet, message(`page ${i}`, 'prov-pages'));
    const texts: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const query: string = next ? `&cursor=${encodeURIComponent(next)}` : '';
      const read = await callApi('GET', `/v1/conversations/${first.conversation}?limit=2${query}`, admin);
      expect(read.status).toBe(200);
      expect(read.body.messages.length).toBeLessThanOrEqual(2);
      texts.push(...read.body.messages.map((m: { text: string }) => m.text));
      next = read.body.nextCursor;
      pages++;
    } while (next);
    expect(texts).toEqual(['page 1', 'page 2', 'page 3', 'page 4', 'page 5']);
    expect(pages).toBeGreaterThanOrEqual(3);
    // A cursor of another conversation's messages is refused, never served.
    const other = await intake.receive(quiet, message('elsewhere', 'prov-pages-other'));
    const firstPage = await callApi('GET', `/v1/conversations/${first.conversation}?limit=2`, admin);
    const crossed = await callApi(
      'GET',
      `/v1/conversations/${other.conversation}?cursor=${encodeURIComponent(firstPage.body.nextCursor)}`,
      admin,
    );
    expect(crossed.status).toBe(422);
    expect((await callApi('GET', `/v1/conversations/${first.conversation}?limit=500`, admin)).status).toBe(
      400,
    );

    await expect(
      intake.receive(quiet, message('w'.repeat(MAX_CHAT_MESSAGE_CHARS + 1), 'prov-pages')),
    ).rejects.toMatchObject({ code: 'validation' });
    expect((await store.get(tenantId, first.conversation))?.messages).toBe(5);
  });
});
