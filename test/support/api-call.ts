import { handler } from '../../functions/handlers/api.ts';
import { handler as authorize } from '../../functions/handlers/authorizer.ts';
import { apiEvent, type EventOptions } from './api-event.ts';
import { lambdaContext } from './lambda-context.ts';

/**
 * A request through the real `authorizer` and `api` handlers, as API Gateway would make it: a key the authorizer
 * refuses is API Gateway's 403; no key at all reaches the api handler without an authorizer context.
 */
export async function callApi(method: string, path: string, key: string | null, options: EventOptions = {}) {
  let auth: EventOptions['auth'] = null;
  if (key !== null) {
    const verdict = await authorize({
      type: 'REQUEST',
      routeArn: 'arn',
      identitySource: [`Bearer ${key}`],
      headers: { authorization: `Bearer ${key}` },
    } as never);
    if (!verdict.isAuthorized) return { status: 403, headers: {}, body: { message: 'Forbidden' } };
    auth = verdict.context as never;
  }
  const result = await handler(apiEvent(method, path, { ...options, auth }), lambdaContext('api'));
  return {
    status: result.statusCode!,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: result.body ? JSON.parse(result.body) : undefined,
  };
}
