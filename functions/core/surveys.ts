import { constantTimeEqual } from './constant-time.ts';
import type { Channel } from './model.ts';
import type { TokenSigner } from './ports.ts';
import { COUNTERS, CounterAdds, dimensionsOf, effortCounter } from './reporting/counters.ts';

/**
 * Satisfaction surveys (CSAT). A solved ticket gets a survey link carrying a signed token: the tenant, the
 * ticket number and an expiry, with an HMAC of the three under the deployment's secret (the same secret as the
 * signed reply addresses, under a payload of its own so neither signature can stand for the other). The
 * requester answers once, without an API key; whoever holds the link can answer, nobody can forge or widen one.
 *
 * Token: `s1.<tenant>.<ticket>.<expires, epoch seconds>.<signature, 32 hex = 128 bits>`.
 */

/** How long a survey link works. */
export const SURVEY_TTL_DAYS = 30;
export const MIN_SCORE = 1;
export const MAX_SCORE = 5;
/** Scores counted as satisfied (the CSAT score is their share). */
export const SATISFIED_FROM = 4;
export const MAX_SURVEY_COMMENT_CHARS = 2000;

/** What each score means, on the survey mail's links and the survey page. */
export const SCORE_LABELS: Readonly<Record<number, string>> = {
  1: 'Very unsatisfied',
  2: 'Unsatisfied',
  3: 'Neutral',
  4: 'Satisfied',
  5: 'Very satisfied',
};
export const SCORE_QUESTION = 'How did we do?';

/**
 * Customer effort score (CES), asked beside the score and optional: 1 (very difficult) to 7 (very easy).
 * Reports give the number of answers, their average, and the share of easy ones (5 to 7).
 */
export const EFFORT_QUESTION = 'How easy was it to get your issue resolved?';
export const MIN_EFFORT = 1;
export const MAX_EFFORT = 7;
export const EASY_FROM = 5;

const SIGNATURE_HEX = 32;
/** What a token looks like; anything else is malformed. */
export const SURVEY_TOKEN = /^s1\.([A-Za-z0-9_-]{1,100})\.(\d{1,10})\.(\d{1,12})\.([0-9a-f]{32})$/;

export interface SurveyClaim {
  readonly tenantId: string;
  readonly ticket: number;
  /** ISO-8601. */
  readonly expiresAt: string;
}

export type SurveyLinkProblem = 'malformed' | 'tampered' | 'expired';

/** A survey token that cannot be used: the HTTP layer answers 400 (malformed, expired) or 404 (tampered). */
export class SurveyLinkError extends Error {
  constructor(
    readonly reason: SurveyLinkProblem,
    message: string,
  ) {
    super(message);
    this.name = 'SurveyLinkError';
  }
}

const payloadOf = (tenantId: string, ticket: number, expires: number) =>
  `csat-survey:v1:${tenantId}:${ticket}:${expires}`;

async function signatureOf(signer: TokenSigner, tenantId: string, ticket: number, expires: number) {
  return (await signer.sign(payloadOf(tenantId, ticket, expires))).slice(0, SIGNATURE_HEX).toLowerCase();
}

export async function signSurveyToken(signer: TokenSigner, claim: SurveyClaim): Promise<string> {
  const expires = Math.floor(Date.parse(claim.expiresAt) / 1000);
  const signature = await signatureOf(signer, claim.tenantId, claim.ticket, expires);
  return `s1.${claim.tenantId}.${claim.ticket}.${expires}.${signature}`;
}

/** The claim of a token, if it is well formed, signed by us and not expired at `now`; SurveyLinkError if not. */
export async function verifySurveyToken(
  signer: TokenSigner,
  token: string,
  now: string,
): Promise<SurveyClaim> {
  const match = SURVEY_TOKEN.exec(token);
  if (!match) throw new SurveyLinkError('malformed', 'this is not a survey link token');
  const [, tenantId, ticketText, expiresText, signature] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const ticket = Number(ticketText);
  const expires = Number(expiresText);
  const expected = await signatureOf(signer, tenantId, ticket, expires);
  if (!constantTimeEqual(expected, signature)) {
    throw new SurveyLinkError('tampered', 'no such survey');
  }
  const expiresAt = new Date(expires * 1000).toISOString();
  if (Date.parse(now) >= expires * 1000) {
    throw new SurveyLinkError('expired', `this survey link expired at ${expiresAt}`);
  }
  return { tenantId, ticket, expiresAt };
}

/** An answer as stored, with the ticket's dimensions when it was given. */
export interface SurveyAnswer {
  readonly tenantId: string;
  readonly ticket: number;
  readonly score: number;
  /** The customer effort answer, 1–7; null when the requester left it out. */
  readonly effort: number | null;
  readonly comment: string | null;
  readonly at: string;
  readonly group: string | null;
  readonly channel: Channel;
  readonly assignee: string | null;
}

/**
 * The counters an answer adds on the day of it: one CSAT response, one satisfied when the score is 4 or 5,
 * and, when the effort question was answered, one count of that effort value.
 */
export function surveyCounters(answer: SurveyAnswer): CounterAdds {
  const dims = dimensionsOf(answer);
  const day = answer.at.slice(0, 10);
  const counters = new CounterAdds().addAll(answer.tenantId, day, dims, COUNTERS.csatResponses);
  if (answer.score >= SATISFIED_FROM) counters.addAll(answer.tenantId, day, dims, COUNTERS.csatSatisfied);
  if (answer.effort !== null) counters.addAll(answer.tenantId, day, dims, effortCounter(answer.effort));
  return counters;
}

/** An answer as stored, read back: answers recorded before the effort question have no `effort`. */
export function surveyAnswerOf(stored: Readonly<Record<string, unknown>>): SurveyAnswer {
  const answer = stored as unknown as SurveyAnswer;
  return {
    tenantId: answer.tenantId,
    ticket: answer.ticket,
    score: answer.score,
    effort: typeof answer.effort === 'number' ? answer.effort : null,
    comment: answer.comment ?? null,
    at: answer.at,
    group: answer.group ?? null,
    channel: answer.channel,
    assignee: answer.assignee ?? null,
  };
}
