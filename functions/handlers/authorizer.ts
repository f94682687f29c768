import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { DynamoDbApiKeyStore } from '../adapters/dynamodb/access-stores.ts';
import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { DEPLOYMENT_TENANT } from '../adapters/metering/buffer.ts';
import { metered } from '../adapters/metering/invocation.ts';
import { makeOperatorKeySource } from '../adapters/operator-key.ts';
import { apiKeySecrets } from '../adapters/secrets.ts';
import { makeAuthenticate } from '../core/use-cases/access.ts';
import type { AuthorizerContext } from '../http/request.ts';
import { functions } from '../topology.ts';
import { logger } from './logger.ts';

const authenticate = makeAuthenticate({
  apiKeys: new DynamoDbApiKeyStore(documentClient, { main: tableName('main') }),
  secrets: apiKeySecrets,
  operator: makeOperatorKeySource(),
});

/**
 * Resolves `Authorization: Bearer <key>` to tenant and role. API Gateway caches the answer per header value,
 * so most requests never reach this function. Roles per route are enforced by the api function.
 */
async function authorize(
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> {
  const principal = await authenticate(event.headers?.authorization);
  if (!principal) {
    logger.info('rejected API key', {
      routeKey: event.routeKey,
      sourceIp: event.requestContext?.http?.sourceIp,
    });
    return { isAuthorized: false, context: { tenantId: '', role: '', keyId: '', agentId: '' } };
  }
  return {
    isAuthorized: true,
    context: {
      tenantId: principal.tenantId,
      role: principal.role,
      keyId: principal.keyId,
      agentId: principal.agentId ?? '',
    },
  };
}

/** Metered as the deployment's: it serves every tenant, before anyone knows which. */
export const handler = metered(functions.authorizer, authorize, {
  tenantsOf: () => [DEPLOYMENT_TENANT],
  store: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
  logger,
});
