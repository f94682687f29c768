import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { DomainErrorCode, FieldError } from '../core/errors.ts';

/**
 * RFC 9457 problem details. `type` is a stable reference into the API reference page, where each problem
 * type is described; clients branch on it, never on `title` or `detail`.
 */
export const PROBLEMS = {
  'invalid-request': { status: 400, title: 'The request is not valid' },
  'malformed-json': { status: 400, title: 'The body is not valid JSON' },
  unauthorized: { status: 401, title: 'No valid API key' },
  forbidden: { status: 403, title: 'This key may not do that' },
  'not-found': { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflicting change' },
  'idempotency-in-progress': { status: 409, title: 'A request with this Idempotency-Key is in progress' },
  'version-mismatch': { status: 412, title: 'The ticket changed since you read it' },
  'payload-too-large': { status: 413, title: 'The body is too large' },
  'unsupported-media-type': { status: 415, title: 'Send application/json' },
  validation: { status: 422, title: 'The request breaks a rule' },
  'invalid-transition': { status: 422, title: 'That status change is not allowed' },
  'ticket-closed': { status: 422, title: 'The ticket is closed' },
  'idempotency-mismatch': { status: 422, title: 'The Idempotency-Key was used with another request' },
  'invalid-signature': { status: 401, title: 'The message signature does not verify' },
  'rate-limited': { status: 429, title: 'Too many requests; retry later' },
  internal: { status: 500, title: 'Something went wrong on our side' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemType = keyof typeof PROBLEMS;

export const PROBLEM_FOR_DOMAIN_ERROR: Record<DomainErrorCode, ProblemType> = {
  not_found: 'not-found',
  invalid_transition: 'invalid-transition',
  ticket_closed: 'ticket-closed',
  validation: 'validation',
  version_mismatch: 'version-mismatch',
  conflict: 'conflict',
  forbidden: 'forbidden',
  idempotency_mismatch: 'idempotency-mismatch',
  idempotency_in_progress: 'idempotency-in-progress',
};

export function problem(
  type: ProblemType,
  detail: string,
  options: { errors?: readonly FieldError[]; instance?: string; headers?: Record<string, string> } = {},
): APIGatewayProxyStructuredResultV2 {
  const { status, title } = PROBLEMS[type];
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', ...options.headers },
    body: JSON.stringify({
      type: `/docs#problem-${type}`,
      title,
      status,
      detail,
      ...(options.instance && { instance: options.instance }),
      ...(options.errors && options.errors.length > 0 && { errors: options.errors }),
    }),
  };
}
