/**
 * An API Gateway HTTP API on node:http: the routes of `topology.routes`, a Lambda REQUEST authorizer with
 * simple responses and a result cache keyed by the Authorization header, and a Lambda proxy integration with
 * payload format 2.0. It reproduces the gateway's own answers too (401/403 from the authorizer, 413 over
 * 10 MB, 500 when the integration fails) so that clients see locally what they will see in AWS.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2WithRequestContext,
  APIGatewayProxyResultV2,
  APIGatewayRequestAuthorizerEventV2,
} from 'aws-lambda';
import type { RouteDefinition } from '../functions/topology.ts';
import { localAccountId, localRegion } from './aws-env.ts';
import { invokeLambda, type LambdaHandler, type LocalFunction } from './lambda-invoke.ts';
import { type LocalLog, silentLog } from './log.ts';

export type HttpApiRequestContext = APIGatewayEventRequestContextV2 & {
  authorizer?: { lambda: Record<string, unknown> };
};
export type HttpApiEvent = APIGatewayProxyEventV2WithRequestContext<HttpApiRequestContext>;
export type HttpApiHandler = LambdaHandler<HttpApiEvent, APIGatewayProxyResultV2<unknown>>;

export interface AuthorizerResult {
  readonly isAuthorized: boolean;
  readonly context?: Record<string, unknown>;
}
export type AuthorizerHandler = LambdaHandler<APIGatewayRequestAuthorizerEventV2, AuthorizerResult>;

export interface HttpApiOptions {
  readonly routes: readonly Pick<RouteDefinition, 'method' | 'path' | 'roles'>[];
  readonly handler: HttpApiHandler;
  readonly handlerFunction: LocalFunction;
  /** Runs before every route whose `roles` is not empty (the other routes are public). */
  readonly authorizer?: AuthorizerHandler;
  readonly authorizerFunction?: LocalFunction;
  /** How long an authorizer answer is reused for the same Authorization header; 0 disables the cache. */
  readonly authorizerCacheSeconds?: number;
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly log?: LocalLog;
}

export interface HttpApi {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** API Gateway's payload limit for HTTP APIs. */
export const maxGatewayBodyBytes = 10 * 1024 * 1024;
const apiId = 'local';
const stage = '$default';

/** Content types whose bodies reach the Lambda as text; any other body arrives base64-encoded. */
const textContentType =
  /^(text\/|application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded|graphql|x-yaml|yaml)\b)/i;

interface RouteMatch {
  readonly routeKey: string;
  readonly pathParameters?: Record<string, string>;
  readonly authorized: boolean;
}

interface CompiledRoute {
  readonly method: string;
  readonly path: string;
  readonly segments: readonly string[];
  readonly literals: number;
  readonly greedy: boolean;
  readonly authorized: boolean;
}

/**
 * Compiles the route table. As in API Gateway, a path with more literal segments wins over one with
 * parameters (`/v1/tickets/export` before `/v1/tickets/{number}`), and `{name+}` is a greedy tail.
 */
export function routeMatcher(routes: HttpApiOptions['routes']): (method: string, path: string) => RouteMatch {
  const compiled: CompiledRoute[] = routes
    .map((route) => {
      const segments = route.path.split('/').filter(Boolean);
      return {
        method: route.method,
        path: route.path,
        segments,
        literals: segments.filter((segment) => !segment.startsWith('{')).length,
        greedy: segments.at(-1)?.endsWith('+}') === true,
        authorized: route.roles.length > 0,
      };
    })
    .sort((a, b) => Number(a.greedy) - Number(b.greedy) || b.literals - a.literals);

  return (method, path) => {
    const requested = path.split('/').filter(Boolean);
    // API Gateway does not treat `/v1/tickets/` as `/v1/tickets`.
    const trailingSlash = path.length > 1 && path.endsWith('/');
    for (const route of compiled) {
      if (route.method !== method || trailingSlash) continue;
      const parameters = matchSegments(route, requested);
      if (parameters) {
        return {
          routeKey: `${route.method} ${route.path}`,
          pathParameters: Object.keys(parameters).length > 0 ? parameters : undefined,
          authorized: route.authorized,
        };
      }
    }
    return { routeKey: '$default', authorized: false };
  };
}

