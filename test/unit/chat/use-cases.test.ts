import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import type { ChatSettings, InboundChannel } from '../../../functions/core/channels/channel.ts';
import { MAX_CHAT_MESSAGE_CHARS } from '../../../functions/core/chat/conversation.ts';
import type { ChatInbound } from '../../../functions/core/chat/ports.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import type { DueTimerMessage } from '../../../functions/core/timers.ts';
import {
  escalationMarker,
  makeFireChatTimer,
} from '../../../functions/core/use-cases/conversation-escalation.ts';
import { makeChatIntake, makeConversationUseCases } from '../../../functions/core/use-cases/conversations.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const agent: Caller = {
  tenantId: 'acme',
  role: 'agent',
  keyId: 'key_bo',
  actor: { type: 'agent', id: 'agt_bo' },
};

let ports: ReturnType<typeof memoryPorts>;
let intake: ReturnType<typeof makeChatIntake>;
let agents: ReturnType<typeof makeConversationUseCases>;
let fireChatTimer: ReturnType<typeof makeFireChatTimer>;
let chatChannel: InboundChannel;
let delivery = 0;

async function chatChannelWith(chat: Partial<ChatSettings>): Promise<InboundChannel> {
  const now = ports.clock.now();
  const channel: InboundChannel = {
    tenantId: 'acme',
    id: `ch_${Math.random().toString(36).slice(2, 10)}`,
    type: 'chat',
    name: 'Website chat',
    group: 'grp_chat',
    tags: ['chat', 'web'],
    secrets: [{ secret: 'whsec_test', createdAt: now, expiresAt: null }],
    twilio: null,
    chat: { escalateAfterMessages: null, escalateAfterMinutes: null, ...chat },
    webForm: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await ports.channels.create(channel);
  return channel;
}

const message = (text: string, conversationId = 'prov-1', id = `msg_${++delivery}`): ChatInbound => ({
  conversationId,
  from: { id: 'visitor-7', name: 'Ann', email: 'ann@example.com' },
  text,
  inboundMessage: { messageId: `${id}@chat.test` },
});

const ticketsOf = () => [...ports.tickets.tickets.values()];
const timelineOf = (number: number) => ports.tickets.events.filter((e) => e.ticketNumber === number);

beforeEach(async () => {
  ports = memoryPorts();
  intake = makeChatIntake(ports);
  agents = makeConversationUseCases(ports);
  fireChatTimer = makeFireChatTimer(ports);
  await ports.groups.create({
    tenantId: 'acme',
    id: 'grp_chat',
    name: 'Chat',
    description: null,
    assignment: 'manual',
    createdAt: ports.clock.now(),
  });
  await ports.agents.create({
    tenantId: 'acme',
    id: 'agt_bo',
    name: 'Bo',
    email: 'bo@support.test',
    role: 'agent',
    groups: [],
    skills: [],
    capacity: 10,
    status: 'available',
    load: 0,
    workingHours: null,
    createdAt: ports.clock.now(),
    updatedAt: ports.clock.now(),
    version: 1,
  });
  chatChannel = await chatChannelWith({ escalateAfterMessages: 3 });
});

describe('chat intake', () => {
  it('keeps messages, an agent reply and a resolution as a conversation, with no ticket', async () => {
    const first = await intake.receive(chatChannel, message('Hi, is the shop open on Sunday?'));
    expect(first).toMatchObject({ outcome: 'started', status: 'open', ticket: null });
    const { conversation } = await agents.replyToConversation(agent, first.conversation, 'Yes, 10 to 4.');
    expect(conversation.messages).toBe(2);
    expect((await agents.resolveConversation(agent, first.conversation)).status).toBe('resolved');
    expect(ticketsOf()).toEqual([]);

    const read = await agents.getConversation(agent, first.conversation);
    expect(read.messages.map((m) => [m.author.type, m.author.name, m.text])).toEqual([
      ['customer', 'Ann', 'Hi, is the shop open on Sunday?'],
      ['agent', 'Bo', 'Yes, 10 to 4.'],
    ]);
    expect(ports.conversations.events.map((e) => e.data.type)).toEqual([
      'message_added',
      'message_added',
      'resolved',
    ]);
    // The reply goes out as an event carrying what the provider needs to deliver it.
    expect(ports.conversations.events[1]).toMatchObject({
      actor: { type: 'agent', id: 'agt_bo' },
      conversation: { externalId: 'prov-1', channelId: chatChannel.id },
      data: { message: { text: 'Yes, 10 to 4.', author: { type: 'agent' } } },
    });

    const back = await intake.receive(chatChannel, message('And on Monday?'));
    expect(back).toMatchObject({ outcome: 'reopened', conversation: first.conversation, status: 'open' });
    expect((await agents.listConversations(agent, 'open', { limit: 10 })).items.map((c) => c.id)).toEqual([
      first.conversation,
    ]);
  });

  it('takes a redelivered webhook once', async () => {
    const sent = message('Hello');
    const first = await intake.receive(chatChannel, sent);
    const again = await intake.receive(chatChannel, sent);
    expect(again).toEqual({ ...first, outcome: 'duplicate' });
    expect((await agents.getConversation(agent, first.conversation)).messages).toHaveLength(1);
  });

  it('escalates on the Nth customer message into one ticket with the transcript, then comments on it', async () => {
    await intake.receive(chatChannel, message('My invoice is wrong'));
    const started = await intake.receive(chatChannel, message('It says 40 instead of 30'));
    await agents.replyToConversation(agent, started.conversation, 'Which invoice number?');
    const third = await intake.receive(chatChannel, message('INV-2026-7'));
    expect(third).toMatchObject({ outcome: 'escalated', status: 'escalated', ticket: expect.any(Number) });

    const [ticket] = ticketsOf();
    expect(ticketsOf()).toHaveLength(1);
    expect(ticket).toMatchObject({
      number: third.ticket,
      channel: 'chat',
      subject: 'My invoice is wrong',
      group: 'grp_chat',
      tags: ['chat', 'web'],
      requester: { email: 'ann@example.com', name: 'Ann' },
      conversation: { channelId: chatChannel.id, channelType: 'chat', conversationId: 'prov-1' },
    });
    const comments = timelineOf(ticket!.number).filter((e) => e.data.type === 'comment');
    expect(comments).toHaveLength(1);
    const transcript = (comments[0]!.data as { body: string }).body;
    expect(transcript).toMatch(/escalated \(messages\): 3 customer messages/);
    const order = [
      'My invoice is wrong',
      'It says 40 instead of 30',
      'Bo (agent): Which invoice number?',
      'INV-2026-7',
    ];
    expect(order.map((text) => transcript.indexOf(text))).toEqual(
      [...order.map((text) => transcript.indexOf(text))].sort((a, b) => a - b),
    );
    expect(order.every((text) => transcript.includes(text))).toBe(true);

    const conversation = await ports.conversations.get('acme', third.conversation);
    expect(conversation).toMatchObject({
      status: 'escalated',
      ticketNumber: ticket!.number,
      escalation: { by: 'messages' },
      timer: null,
    });
    expect(ports.conversations.events.at(-1)).toMatchObject({
      data: { type: 'escalated', by: 'messages', ticketNumber: ticket!.number },
    });

    // Later messages are comments on the ticket, not conversation messages.
    const news = message('Any news?');
    const later = await intake.receive(chatChannel, news);
    expect(later).toMatchObject({ outcome: 'commented', ticket: ticket!.number, status: 'escalated' });
    expect(
      timelineOf(ticket!.number)
        .filter((e) => e.data.type === 'comment')
        .at(-1),
    ).toMatchObject({
      actor: { type: 'customer' },
      data: { body: 'Any news?', public: true },
    });
    expect((await agents.getConversation(agent, third.conversation)).messages).toHaveLength(4);
    expect(await intake.receive(chatChannel, news)).toMatchObject({
      outcome: 'duplicate',
      ticket: ticket!.number,
    });
    expect(timelineOf(ticket!.number).filter((e) => e.data.type === 'comment')).toHaveLength(2);
  });

  it('escalates by the channel’s keyword rule, and by an agent exactly once', async () => {
    const rules = await chatChannelWith({
      escalateWhen: { any: [{ field: 'comment', operator: 'contains', value: 'refund' }] },
    });
    const calm = await intake.receive(rules, message('Where is my parcel?', 'prov-r'));
    expect(calm.ticket).toBeNull();
    const refund = await intake.receive(rules, message('I want a refund', 'prov-r'));
    expect(refund).toMatchObject({ outcome: 'escalated', ticket: expect.any(Number) });
    expect((await ports.conversations.get('acme', refund.conversation))?.escalation).toMatchObject({
      by: 'rule',
      reason: expect.stringContaining('comment contains "refund"'),
    });

    const other = await intake.receive(chatChannel, message('Question', 'prov-a'));
    const first = await agents.escalateConversation(agent, other.conversation, 'needs billing');
    const second = await agents.escalateConversation(agent, other.conversation);
    expect(first.already).toBe(false);
    expect(second).toMatchObject({ already: true, ticket: { number: first.ticket.number } });
    expect(first.conversation.escalation).toMatchObject({ by: 'agent', reason: 'needs billing' });
    expect(ticketsOf()).toHaveLength(2);
    // The agent opened it; the requester wrote the transcript.
    expect(timelineOf(first.ticket.number)[0]).toMatchObject({ actor: { type: 'agent', id: 'agt_bo' } });
  });

  it('matches triage.intent conditions with the tenant’s own intent keywords', async () => {
    await ports.triageSettings.put('acme', {
      keywords: { warranty: ['warranty', 'guarantee'] },
      model: null,
      training: null,
      updatedAt: ports.clock.now(),
    });
    const byIntent = await chatChannelWith({
      escalateWhen: { all: [{ field: 'triage.intent', operator: 'is', value: 'warranty' }] },
    });
    const wired = makeUseCases(ports).chatIntake;
    expect((await wired.receive(byIntent, message('Hello, quick question', 'prov-i'))).ticket).toBeNull();
    expect(
      await wired.receive(byIntent, message('Is my kettle still under warranty?', 'prov-i')),
    ).toMatchObject({
      outcome: 'escalated',
    });
  });

  it('makes the escalation’s ticket once even when marking the conversation loses a race', async () => {
    const started = await intake.receive(chatChannel, message('Hello', 'prov-race'));
    ports.conversations.failNextSave = 1;
    const done = await agents.escalateConversation(agent, started.conversation);
    expect(ticketsOf()).toHaveLength(1);
    expect(done.conversation).toMatchObject({ status: 'escalated', ticketNumber: done.ticket.number });
    expect(
      await ports.conversations.inbound('acme', escalationMarker(started.conversation).messageId),
    ).toEqual({
      conversationId: null,
      ticketNumber: done.ticket.number,
    });
  });

  it('finishes an escalation whose ticket failed when the provider redelivers the message', async () => {
    await intake.receive(chatChannel, message('one', 'prov-f'));
    await intake.receive(chatChannel, message('two', 'prov-f'));
    const create = ports.tickets.create.bind(ports.tickets);
    let failures = 1;
    ports.tickets.create = async (args) => {
      if (failures-- > 0) throw new Error('DynamoDB is having a moment');
      return create(args);
    };
    const third = message('three', 'prov-f');
    await expect(intake.receive(chatChannel, third)).rejects.toThrow('DynamoDB is having a moment');
    const pending = await ports.conversations.find('acme', chatChannel.id, 'prov-f');
    expect(pending).toMatchObject({ status: 'open', escalation: { by: 'messages' }, ticketNumber: null });
    const retried = await intake.receive(chatChannel, third);
    expect(retried).toMatchObject({ outcome: 'duplicate', status: 'escalated', ticket: expect.any(Number) });
    expect(ticketsOf()).toHaveLength(1);
  });

  it('puts a message that arrives while the escalation is being finished on the ticket, once', async () => {
    await intake.receive(chatChannel, message('one', 'prov-mid'));
    await intake.receive(chatChannel, message('two', 'prov-mid'));
    // Message three escalates; message four arrives after its ticket was made, before the conversation is marked.
    const save = ports.conversations.save.bind(ports.conversations);
    let fourth: Awaited<ReturnType<typeof intake.receive>> | undefined;
    let interleaved = false;
    ports.conversations.save = async (change, options) => {
      if (!interleaved && change.events.some((e) => e.data.type === 'escalated')) {
        interleaved = true;
        fourth = await intake.receive(chatChannel, message('four, sent meanwhile', 'prov-mid'));
      }
      return save(change, options);
    };
    const third = await intake.receive(chatChannel, message('three', 'prov-mid'));
    expect(third).toMatchObject({ outcome: 'escalated', status: 'escalated', ticket: expect.any(Number) });
    expect(fourth).toMatchObject({ outcome: 'commented', ticket: third.ticket });
    expect(ticketsOf()).toHaveLength(1);
    const bodies = timelineOf(third.ticket!)
      .filter((e) => e.data.type === 'comment')
      .map((e) => (e.data as { body: string }).body);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toContain('three');
    expect(bodies[1]).toBe('four, sent meanwhile');
    expect(bodies.join('\n').split('four, sent meanwhile')).toHaveLength(2);
  });

  it('puts a message that arrives while an agent escalates on the ticket', async () => {
    const started = await intake.receive(chatChannel, message('Hello', 'prov-agent'));
    const create = ports.tickets.create.bind(ports.tickets);
    let meanwhile: Awaited<ReturnType<typeof intake.receive>> | undefined;
    let interleaved = false;
    ports.tickets.create = async (args) => {
      const created = await create(args);
      if (!interleaved) {
        interleaved = true;
        meanwhile = await intake.receive(chatChannel, message('Are you there?', 'prov-agent'));
      }
      return created;
    };
    const done = await agents.escalateConversation(agent, started.conversation, 'needs a human');
    expect(done.conversation).toMatchObject({ status: 'escalated', ticketNumber: done.ticket.number });
    expect(meanwhile).toMatchObject({ outcome: 'commented', ticket: done.ticket.number });
    const comments = timelineOf(done.ticket.number).filter((e) => e.data.type === 'comment');
    expect(comments.map((e) => (e.data as { body: string }).body).at(-1)).toBe('Are you there?');
    expect(ticketsOf()).toHaveLength(1);
    // The conversation did not take the message: it is on the ticket only.
    expect((await agents.getConversation(agent, started.conversation)).messages).toHaveLength(1);
  });

  it('finishes a pending escalation before an agent replies, and refuses the reply', async () => {
    await intake.receive(chatChannel, message('one', 'prov-p'));
    await intake.receive(chatChannel, message('two', 'prov-p'));
    const create = ports.tickets.create.bind(ports.tickets);
    let failures = 1;
    ports.tickets.create = async (args) => {
      if (failures-- > 0) throw new Error('DynamoDB is having a moment');
      return create(args);
    };
    await expect(intake.receive(chatChannel, message('three', 'prov-p'))).rejects.toThrow('a moment');
    const pending = await ports.conversations.find('acme', chatChannel.id, 'prov-p');
    await expect(agents.replyToConversation(agent, pending!.id, 'On it')).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await ports.conversations.get('acme', pending!.id)).toMatchObject({
      status: 'escalated',
      messages: 3,
      ticketNumber: expect.any(Number),
    });
    expect(ticketsOf()).toHaveLength(1);
  });

  it('refuses a message longer than a chat message may be before storing anything', async () => {
    const long = 'z'.repeat(MAX_CHAT_MESSAGE_CHARS + 1);
    await expect(intake.receive(chatChannel, message(long, 'prov-long'))).rejects.toMatchObject({
      code: 'validation',
      fieldErrors: [{ path: 'text', message: expect.stringContaining(`at most ${MAX_CHAT_MESSAGE_CHARS}`) }],
    });
    expect(await ports.conversations.find('acme', chatChannel.id, 'prov-long')).toBeNull();
    expect(ports.conversations.inboundKeys.size).toBe(0);
    const fits = await intake.receive(chatChannel, message('z'.repeat(MAX_CHAT_MESSAGE_CHARS), 'prov-long'));
    expect(fits.outcome).toBe('started');
  });

  it('refuses messages for other channel types and empty text', async () => {
    await expect(intake.receive({ ...chatChannel, type: 'webhook' }, message('x'))).rejects.toThrowError(
      DomainError,
    );
    await expect(intake.receive(chatChannel, message('   '))).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('the agent API', () => {
  it('answers 404s and 409s as domain errors', async () => {
    await expect(agents.getConversation(agent, 'cv_nope')).rejects.toMatchObject({ code: 'not_found' });
    const started = await intake.receive(chatChannel, message('hi', 'prov-x'));
    await agents.escalateConversation(agent, started.conversation);
    await expect(agents.replyToConversation(agent, started.conversation, 'late')).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(agents.resolveConversation(agent, started.conversation)).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('reads a conversation’s messages in pages, oldest first', async () => {
    const quiet = await chatChannelWith({});
    for (let i = 1; i <= 5; i++) await intake.receive(quiet, message(`line ${i}`, 'prov-pages'));
    const id = (await ports.conversations.find('acme', quiet.id, 'prov-pages'))!.id;
    const first = await agents.getConversation(agent, id, { limit: 2 });
    expect(first.messages.map((m) => m.text)).toEqual(['line 1', 'line 2']);
    expect(first.conversation.messages).toBe(5);
    const texts = [...first.messages.map((m) => m.text)];
    let cursor = first.nextCursor;
    while (cursor) {
      const next = await agents.getConversation(agent, id, { limit: 2, cursor });
      texts.push(...next.messages.map((m) => m.text));
      cursor = next.nextCursor;
    }
    expect(texts).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  });

  it('lists by status, latest message first, in pages', async () => {
    for (const id of ['a', 'b', 'c']) {
      await intake.receive(chatChannel, message(`hello ${id}`, `prov-${id}`));
      ports.clock.advance(1000);
    }
    const first = await agents.listConversations(agent, 'open', { limit: 2 });
    expect(first.items.map((c) => c.externalId)).toEqual(['prov-c', 'prov-b']);
    const second = await agents.listConversations(agent, 'open', { limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((c) => c.externalId)).toEqual(['prov-a']);
    expect((await agents.listConversations(agent, 'resolved', { limit: 2 })).items).toEqual([]);
  });
});

describe('the minutes timer', () => {
  const due = (conversationId: string, effect: string, dueAt: string): DueTimerMessage => ({
    tenantId: 'acme',
    ticketNumber: 0,
    conversationId,
    slot: 'chat_escalation',
    effect,
    dueAt,
    claimedAt: dueAt,
  });

  it('escalates a conversation still open when it falls due, once', async () => {
    const timed = await chatChannelWith({ escalateAfterMinutes: 10 });
    const started = await intake.receive(timed, message('hello?', 'prov-t'));
    const timer = ports.conversations.timers.get(`acme#${started.conversation}`)!;
    expect(timer.dueAt).toBe(new Date(Date.parse(ports.clock.now()) + 10 * 60_000).toISOString());

    expect(await fireChatTimer(due(started.conversation, timer.effect, timer.dueAt))).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('not due'),
    });
    ports.clock.advance(10 * 60_000);
    expect(await fireChatTimer(due(started.conversation, timer.effect, timer.dueAt))).toMatchObject({
      outcome: 'applied',
      kind: 'chat_escalation',
    });
    const conversation = await ports.conversations.get('acme', started.conversation);
    expect(conversation).toMatchObject({
      status: 'escalated',
      escalation: { by: 'minutes', reason: 'still unresolved 10 minutes after it began' },
    });
    expect(ports.conversations.timers.has(`acme#${started.conversation}`)).toBe(false);
    expect(await fireChatTimer(due(started.conversation, timer.effect, timer.dueAt))).toMatchObject({
      outcome: 'skipped',
    });
    expect(ticketsOf()).toHaveLength(1);
  });

  it('is cleared by a resolution, and a stale one does nothing', async () => {
    const timed = await chatChannelWith({ escalateAfterMinutes: 10 });
    const started = await intake.receive(timed, message('hello?', 'prov-s'));
    const timer = ports.conversations.timers.get(`acme#${started.conversation}`)!;
    await agents.resolveConversation(agent, started.conversation);
    expect(ports.conversations.timers.has(`acme#${started.conversation}`)).toBe(false);
    ports.clock.advance(11 * 60_000);
    expect(await fireChatTimer(due(started.conversation, timer.effect, timer.dueAt))).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('moved or was cleared'),
    });
    expect(ticketsOf()).toEqual([]);
  });
});
