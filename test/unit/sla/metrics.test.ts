import { describe, expect, it } from 'vitest';
import type { AuthorType, Status } from '../../../functions/core/model.ts';
import {
  computeSlaMetrics,
  nextTimers,
  type SlaMetricState,
  type SlaTimelineEvent,
} from '../../../functions/core/sla/metrics.ts';
import type { SlaMetricName, SlaTargets } from '../../../functions/core/sla/policy.ts';
import { type BusinessSchedule, CALENDAR_HOURS } from '../../../functions/core/sla/schedule.ts';
import { at, iso, officeHours } from './schedules.ts';

/** A timeline on 2026-01-05 (a Monday), times in UTC 'HH:MM' or full ISO. */
const when = (time: string) => (time.includes('T') ? time : `2026-01-05T${time}:00Z`);
const created = (time: string, status: Status = 'new'): SlaTimelineEvent => ({
  at: when(time),
  actor: { type: 'customer' },
  data: { type: 'created', subject: 's', channel: 'email', status, priority: 'normal', requesterId: 'c1' },
});
const comment = (time: string, author: AuthorType, isPublic = true): SlaTimelineEvent => ({
  at: when(time),
  actor: { type: author },
  data: { type: 'comment', body: 'b', public: isPublic },
});
const status = (time: string, from: Status, to: Status): SlaTimelineEvent => ({
  at: when(time),
  actor: { type: 'agent' },
  data: { type: 'status_changed', from, to, reason: 'test' },
});

function metrics(
  targets: SlaTargets,
  events: SlaTimelineEvent[],
  time: string,
  schedule: BusinessSchedule = CALENDAR_HOURS,
  warnBeforeMinutes?: number,
): Record<string, SlaMetricState> {
  const states = computeSlaMetrics({
    targets,
    schedule,
    events,
    at: at(when(time)),
    ...(warnBeforeMinutes !== undefined && { warnBeforeMinutes }),
  });
  return Object.fromEntries(states.map((state) => [state.metric, state]));
}
const one = (
  metric: SlaMetricName,
  ...rest: Parameters<typeof metrics> extends [unknown, ...infer R] ? R : never
) => metrics({ [metric]: 60 }, ...rest)[metric]!;

describe('first reply time', () => {
  const events = [created('09:00'), comment('09:00', 'customer')];

  it('runs from creation, with a warning 15 minutes before a 60-minute target', () => {
    const state = one('first_reply', events, '09:20');
    expect(state).toMatchObject({ targetMinutes: 60, elapsedMinutes: 20, paused: false, breached: false });
    expect(iso(state.dueAt)).toBe(when('10:00').replace('Z', '.000Z'));
    expect(iso(state.warnAt)).toBe('2026-01-05T09:45:00.000Z');
    expect(state.fulfilledAt).toBeNull();
  });

  it('is fulfilled by a public agent reply before the deadline', () => {
    const replied = [...events, comment('09:10', 'agent', false), comment('09:40', 'agent')];
    const state = one('first_reply', replied, '12:00');
    expect(state).toMatchObject({ elapsedMinutes: 40, breached: false, paused: false, warnAt: null });
    expect(iso(state.fulfilledAt)).toBe('2026-01-05T09:40:00.000Z');
    expect(iso(state.dueAt)).toBe('2026-01-05T10:00:00.000Z');
    expect(nextTimers([state])).toEqual([]);
  });

  it('breaches at the deadline, and a later reply fulfils it still breached', () => {
    const late = one('first_reply', events, '10:30');
    expect(late).toMatchObject({ elapsedMinutes: 90, breached: true, fulfilledAt: null, warnAt: null });
    expect(iso(late.breachedAt)).toBe('2026-01-05T10:00:00.000Z');
    const replied = one('first_reply', [...events, comment('10:30', 'agent')], '11:00');
    expect(replied).toMatchObject({ elapsedMinutes: 90, breached: true });
    expect(iso(replied.fulfilledAt)).toBe('2026-01-05T10:30:00.000Z');
    expect(iso(replied.dueAt)).toBe('2026-01-05T10:00:00.000Z');
  });

  it('breaches at the exact due instant (the breach timer sees it)', () => {
    expect(one('first_reply', events, '10:00').breached).toBe(true);
    expect(one('first_reply', events, '09:59').breached).toBe(false);
  });

  it('is fulfilled by solving without a reply, and ignores customer comments and system events', () => {
    const solved = one(
      'first_reply',
      [...events, comment('09:05', 'customer'), status('09:30', 'new', 'solved')],
      '11:00',
    );
    expect(solved).toMatchObject({ elapsedMinutes: 30, breached: false });
    expect(iso(solved.fulfilledAt)).toBe('2026-01-05T09:30:00.000Z');
  });

  it('on business hours, created Friday evening, is due Monday', () => {
    const berlin = officeHours('Europe/Berlin');
    const friday = [created('2026-01-09T18:30:00+01:00'), comment('2026-01-09T18:30:00+01:00', 'customer')];
    const state = metrics({ first_reply: 120 }, friday, '2026-01-10T12:00:00Z', berlin).first_reply!;
    expect(state).toMatchObject({ elapsedMinutes: 0, paused: false, breached: false });
    expect(iso(state.dueAt)).toBe(iso(at('2026-01-12T11:00:00+01:00')));
    expect(iso(state.warnAt)).toBe(iso(at('2026-01-12T10:30:00+01:00')));
  });
});