function matchSegments(route: CompiledRoute, requested: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  const fixed = route.greedy ? route.segments.length - 1 : route.segments.length;
  if (route.greedy ? requested.length < route.segments.length : requested.length !== fixed) return undefined;
  for (let index = 0; index < fixed; index++) {
    const expected = route.segments[index]!;
    const actual = requested[index]!;
    if (expected.startsWith('{')) parameters[expected.slice(1, -1)] = decode(actual);
    else if (expected !== actual) return undefined;
  }
  if (route.greedy) {
    parameters[route.segments[fixed]!.slice(1, -2)] = requested.slice(fixed).map(decode).join('/');
  }
  return parameters;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const log = options.log ?? silentLog;
  const match = routeMatcher(options.routes);
  const cacheMillis = (options.authorizerCacheSeconds ?? 0) * 1000;
  const authorizerCache = new Map<string, { result: AuthorizerResult; expires: number }>();
  const host = options.host ?? '127.0.0.1';
  let port = 0;

  async function authorize(
    authorization: string,
    event: HttpApiEvent,
    routeMethodPath: string,
  ): Promise<AuthorizerResult> {
    const cached = authorizerCache.get(authorization);
    if (cached && cached.expires > Date.now()) return cached.result;
    if (!options.authorizer || !options.authorizerFunction) {
      throw new Error('a route needs the authorizer but none was given');
    }
    const authorizerEvent: APIGatewayRequestAuthorizerEventV2 = {
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:${localRegion}:${localAccountId}:${apiId}/${stage}/${routeMethodPath}`,
      identitySource: [authorization],
      routeKey: event.routeKey,
      rawPath: event.rawPath,
      rawQueryString: event.rawQueryString,
      cookies: event.cookies ?? [],
      headers: event.headers,
      queryStringParameters: event.queryStringParameters,
      requestContext: event.requestContext,
      pathParameters: event.pathParameters,
      stageVariables: undefined,
    };
    const result = await invokeLambda(options.authorizerFunction, options.authorizer, authorizerEvent);
    if (typeof result?.isAuthorized !== 'boolean') {
      throw new Error('the authorizer did not return a simple response ({ isAuthorized })');
    }
    if (cacheMillis > 0) authorizerCache.set(authorization, { result, expires: Date.now() + cacheMillis });
    return result;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    response.setHeader('apigw-requestid', requestId);
    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (declaredLength > maxGatewayBodyBytes) {
      request.resume();
      return gatewayError(response, 413, 'Request Entity Too Large');
    }
    const body = await readBody(request, maxGatewayBodyBytes);
    if (body === 'too large') return gatewayError(response, 413, 'Request Entity Too Large');

    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    const route = match(method, url.pathname);
    const event = buildEvent(request, url, body, route, requestId, `${host}:${port}`);

    if (route.authorized) {
      const authorization = event.headers.authorization;
      // API Gateway answers 401 itself when the identity source is missing; the authorizer is not called.
      if (!authorization) return gatewayError(response, 401, 'Unauthorized');
      let result: AuthorizerResult;
      try {
        result = await authorize(authorization, event, `${method}${url.pathname}`);
      } catch (error) {
        log.error('authorizer failed', { requestId, routeKey: route.routeKey, error });
        return gatewayError(response, 500, 'Internal Server Error');
      }
      if (!result.isAuthorized) return gatewayError(response, 403, 'Forbidden');
      event.requestContext.authorizer = { lambda: result.context ?? {} };
    }

    let result: APIGatewayProxyResultV2<unknown>;
    try {
      result = await invokeLambda(options.handlerFunction, options.handler, event);
    } catch (error) {
      log.error(`${options.handlerFunction.name} failed`, { requestId, routeKey: route.routeKey, error });
      return gatewayError(response, 500, 'Internal Server Error');
    }
    sendResult(response, result, log, requestId);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      log.error('local HTTP API failed', { error });
      if (!response.headersSent) gatewayError(response, 500, 'Internal Server Error');
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  log.debug('local HTTP API started', { url });

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open until they time out.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      return stopped;
    },
  };
}

/** The request as payload format 2.0 describes it. */
export function buildEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  route: RouteMatch,
  requestId: string,
  domainName: string,
): HttpApiEvent {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index]!.toLowerCase();
    const value = request.rawHeaders[index + 1]!;
    // Payload 2.0 moves cookies to their own field; repeated headers are joined with commas.
    if (name === 'cookie') {
      cookies = [
        ...(cookies ?? []),
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter(Boolean),
      ];
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  headers['x-forwarded-for'] ??= sourceIp;
  headers['x-forwarded-port'] ??= String(request.socket.localPort ?? '');
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`;

  let queryStringParameters: Record<string, string> | undefined;
  for (const [name, value] of url.searchParams) {
    queryStringParameters ??= {};
    queryStringParameters[name] =
      name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }

  const now = new Date();
  const method = (request.method ?? 'GET').toUpperCase();
  const event: HttpApiEvent = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    cookies,
    headers,
    queryStringParameters,
    requestContext: {
      accountId: localAccountId,
      apiId,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage,
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    pathParameters: route.pathParameters,
    isBase64Encoded: false,
  };
  if (cookies === undefined) delete event.cookies;
  if (queryStringParameters === undefined) delete event.queryStringParameters;
  if (route.pathParameters === undefined) delete event.pathParameters;
  if (body.length > 0) {
    const contentType = headers['content-type'] ?? '';
    if (textContentType.test(contentType)) {
      event.body = body.toString('utf8');
    } else {
      event.body = body.toString('base64');
      event.isBase64Encoded = true;
    }
  }
  return event;
}

/** `28/Nov/2026:20:28:32 +0000`, the gateway's `requestContext.time` format. */
function apiGatewayTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/**
 * Payload 2.0 response rules: an object with `statusCode` is a structured response; anything else is JSON
 * the gateway returns with 200 and `content-type: application/json`.
 */
function sendResult(response: ServerResponse, result: unknown, log: LocalLog, requestId: string): void {
  if (result !== null && typeof result === 'object' && 'statusCode' in result) {
    const structured = result as {
      statusCode?: unknown;
      headers?: Record<string, unknown>;
      cookies?: unknown;
      body?: unknown;
      isBase64Encoded?: unknown;
    };
    const status = Number(structured.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      log.error('integration returned an invalid statusCode', {
        requestId,
        statusCode: structured.statusCode,
      });
      gatewayError(response, 500, 'Internal Server Error');
      return;
    }
    for (const [name, value] of Object.entries(structured.headers ?? {})) {
      if (value !== undefined && value !== null) response.setHeader(name, String(value));
    }
    if (Array.isArray(structured.cookies) && structured.cookies.length > 0) {
      response.setHeader('set-cookie', structured.cookies.map(String));
    }
    const text = typeof structured.body === 'string' ? structured.body : '';
    const payload =
      structured.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
    response.statusCode = status;
    response.setHeader('content-length', payload.length);
    response.end(payload);
    return;
  }
  const text = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function gatewayError(response: ServerResponse, status: number, message: string): void {
  const text = JSON.stringify({ message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Reads the body, or gives up past `limit` bytes (chunked uploads carry no Content-Length to check first). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? 'too large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
