import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import type * as z from 'zod/mini';
import type { Caller } from '../core/caller.ts';
import type { FieldError } from '../core/errors.ts';
import { maxBodyBytes } from '../topology.ts';
import { type ProblemType, problem } from './problem.ts';

/** What the authorizer puts in `requestContext.authorizer.lambda` (strings only: API Gateway's rule). */
export interface AuthorizerContext {
  readonly tenantId: string;
  readonly role: string;
  readonly keyId: string;
  readonly agentId: string;
}

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** A bad input found at the edge; the router turns it into problem+json. */
export class HttpProblem extends Error {
  constructor(
    readonly type: ProblemType,
    detail: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

function fieldErrors(error: z.core.$ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    const message =
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
    return { path: path || '(body)', message };
  });
}

export function validate<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  where: string,
  prefix?: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = fieldErrors(result.error, prefix);
    throw new HttpProblem(
      'invalid-request',
      `${where} is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      errors,
    );
  }
  return result.data;
}

/** The body's bytes as they arrived: base64-decoded when API Gateway encoded it, else the text's UTF-8. */
export function bodyBytes(event: ApiEvent): Uint8Array | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

export function bodyText(event: ApiEvent): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export class HttpRequest {
  constructor(
    readonly event: ApiEvent,
    readonly caller: Caller | null,
  ) {}

  header(name: string): string | undefined {
    return this.event.headers?.[name.toLowerCase()];
  }

  /** The caller of a route that needs a tenant key (the router has checked the role already). */
  tenant(): Caller {
    if (!this.caller) throw new HttpProblem('unauthorized', 'this route needs a tenant API key');
    return this.caller;
  }

  json<S extends z.ZodMiniType>(schema: S): z.output<S> {
    const contentType = this.header('content-type');
    if (contentType && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
      throw new HttpProblem('unsupported-media-type', `content-type ${contentType} is not JSON`);
    }
    const raw = bodyText(this.event);
    if (raw === undefined || raw.trim() === '')
      throw new HttpProblem('invalid-request', 'a JSON body is required');
    if (Buffer.byteLength(raw, 'utf8') > maxBodyBytes) {
      throw new HttpProblem('payload-too-large', `the body is larger than ${maxBodyBytes / 1024} KB`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new HttpProblem('malformed-json', `the body is not valid JSON: ${(error as Error).message}`);
    }
    return validate(schema, parsed, 'the body');
  }

  query<S extends z.ZodMiniType>(schema: S): z.output<S> {
    return validate(schema, this.event.queryStringParameters ?? {}, 'the query string');
  }

  params<S extends z.ZodMiniType>(schema: S): z.output<S> {
    return validate(schema, this.event.pathParameters ?? {}, 'the path');
  }
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function respondProblem(error: HttpProblem, instance: string): ApiResult {
  return problem(error.type, error.message, { errors: error.errors, instance });
}
