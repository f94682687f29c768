import type { Ticket, TimelineEvent } from '../model.ts';
import { MAX_SCORE, MIN_SCORE, SCORE_LABELS, SCORE_QUESTION, SURVEY_TTL_DAYS } from '../surveys.ts';
import { outboundSubject, type ReplySigner } from './addresses.ts';
import { conversationEnvelope, type OutboundDecision } from './outbound.ts';

/**
 * The satisfaction survey mailed when an email ticket is solved: "How did we do?" with one link per score.
 * Each link opens the survey page with that score chosen (`?score=n`); nothing is recorded until the requester
 * sends the form there, so a mail scanner that follows every link records nothing.
 */

/** Why a solve sends no survey, judged on the event and the ticket alone (before any other read); null: go on. */
export function surveySkipReason(event: TimelineEvent, ticket: Ticket): string | null {
  const { data } = event;
  if (data.type !== 'status_changed' || data.to !== 'solved' || data.from === 'solved') return 'not a solve';
  if (!ticket.mailbox) return 'the ticket is not an email conversation';
  if (!ticket.requester.email) return 'the requester has no email address';
  if (ticket.spam) return 'spam is never surveyed';
  if (ticket.status !== 'solved' && ticket.status !== 'closed') {
    return `the ticket is ${ticket.status} again: the survey of that solve is not sent`;
  }
  return null;
}

/** When the survey link of a solve expires: SURVEY_TTL_DAYS after the solve, in whole seconds (the token's). */
export function surveyExpiry(solvedAt: string): string {
  const expires = Date.parse(solvedAt) + SURVEY_TTL_DAYS * 86_400_000;
  return new Date(Math.floor(expires / 1000) * 1000).toISOString();
}

export interface SurveyMailContext {
  readonly event: TimelineEvent;
  readonly ticket: Ticket;
  /** Message-IDs of the conversation so far, oldest first. */
  readonly threadIds: readonly string[];
  readonly signer: ReplySigner;
  /** The survey page of this solve's link: `<API>/v1/surveys/<token>`. */
  readonly surveyUrl: string;
}

/** The survey mail of a solve, threaded on the conversation like an agent's reply; to the requester only. */
export function planSurveyMail(context: SurveyMailContext): OutboundDecision {
  const { event, ticket, threadIds, signer, surveyUrl } = context;
  const skip = surveySkipReason(event, ticket);
  if (skip) return { skip };
  const lines: string[] = [];
  for (let score = MIN_SCORE; score <= MAX_SCORE; score++) {
    lines.push(`  ${score} – ${SCORE_LABELS[score]}: ${surveyUrl}?score=${score}`);
  }
  const text = [
    `Hello ${ticket.requester.name ?? 'there'},`,
    '',
    `your request #${ticket.number} “${ticket.subject}” has been solved. ${SCORE_QUESTION}`,
    '',
    'Pick a score, from 1 (very unsatisfied) to 5 (very satisfied):',
    '',
    ...lines,
    '',
    `The link opens a short form: add a comment if you like, then send it. It works for ${SURVEY_TTL_DAYS} days.`,
    'If something is still not right, simply reply to this message.',
  ].join('\n');
  return {
    send: {
      ...conversationEnvelope(ticket, ticket.mailbox!, event, threadIds, signer),
      kind: 'survey',
      to: [ticket.requester.email!],
      cc: [],
      subject: outboundSubject(ticket.subject, ticket.number, true),
      text,
      autoSubmitted: true,
    },
  };
}
