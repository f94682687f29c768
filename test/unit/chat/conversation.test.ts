import { describe, expect, it } from 'vitest';
import {
  CONVERSATION_EVENT_TYPE_NAMES,
  conversationEventSchema,
} from '../../../functions/contracts/events.ts';
import type { ChatSettings, InboundChannel } from '../../../functions/core/channels/channel.ts';
import {
  addAgentReply,
  addCustomerMessage,
  blankConversation,
  type ChatMessage,
  type Conversation,
  type ConversationChange,
  escalationPending,
  markEscalated,
  moveToTicket,
  resolveConversation,
  withPendingEscalation,
} from '../../../functions/core/chat/conversation.ts';
import { chatTriage, escalationDecision } from '../../../functions/core/chat/decision.ts';
import {
  cutLine,
  escalateWhenErrors,
  escalationSubject,
  MAX_TRANSCRIPT_CHARS,
  MAX_TRANSCRIPT_LINE_CHARS,
  requesterIdentity,
  transcriptComment,
} from '../../../functions/core/chat/escalation.ts';
import { toConversationDomainEvent } from '../../../functions/core/chat/events.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import { DEFAULT_TRIAGE_KEYWORDS } from '../../../functions/core/triage/default-keywords.ts';
import { sequentialIds } from '../../support/in-memory-ports.ts';

const T0 = '2026-03-02T09:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const agent = { type: 'agent', id: 'agt_1' } as const;
const ids = sequentialIds();

const settings = (chat: Partial<ChatSettings> = {}): ChatSettings => ({
  escalateAfterMessages: null,
  escalateAfterMinutes: null,
  ...chat,
});

const channel = (chat: Partial<ChatSettings> = {}): Pick<InboundChannel, 'group' | 'tags' | 'chat'> => ({
  group: 'grp_chat',
  tags: ['chat'],
  chat: settings(chat),
});

function started(chat: Partial<ChatSettings> = {}, text = 'Hi, where is my order?'): ConversationChange {
  const blank = blankConversation(
    {
      tenantId: 'acme',
      id: 'cv_1',
      channelId: 'ch_1',
      externalId: 'prov-42',
      customer: { id: 'u-7', name: 'Ann', email: 'ann@example.com', phone: null },
    },
    T0,
  );
  return addCustomerMessage(blank, { text }, settings(chat), T0, ids);
}

