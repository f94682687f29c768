import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTransition } from '../../../functions/core/lifecycle.ts';
import { type AuthorType, STATUSES, type Status } from '../../../functions/core/model.ts';
import { businessMinutesBetween } from '../../../functions/core/sla/business-time.ts';
import { computeSlaMetrics, nextTimers, type SlaTimelineEvent } from '../../../functions/core/sla/metrics.ts';
import { SLA_METRICS, type SlaTargets } from '../../../functions/core/sla/policy.ts';
import { type BusinessSchedule, CALENDAR_HOURS } from '../../../functions/core/sla/schedule.ts';
import { anySchedule, instant } from './arbitraries.ts';

const MINUTE = 60_000;
const toIso = (t: number) => new Date(t).toISOString();

/** One step of a ticket's life: after `delay` ms, a comment or a status change (turned into events below). */
type Step =
  | {
      readonly delay: number;
      readonly kind: 'comment';
      readonly author: AuthorType;
      readonly isPublic: boolean;
    }
  | { readonly delay: number; readonly kind: 'status'; readonly to: Status };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    delay: fc.nat(3 * 24 * 60 * MINUTE),
    kind: fc.constant('comment' as const),
    author: fc.constantFrom<AuthorType>('customer', 'agent', 'system'),
    isPublic: fc.boolean(),
  }),
  fc.record({
    delay: fc.nat(3 * 24 * 60 * MINUTE),
    kind: fc.constant('status' as const),
    // Closing is rare, so most timelines stay alive to the end.
    to: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom<Status>('open', 'pending', 'on_hold', 'solved') },
      {
        weight: 1,
        arbitrary: fc.constant<Status>('closed'),
      },
    ),
  }),
);

/** A timeline that the ticket core could have written: legal transitions, customer comments reopening. */
function timeline(start: number, steps: readonly Step[]): { events: SlaTimelineEvent[]; end: number } {
  let t = start;
  let status = 'new' as Status;
  const events: SlaTimelineEvent[] = [
    {
      at: toIso(t),
      actor: { type: 'customer' },
      data: { type: 'created', subject: 's', channel: 'api', status, priority: 'normal', requesterId: 'c' },
    },
  ];
  const move = (to: Status, actor: AuthorType) => {
    if (to === status || !checkTransition(status, to).allowed) return;
    events.push({
      at: toIso(t),
      actor: { type: actor },
      data: { type: 'status_changed', from: status, to, reason: 'p' },
    });
    status = to;
  };
  for (const s of steps) {
    t += s.delay;
    if (status === 'closed') break;
    if (s.kind === 'status') {
      move(s.to, 'agent');
      continue;
    }
    const isPublic = s.author === 'customer' || s.isPublic;
    events.push({
      at: toIso(t),
      actor: { type: s.author },
      data: { type: 'comment', body: 'b', public: isPublic },
    });
    if (isPublic && s.author === 'customer' && ['pending', 'on_hold', 'solved'].includes(status))
      move('open', 'customer');
    if (isPublic && s.author === 'agent' && status === 'new') move('open', 'agent');
  }
  return { events, end: t };
}

const targets: fc.Arbitrary<SlaTargets> = fc
  .uniqueArray(fc.constantFrom(...SLA_METRICS), { minLength: 1 })
  .chain((metrics) =>
    fc.tuple(
      ...metrics.map((m) => fc.integer({ min: 1, max: 3000 }).map((minutes) => [m, minutes] as const)),
    ),
  )
  .map((pairs) => Object.fromEntries(pairs));

const schedule: fc.Arbitrary<BusinessSchedule> = fc.oneof(fc.constant(CALENDAR_HOURS), anySchedule);

const scenario = fc.record({
  schedule,
  targets,
  start: instant,
  steps: fc.array(step, { maxLength: 12 }),
  warnBeforeMinutes: fc.option(fc.nat(120), { nil: undefined }),
});

const RUNS = { numRuns: 150 };

