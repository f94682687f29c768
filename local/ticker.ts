/**
 * The local stand-in for EventBridge Scheduler: calls a function's handler once per `rateMinutes` of the
 * platform's clock. With `DESKLESS_CLOCK_SPEED=60` a one-minute schedule ticks every real second (never more
 * often than every `minIntervalMs`). Runs never overlap: a run that outlasts the interval delays the next tick
 * instead of stacking another on top (in AWS the sweeper finishes well within its minute). The first tick is
 * at start, so timers that fell due while nothing ran are swept right away.
 */
import type { ScheduleDefinition } from '../functions/topology.ts';
import { invokeLambda, type LambdaHandler, type LocalFunction } from './lambda-invoke.ts';
import { type LocalLog, silentLog } from './log.ts';

export interface TickerOptions {
  readonly schedule: Pick<ScheduleDefinition, 'name' | 'rateMinutes'>;
  readonly fn: LocalFunction;
  readonly handler: LambdaHandler<unknown, unknown>;
  /** How many times faster than real time the platform's clock runs (`DESKLESS_CLOCK_SPEED`). */
  readonly speed: number;
  /** Floor of the real interval between ticks. */
  readonly minIntervalMs?: number;
  readonly log?: LocalLog;
}

export interface Ticker {
  /** The real milliseconds between the starts of two ticks. */
  readonly intervalMs: number;
  /** Ticks run so far (finished, failed or not). */
  readonly runs: number;
  /** Stops ticking and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

export const DEFAULT_MIN_INTERVAL_MS = 50;

/** Real milliseconds between ticks of a schedule at a clock speed. */
export function tickIntervalMs(rateMinutes: number, speed: number, minIntervalMs = DEFAULT_MIN_INTERVAL_MS) {
  if (!Number.isFinite(speed) || speed <= 0) throw new Error(`clock speed must be positive, got ${speed}`);
  return Math.max(minIntervalMs, (rateMinutes * 60_000) / speed);
}

export function startTicker(options: TickerOptions): Ticker {
  const log = options.log ?? silentLog;
  const intervalMs = tickIntervalMs(options.schedule.rateMinutes, options.speed, options.minIntervalMs);
  // What the CDK schedule sends as its input (lib/sweeper-schedule.ts).
  const event = { schedule: options.schedule.name };
  let stopped = false;
  let runs = 0;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });

  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      try {
        const result = await invokeLambda(options.fn, options.handler, event);
        log.debug(`${options.schedule.name} tick`, { result });
      } catch (error) {
        log.error(`${options.fn.name} failed on its ${options.schedule.name} tick`, { error });
      }
      runs++;
      if (stopped) break;
      await sleep(Math.max(0, intervalMs - (Date.now() - started)));
    }
  })();

  return {
    intervalMs,
    get runs() {
      return runs;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
