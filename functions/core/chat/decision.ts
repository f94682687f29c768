/**
 * Whether a customer's chat message escalates its conversation (see escalation.ts for the rules): the channel's
 * message count, then its `escalateWhen` conditions, evaluated with the automation rules' evaluator against the
 * message and a light triage of it. Kept apart from escalation.ts so that what only makes the ticket (the timer
 * worker) does not carry the triage lexicons.
 */

import type { ChatSettings, InboundChannel } from '../channels/channel.ts';
import {
  type Condition,
  type Conditions,
  type ConditionTarget,
  type ConditionTriage,
  evaluate,
  explainConditions,
} from '../conditions.ts';
import { classifyIntent } from '../triage/intent.ts';
import { scoreSentiment } from '../triage/sentiment.ts';
import { tokenise } from '../triage/text.ts';
import { detectUrgency } from '../triage/urgency.ts';
import type { ChatCustomer, ChatMessage, Conversation, EscalationTrigger } from './conversation.ts';

const hasConditions = (conditions: Conditions | null | undefined): conditions is Conditions =>
  (conditions?.all?.length ?? 0) + (conditions?.any?.length ?? 0) > 0;

/** Whether the channel's conditions read the message's intent: only then are the tenant's keywords needed. */
export const readsIntent = (settings: Pick<ChatSettings, 'escalateWhen'> | null | undefined): boolean =>
  [...(settings?.escalateWhen?.all ?? []), ...(settings?.escalateWhen?.any ?? [])].some(
    (c) => c.field === 'triage.intent',
  );

const readsTriage = (conditions: Conditions) =>
  [...(conditions.all ?? []), ...(conditions.any ?? [])].some((c) => c.field.startsWith('triage.'));

/**
 * The built-in classifier's intent (default keywords), urgency and sentiment of one chat message: cheap and
 * offline, no language detection (`und`), enough for an escalation condition.
 */
export function chatTriage(
  text: string,
  keywords: Readonly<Record<string, readonly string[]>>,
): ConditionTriage {
  const tokens = tokenise(text);
  const sentiment = scoreSentiment(text, 'und').score;
  return {
    language: 'und',
    sentiment,
    urgency: detectUrgency(tokens, text, sentiment).urgency,
    intent: classifyIntent({ keywords }, [], tokens, text).intent,
  };
}

/** What `escalateWhen` conditions look at: the message, its customer, the channel, and the message's triage. */
export function chatConditionTarget(
  message: ChatMessage,
  customer: ChatCustomer,
  channel: Pick<InboundChannel, 'group' | 'tags'> | null,
  triage: ConditionTriage | null,
): ConditionTarget {
  return {
    priority: 'normal',
    type: 'question',
    group: channel?.group ?? null,
    channel: 'chat',
    tags: channel?.tags ?? [],
    status: 'new',
    subject: '',
    customFields: {},
    requester: { email: customer.email },
    assignee: null,
    triage,
    comment: message.text,
    sla: null,
  };
}

const describeCondition = (c: Pick<Condition, 'field' | 'operator' | 'value'>) =>
  `${c.field} ${c.operator.replace('_', ' ')} ${JSON.stringify(c.value)}`;

export interface EscalationDecision {
  readonly by: Extract<EscalationTrigger, 'messages' | 'rule'>;
  readonly reason: string;
}

/**
 * Whether the customer's message just added (the conversation is as it is after it) escalates the conversation:
 * the message count first, then the channel's conditions. `keywords` are the intents' keywords the light
 * triage matches (the built-in defaults).
 */
export function escalationDecision(
  conversation: Conversation,
  message: ChatMessage,
  channel: Pick<InboundChannel, 'group' | 'tags' | 'chat'> | null,
  keywords: Readonly<Record<string, readonly string[]>>,
): EscalationDecision | null {
  const settings: ChatSettings | null = channel?.chat ?? null;
  const limit = settings?.escalateAfterMessages;
  if (limit !== null && limit !== undefined && conversation.unresolvedCustomerMessages >= limit) {
    return {
      by: 'messages',
      reason: `${conversation.unresolvedCustomerMessages} customer messages without a resolution (the channel escalates after ${limit})`,
    };
  }
  const conditions = settings?.escalateWhen;
  if (!hasConditions(conditions)) return null;
  const triage = readsTriage(conditions) ? chatTriage(message.text, keywords) : null;
  const target = chatConditionTarget(message, conversation.customer, channel, triage);
  if (!evaluate(conditions, target)) return null;
  const matched = explainConditions(conditions, target).filter((r) => r.matched);
  return {
    by: 'rule',
    reason: `the channel’s escalation conditions matched: ${matched.map(describeCondition).join(', ')}`,
  };
}
