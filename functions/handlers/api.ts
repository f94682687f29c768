import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import pkg from '../../package.json' with { type: 'json' };
import { documentClient, tableNamesFromEnv } from '../adapters/dynamodb/client.ts';
import { makeDynamoDbPorts } from '../adapters/dynamodb/ports.ts';
import { makeApi } from '../http/api.ts';
import type { ApiEvent } from '../http/request.ts';
import { logger } from './logger.ts';

// Built once per cold start; a missing table name fails the cold start loudly rather than each request.
const api = makeApi(makeDynamoDbPorts(documentClient, tableNamesFromEnv()), logger, pkg.version);

export const handler = middy((event: ApiEvent) => api(event)).use(injectLambdaContext(logger));
