import type { Clock } from '../core/ports.ts';
import { env } from '../topology.ts';

/**
 * Wall-clock time, optionally running faster: with `DESKLESS_CLOCK_SPEED=600` one real second is ten simulated
 * minutes, counted from `DESKLESS_CLOCK_ORIGIN` (epoch ms; default: when this module loaded). Only demos and
 * tests set it; in AWS the speed is always 1.
 */
export function makeClock(
  environment: NodeJS.ProcessEnv = process.env,
  realNow: () => number = Date.now,
): Clock & {
  readonly speed: number;
} {
  const raw = environment[env.clockSpeed];
  const speed = raw === undefined || raw === '' ? 1 : Number(raw);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new Error(`${env.clockSpeed} must be a positive number, got "${raw}"`);
  }
  const originRaw = environment.DESKLESS_CLOCK_ORIGIN;
  const origin = originRaw ? Number(originRaw) : realNow();
  if (!Number.isFinite(origin))
    throw new Error(`DESKLESS_CLOCK_ORIGIN must be epoch milliseconds, got "${originRaw}"`);
  // Where simulated time stands at the origin: a demo can start on a Friday evening.
  const startRaw = environment.DESKLESS_CLOCK_START;
  const start = startRaw ? Date.parse(startRaw) : origin;
  if (!Number.isFinite(start)) {
    throw new Error(`DESKLESS_CLOCK_START must be an ISO-8601 time, got "${startRaw}"`);
  }
  return {
    speed,
    now: () =>
      new Date(speed === 1 && !startRaw ? realNow() : start + (realNow() - origin) * speed).toISOString(),
  };
}
