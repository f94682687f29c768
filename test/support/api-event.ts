import type { ApiEvent } from '../../functions/http/request.ts';
import { routes } from '../../functions/topology.ts';

/** API Gateway percent-decodes path parameters, and passes a malformed escape through as it is. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The route key API Gateway would match for a method and concrete path, with its path parameters. */
export function matchRoute(
  method: string,
  path: string,
): { routeKey: string; pathParameters?: Record<string, string> } {
  for (const route of routes) {
    if (route.method !== method) continue;
    const names: string[] = [];
    const pattern = new RegExp(
      `^${route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    const match = pattern.exec(path);
    if (match) {
      const pathParameters = Object.fromEntries(names.map((n, i) => [n, decodeSegment(match[i + 1]!)]));
      return { routeKey: `${route.method} ${route.path}`, ...(names.length > 0 && { pathParameters }) };
    }
  }
  return { routeKey: '$default' };
}

export interface EventOptions {
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  auth?: { tenantId: string; role: string; keyId?: string; agentId?: string } | null;
}

/** A payload-format-2.0 event as API Gateway builds it after the authorizer ran. */
export function apiEvent(method: string, pathWithQuery: string, options: EventOptions = {}): ApiEvent {
  const [path, rawQuery = ''] = pathWithQuery.split('?') as [string, string?];
  const query = { ...Object.fromEntries(new URLSearchParams(rawQuery)), ...options.query };
  const { routeKey, pathParameters } = matchRoute(method, path);
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const auth = options.auth;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: rawQuery,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    ...(pathParameters && { pathParameters }),
    ...(body !== undefined && { body }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      authorizer: {
        lambda: auth
          ? {
              tenantId: auth.tenantId,
              role: auth.role,
              keyId: auth.keyId ?? 'key_test',
              agentId: auth.agentId ?? '',
            }
          : (undefined as never),
      },
    },
  } as ApiEvent;
}
