/**
 * When a chat conversation becomes a ticket, and what the ticket looks like.
 *
 * A chat channel's `ChatSettings` escalate a conversation on their own:
 * - `escalateAfterMessages: N` — on the customer's Nth message since the conversation (re)opened;
 * - `escalateAfterMinutes: M` — M minutes after it (re)opened, while still open (a timer; see use-cases);
 * - `escalateWhen` — conditions in the automation rules' shape (core/conditions.ts, same evaluator), checked on
 *   each customer message. Kept modest: they read only the fields in CHAT_CONDITION_FIELDS — the message text
 *   (`comment`), the customer's email (`requester.email`) and a light triage of the message (`triage.intent`,
 *   `triage.urgency`, `triage.sentiment`: the built-in classifier's keyword intent, urgency and sentiment, without
 *   language detection). E.g. `{ any: [{ field: 'comment', operator: 'contains', value: 'refund' },
 *   { field: 'triage.urgency', operator: 'greater_than', value: 'normal' }] }`. The decision itself is in
 *   decision.ts.
 * An agent can escalate at any time (`POST /v1/conversations/{id}:escalate`).
 */

import { type Conditions, validateConditions } from '../conditions.ts';
import { normalizePhone } from '../customers.ts';
import type { FieldError } from '../errors.ts';
import type { ChatMessage, Conversation, EscalationTrigger } from './conversation.ts';

/** The condition fields `escalateWhen` may use (see the module comment). */
export const CHAT_CONDITION_FIELDS = [
  'comment',
  'requester.email',
  'triage.intent',
  'triage.urgency',
  'triage.sentiment',
] as const;

/** Field errors of `escalateWhen` as received (unknown input), under `path`; empty when it can be stored. */
export function escalateWhenErrors(input: unknown, path = 'chat.escalateWhen'): FieldError[] {
  const errors = validateConditions(input, path);
  if (errors.length > 0 || input === null || input === undefined) return errors;
  for (const list of ['all', 'any'] as const) {
    const conditions = (input as Conditions)[list] ?? [];
    conditions.forEach((condition, index) => {
      if (!(CHAT_CONDITION_FIELDS as readonly string[]).includes(condition.field)) {
        errors.push({
          path: `${path}.${list}[${index}].field`,
          message: `a chat escalation condition reads ${CHAT_CONDITION_FIELDS.join(', ')}`,
        });
      }
    });
  }
  return errors;
}

/** Longest ticket subject taken from a chat message. */
const MAX_SUBJECT_CHARS = 80;

/** The ticket's subject: the customer's first message, on one line, cut at a word near 80 characters. */
export function escalationSubject(messages: readonly ChatMessage[]): string {
  const first = messages.find((m) => m.author.type === 'customer') ?? messages[0];
  const line = (first?.text ?? '').replace(/\s+/g, ' ').trim();
  if (line === '') return 'Chat conversation';
  if (line.length <= MAX_SUBJECT_CHARS) return line;
  const cut = line.slice(0, MAX_SUBJECT_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_SUBJECT_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The transcript comment stays under this many characters (the API's comment limit is 64 K). */
export const MAX_TRANSCRIPT_CHARS = 60_000;

const AUTHOR_LABEL: Readonly<Record<ChatMessage['author']['type'], string>> = {
  customer: 'customer',
  agent: 'agent',
  system: 'system',
};

/**
 * Longest transcript line (one message): a chat message at its limit with its time and author fits, a longer
 * one (taken in before the limit) is cut, so the first message and the header always fit in the transcript.
 */
export const MAX_TRANSCRIPT_LINE_CHARS = 8_400;

/** Longest header (the escalation's reason may quote long condition values). */
const MAX_TRANSCRIPT_HEADER_CHARS = 2_000;

/** `text` cut to at most `max` characters, saying how many were cut (never splitting a surrogate pair). */
export function cutLine(text: string, max: number): string {
  if (text.length <= max) return text;
  // Room for the note: ` … 1234567 characters cut`.
  let keep = Math.max(0, max - 32);
  const code = text.charCodeAt(keep - 1);
  if (code >= 0xd800 && code <= 0xdbff) keep--;
  return `${text.slice(0, keep)} … ${text.length - keep} characters cut`;
}

/** `[2026-03-02 09:00 UTC] Ann (customer): text`; continuation lines indented so the transcript stays readable. */
function transcriptLine(message: ChatMessage): string {
  const at = `${message.at.slice(0, 10)} ${message.at.slice(11, 16)} UTC`;
  const who = message.author.name
    ? `${message.author.name} (${AUTHOR_LABEL[message.author.type]})`
    : AUTHOR_LABEL[message.author.type];
  return `[${at}] ${who}: ${message.text.replace(/\r?\n/g, '\n    ')}`;
}

/**
 * The ticket's first comment: why it was escalated, then the whole conversation in order, one line per message.
 * A message longer than a line may be is cut (saying how many characters); a conversation too long for one
 * comment keeps its first message and as many of the latest as fit, and says how many it left out (the
 * conversation keeps them all). The whole stays under MAX_TRANSCRIPT_CHARS.
 */
export function transcriptComment(
  conversation: Pick<Conversation, 'id'>,
  messages: readonly ChatMessage[],
  escalation: { readonly by: EscalationTrigger; readonly reason: string },
): string {
  const header = cutLine(
    `Chat conversation ${conversation.id}, escalated (${escalation.by}): ${escalation.reason}.`,
    MAX_TRANSCRIPT_HEADER_CHARS,
  );
  const lines = messages.map((m) => cutLine(transcriptLine(m), MAX_TRANSCRIPT_LINE_CHARS));
  let budget = MAX_TRANSCRIPT_CHARS - header.length - 200;
  const [first, ...rest] = lines;
  if (first === undefined) return header;
  budget -= first.length;
  const kept: string[] = [];
  for (let i = rest.length - 1; i >= 0 && budget - rest[i]!.length - 1 >= 0; i--) {
    kept.unshift(rest[i]!);
    budget -= rest[i]!.length + 1;
  }
  const omitted = rest.length - kept.length;
  const gap = omitted > 0 ? [`… ${omitted} message(s) left out here; the conversation has them all …`] : [];
  return [header, '', first, ...gap, ...kept].join('\n');
}

/** Chat customers known only by the provider's id get this reserved domain (RFC 2606): never mailed. */
const NO_ADDRESS_DOMAIN = 'chat.invalid';

/**
 * The ticket requester's identity: the customer's email or phone; a customer who gave neither gets an address
 * under `chat.invalid` made from the provider's id (or the conversation's), which no mail is ever sent to.
 */
export function requesterIdentity(conversation: Pick<Conversation, 'id' | 'customer'>): {
  readonly email?: string;
  readonly phone?: string;
  readonly name?: string;
} {
  const { customer } = conversation;
  const name = customer.name ?? undefined;
  // A phone that is not E.164 would fail the ticket: it is left out (the conversation still shows it).
  const phone = customer.phone && normalizePhone(customer.phone) ? customer.phone : null;
  if (customer.email || phone) {
    return {
      ...(customer.email && { email: customer.email }),
      ...(phone && { phone }),
      ...(name && { name }),
    };
  }
  const local = (customer.id ?? conversation.id)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .slice(0, 60);
  return { email: `${local || 'customer'}@${NO_ADDRESS_DOMAIN}`, ...(name && { name }) };
}
