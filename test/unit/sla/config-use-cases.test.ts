import { beforeEach, describe, expect, it } from 'vitest';
import { SlaPolicyBody, slaPolicyInput, slaPolicyJson } from '../../../functions/contracts/api.ts';
import type { Caller } from '../../../functions/core/caller.ts';
import type { Conditions } from '../../../functions/core/conditions.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import {
  DEFAULT_LIFECYCLE_SETTINGS,
  effectiveLifecycleSettings,
  mergeLifecycleSettings,
  validateLifecycleSettings,
} from '../../../functions/core/lifecycle-settings.ts';
import type { Ticket } from '../../../functions/core/model.ts';
import {
  escalationOutcome,
  escalationPatch,
  normalizeEscalation,
  validateEscalation,
} from '../../../functions/core/sla/escalation.ts';
import {
  MAX_SLA_POLICIES,
  SLA_TARGET_KEYS,
  type SlaPolicyInput,
  selectPolicy,
} from '../../../functions/core/sla/policy.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import type { ScheduleInput } from '../../../functions/core/use-cases/sla-config.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const admin: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_a',
  actor: { type: 'agent', id: 'key_a' },
};
const otherTenant: Caller = { ...admin, tenantId: 'globex' };

let ports: ReturnType<typeof memoryPorts>;
let uc: ReturnType<typeof makeUseCases>;

beforeEach(() => {
  ports = memoryPorts();
  uc = makeUseCases(ports);
});

