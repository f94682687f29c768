import { makeUseCases, type Ports } from '../core/use-cases/index.ts';
import { makeOperations } from './operations.ts';
import { makeRouter, type RouterLogger } from './router.ts';

/** The whole HTTP API as one function of an API Gateway event: what the `api` Lambda and tests run. */
export function makeApi(ports: Ports, logger: RouterLogger, version: string) {
  return makeRouter(makeOperations(makeUseCases(ports), { version, logger }), logger);
}
