import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import pkg from '../../package.json' with { type: 'json' };
import { documentClient, tableNamesFromEnv } from '../adapters/dynamodb/client.ts';
import { makeDynamoDbPorts } from '../adapters/dynamodb/ports.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { metered, tenantOfApiRequest } from '../adapters/metering/invocation.ts';
import { makeApi } from '../http/api.ts';
import type { ApiEvent } from '../http/request.ts';
import { functions } from '../topology.ts';
import { logger } from './logger.ts';

// Built once per cold start; a missing table name fails the cold start loudly rather than each request.
const api = makeApi(makeDynamoDbPorts(documentClient, tableNamesFromEnv()), logger, pkg.version);

const http = middy((event: ApiEvent) => api(event)).use(injectLambdaContext(logger));

/** Metered: each request counts one API request, one invocation and its GB-seconds for the caller's tenant. */
export const handler = metered(
  functions.api,
  (event: ApiEvent, context?: unknown) => http(event, context as never),
  {
    tenantsOf: tenantOfApiRequest,
    store: new DynamoDbUsageStore(documentClient, tableNamesFromEnv()),
    logger,
    apiRequests: true,
  },
);
