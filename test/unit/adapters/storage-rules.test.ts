import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClock } from '../../../functions/adapters/clock.ts';
import { decodeCursor, encodeCursor } from '../../../functions/adapters/dynamodb/cursor.ts';
import { activity, statusRankPrefix } from '../../../functions/adapters/dynamodb/keys.ts';
import { planTicketQuery } from '../../../functions/adapters/dynamodb/ticket-store.ts';
import { tables } from '../../../functions/topology.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('no Scan on any request path', () => {
  it('no function source uses Scan', () => {
    const offenders = sourceFiles('functions').filter((file) =>
      /\bScan(Command|Input)?\b|\.scan\(/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('the core imports no AWS SDK and does no I/O', () => {
    const offenders = sourceFiles('functions/core').filter((file) =>
      /from '(@aws-sdk|node:(fs|http|https|net|child_process))/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});

describe('ticket list query plans', () => {
  it('uses an index of the topology for every filter combination', () => {
    const indexes = new Set<string>(tables.main.indexes.map((i) => i.name));
    const statuses = [undefined, 'open'] as const;
    for (const status of statuses)
      for (const group of [undefined, 'g'])
        for (const assignee of [undefined, 'a'])
          for (const requester of [undefined, 'r']) {
            const plan = planTicketQuery('acme', { status, group, assignee, requester });
            expect(indexes.has(plan.index!)).toBe(true);
            expect(plan.partition.startsWith('T#acme#')).toBe(true);
          }
  });

  it('reads a group’s queue for one status as a key range, not a filter', () => {
    expect(planTicketQuery('acme', { group: 'g', status: 'pending' })).toMatchObject({
      index: 'byGroup',
      partition: 'T#acme#G#g',
      sortPrefix: '6#',
      residual: {},
    });
  });

  it('orders statuses new → closed when sorted descending', () => {
    const ranks = (['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const).map(statusRankPrefix);
    expect([...ranks].sort().reverse()).toEqual(ranks);
    expect(activity('2026-01-01T00:00:00.000Z', 42)).toBe('2026-01-01T00:00:00.000Z#0000000042');
  });
});

describe('cursors', () => {
  const expected = { attributes: ['pk', 'sk'], partitionAttribute: 'pk', partition: 'T#a#TKT#1' };

  it('round-trip a key of the queried partition', () => {
    const key = { pk: 'T#a#TKT#1', sk: 'EV#01' };
    expect(decodeCursor(encodeCursor(key)!, expected)).toEqual(key);
    expect(encodeCursor(undefined)).toBeNull();
  });

  it.each([
    ['another partition', encodeCursor({ pk: 'T#b#TKT#1', sk: 'EV#01' })!],
    ['missing attributes', encodeCursor({ pk: 'T#a#TKT#1' })!],
    ['extra attributes', encodeCursor({ pk: 'T#a#TKT#1', sk: 'x', other: 'y' })!],
    ['non-string values', encodeCursor({ pk: 'T#a#TKT#1', sk: 5 })!],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['not base64url', '***'],
  ])('reject %s', (_name, cursor) => {
    expect(() => decodeCursor(cursor, expected)).toThrowError(/cursor/);
  });
});

describe('clock', () => {
  it('runs at wall-clock speed by default', () => {
    expect(makeClock({}, () => Date.parse('2026-01-01T00:00:00Z')).now()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('runs DESKLESS_CLOCK_SPEED times faster from its origin', () => {
    let real = Date.parse('2026-01-01T00:00:00Z');
    const clock = makeClock({ DESKLESS_CLOCK_SPEED: '600', DESKLESS_CLOCK_ORIGIN: String(real) }, () => real);
    real += 3_000;
    expect(clock.now()).toBe('2026-01-01T00:30:00.000Z');
  });

  it('starts simulated time where DESKLESS_CLOCK_START says', () => {
    let real = Date.parse('2026-11-28T10:00:00Z');
    const clock = makeClock(
      {
        DESKLESS_CLOCK_SPEED: '600',
        DESKLESS_CLOCK_ORIGIN: String(real),
        DESKLESS_CLOCK_START: '2026-11-27T17:30:00Z',
      },
      () => real,
    );
    expect(clock.now()).toBe('2026-11-27T17:30:00.000Z');
    real += 6_000;
    expect(clock.now()).toBe('2026-11-27T18:30:00.000Z');
    expect(() => makeClock({ DESKLESS_CLOCK_START: 'friday' })).toThrow(/ISO-8601/);
  });

  it('refuses a nonsensical speed', () => {
    expect(() => makeClock({ DESKLESS_CLOCK_SPEED: '-1' })).toThrow(/positive number/);
    expect(() => makeClock({ DESKLESS_CLOCK_SPEED: 'fast' })).toThrow(/positive number/);
  });
});