describe('SLA metrics, for any timeline, schedule and targets', () => {
  it('elapsed time of a metric cycle never decreases as `at` moves forward', () => {
    fc.assert(
      fc.property(scenario, fc.nat(1000), fc.nat(1000), (s, a, b) => {
        const { events, end } = timeline(s.start, s.steps);
        const span = end - s.start + 2 * 24 * 60 * MINUTE;
        const [at1, at2] = [a, b]
          .map((x) => s.start + Math.floor((span * x) / 1000))
          .sort((x, y) => x - y) as [number, number];
        const before = computeSlaMetrics({ ...s, events, at: at1 });
        const after = computeSlaMetrics({ ...s, events, at: at2 });
        for (const early of before) {
          const late = after.find((state) => state.metric === early.metric);
          expect(late).toBeDefined();
          if (late!.startedAt !== early.startedAt) continue; // a new cycle of a re-arming metric
          expect(late!.elapsedMinutes).toBeGreaterThanOrEqual(early.elapsedMinutes);
          if (early.breached) expect(late!.breachedAt).toBe(early.breachedAt);
        }
      }),
      RUNS,
    );
  });

  it('is breached exactly when the elapsed time reached the target, and never fulfilled before breaching', () => {
    fc.assert(
      fc.property(scenario, fc.nat(3 * 24 * 60 * MINUTE), (s, after) => {
        const { events, end } = timeline(s.start, s.steps);
        const at = end + after;
        const states = computeSlaMetrics({ ...s, events, at });
        for (const state of states) {
          expect(state.breached).toBe(state.elapsedMinutes >= state.targetMinutes);
          expect(state.breached).toBe(state.breachedAt !== null);
          if (state.fulfilledAt !== null && state.breached) {
            expect(state.dueAt).not.toBeNull();
            expect(state.dueAt!).toBeLessThanOrEqual(state.fulfilledAt);
            expect(state.breachedAt!).toBeLessThanOrEqual(state.fulfilledAt);
          }
          if (state.fulfilledAt !== null && !state.breached && state.dueAt !== null) {
            expect(state.dueAt).toBeGreaterThan(state.fulfilledAt);
          }
          // Never gains time: open time since the cycle started bounds what it counted.
          expect(state.elapsedMinutes).toBeLessThanOrEqual(
            businessMinutesBetween(s.schedule, state.startedAt, at) + 1e-9,
          );
          const running = !state.paused && state.fulfilledAt === null;
          if (running && !state.breached) {
            expect(state.dueAt!).toBeGreaterThan(at);
            if (state.warnAt !== null) expect(state.warnAt).toBeLessThanOrEqual(state.dueAt!);
          }
          if (state.paused) expect(state.warnAt).toBeNull();
        }
        for (const timer of nextTimers(states)) expect(timer.at).toBeGreaterThanOrEqual(0);
      }),
      RUNS,
    );
  });

  it("a pause moves a running metric's due time by exactly the pause's length in open time", () => {
    const pausing = fc.constantFrom(
      { metric: 'requester_wait', pausedIn: 'pending' },
      { metric: 'agent_work', pausedIn: 'pending' },
      { metric: 'agent_work', pausedIn: 'on_hold' },
      { metric: 'resolution', pausedIn: 'solved' },
    ) as fc.Arbitrary<{ metric: 'requester_wait' | 'agent_work' | 'resolution'; pausedIn: Status }>;
    fc.assert(
      fc.property(
        schedule,
        pausing,
        instant,
        fc.integer({ min: 1, max: 3000 }),
        fc.nat(5 * 24 * 60 * MINUTE),
        fc.nat(5 * 24 * 60 * MINUTE),
        (sched, { metric, pausedIn }, start, target, untilPause, pauseLength) => {
          const event = (t: number, from: Status, to: Status): SlaTimelineEvent => ({
            at: toIso(t),
            actor: { type: 'agent' },
            data: { type: 'status_changed', from, to, reason: 'p' },
          });
          const { events } = timeline(start, []);
          const opened = [...events, event(start, 'new', 'open')];
          const [pause, resume] = [start + untilPause, start + untilPause + pauseLength];
          const input = { schedule: sched, targets: { [metric]: target } };
          const before = computeSlaMetrics({ ...input, events: opened, at: pause })[0]!;
          fc.pre(!before.breached);
          const paused = [...opened, event(pause, 'open', pausedIn), event(resume, pausedIn, 'open')];
          const during = computeSlaMetrics({
            ...input,
            events: paused,
            at: pause + Math.floor(pauseLength / 2),
          })[0]!;
          expect(during.elapsedMinutes).toBe(before.elapsedMinutes);
          const after = computeSlaMetrics({ ...input, events: paused, at: resume })[0]!;
          expect(after.elapsedMinutes).toBe(before.elapsedMinutes);
          expect(after.fulfilledAt).toBeNull();
          const shifted = businessMinutesBetween(sched, before.dueAt!, after.dueAt!);
          expect(Math.round(shifted * MINUTE)).toBe(
            Math.round(businessMinutesBetween(sched, pause, resume) * MINUTE),
          );
        },
      ),
      RUNS,
    );
  });
});

describe('timeline generator sanity', () => {
  it('only writes legal transitions', () => {
    fc.assert(
      fc.property(instant, fc.array(step, { maxLength: 12 }), (start, steps) => {
        let status: Status = 'new';
        for (const { data } of timeline(start, steps).events) {
          if (data.type !== 'status_changed') continue;
          expect(STATUSES).toContain(data.to);
          expect(checkTransition(status, data.to).allowed).toBe(true);
          status = data.to;
        }
      }),
      { numRuns: 50 },
    );
  });
});
