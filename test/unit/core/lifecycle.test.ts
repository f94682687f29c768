import { describe, expect, it } from 'vitest';
import { checkTransition, statusAfterComment, transitionTable } from '../../../functions/core/lifecycle.ts';
import { STATUSES, type Status } from '../../../functions/core/model.ts';

/** The full table, written out by hand: a change to the rules must change this test on purpose. */
const ALLOWED: Record<Status, Status[]> = {
  new: ['new', 'open', 'pending', 'on_hold', 'solved'],
  open: ['open', 'pending', 'on_hold', 'solved'],
  pending: ['open', 'pending', 'on_hold', 'solved'],
  on_hold: ['open', 'pending', 'on_hold', 'solved'],
  solved: ['open', 'pending', 'on_hold', 'solved', 'closed'],
  closed: ['closed'],
};

describe('status transitions', () => {
  it.each(transitionTable(STATUSES).map((row) => [row.from, row.to, row.verdict] as const))(
    '%s → %s',
    (from, to, verdict) => {
      expect(verdict.allowed).toBe(ALLOWED[from].includes(to));
      if (!verdict.allowed) expect(verdict.reason.length).toBeGreaterThan(10);
    },
  );

  it('never goes back to new', () => {
    for (const from of STATUSES.filter((s) => s !== 'new')) {
      const verdict = checkTransition(from, 'new');
      expect(verdict.allowed).toBe(false);
    }
    expect(checkTransition('open', 'new')).toEqual({
      allowed: false,
      reason: 'a ticket never goes back to new',
    });
  });

  it('closes only solved tickets and explains why not', () => {
    expect(checkTransition('open', 'closed')).toEqual({
      allowed: false,
      reason: 'only a solved ticket can be closed (this one is open)',
    });
    expect(checkTransition('solved', 'closed')).toEqual({ allowed: true });
  });

  it('keeps a closed ticket closed', () => {
    for (const to of STATUSES.filter((s) => s !== 'closed')) {
      const verdict = checkTransition('closed', to);
      expect(verdict.allowed).toBe(false);
      if (!verdict.allowed) expect(verdict.reason).toMatch(/closed ticket cannot change/);
    }
  });
});

describe('status after a comment', () => {
  const cases: [Status, 'customer' | 'agent' | 'system', boolean, Status | null][] = [
    ['pending', 'customer', true, 'open'],
    ['on_hold', 'customer', true, 'open'],
    ['solved', 'customer', true, 'open'],
    ['new', 'customer', true, null],
    ['open', 'customer', true, null],
    ['new', 'agent', true, 'open'],
    ['pending', 'agent', true, null],
    ['solved', 'agent', true, null],
    ['new', 'agent', false, null],
    ['pending', 'customer', false, null],
    ['pending', 'system', true, null],
  ];
  it.each(cases)('%s + %s comment (public %s) → %s', (status, author, isPublic, expected) => {
    expect(statusAfterComment(status, author, isPublic)).toBe(expected);
  });
});