describe('a chat conversation', () => {
  it('starts with the first customer message, as version 1, with the minutes timer armed', () => {
    const change = started({ escalateAfterMinutes: 15 });
    expect(change.previous).toBeNull();
    expect(change.conversation).toMatchObject({
      status: 'open',
      version: 1,
      messages: 1,
      customerMessages: 1,
      unresolvedCustomerMessages: 1,
      startedAt: T0,
      openedAt: T0,
      ticketNumber: null,
      timer: { dueAt: at(15), effect: `chat_escalation@${T0}` },
    });
    expect(change.messages).toEqual([
      {
        id: expect.any(String),
        author: { type: 'customer', id: 'u-7', name: 'Ann' },
        text: 'Hi, where is my order?',
        at: T0,
      },
    ]);
    expect(change.events.map((e) => e.data.type)).toEqual(['message_added']);
    expect(change.events[0]!.conversation).toMatchObject({ id: 'cv_1', externalId: 'prov-42', version: 1 });
  });

  it('arms no timer when the channel does not escalate after minutes', () => {
    expect(started().conversation.timer).toBeNull();
  });

  it('counts customer messages, and agent replies leave the count and the status alone', () => {
    const first = started();
    const reply = addAgentReply(
      first.conversation,
      'Let me check.',
      { type: 'agent', id: 'agt_1', name: 'Bo' },
      agent,
      at(1),
      ids,
    );
    expect(reply.previous).toBe(first.conversation);
    expect(reply.conversation).toMatchObject({
      status: 'open',
      messages: 2,
      customerMessages: 1,
      lastMessageAt: at(1),
      version: 2,
    });
    expect(reply.events[0]!.data).toMatchObject({
      type: 'message_added',
      message: { author: { type: 'agent' } },
    });
    const second = addCustomerMessage(reply.conversation, { text: 'Thanks' }, settings(), at(2), ids);
    expect(second.conversation).toMatchObject({
      messages: 3,
      customerMessages: 2,
      unresolvedCustomerMessages: 2,
    });
  });

  it('resolves (clearing the timer) once; a customer message reopens it with a new stretch and timer', () => {
    const first = started({ escalateAfterMinutes: 15 });
    const resolved = resolveConversation(first.conversation, agent, at(3), ids);
    expect(resolved.conversation).toMatchObject({
      status: 'resolved',
      resolvedAt: at(3),
      timer: null,
      unresolvedCustomerMessages: 0,
    });
    expect(resolved.events.map((e) => e.data.type)).toEqual(['resolved']);
    const again = resolveConversation(resolved.conversation, agent, at(4), ids);
    expect(again.events).toEqual([]);
    expect(again.conversation).toBe(resolved.conversation);

    const reopened = addCustomerMessage(
      resolved.conversation,
      { text: 'One more thing' },
      settings({ escalateAfterMinutes: 15 }),
      at(60),
      ids,
    );
    expect(reopened.conversation).toMatchObject({
      status: 'open',
      openedAt: at(60),
      startedAt: T0,
      resolvedAt: null,
      unresolvedCustomerMessages: 1,
      customerMessages: 2,
      timer: { dueAt: at(75), effect: `chat_escalation@${at(60)}` },
    });
  });

  it('takes no message, reply or resolve once escalated: those belong on the ticket', () => {
    const escalated = markEscalated(
      started().conversation,
      { by: 'agent', reason: 'x' },
      7,
      agent,
      at(1),
      ids,
    );
    expect(escalated.conversation).toMatchObject({
      status: 'escalated',
      ticketNumber: 7,
      escalation: { by: 'agent', reason: 'x', at: at(1) },
      timer: null,
    });
    expect(escalated.events[0]!.data).toEqual({
      type: 'escalated',
      by: 'agent',
      reason: 'x',
      ticketNumber: 7,
    });
    const refuse = (fn: () => unknown) => expect(fn).toThrowError(DomainError);
    refuse(() => addCustomerMessage(escalated.conversation, { text: 'hi' }, settings(), at(2), ids));
    refuse(() =>
      addAgentReply(escalated.conversation, 'hi', { type: 'agent', id: 'a', name: null }, agent, at(2), ids),
    );
    refuse(() => resolveConversation(escalated.conversation, agent, at(2), ids));
    refuse(() => markEscalated(escalated.conversation, { by: 'rule', reason: 'y' }, 8, agent, at(2), ids));
    const moved = moveToTicket(escalated.conversation, 9, at(3));
    expect(moved.conversation).toMatchObject({
      ticketNumber: 9,
      version: escalated.conversation.version + 1,
    });
    expect(moved.events).toEqual([]);
  });

  it('keeps a decided escalation pending until its ticket exists', () => {
    const change = withPendingEscalation(started(), { by: 'messages', reason: 'three' }, T0);
    expect(escalationPending(change.conversation)).toBe(true);
    expect(change.conversation.status).toBe('open');
    expect(
      escalationPending(
        markEscalated(change.conversation, { by: 'messages', reason: 'three' }, 1, agent, T0, ids)
          .conversation,
      ),
    ).toBe(false);
  });

  it('publishes its events in the versioned contract', () => {
    const first = started();
    const resolved = resolveConversation(first.conversation, agent, at(1), ids);
    const escalated = markEscalated(
      resolved.conversation,
      { by: 'minutes', reason: 'late' },
      3,
      agent,
      at(2),
      ids,
    );
    const published = [...first.events, ...resolved.events, ...escalated.events].map(
      toConversationDomainEvent,
    );
    expect(new Set(published.map((e) => e.type))).toEqual(new Set(CONVERSATION_EVENT_TYPE_NAMES));
    for (const event of published) conversationEventSchema(event.type).parse(event);
    expect(published[0]).toMatchObject({
      type: 'conversation.message_added',
      conversation: { id: 'cv_1', channelId: 'ch_1', externalId: 'prov-42' },
      data: { message: { text: 'Hi, where is my order?' } },
    });
  });
});

