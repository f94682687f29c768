import type { Caller } from '../caller.ts';
import { DomainError, notFound } from '../errors.ts';
import type { Clock, ReportStore, TicketStore, TokenSigner } from '../ports.ts';
import {
  SURVEY_TTL_DAYS,
  type SurveyAnswer,
  signSurveyToken,
  surveyCounters,
  verifySurveyToken,
} from '../surveys.ts';

/** Satisfaction surveys: a signed link for a solved ticket, and the requester's one answer to it. */

export interface SurveyLink {
  readonly ticket: number;
  readonly token: string;
  readonly expiresAt: string;
}

export function makeGetSurveyLink(deps: {
  readonly tickets: TicketStore;
  readonly tokens: TokenSigner;
  readonly clock: Clock;
}) {
  return async function getSurveyLink(caller: Caller, number: number): Promise<SurveyLink> {
    const ticket = await deps.tickets.get(caller.tenantId, number);
    if (!ticket) throw notFound(`ticket #${number}`);
    if (ticket.status !== 'solved' && ticket.status !== 'closed') {
      throw new DomainError(
        'conflict',
        `ticket #${number} is ${ticket.status}: a survey is sent for solved tickets`,
      );
    }
    const expires = Date.parse(deps.clock.now()) + SURVEY_TTL_DAYS * 86_400_000;
    // Whole seconds: the token carries epoch seconds.
    const expiresAt = new Date(Math.floor(expires / 1000) * 1000).toISOString();
    const token = await signSurveyToken(deps.tokens, {
      tenantId: caller.tenantId,
      ticket: number,
      expiresAt,
    });
    return { ticket: number, token, expiresAt };
  };
}

export interface SurveyInput {
  readonly score: number;
  readonly comment?: string | undefined;
}

/**
 * Records the answer to a survey link, once per ticket. Throws SurveyLinkError for a malformed, tampered or
 * expired token, not_found when the ticket is gone, conflict when the ticket was rated already.
 */
export function makeAnswerSurvey(deps: {
  readonly tickets: TicketStore;
  readonly reports: ReportStore;
  readonly tokens: TokenSigner;
  readonly clock: Clock;
}) {
  return async function answerSurvey(token: string, input: SurveyInput): Promise<SurveyAnswer> {
    const now = deps.clock.now();
    const claim = await verifySurveyToken(deps.tokens, token, now);
    const ticket = await deps.tickets.get(claim.tenantId, claim.ticket);
    if (!ticket) throw notFound('survey');
    const comment = input.comment?.trim();
    const answer: SurveyAnswer = {
      tenantId: claim.tenantId,
      ticket: claim.ticket,
      score: input.score,
      comment: comment ? comment : null,
      at: now,
      group: ticket.group,
      channel: ticket.channel,
      assignee: ticket.assignee,
    };
    await deps.reports.recordSurvey(answer, surveyCounters(answer));
    return answer;
  };
}
