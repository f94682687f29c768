import type { ReplySigner } from '../email/addresses.ts';
import { planOutbound } from '../email/outbound.ts';
import type { Actor, TimelineEvent } from '../model.ts';
import type { Clock, EmailSettingsStore, Ids, Mailer, MessageStore, TicketStore } from '../ports.ts';
import { noteEvent } from '../tickets.ts';

export interface SendEmailDeps {
  readonly tickets: TicketStore;
  readonly messages: MessageStore;
  readonly settings: EmailSettingsStore;
  readonly mailer: Mailer;
  readonly signer: ReplySigner;
  readonly clock: Clock;
  readonly ids: Ids;
}

export type SendOutcome =
  | { readonly outcome: 'sent'; readonly messageIds: readonly string[] }
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'already_sent' };

const MAILER: Actor = { type: 'system', id: 'email' };
/** How far back the thread's Message-IDs are read for In-Reply-To and References. */
const THREAD_PAGES = 5;

async function threadIds(tickets: TicketStore, event: TimelineEvent): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < THREAD_PAGES; page++) {
    const result = await tickets.timeline(event.tenantId, event.ticketNumber, { limit: 100, cursor });
    for (const e of result.items) {
      if (e.id > event.id) break;
      if (e.data.type === 'comment' && e.data.email) ids.push(e.data.email.messageId);
      if (e.data.type === 'email_sent') ids.push(e.data.messageId);
    }
    cursor = result.nextCursor ?? undefined;
    if (!cursor) break;
  }
  return ids;
}

/**
 * Sends the mail a timeline event calls for (see planOutbound), at least once and in practice once: the
 * Message-ID is derived from the event, recorded after sending, and checked before, so a redelivered event
 * does not send again. A failed send is written on the timeline and thrown, for the queue to retry.
 */
export function makeSendEmail(deps: SendEmailDeps) {
  return async function sendEmailFor(
    tenantId: string,
    ticketNumber: number,
    eventId: string,
    attempt: number,
  ): Promise<SendOutcome> {
    const [ticket, event] = await Promise.all([
      deps.tickets.get(tenantId, ticketNumber),
      deps.tickets.event(tenantId, ticketNumber, eventId),
    ]);
    if (!ticket || !event) return { outcome: 'skipped', reason: 'the ticket or event does not exist' };
    const decision = planOutbound({
      event,
      ticket,
      settings: await deps.settings.get(tenantId),
      threadIds: await threadIds(deps.tickets, event),
      signer: deps.signer,
    });
    if ('skip' in decision) return { outcome: 'skipped', reason: decision.skip };
    const mail = decision.send;
    if (await deps.messages.isRecorded(tenantId, mail.messageId)) return { outcome: 'already_sent' };
    try {
      const { messageIds } = await deps.mailer.send(mail);
      const now = deps.clock.now();
      await deps.messages.recordOutbound(tenantId, ticketNumber, messageIds, now);
      await deps.tickets.appendEvents([
        noteEvent(ticket, MAILER, now, deps.ids, {
          type: 'email_sent',
          kind: mail.kind,
          to: mail.to,
          cc: mail.cc,
          messageId: mail.messageId,
          forEvent: event.id,
        }),
      ]);
      return { outcome: 'sent', messageIds };
    } catch (error) {
      await deps.tickets.appendEvents([
        noteEvent(ticket, MAILER, deps.clock.now(), deps.ids, {
          type: 'email_failed',
          kind: mail.kind,
          to: mail.to,
          error: error instanceof Error ? error.message : String(error),
          attempt,
          forEvent: event.id,
        }),
      ]);
      throw error;
    }
  };
}