describe('the escalation decision', () => {
  const message = (change: ConversationChange): ChatMessage => change.messages[0]!;

  it('escalates on the Nth customer message since the conversation (re)opened', () => {
    let change = started({ escalateAfterMessages: 3 });
    const keywords = DEFAULT_TRIAGE_KEYWORDS;
    expect(
      escalationDecision(
        change.conversation,
        message(change),
        channel({ escalateAfterMessages: 3 }),
        keywords,
      ),
    ).toBeNull();
    change = addCustomerMessage(change.conversation, { text: 'hello?' }, settings(), at(1), ids);
    expect(
      escalationDecision(
        change.conversation,
        message(change),
        channel({ escalateAfterMessages: 3 }),
        keywords,
      ),
    ).toBeNull();
    change = addCustomerMessage(change.conversation, { text: 'anyone?' }, settings(), at(2), ids);
    expect(
      escalationDecision(
        change.conversation,
        message(change),
        channel({ escalateAfterMessages: 3 }),
        keywords,
      ),
    ).toMatchObject({
      by: 'messages',
      reason: expect.stringContaining('3 customer messages'),
    });
    // A resolution starts the count again.
    const resolved = resolveConversation(change.conversation, agent, at(3), ids).conversation;
    const reopened = addCustomerMessage(resolved, { text: 'again' }, settings(), at(4), ids);
    expect(
      escalationDecision(
        reopened.conversation,
        message(reopened),
        channel({ escalateAfterMessages: 3 }),
        keywords,
      ),
    ).toBeNull();
  });

  it('escalates by the channel’s conditions: a keyword in the message', () => {
    const rule = channel({
      escalateWhen: { any: [{ field: 'comment', operator: 'contains', value: 'refund' }] },
    });
    const quiet = started({}, 'Where is my parcel?');
    expect(escalationDecision(quiet.conversation, message(quiet), rule, DEFAULT_TRIAGE_KEYWORDS)).toBeNull();
    const refund = started({}, 'I want a REFUND now');
    expect(escalationDecision(refund.conversation, message(refund), rule, DEFAULT_TRIAGE_KEYWORDS)).toEqual({
      by: 'rule',
      reason: 'the channel’s escalation conditions matched: comment contains "refund"',
    });
  });

  it('escalates on the light triage’s urgency, and no conditions at all never escalate', () => {
    const urgent = channel({
      escalateWhen: { all: [{ field: 'triage.urgency', operator: 'is', value: 'urgent' }] },
    });
    const outage = started({}, 'Production is down, all users are locked out, this is critical!!');
    expect(chatTriage(message(outage).text, DEFAULT_TRIAGE_KEYWORDS).urgency).toBe('urgent');
    expect(
      escalationDecision(outage.conversation, message(outage), urgent, DEFAULT_TRIAGE_KEYWORDS)?.by,
    ).toBe('rule');
    const calm = started({}, 'Could you tell me your opening hours?');
    expect(escalationDecision(calm.conversation, message(calm), urgent, DEFAULT_TRIAGE_KEYWORDS)).toBeNull();
    const empty = channel({ escalateWhen: { all: [], any: [] } });
    expect(
      escalationDecision(outage.conversation, message(outage), empty, DEFAULT_TRIAGE_KEYWORDS),
    ).toBeNull();
    expect(
      escalationDecision(outage.conversation, message(outage), null, DEFAULT_TRIAGE_KEYWORDS),
    ).toBeNull();
  });

  it('validates escalateWhen: the rules’ checks, and only the fields a chat message has', () => {
    expect(
      escalateWhenErrors({ any: [{ field: 'comment', operator: 'contains', value: 'refund' }] }),
    ).toEqual([]);
    expect(escalateWhenErrors(null)).toEqual([]);
    expect(escalateWhenErrors({ all: [{ field: 'priority', operator: 'is', value: 'high' }] })).toEqual([
      {
        path: 'chat.escalateWhen.all[0].field',
        message: expect.stringContaining('comment, requester.email'),
      },
    ]);
    expect(escalateWhenErrors({ all: [{ field: 'comment', operator: 'greater_than', value: 'x' }] })).toEqual(
      [{ path: 'chat.escalateWhen.all[0].operator', message: expect.any(String) }],
    );
    expect(
      escalateWhenErrors({ all: [{ field: 'triage.urgency', operator: 'is', value: 'panic' }] })[0]?.path,
    ).toBe('chat.escalateWhen.all[0].value');
  });
});