describe('next reply time', () => {
  const base = [created('09:00'), comment('09:00', 'customer'), comment('09:30', 'agent')];

  it('does not start before the first reply, nor without a customer comment after it', () => {
    expect(metrics({ next_reply: 60 }, [created('09:00'), comment('09:00', 'customer')], '10:00')).toEqual(
      {},
    );
    expect(metrics({ next_reply: 60 }, base, '12:00')).toEqual({});
  });

  it('runs from the first unanswered customer comment to the next public agent comment', () => {
    const events = [
      ...base,
      comment('10:00', 'customer'),
      comment('10:20', 'customer'),
      comment('10:30', 'agent', false),
    ];
    const waiting = one('next_reply', events, '10:45');
    expect(waiting).toMatchObject({ elapsedMinutes: 45, breached: false, fulfilledAt: null });
    expect(iso(waiting.startedAt)).toBe('2026-01-05T10:00:00.000Z');
    const answered = one('next_reply', [...events, comment('10:50', 'agent')], '12:00');
    expect(answered).toMatchObject({ elapsedMinutes: 50, breached: false });
    expect(iso(answered.fulfilledAt)).toBe('2026-01-05T10:50:00.000Z');
  });

  it('starts a new cycle with the next customer comment, and a reopening comment starts one too', () => {
    const events = [
      ...base,
      comment('10:00', 'customer'),
      comment('10:20', 'agent'),
      comment('11:00', 'customer'),
    ];
    const second = one('next_reply', events, '13:00');
    expect(iso(second.startedAt)).toBe('2026-01-05T11:00:00.000Z');
    expect(second).toMatchObject({ elapsedMinutes: 120, breached: true });
    const reopened = [
      created('09:00'),
      comment('09:00', 'customer'),
      status('09:10', 'new', 'solved'),
      comment('09:20', 'customer'),
      status('09:20', 'solved', 'open'),
    ];
    expect(one('next_reply', reopened, '09:50')).toMatchObject({ elapsedMinutes: 30, fulfilledAt: null });
  });
});

describe('periodic update', () => {
  it('re-arms at each public agent comment while the ticket is unsolved', () => {
    const events = [created('09:00'), comment('09:00', 'customer'), comment('09:30', 'agent')];
    const first = one('periodic_update', events, '10:00');
    expect(iso(first.startedAt)).toBe('2026-01-05T09:30:00.000Z');
    expect(iso(first.dueAt)).toBe('2026-01-05T10:30:00.000Z');
    const again = one('periodic_update', [...events, comment('10:10', 'agent')], '10:40');
    expect(iso(again.startedAt)).toBe('2026-01-05T10:10:00.000Z');
    expect(again).toMatchObject({ elapsedMinutes: 30, fulfilledAt: null });
    expect(iso(again.dueAt)).toBe('2026-01-05T11:10:00.000Z');
  });

  it('is fulfilled by solving, and does not start from a reply on a solved ticket', () => {
    const events = [
      created('09:00'),
      comment('09:30', 'agent'),
      status('09:40', 'open', 'solved'),
      comment('09:50', 'agent'),
    ];
    const state = one('periodic_update', events, '12:00');
    expect(iso(state.startedAt)).toBe('2026-01-05T09:30:00.000Z');
    expect(iso(state.fulfilledAt)).toBe('2026-01-05T09:40:00.000Z');
  });
});

