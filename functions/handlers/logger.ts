import { Logger } from '@aws-lambda-powertools/logger';
import { countLoggedBytes } from '../adapters/metering/logs.ts';

/** One structured logger per function; the service name tags every line. */
export const logger = new Logger({ serviceName: 'deskless' });
// Its bytes are metered as CloudWatch Logs ingestion for the tenants of each invocation (adapters/metering).
countLoggedBytes(logger);
