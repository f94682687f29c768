import type { Caller } from '../core/caller.ts';
import { actorForKey } from '../core/caller.ts';
import { DomainError } from '../core/errors.ts';
import type { ApiKeyRole } from '../core/model.ts';
import { type Role, type RouteDefinition, routes } from '../topology.ts';
import type { Operation } from './operations.ts';
import { PROBLEM_FOR_DOMAIN_ERROR, problem } from './problem.ts';
import { type ApiEvent, type ApiResult, HttpProblem, HttpRequest, respondProblem } from './request.ts';

export interface RouterLogger {
  error(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
}

const ROUTES = new Map<string, RouteDefinition>(routes.map((r) => [`${r.method} ${r.path}`, r]));

function callerOf(event: ApiEvent): { role: Role; caller: Caller | null } | null {
  const context = event.requestContext.authorizer?.lambda;
  if (!context?.role) return null;
  const role = context.role as Role;
  if (role === 'operator') return { role, caller: null };
  const apiRole = role as ApiKeyRole;
  return {
    role,
    caller: {
      tenantId: context.tenantId,
      role: apiRole,
      keyId: context.keyId,
      actor: actorForKey(apiRole, context.keyId, context.agentId || null),
    },
  };
}

/**
 * API Gateway has matched the route (or sent `$default`); this finds the operation, enforces the route's roles,
 * and turns every failure into problem+json: bad input is always a 4xx, and only a bug is a 500.
 */
export function makeRouter(operations: Record<string, Operation>, logger: RouterLogger) {
  return async function route(event: ApiEvent): Promise<ApiResult> {
    const instance = event.rawPath;
    const definition = ROUTES.get(event.routeKey);
    if (!definition) {
      return problem('not-found', `no route ${event.requestContext.http.method} ${event.rawPath}`, {
        instance,
      });
    }
    try {
      let caller: Caller | null = null;
      if (definition.roles.length > 0) {
        const resolved = callerOf(event);
        if (!resolved)
          return problem('unauthorized', 'send an API key as Authorization: Bearer <key>', { instance });
        if (!definition.roles.includes(resolved.role)) {
          return problem('forbidden', `a ${resolved.role} key may not call ${definition.operationId}`, {
            instance,
          });
        }
        caller = resolved.caller;
      }
      const operation = operations[definition.operationId];
      if (!operation) throw new Error(`no operation for ${definition.operationId}`);
      return await operation(new HttpRequest(event, caller));
    } catch (error) {
      if (error instanceof HttpProblem) return respondProblem(error, instance);
      if (error instanceof DomainError) {
        return problem(PROBLEM_FOR_DOMAIN_ERROR[error.code], error.message, {
          errors: error.fieldErrors,
          instance,
        });
      }
      logger.error('unhandled error', { error, routeKey: event.routeKey });
      return problem('internal', 'an unexpected error occurred; it has been logged', { instance });
    }
  };
}
