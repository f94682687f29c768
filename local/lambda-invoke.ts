/**
 * Calls a handler the way the Lambda runtime does: with a `Context` (request id, remaining time) and the
 * function's timeout from the topology, so Powertools and middy see what they see in AWS.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionDefinition } from '../functions/topology.ts';
import { localAccountId, localPrefix, localRegion } from './aws-env.ts';

/** A Lambda handler in the async style all Deskless handlers use. */
export type LambdaHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/** What the local runtime needs to know of a function; tests pass a small literal. */
export type LocalFunction = Pick<FunctionDefinition, 'name' | 'memoryMb' | 'timeoutSeconds'>;

export class LambdaTimeoutError extends Error {
  constructor(seconds: number) {
    super(`Task timed out after ${seconds.toFixed(2)} seconds`);
    this.name = 'LambdaTimeoutError';
  }
}

export function lambdaContext(
  fn: LocalFunction,
  deadline: number,
  requestId: string = randomUUID(),
): Context {
  const functionName = `${localPrefix}-${fn.name}`;
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${localRegion}:${localAccountId}:function:${functionName}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/**
 * Invokes the handler and rejects with LambdaTimeoutError once the function's timeout passes, as Lambda
 * reports it. (The handler's promise cannot be cancelled in-process; its late result is ignored.)
 */
export async function invokeLambda<TEvent, TResult>(
  fn: LocalFunction,
  handler: LambdaHandler<TEvent, TResult>,
  event: TEvent,
): Promise<TResult> {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(fn.timeoutSeconds)), fn.timeoutSeconds * 1000);
  });
  try {
    // Handlers may throw synchronously before returning their promise; treat that like a rejection.
    const result = Promise.resolve().then(() => handler(event, lambdaContext(fn, deadline)));
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
