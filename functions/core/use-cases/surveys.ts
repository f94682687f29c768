import type { Caller } from '../caller.ts';
import { DomainError, type FieldError, notFound } from '../errors.ts';
import type { Clock, ReportStore, TicketStore, TokenSigner } from '../ports.ts';
import {
  MAX_EFFORT,
  MAX_SCORE,
  MAX_SURVEY_COMMENT_CHARS,
  MIN_EFFORT,
  MIN_SCORE,
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
  /** Customer effort, 1 (very difficult) to 7 (very easy); optional. */
  readonly effort?: number | undefined;
  readonly comment?: string | undefined;
}

const wholeIn = (value: unknown, min: number, max: number) =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** The edge validates too (400); this guards every other way in (422). */
function surveyInputErrors(input: SurveyInput): FieldError[] {
  const errors: FieldError[] = [];
  if (!wholeIn(input.score, MIN_SCORE, MAX_SCORE)) {
    errors.push({ path: 'score', message: `must be a whole number, ${MIN_SCORE} to ${MAX_SCORE}` });
  }
  if (input.effort !== undefined && !wholeIn(input.effort, MIN_EFFORT, MAX_EFFORT)) {
    errors.push({ path: 'effort', message: `must be a whole number, ${MIN_EFFORT} to ${MAX_EFFORT}` });
  }
  if (input.comment !== undefined && input.comment.length > MAX_SURVEY_COMMENT_CHARS) {
    errors.push({ path: 'comment', message: `must be at most ${MAX_SURVEY_COMMENT_CHARS} characters` });
  }
  return errors;
}

/** What the survey page shows: the ticket's subject, and the answer when there is one already. */
export interface SurveyView {
  readonly ticket: number;
  readonly subject: string;
  readonly expiresAt: string;
  readonly answer: SurveyAnswer | null;
}

/**
 * The survey behind a link, for its page: reads only, never records (mail scanners open links before the
 * requester does). SurveyLinkError for a malformed, tampered or expired token; not_found when the ticket is gone.
 */
export function makeGetSurvey(deps: {
  readonly tickets: TicketStore;
  readonly reports: ReportStore;
  readonly tokens: TokenSigner;
  readonly clock: Clock;
}) {
  return async function getSurvey(token: string): Promise<SurveyView> {
    const claim = await verifySurveyToken(deps.tokens, token, deps.clock.now());
    const [ticket, answer] = await Promise.all([
      deps.tickets.get(claim.tenantId, claim.ticket),
      deps.reports.survey(claim.tenantId, claim.ticket),
    ]);
    if (!ticket) throw notFound('survey');
    return { ticket: claim.ticket, subject: ticket.subject, expiresAt: claim.expiresAt, answer };
  };
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
    const errors = surveyInputErrors(input);
    if (errors.length > 0) {
      throw new DomainError('validation', errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
    }
    const ticket = await deps.tickets.get(claim.tenantId, claim.ticket);
    if (!ticket) throw notFound('survey');
    const comment = input.comment?.trim();
    const answer: SurveyAnswer = {
      tenantId: claim.tenantId,
      ticket: claim.ticket,
      score: input.score,
      effort: input.effort ?? null,
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
