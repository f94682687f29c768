import {
  EFFORT_QUESTION,
  MAX_EFFORT,
  MAX_SCORE,
  MAX_SURVEY_COMMENT_CHARS,
  MIN_EFFORT,
  MIN_SCORE,
  SCORE_LABELS,
  SCORE_QUESTION,
} from '../core/surveys.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';
import type { ApiResult } from './request.ts';

/**
 * The pages of a satisfaction survey link: the form (the score chosen in the mail preselected), the thank-you
 * page, "already answered", and the pages of a link that cannot be used. Self-contained HTML (inline style, no
 * script, no external asset), everything from the ticket escaped; sent with a CSP that allows nothing else.
 */

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f4f6f9; }
  main { max-width: 560px; margin: 40px auto; background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 24px 28px; }
  h1 { font-size: 22px; margin: 0 0 4px; } .ticket { color: #5b6475; margin: 0 0 20px; }
  fieldset { border: 0; padding: 0; margin: 0 0 20px; } legend { font-weight: 600; margin-bottom: 8px; }
  .scale { display: flex; flex-wrap: wrap; gap: 6px; }
  .scale label { flex: 1 1 0; min-width: 44px; text-align: center; border: 1px solid #c9cfd8; border-radius: 6px; padding: 8px 4px; cursor: pointer; font-size: 14px; }
  .scale input { display: block; margin: 0 auto 4px; }
  .ends { display: flex; justify-content: space-between; color: #5b6475; font-size: 13px; }
  textarea { width: 100%; box-sizing: border-box; min-height: 90px; font: inherit; padding: 8px; border: 1px solid #c9cfd8; border-radius: 6px; }
  button { font: inherit; background: #1d5fbf; color: #fff; border: 0; border-radius: 6px; padding: 10px 20px; cursor: pointer; }
  .error { background: #fdecea; color: #8a1c12; border-radius: 6px; padding: 8px 12px; }
`;

const document = (title: string, body: string) => htmlDocument(title, STYLE, body);

/** What every survey page is sent with: no caching (the link is a credential), no referrer, nothing external. */
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

export function htmlResult(statusCode: number, html: string): ApiResult {
  return { statusCode, headers: { ...HEADERS }, body: html };
}

export interface SurveyFormState {
  readonly token: string;
  readonly ticket: number;
  readonly subject: string;
  /** Preselected score (from the mail's link, or what was sent with an error). */
  readonly score?: number | null | undefined;
  readonly effort?: number | null | undefined;
  readonly comment?: string | null | undefined;
  /** Shown above the form when a sent form could not be taken. */
  readonly error?: string | undefined;
}

function scale(
  name: string,
  from: number,
  to: number,
  chosen: number | null | undefined,
  labels?: Record<number, string>,
) {
  const options: string[] = [];
  for (let value = from; value <= to; value++) {
    const checked = chosen === value ? ' checked' : '';
    const title = labels?.[value];
    options.push(
      `<label${title ? ` title="${escapeHtml(title)}"` : ''}><input type="radio" name="${name}" value="${value}"${checked}${name === 'score' ? ' required' : ''}>${value}</label>`,
    );
  }
  return `<div class="scale">${options.join('')}</div>`;
}

/** The form: the score (required, preselected from the link), the effort question, a comment; POSTs back here. */
export function surveyFormPage(state: SurveyFormState): string {
  const error = state.error ? `<p class="error" role="alert">${escapeHtml(state.error)}</p>` : '';
  return document(
    SCORE_QUESTION,
    `<h1>${escapeHtml(SCORE_QUESTION)}</h1>
<p class="ticket">Request #${state.ticket}: ${escapeHtml(state.subject)}</p>
${error}
<form method="post" action="./${escapeHtml(encodeURIComponent(state.token))}">
<fieldset>
<legend>How satisfied are you with the help you got?</legend>
${scale('score', MIN_SCORE, MAX_SCORE, state.score, SCORE_LABELS)}
<div class="ends"><span>${MIN_SCORE}: ${SCORE_LABELS[MIN_SCORE]}</span><span>${MAX_SCORE}: ${SCORE_LABELS[MAX_SCORE]}</span></div>
</fieldset>
<fieldset>
<legend>${escapeHtml(EFFORT_QUESTION)} <small>(optional)</small></legend>
${scale('effort', MIN_EFFORT, MAX_EFFORT, state.effort)}
<div class="ends"><span>${MIN_EFFORT}: Very difficult</span><span>${MAX_EFFORT}: Very easy</span></div>
</fieldset>
<fieldset>
<legend><label for="comment">Anything you would like to add? <small>(optional)</small></label></legend>
<textarea id="comment" name="comment" maxlength="${MAX_SURVEY_COMMENT_CHARS}">${escapeHtml(state.comment ?? '')}</textarea>
</fieldset>
<button type="submit">Send</button>
</form>`,
  );
}

export interface AnsweredState {
  readonly ticket: number;
  readonly subject?: string | undefined;
  readonly score: number;
  readonly effort: number | null;
}

function answerSummary(state: AnsweredState): string {
  const effort = state.effort === null ? '' : `, effort ${state.effort} of ${MAX_EFFORT}`;
  return `<p>Your answer for request #${state.ticket}${state.subject ? ` (${escapeHtml(state.subject)})` : ''}: ${state.score} of ${MAX_SCORE} (${escapeHtml(SCORE_LABELS[state.score] ?? '')})${effort}.</p>`;
}

export function surveyThanksPage(state: AnsweredState): string {
  return document('Thank you', `<h1>Thank you!</h1>\n${answerSummary(state)}\n<p>It helps us do better.</p>`);
}

/** A survey is answered once: the page for a link whose ticket was rated already. */
export function surveyAlreadyAnsweredPage(state: AnsweredState): string {
  return document(
    'Already answered',
    `<h1>This survey was already answered</h1>\n${answerSummary(state)}\n<p>Thank you: a survey takes one answer, so there is nothing more to do here.</p>`,
  );
}

/** A link that cannot be used (malformed, expired, unknown); `message` is shown as text. */
export function surveyProblemPage(title: string, message: string): string {
  return document(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
