import {
  ReportExportQuery,
  SurveyAnswerBody,
  SurveyFormBody,
  SurveyPageQuery,
  SurveyTokenParam,
  surveyFormInput,
} from '../contracts/api.ts';
import { DomainError } from '../core/errors.ts';
import {
  MAX_EFFORT,
  MAX_SCORE,
  MIN_EFFORT,
  MIN_SCORE,
  type SurveyAnswer,
  SurveyLinkError,
} from '../core/surveys.ts';
import type { UseCases } from '../core/use-cases/index.ts';
import { maxBodyBytes } from '../topology.ts';
import type { Operation } from './operations.ts';
import { type ApiResult, bodyText, HttpProblem, type HttpRequest, json } from './request.ts';
import {
  htmlResult,
  surveyAlreadyAnsweredPage,
  surveyFormPage,
  surveyProblemPage,
  surveyThanksPage,
} from './survey-page.ts';

/**
 * Satisfaction surveys over HTTP, for people and for programs, and report exports.
 *
 * - `GET /v1/surveys/{token}` is the page a survey mail links to: HTML, the score from `?score=` preselected.
 *   It only reads: mail scanners open every link of a mail, and must not answer for the requester.
 * - `POST /v1/surveys/{token}` takes the page's form (`application/x-www-form-urlencoded`, answered with HTML
 *   pages) or JSON (answered with JSON and problem+json, as before).
 */

const answerJson = (answer: SurveyAnswer) => ({
  ticket: answer.ticket,
  score: answer.score,
  effort: answer.effort,
  comment: answer.comment,
  at: answer.at,
});

const isForm = (request: HttpRequest) =>
  /^application\/x-www-form-urlencoded\b/i.test(request.header('content-type') ?? '');

/** `?score=3` → 3; anything else preselects nothing (a link is never an error page because of its query). */
function preselected(request: HttpRequest): number | null {
  const parsed = SurveyPageQuery.safeParse(request.event.queryStringParameters ?? {});
  const value = parsed.success ? Number(parsed.data.score) : Number.NaN;
  return Number.isInteger(value) && value >= MIN_SCORE && value <= MAX_SCORE ? value : null;
}

/** The page for a token or ticket that cannot be surveyed; null for any other error (a bug: a 500). */
function unusableLinkPage(error: unknown): ApiResult | null {
  if (error instanceof SurveyLinkError) {
    if (error.reason === 'expired') {
      return htmlResult(
        400,
        surveyProblemPage(
          'This survey link has expired',
          `${error.message.replace(/^this survey link expired at /, 'It expired at ')}. Thank you all the same: if anything is still wrong, reply to the last mail about your request.`,
        ),
      );
    }
    if (error.reason === 'malformed') {
      return htmlResult(
        400,
        surveyProblemPage(
          'This is not a survey link',
          'The address is incomplete or was changed. Please open the link from the mail we sent you again.',
        ),
      );
    }
    // A forged or foreign token learns nothing: the same page as a survey that does not exist.
    return htmlResult(404, surveyProblemPage('No such survey', 'This survey does not exist (any more).'));
  }
  if (error instanceof DomainError && error.code === 'not_found') {
    return htmlResult(404, surveyProblemPage('No such survey', 'This survey does not exist (any more).'));
  }
  return null;
}

/** What a form the page could not take says, field by field, in the page's words. */
function formError(issues: readonly { path: readonly PropertyKey[] }[]): string {
  const fields = new Set(issues.map((issue) => String(issue.path[0] ?? '')));
  const messages: string[] = [];
  if (fields.has('score')) messages.push(`Please choose a score from ${MIN_SCORE} to ${MAX_SCORE}.`);
  if (fields.has('effort')) messages.push(`The effort answer goes from ${MIN_EFFORT} to ${MAX_EFFORT}.`);
  if (fields.has('comment')) messages.push('The comment is too long.');
  return messages.length > 0 ? messages.join(' ') : 'Please check your answer and send it again.';
}

export function makeReportingOperations(useCases: UseCases): Record<string, Operation> {
  /** The form again, with what was sent and why it was not taken (or "already answered"). */
  async function formAgain(
    token: string,
    status: number,
    sent: { score?: unknown; effort?: unknown; comment?: unknown },
    error: string,
  ): Promise<ApiResult> {
    const view = await useCases.getSurvey(token);
    if (view.answer) {
      return htmlResult(409, surveyAlreadyAnsweredPage({ ...view.answer, subject: view.subject }));
    }
    const whole = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : null);
    return htmlResult(
      status,
      surveyFormPage({
        token,
        ticket: view.ticket,
        subject: view.subject,
        score: whole(sent.score),
        effort: whole(sent.effort),
        comment: typeof sent.comment === 'string' ? sent.comment : null,
        error,
      }),
    );
  }

  async function answerForm(token: string, request: HttpRequest): Promise<ApiResult> {
    const raw = bodyText(request.event) ?? '';
    if (Buffer.byteLength(raw, 'utf8') > maxBodyBytes) {
      return htmlResult(
        413,
        surveyProblemPage('Too much text', 'Please shorten your comment and send it again.'),
      );
    }
    const fields = Object.fromEntries(new URLSearchParams(raw));
    const input = surveyFormInput(SurveyFormBody.parse(fields));
    try {
      const parsed = SurveyAnswerBody.safeParse(input);
      if (!parsed.success) return await formAgain(token, 400, input, formError(parsed.error.issues));
      const answer = await useCases.answerSurvey(token, parsed.data);
      return htmlResult(201, surveyThanksPage(answer));
    } catch (error) {
      const page = unusableLinkPage(error);
      if (page) return page;
      if (error instanceof DomainError && error.code === 'conflict') {
        const view = await useCases.getSurvey(token);
        if (view.answer) {
          return htmlResult(409, surveyAlreadyAnsweredPage({ ...view.answer, subject: view.subject }));
        }
        return htmlResult(409, surveyProblemPage('Please try again', error.message));
      }
      if (error instanceof DomainError && error.code === 'validation') {
        return await formAgain(token, 422, input, error.message);
      }
      throw error;
    }
  }

  return {
    getSurvey: async (request) => {
      const { token } = request.params(SurveyTokenParam);
      try {
        const view = await useCases.getSurvey(token);
        if (view.answer) {
          return htmlResult(200, surveyAlreadyAnsweredPage({ ...view.answer, subject: view.subject }));
        }
        return htmlResult(
          200,
          surveyFormPage({ token, ticket: view.ticket, subject: view.subject, score: preselected(request) }),
        );
      } catch (error) {
        const page = unusableLinkPage(error);
        if (page) return page;
        throw error;
      }
    },

    answerSurvey: async (request) => {
      const { token } = request.params(SurveyTokenParam);
      if (isForm(request)) return answerForm(token, request);
      const body = request.json(SurveyAnswerBody);
      try {
        return json(201, answerJson(await useCases.answerSurvey(token, body)));
      } catch (error) {
        if (!(error instanceof SurveyLinkError)) throw error;
        // A forged or foreign token learns nothing: the same 404 as a survey that does not exist.
        if (error.reason === 'tampered') throw new HttpProblem('not-found', 'no such survey');
        throw new HttpProblem('invalid-request', error.message, [{ path: 'token', message: error.message }]);
      }
    },

    exportReport: async (request) =>
      json(200, await useCases.exportReport(request.tenant(), request.query(ReportExportQuery))),
  };
}
