import { monotonicFactory } from 'ulid';
import type { Ids } from '../core/ports.ts';

/** ULIDs from a monotonic factory: ids made within one millisecond still sort in the order they were made. */
export function makeIds(): Ids {
  const next = monotonicFactory();
  return { next: () => next() };
}