describe('requester wait, agent work and resolution', () => {
  const targets = { requester_wait: 600, agent_work: 600, resolution: 600 };
  const events = [
    created('09:00'),
    comment('09:00', 'customer'),
    status('09:30', 'new', 'pending'),
    comment('10:30', 'customer'),
    status('10:30', 'pending', 'open'),
    status('11:00', 'open', 'on_hold'),
    status('12:00', 'on_hold', 'open'),
  ];

  it('pending pauses requester wait and agent work, and a reopen resumes them', () => {
    const inPending = metrics(targets, events.slice(0, 3), '10:00');
    expect(inPending.requester_wait).toMatchObject({
      elapsedMinutes: 30,
      paused: true,
      dueAt: null,
      warnAt: null,
    });
    expect(inPending.agent_work).toMatchObject({ elapsedMinutes: 30, paused: true });
    expect(inPending.resolution).toMatchObject({ elapsedMinutes: 60, paused: false });
    const reopened = metrics(targets, events.slice(0, 5), '10:40');
    expect(reopened.requester_wait).toMatchObject({ elapsedMinutes: 40, paused: false });
    // The hour in pending moves the due time by exactly an hour.
    expect(iso(reopened.requester_wait!.dueAt)).toBe('2026-01-05T20:00:00.000Z');
    expect(iso(reopened.resolution!.dueAt)).toBe('2026-01-05T19:00:00.000Z');
  });

  it('on_hold pauses agent work but not requester wait', () => {
    const onHold = metrics(targets, events.slice(0, 6), '11:30');
    expect(onHold.agent_work).toMatchObject({ elapsedMinutes: 60, paused: true });
    expect(onHold.requester_wait).toMatchObject({ elapsedMinutes: 90, paused: false });
    const after = metrics(targets, events, '13:00');
    expect(after.agent_work).toMatchObject({ elapsedMinutes: 120, paused: false });
    expect(after.requester_wait).toMatchObject({ elapsedMinutes: 180 });
    expect(after.resolution).toMatchObject({ elapsedMinutes: 240 });
  });

  it('solving fulfils them; reopening resumes resolution where it stopped', () => {
    const solved = [...events, status('13:00', 'open', 'solved')];
    const done = metrics(targets, solved, '15:00');
    for (const metric of ['requester_wait', 'agent_work', 'resolution'] as const) {
      expect(iso(done[metric]!.fulfilledAt)).toBe('2026-01-05T13:00:00.000Z');
      expect(done[metric]!.paused).toBe(false);
    }
    expect(done.resolution!.elapsedMinutes).toBe(240);
    const reopened = [...solved, comment('15:00', 'customer'), status('15:00', 'solved', 'open')];
    const again = metrics(targets, reopened, '16:00');
    expect(again.resolution).toMatchObject({ elapsedMinutes: 300, fulfilledAt: null, paused: false });
    expect(iso(again.resolution!.dueAt)).toBe('2026-01-05T21:00:00.000Z');
    expect(again.requester_wait).toMatchObject({ elapsedMinutes: 240, fulfilledAt: null });
  });

  it('a ticket created pending starts with requester wait paused', () => {
    const state = metrics(targets, [created('09:00', 'pending')], '10:00');
    expect(state.requester_wait).toMatchObject({ elapsedMinutes: 0, paused: true });
    expect(state.resolution).toMatchObject({ elapsedMinutes: 60, paused: false });
  });

  it('closing stops everything: later events are ignored', () => {
    const closed = [
      created('09:00'),
      status('10:00', 'new', 'solved'),
      status('11:00', 'solved', 'closed'),
      comment('12:00', 'customer'),
      status('12:00', 'closed', 'open'),
    ];
    const state = metrics(targets, closed, '13:00');
    expect(state.resolution).toMatchObject({ elapsedMinutes: 60, paused: false });
    expect(iso(state.resolution!.fulfilledAt)).toBe('2026-01-05T10:00:00.000Z');
  });
});

describe('inputs', () => {
  it('ignores metrics without a target, events after `at`, and everything before creation', () => {
    const events = [comment('08:00', 'agent'), created('09:00'), comment('09:30', 'agent')];
    expect(Object.keys(metrics({ first_reply: 60 }, events, '12:00'))).toEqual(['first_reply']);
    expect(metrics({ first_reply: 60 }, events, '09:15').first_reply!.fulfilledAt).toBeNull();
    expect(metrics({ first_reply: 60 }, events, '08:30')).toEqual({});
  });

  it('a breach before a pause keeps its instant as the due time while paused', () => {
    const events = [created('09:00'), status('10:30', 'new', 'pending')];
    const state = one('requester_wait', events, '11:00');
    expect(state).toMatchObject({ paused: true, breached: true, elapsedMinutes: 90 });
    expect(iso(state.dueAt)).toBe('2026-01-05T10:00:00.000Z');
  });
});

describe('nextTimers', () => {
  it('lists warning and breach per running metric, earliest first, with a key per cycle', () => {
    const events = [created('09:00'), comment('09:00', 'customer'), status('09:10', 'new', 'pending')];
    const states = computeSlaMetrics({
      targets: { first_reply: 60, resolution: 30, requester_wait: 60 },
      schedule: CALENDAR_HOURS,
      events,
      at: at(when('09:20')),
      warnBeforeMinutes: 10,
    });
    expect(nextTimers(states).map((t) => [t.metric, t.kind, iso(t.at)])).toEqual([
      ['resolution', 'sla_warning', '2026-01-05T09:20:00.000Z'],
      ['resolution', 'sla_breach', '2026-01-05T09:30:00.000Z'],
      ['first_reply', 'sla_warning', '2026-01-05T09:50:00.000Z'],
      ['first_reply', 'sla_breach', '2026-01-05T10:00:00.000Z'],
    ]);
    expect(nextTimers(states)[0]!.key).toBe(`resolution@${at(when('09:00'))}:sla_warning`);
  });

  it('leaves out a zero lead warning and anything breached', () => {
    const states = computeSlaMetrics({
      targets: { first_reply: 60, resolution: 30 },
      schedule: CALENDAR_HOURS,
      events: [created('09:00')],
      at: at(when('09:45')),
      warnBeforeMinutes: 0,
    });
    expect(nextTimers(states).map((t) => [t.metric, t.kind])).toEqual([['first_reply', 'sla_breach']]);
  });
});
