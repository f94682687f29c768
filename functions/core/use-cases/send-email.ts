import type { ReplySigner } from '../email/addresses.ts';
import { type OutboundDecision, planOutbound } from '../email/outbound.ts';
import { planSurveyMail, surveyExpiry, surveySkipReason } from '../email/survey-mail.ts';
import type { Actor, Ticket, TimelineEvent } from '../model.ts';
import type {
  Clock,
  EmailSettingsStore,
  Ids,
  Mailer,
  MessageStore,
  TicketStore,
  TokenSigner,
} from '../ports.ts';
import { signSurveyToken } from '../surveys.ts';
import { noteEvent } from '../tickets.ts';

/** What the satisfaction survey of a solve needs besides the mail itself. */
export interface SurveyMailDeps {
  /** Whether the tenant surveys its requesters (lifecycle settings' `csatSurveys`). */
  readonly enabled: (tenantId: string) => Promise<boolean>;
  /** Whether the ticket was rated already (a survey is answered once per ticket). */
  readonly answered: (tenantId: string, ticket: number) => Promise<boolean>;
  /** Signs the survey link (the same secret the API verifies it with). */
  readonly tokens: TokenSigner;
  /** The HTTP API's public base URL; null when none is configured (no survey can link anywhere). */
  readonly publicApiUrl: () => string | null;
}

export interface SendEmailDeps {
  readonly tickets: TicketStore;
  readonly messages: MessageStore;
  readonly settings: EmailSettingsStore;
  readonly mailer: Mailer;
  readonly signer: ReplySigner;
  readonly clock: Clock;
  readonly ids: Ids;
  /** Satisfaction surveys on solve; without them a solve sends nothing. */
  readonly surveys?: SurveyMailDeps | undefined;
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
 * The survey mail of a solve: the cheap checks on the event and ticket first, then the tenant's setting, the
 * answer marker, and only then the thread and the signed link. The link expires SURVEY_TTL_DAYS after the
 * solve, so a redelivered event renders the same mail.
 */
async function surveyDecision(
  deps: SendEmailDeps,
  event: TimelineEvent,
  ticket: Ticket,
): Promise<OutboundDecision> {
  const early = surveySkipReason(event, ticket);
  if (early) return { skip: early };
  const surveys = deps.surveys;
  if (!surveys) return { skip: 'satisfaction surveys are not set up here' };
  if (!(await surveys.enabled(ticket.tenantId))) {
    return { skip: 'satisfaction surveys are off for this tenant' };
  }
  const base = surveys.publicApiUrl()?.replace(/\/+$/, '');
  if (!base) return { skip: 'no public API URL to link the survey to' };
  if (await surveys.answered(ticket.tenantId, ticket.number)) return { skip: 'the ticket was rated already' };
  const token = await signSurveyToken(surveys.tokens, {
    tenantId: ticket.tenantId,
    ticket: ticket.number,
    expiresAt: surveyExpiry(event.at),
  });
  return planSurveyMail({
    event,
    ticket,
    threadIds: await threadIds(deps.tickets, event),
    signer: deps.signer,
    surveyUrl: `${base}/v1/surveys/${token}`,
  });
}

/**
 * Sends the mail a timeline event calls for (see planOutbound; a solve: planSurveyMail), at least once and in
 * practice once: the Message-ID is derived from the event, recorded after sending, and checked before, so a
 * redelivered event does not send again. A failed send is written on the timeline and thrown, for the queue
 * to retry.
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
    const decision =
      event.data.type === 'status_changed'
        ? await surveyDecision(deps, event, ticket)
        : planOutbound({
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