async function domainError(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

const office = (extra: Partial<ScheduleInput> = {}): ScheduleInput => ({
  name: 'Berlin office',
  timeZone: 'Europe/Berlin',
  weekly: [1, 2, 3, 4, 5].map((day) => ({ day: day as 1, start: '09:00', end: '17:00' })),
  ...extra,
});

const policy = (name: string, extra: Partial<SlaPolicyInput> = {}): SlaPolicyInput => ({
  name,
  targets: { urgent: { first_reply: 30, resolution: 480 }, normal: { first_reply: 240 } },
  ...extra,
});

describe('schedule use cases', () => {
  it('creates, lists (oldest first, per tenant), reads and replaces schedules guarded by If-Match', async () => {
    const berlin = await uc.createSchedule(admin, {
      ...office({ name: '  Berlin office ' }),
      holidays: [{ date: '2026-12-25', name: 'Christmas' }, { date: '2026-12-26' }],
    });
    expect(berlin).toMatchObject({
      tenantId: 'acme',
      id: expect.stringMatching(/^sch_/),
      name: 'Berlin office',
      timeZone: 'Europe/Berlin',
      holidays: [{ date: '2026-12-25', name: 'Christmas' }, { date: '2026-12-26' }],
      version: 1,
    });
    const tokyo = await uc.createSchedule(admin, office({ name: 'Tokyo', timeZone: 'Asia/Tokyo' }));
    expect(tokyo.holidays).toEqual([]);
    expect((await uc.listSchedules(admin)).map((s) => s.name)).toEqual(['Berlin office', 'Tokyo']);
    expect(await uc.listSchedules(otherTenant)).toEqual([]);
    expect((await domainError(uc.getSchedule(otherTenant, berlin.id))).code).toBe('not_found');

    ports.clock.advance(1000);
    const night = {
      name: 'Night desk',
      timeZone: 'America/New_York',
      weekly: [
        { day: 1 as const, start: '22:00', end: '24:00' },
        { day: 2 as const, start: '00:00', end: '06:00' },
      ],
    };
    const replaced = await uc.updateSchedule(admin, berlin.id, night, 1);
    expect(replaced).toMatchObject({ ...night, id: berlin.id, holidays: [], version: 2 });
    expect(replaced.createdAt).toBe(berlin.createdAt);
    expect(replaced.updatedAt).not.toBe(berlin.updatedAt);
    expect(await uc.getSchedule(admin, berlin.id)).toEqual(replaced);
    expect((await domainError(uc.updateSchedule(admin, berlin.id, office(), 1))).code).toBe(
      'version_mismatch',
    );
    expect((await domainError(uc.updateSchedule(admin, 'sch_none', office()))).code).toBe('not_found');
  });

  it('refuses a schedule that breaks the business-hours rules, naming each field', async () => {
    const error = await domainError(
      uc.createSchedule(admin, {
        name: 'Broken',
        timeZone: 'Mars/Olympus_Mons',
        weekly: [
          { day: 1, start: '09:00', end: '17:00' },
          { day: 1, start: '16:00', end: '18:00' },
          { day: 2, start: '25:00', end: '17:00' },
          { day: 3, start: '12:00', end: '09:00' },
        ],
        holidays: [{ date: '2026-02-30' }],
      }),
    );
    expect(error.code).toBe('validation');
    expect(error.fieldErrors.map((e) => e.path)).toEqual([
      'timeZone',
      'weekly[2].start',
      'weekly[3]',
      'weekly[1]',
      'holidays[0].date',
    ]);
    const never = await domainError(uc.createSchedule(admin, office({ weekly: [] })));
    expect(never.fieldErrors).toEqual([{ path: 'weekly', message: expect.stringContaining('never opens') }]);
    const blank = await domainError(uc.createSchedule(admin, office({ name: '  ' })));
    expect(blank.fieldErrors.map((e) => e.path)).toEqual(['name']);
    expect(await uc.listSchedules(admin)).toEqual([]);
  });

  it('keeps a schedule an SLA policy runs on (409 naming the policies) until no policy uses it', async () => {
    const schedule = await uc.createSchedule(admin, office());
    const gold = await uc.createSlaPolicy(admin, policy('Gold', { scheduleId: schedule.id }));
    const silver = await uc.createSlaPolicy(admin, policy('Silver', { scheduleId: schedule.id }));
    await uc.createSlaPolicy(admin, policy('Calendar'));

    const inUse = await domainError(uc.deleteSchedule(admin, schedule.id));
    expect(inUse.code).toBe('conflict');
    expect(inUse.message).toContain(`“Gold” (${gold.id})`);
    expect(inUse.message).toContain(`“Silver” (${silver.id})`);
    expect(inUse.message).not.toContain('Calendar');
    // The store holds the same line on its own (a policy written between the check and the delete).
    expect((await domainError(ports.schedules.delete('acme', schedule.id))).code).toBe('conflict');

    await uc.updateSlaPolicy(admin, gold.id, policy('Gold', { scheduleId: null }));
    const stillSilver = await domainError(uc.deleteSchedule(admin, schedule.id));
    expect(stillSilver.message).toContain('policy “Silver”');
    expect(stillSilver.message).not.toContain('Gold');
    await uc.deleteSlaPolicy(admin, silver.id);

    await uc.deleteSchedule(admin, schedule.id);
    expect((await domainError(uc.getSchedule(admin, schedule.id))).code).toBe('not_found');
    expect((await domainError(uc.deleteSchedule(admin, schedule.id))).code).toBe('not_found');
  });
});

describe('SLA policy use cases', () => {
  it('places new policies after the last one unless told, stores the core shape and lists them in order', async () => {
    const first = await uc.createSlaPolicy(admin, policy('First'));
    const placed = await uc.createSlaPolicy(admin, policy('Placed', { position: 10 }));
    const next = await uc.createSlaPolicy(admin, policy('Next'));
    const early = await uc.createSlaPolicy(admin, policy('Early', { position: 0 }));
    expect(first).toEqual({
      tenantId: 'acme',
      id: expect.stringMatching(/^slp_/),
      name: 'First',
      position: 1,
      conditions: {},
      scheduleId: null,
      targets: { urgent: { first_reply: 30, resolution: 480 }, normal: { first_reply: 240 } },
      escalation: null,
      createdAt: '2026-03-02T09:00:00.000Z',
      updatedAt: '2026-03-02T09:00:00.000Z',
      version: 1,
    });
    expect(placed.position).toBe(10);
    expect(next.position).toBe(11);
    expect(early.position).toBe(0);
    const listed = await uc.listSlaPolicies(admin);
    expect(listed.map((p) => p.name)).toEqual(['Early', 'First', 'Placed', 'Next']);
    expect(await uc.listSlaPolicies(otherTenant)).toEqual([]);
    // What the SLA clock does with them: the first match by position applies.
    const ticket = {
      priority: 'urgent' as const,
      type: 'question' as const,
      group: null,
      channel: 'email' as const,
      tags: [],
      status: 'new' as const,
      subject: 'Help',
      customFields: {},
      requester: { email: 'ann@example.com' },
    };
    expect(selectPolicy(listed, ticket)?.id).toBe(early.id);
  });

  it('keeps conditions, schedule, warning lead and escalation (tags normalised)', async () => {
    const schedule = await uc.createSchedule(admin, office());
    const group = await uc.createGroup(admin, { name: 'Tier 2' });
    const vip = await uc.createSlaPolicy(
      admin,
      policy('VIP', {
        conditions: { all: [{ field: 'tags', operator: 'contains', value: 'vip' }] },
        scheduleId: schedule.id,
        warnBeforeMinutes: 10,
        escalation: { priority: 'urgent', group: group.id, addTags: ['SLA Breached', 'sla_breached', 'vip'] },
        targets: { urgent: { first_reply: 15 }, low: {} },
      }),
    );
    expect(vip).toMatchObject({
      conditions: { all: [{ field: 'tags', operator: 'contains', value: 'vip' }] },
      scheduleId: schedule.id,
      warnBeforeMinutes: 10,
      escalation: { priority: 'urgent', group: group.id, addTags: ['sla_breached', 'vip'] },
      targets: { urgent: { first_reply: 15 } },
    });
    expect(await uc.getSlaPolicy(admin, vip.id)).toEqual(vip);
  });

  it('refuses an unknown schedule or escalation group with a 422 naming the request field', async () => {
    const error = await domainError(
      uc.createSlaPolicy(
        admin,
        policy('Refs', { scheduleId: 'sch_none', escalation: { group: 'grp_none' } }),
      ),
    );
    expect(error.code).toBe('validation');
    expect(error.fieldErrors).toEqual([
      { path: 'schedule', message: 'schedule sch_none does not exist' },
      { path: 'escalation.group', message: 'group grp_none does not exist' },
    ]);
    // Someone else's schedule does not count.
    const theirs = await uc.createSchedule(otherTenant, office());
    const foreign = await domainError(
      uc.createSlaPolicy(admin, policy('Foreign', { scheduleId: theirs.id })),
    );
    expect(foreign.fieldErrors.map((e) => e.path)).toEqual(['schedule']);
    expect(await uc.listSlaPolicies(admin)).toEqual([]);
  });

  it('names invalid fields as the request body does (contract target names, `schedule`)', async () => {
    const error = await domainError(
      uc.createSlaPolicy(admin, {
        name: '',
        conditions: { all: [{ field: 'priority', operator: 'is', value: 'asap' }] },
        targets: { high: { first_reply: 0, resolution: 1.5 } },
        warnBeforeMinutes: -1,
        escalation: {},
      }),
    );
    expect(error.fieldErrors.map((e) => e.path)).toEqual([
      'escalation',
      'name',
      'conditions.all[0].value',
      'warnBeforeMinutes',
      'targets.high.firstReplyMinutes',
      'targets.high.resolutionMinutes',
    ]);
    const none = await domainError(uc.createSlaPolicy(admin, policy('Empty', { targets: { urgent: {} } })));
    expect(none.fieldErrors).toEqual([{ path: 'targets', message: 'needs at least one target' }]);
  });

  it('replaces a policy whole, keeping its place unless told, guarded by If-Match; moves schedule uses', async () => {
    const a = await uc.createSchedule(admin, office({ name: 'A' }));
    const b = await uc.createSchedule(admin, office({ name: 'B' }));
    const gold = await uc.createSlaPolicy(
      admin,
      policy('Gold', {
        position: 4,
        scheduleId: a.id,
        warnBeforeMinutes: 5,
        escalation: { priority: 'high' },
      }),
    );
    ports.clock.advance(1000);
    const replaced = await uc.updateSlaPolicy(
      admin,
      gold.id,
      policy('Gold 2', { scheduleId: b.id, targets: { low: { agent_work: 600 } } }),
      1,
    );
    expect(replaced).toMatchObject({
      id: gold.id,
      name: 'Gold 2',
      position: 4,
      scheduleId: b.id,
      targets: { low: { agent_work: 600 } },
      escalation: null,
      version: 2,
      createdAt: gold.createdAt,
    });
    expect(replaced).not.toHaveProperty('warnBeforeMinutes');
    expect(replaced.updatedAt).not.toBe(gold.updatedAt);
    expect(await uc.getSlaPolicy(admin, gold.id)).toEqual(replaced);
    expect((await domainError(uc.updateSlaPolicy(admin, gold.id, policy('Stale'), 1))).code).toBe(
      'version_mismatch',
    );
    expect((await domainError(uc.updateSlaPolicy(admin, 'slp_none', policy('x')))).code).toBe('not_found');
    const bad = await domainError(
      uc.updateSlaPolicy(admin, gold.id, policy('Gold', { scheduleId: 'sch_x' })),
    );
    expect(bad.fieldErrors.map((e) => e.path)).toEqual(['schedule']);

    // The policy left A for B: A can go, B cannot.
    expect(ports.schedules.uses.get(`acme#${a.id}`)).toBe(0);
    await uc.deleteSchedule(admin, a.id);
    expect((await domainError(uc.deleteSchedule(admin, b.id))).code).toBe('conflict');
    await uc.deleteSlaPolicy(admin, gold.id);
    expect((await domainError(uc.deleteSlaPolicy(admin, gold.id))).code).toBe('not_found');
    await uc.deleteSchedule(admin, b.id);
  });

  it(`holds a tenant to ${MAX_SLA_POLICIES} policies`, async () => {
    for (let i = 0; i < MAX_SLA_POLICIES; i++) await uc.createSlaPolicy(admin, policy(`P${i}`));
    const error = await domainError(uc.createSlaPolicy(admin, policy('One too many')));
    expect(error.code).toBe('validation');
    expect(error.message).toContain(`at most ${MAX_SLA_POLICIES}`);
    expect(await uc.listSlaPolicies(otherTenant)).toEqual([]);
    await uc.createSlaPolicy(otherTenant, policy('Theirs'));
  });
});

describe('the SLA policy contract', () => {
  const conditions: Conditions = {
    all: [{ field: 'customFields.plan', operator: 'is', value: 'enterprise' }],
  };
  const body = {
    name: 'Enterprise',
    conditions,
    schedule: 'sch_1',
    targets: {
      urgent: { firstReplyMinutes: 15, periodicUpdateMinutes: 60 },
      low: { requesterWaitMinutes: 2880 },
    },
    warnBeforeMinutes: 5,
    escalation: { priority: 'urgent', addTags: ['breached'] },
  };

  it('maps the camelCase target names to the core metrics and back', () => {
    const parsed = SlaPolicyBody.parse(body);
    const input = slaPolicyInput(parsed);
    expect(input).toEqual({
      name: 'Enterprise',
      position: undefined,
      conditions: body.conditions,
      scheduleId: 'sch_1',
      targets: { urgent: { first_reply: 15, periodic_update: 60 }, low: { requester_wait: 2880 } },
      warnBeforeMinutes: 5,
      escalation: { priority: 'urgent', addTags: ['breached'] },
    });
    const stored = {
      tenantId: 'acme',
      id: 'slp_1',
      name: input.name,
      position: 3,
      conditions: body.conditions,
      scheduleId: 'sch_1',
      targets: input.targets,
      warnBeforeMinutes: 5,
      escalation: { priority: 'urgent' as const, addTags: ['breached'] },
      createdAt: 'c',
      updatedAt: 'u',
      version: 1,
    };
    expect(slaPolicyJson(stored)).toEqual({
      id: 'slp_1',
      name: 'Enterprise',
      position: 3,
      conditions: body.conditions,
      schedule: 'sch_1',
      targets: body.targets,
      warnBeforeMinutes: 5,
      escalation: body.escalation,
      createdAt: 'c',
      updatedAt: 'u',
      version: 1,
    });
  });

  it('accepts exactly the target names SLA_TARGET_KEYS gives', () => {
    for (const key of Object.values(SLA_TARGET_KEYS)) {
      expect(SlaPolicyBody.safeParse({ name: 'x', targets: { high: { [key]: 5 } } }).success).toBe(true);
    }
    const snake = SlaPolicyBody.safeParse({ name: 'x', targets: { high: { first_reply: 5 } } });
    expect(snake.success).toBe(false);
  });
});

const ticket = (overrides: Partial<Ticket> = {}) =>
  ({
    priority: 'normal',
    group: 'grp_tier1',
    tags: ['billing'],
    pinnedFields: [],
    ...overrides,
  }) as Pick<Ticket, 'priority' | 'group' | 'tags' | 'pinnedFields'>;

describe('escalationPatch', () => {
  it('raises the priority, moves the group and adds tags', () => {
    expect(
      escalationPatch(ticket(), {
        priority: 'high',
        group: 'grp_tier2',
        addTags: ['sla_breached', 'Billing'],
      }),
    ).toEqual({ priority: 'high', group: 'grp_tier2', tags: ['billing', 'sla_breached'] });
  });

  it('never lowers a priority, and changes nothing on a ticket already escalated', () => {
    expect(escalationPatch(ticket({ priority: 'urgent' }), { priority: 'high' })).toEqual({});
    expect(escalationPatch(ticket({ priority: 'high' }), { priority: 'high' })).toEqual({});
    expect(escalationPatch(ticket({ priority: 'low' }), { priority: 'urgent' })).toEqual({
      priority: 'urgent',
    });
    expect(
      escalationPatch(ticket({ group: 'grp_tier2', tags: ['billing', 'late'] }), {
        group: 'grp_tier2',
        addTags: ['LATE'],
      }),
    ).toEqual({});
    expect(escalationPatch(ticket({ group: null }), { group: 'grp_tier2' })).toEqual({ group: 'grp_tier2' });
  });

  it('leaves fields an agent set by hand, saying why', () => {
    const outcome = escalationOutcome(ticket({ pinnedFields: ['priority', 'group'], priority: 'low' }), {
      priority: 'urgent',
      group: 'grp_tier2',
      addTags: ['escalated'],
    });
    expect(outcome.patch).toEqual({ tags: ['billing', 'escalated'] });
    expect(outcome.skipped).toEqual([
      { field: 'priority', reason: 'an agent set the priority (low) by hand' },
      { field: 'group', reason: 'an agent set the group by hand' },
    ]);
  });
});

describe('validateEscalation', () => {
  it('accepts none or a useful escalation, and names every bad part', () => {
    expect(validateEscalation(undefined)).toEqual([]);
    expect(validateEscalation(null)).toEqual([]);
    expect(validateEscalation({ priority: 'urgent', group: 'grp_1', addTags: ['x'] })).toEqual([]);
    expect(
      validateEscalation({
        priority: 'low',
        group: 'no spaces',
        addTags: ['ok', '', 'a,b'],
        notify: true,
      }).map((e) => e.path),
    ).toEqual([
      'escalation.notify',
      'escalation.priority',
      'escalation.group',
      'escalation.addTags[1]',
      'escalation.addTags[2]',
    ]);
    expect(validateEscalation({ addTags: [] })).toEqual([
      { path: 'escalation', message: expect.stringContaining('needs a priority, a group or tags') },
    ]);
    expect(validateEscalation('urgent')).toEqual([
      { path: 'escalation', message: 'must be an object, or null for no escalation' },
    ]);
  });

  it('normalises what is stored: tags as tickets keep them, nothing for an empty escalation', () => {
    expect(normalizeEscalation({ addTags: [' Needs Love ', 'needs_love'] })).toEqual({
      addTags: ['needs_love'],
    });
    expect(normalizeEscalation({ addTags: [] })).toBeNull();
    expect(normalizeEscalation(null)).toBeNull();
  });
});

describe('lifecycle settings', () => {
  it('answers the defaults until the tenant saves its own', async () => {
    expect(await uc.getLifecycleSettings(admin)).toEqual({
      autoCloseAfterHours: 96,
      pendingReminderAfterHours: null,
      pendingAutoSolveAfterHours: null,
      csatSurveys: true,
    });
    expect(DEFAULT_LIFECYCLE_SETTINGS.autoCloseAfterHours).toBe(96);
  });

  it('merges a PATCH (null turns an optional one off) and keeps the other tenant apart', async () => {
    expect(
      await uc.updateLifecycleSettings(admin, {
        pendingReminderAfterHours: 48,
        pendingAutoSolveAfterHours: 168,
      }),
    ).toEqual({
      autoCloseAfterHours: 96,
      pendingReminderAfterHours: 48,
      pendingAutoSolveAfterHours: 168,
      csatSurveys: true,
    });
    expect(await uc.updateLifecycleSettings(admin, { autoCloseAfterHours: 24 })).toEqual({
      autoCloseAfterHours: 24,
      pendingReminderAfterHours: 48,
      pendingAutoSolveAfterHours: 168,
      csatSurveys: true,
    });
    expect(await uc.updateLifecycleSettings(admin, { pendingReminderAfterHours: null })).toEqual({
      autoCloseAfterHours: 24,
      pendingReminderAfterHours: null,
      pendingAutoSolveAfterHours: 168,
      csatSurveys: true,
    });
    expect(await uc.updateLifecycleSettings(admin, { csatSurveys: false })).toMatchObject({
      autoCloseAfterHours: 24,
      csatSurveys: false,
    });
    expect(await uc.getLifecycleSettings(admin)).toMatchObject({ autoCloseAfterHours: 24 });
    expect(await uc.getLifecycleSettings(otherTenant)).toEqual(DEFAULT_LIFECYCLE_SETTINGS);
  });

  it('wants the auto-solve after the reminder, judged on the merged settings', async () => {
    await uc.updateLifecycleSettings(admin, { pendingAutoSolveAfterHours: 72 });
    const error = await domainError(uc.updateLifecycleSettings(admin, { pendingReminderAfterHours: 72 }));
    expect(error.code).toBe('validation');
    expect(error.fieldErrors).toEqual([
      { path: 'pendingAutoSolveAfterHours', message: expect.stringContaining('greater than') },
    ]);
    expect(await uc.getLifecycleSettings(admin)).toMatchObject({
      pendingReminderAfterHours: null,
      pendingAutoSolveAfterHours: 72,
    });
    await uc.updateLifecycleSettings(admin, { pendingReminderAfterHours: 71 });
  });

  it('validates ranges, and fills what is stored with defaults', () => {
    expect(
      validateLifecycleSettings({
        autoCloseAfterHours: 0,
        pendingReminderAfterHours: 721,
        pendingAutoSolveAfterHours: 1.5,
        extra: 1,
      }).map((e) => e.path),
    ).toEqual(['extra', 'autoCloseAfterHours', 'pendingReminderAfterHours', 'pendingAutoSolveAfterHours']);
    expect(
      validateLifecycleSettings({
        autoCloseAfterHours: 672,
        pendingReminderAfterHours: 720,
        pendingAutoSolveAfterHours: 2160,
      }),
    ).toEqual([]);
    expect(validateLifecycleSettings({ autoCloseAfterHours: 1, pendingReminderAfterHours: null })).toEqual([
      { path: 'pendingAutoSolveAfterHours', message: expect.stringContaining('or null for off') },
    ]);
    expect(effectiveLifecycleSettings(null)).toEqual(DEFAULT_LIFECYCLE_SETTINGS);
    expect(effectiveLifecycleSettings({ pendingReminderAfterHours: 12, autoCloseAfterHours: 'x' })).toEqual({
      autoCloseAfterHours: 96,
      pendingReminderAfterHours: 12,
      pendingAutoSolveAfterHours: null,
      csatSurveys: true,
    });
    expect(effectiveLifecycleSettings({ csatSurveys: false }).csatSurveys).toBe(false);
    expect(effectiveLifecycleSettings({ csatSurveys: 'no' }).csatSurveys).toBe(true);
    expect(validateLifecycleSettings({ ...DEFAULT_LIFECYCLE_SETTINGS, csatSurveys: 'no' })).toEqual([
      { path: 'csatSurveys', message: 'must be true or false' },
    ]);
    expect(
      mergeLifecycleSettings(DEFAULT_LIFECYCLE_SETTINGS, {
        autoCloseAfterHours: undefined,
        pendingAutoSolveAfterHours: 5,
      }),
    ).toEqual({
      autoCloseAfterHours: 96,
      pendingReminderAfterHours: null,
      pendingAutoSolveAfterHours: 5,
      csatSurveys: true,
    });
  });
});