describe('the escalated ticket', () => {
  const conversation: Pick<Conversation, 'id' | 'customer'> = {
    id: 'cv_01ABC',
    customer: { id: 'Visitor #12', name: null, email: null, phone: null },
  };
  /** `[2026-03-02 09:00 UTC] Ann (customer): ` and the text. */
  const transcriptLineLength = (m: ChatMessage) => `[2026-03-02 09:00 UTC] Ann (customer): ${m.text}`.length;
  const msg = (n: number, type: 'customer' | 'agent', text: string): ChatMessage => ({
    id: `m${n}`,
    author: type === 'customer' ? { type, id: 'u', name: 'Ann' } : { type, id: 'agt_1', name: 'Bo' },
    text,
    at: at(n),
  });

  it('takes the first customer message as subject, cut at a word', () => {
    expect(escalationSubject([msg(0, 'agent', 'Hello!'), msg(1, 'customer', 'My  invoice\nis wrong')])).toBe(
      'My invoice is wrong',
    );
    const long = escalationSubject([msg(0, 'customer', `${'word '.repeat(40)}end`)]);
    expect(long.length).toBeLessThanOrEqual(81);
    expect(long.endsWith('word…')).toBe(true);
    expect(escalationSubject([])).toBe('Chat conversation');
  });

  it('carries the transcript in order, and a long one keeps its first and latest messages', () => {
    const text = transcriptComment(
      conversation,
      [
        msg(0, 'customer', 'Hi'),
        msg(1, 'agent', 'Hello, how can I help?'),
        msg(2, 'customer', 'Refund\nplease'),
      ],
      { by: 'rule', reason: 'refund' },
    );
    expect(text.split('\n')).toEqual([
      'Chat conversation cv_01ABC, escalated (rule): refund.',
      '',
      '[2026-03-02 09:00 UTC] Ann (customer): Hi',
      '[2026-03-02 09:01 UTC] Bo (agent): Hello, how can I help?',
      '[2026-03-02 09:02 UTC] Ann (customer): Refund',
      '    please',
    ]);
    const many = Array.from({ length: 400 }, (_, i) => msg(i, 'customer', `message ${i} ${'x'.repeat(300)}`));
    const cut = transcriptComment(conversation, many, { by: 'messages', reason: 'many' });
    expect(cut.length).toBeLessThanOrEqual(MAX_TRANSCRIPT_CHARS);
    expect(cut).toContain('message 0 ');
    expect(cut).toContain('message 399 ');
    expect(cut).toMatch(/… \d+ message\(s\) left out here/);
  });

  it('cuts messages too long for a line, so even huge ones stay under the cap and say what was cut', () => {
    // Messages taken in before chat messages were limited could be 64 K each.
    const huge = Array.from({ length: 5 }, (_, i) => msg(i, 'customer', `huge ${i} ${'y'.repeat(65_536)}`));
    const text = transcriptComment(conversation, huge, { by: 'rule', reason: 'r'.repeat(70_000) });
    expect(text.length).toBeLessThanOrEqual(MAX_TRANSCRIPT_CHARS);
    expect(text).toContain('huge 0 ');
    expect(text).toContain('huge 4 ');
    const lines = text.split('\n').filter((line) => line.startsWith('['));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(MAX_TRANSCRIPT_LINE_CHARS);
      expect(line).toMatch(/… \d+ characters cut$/);
    }
    const kept = lines[0]!.replace(/ … \d+ characters cut$/, '');
    const cutCount = Number(/… (\d+) characters cut$/.exec(lines[0]!)![1]);
    expect(kept.length + cutCount).toBe(transcriptLineLength(huge[0]!));
    // The header (a reason quoting long values) is cut too.
    expect(text.split('\n')[0]!.length).toBeLessThanOrEqual(2_000);
    expect(cutLine('short', 10)).toBe('short');
    expect(cutLine('😀'.repeat(40), 40)).not.toMatch(/[\ud800-\udbff] …/);
  });

  it('gives a customer known only by the provider’s id an address that is never mailed', () => {
    expect(requesterIdentity(conversation)).toEqual({ email: 'visitor-12@chat.invalid' });
    expect(
      requesterIdentity({
        id: 'cv_1',
        customer: { id: null, name: 'Ann', email: 'ann@example.com', phone: 'n/a' },
      }),
    ).toEqual({ email: 'ann@example.com', name: 'Ann' });
    expect(
      requesterIdentity({
        id: 'cv_1',
        customer: { id: null, name: null, email: null, phone: '+14155550123' },
      }),
    ).toEqual({ phone: '+14155550123' });
  });
});
