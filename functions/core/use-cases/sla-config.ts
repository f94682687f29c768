import type { Caller } from '../caller.ts';
import type { Conditions } from '../conditions.ts';
import { DomainError, type FieldError, notFound } from '../errors.ts';
import {
  type LifecycleSettings,
  type LifecycleSettingsPatch,
  mergeLifecycleSettings,
  validateLifecycleSettings,
} from '../lifecycle-settings.ts';
import { PRIORITIES, type Priority } from '../model.ts';
import type {
  Clock,
  GroupStore,
  Ids,
  LifecycleSettingsStore,
  Schedule,
  ScheduleStore,
  SlaPolicyStore,
} from '../ports.ts';
import { normalizeEscalation } from '../sla/escalation.ts';
import {
  MAX_POLICY_POSITION,
  MAX_SLA_POLICIES,
  SLA_METRICS,
  SLA_POLICY_ID_PREFIX,
  SLA_TARGET_KEYS,
  type SlaMetricName,
  type SlaPolicyInput,
  type SlaTargets,
  type StoredSlaPolicy,
  validatePolicy,
} from '../sla/policy.ts';
import { type Holiday, validateSchedule, type WeeklyInterval } from '../sla/schedule.ts';
import { replaceGuarded } from './replace-guarded.ts';

/**
 * The SLA configuration of a tenant: its business-hours schedules, its SLA policies (which point at a schedule
 * and may escalate a breached ticket) and its lifecycle settings (auto-close, pending reminder and auto-solve).
 * The SLA clock and the timer worker read what these use cases keep.
 */

export const SCHEDULE_ID_PREFIX = 'sch_';
/** Most schedules per tenant. */
export const MAX_SCHEDULES = 100;
export const MAX_SCHEDULE_NAME_CHARS = 200;
/** Open intervals per week: several a day (a lunch break, a split shift) on every day. */
export const MAX_WEEKLY_INTERVALS = 100;
/** Holidays per schedule: a few years of them. */
export const MAX_HOLIDAYS = 500;
export const MAX_HOLIDAY_NAME_CHARS = 200;

/** A schedule as an admin writes it (POST creates one, PUT replaces one whole). */
export interface ScheduleInput {
  readonly name: string;
  /** IANA zone name, e.g. 'Europe/Berlin'. */
  readonly timeZone: string;
  readonly weekly: readonly WeeklyInterval[];
  /** Default: none. */
  readonly holidays?: readonly Holiday[] | undefined;
}

export interface SlaConfigDeps {
  readonly schedules: ScheduleStore;
  readonly slaPolicies: SlaPolicyStore;
  readonly groups: GroupStore;
  readonly lifecycleSettings: LifecycleSettingsStore;
  readonly clock: Clock;
  readonly ids: Ids;
}

const invalid = (what: string, errors: readonly FieldError[]) =>
  new DomainError(
    'validation',
    `the ${what} is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );

// ---------------------------------------------------------------------------------------------------------------
// Schedules

function scheduleErrors(input: ScheduleInput): FieldError[] {
  const errors: FieldError[] = [];
  if (
    typeof input.name !== 'string' ||
    input.name.trim() === '' ||
    input.name.length > MAX_SCHEDULE_NAME_CHARS
  ) {
    errors.push({
      path: 'name',
      message: `must be a non-empty string of at most ${MAX_SCHEDULE_NAME_CHARS} characters`,
    });
  }
  if (input.weekly.length > MAX_WEEKLY_INTERVALS) {
    errors.push({ path: 'weekly', message: `at most ${MAX_WEEKLY_INTERVALS} intervals` });
  }
  const holidays = input.holidays ?? [];
  if (holidays.length > MAX_HOLIDAYS) {
    errors.push({ path: 'holidays', message: `at most ${MAX_HOLIDAYS} holidays` });
  }
  holidays.forEach((holiday, index) => {
    if (typeof holiday.name === 'string' && holiday.name.length > MAX_HOLIDAY_NAME_CHARS) {
      errors.push({
        path: `holidays[${index}].name`,
        message: `at most ${MAX_HOLIDAY_NAME_CHARS} characters`,
      });
    }
  });
  if (errors.length > 0) return errors;
  return validateSchedule({ timeZone: input.timeZone, weekly: input.weekly, holidays });
}

function assertValidSchedule(input: ScheduleInput): void {
  const errors = scheduleErrors(input);
  if (errors.length > 0) throw invalid('schedule', errors);
}

/** The business hours of an input as stored: intervals and holidays copied field by field, names trimmed. */
function scheduleFields(input: ScheduleInput) {
  return {
    name: input.name.trim(),
    timeZone: input.timeZone,
    weekly: input.weekly.map(({ day, start, end }) => ({ day, start, end })),
    holidays: (input.holidays ?? []).map(({ date, name }) => ({
      date,
      ...(name !== undefined && name.trim() !== '' && { name: name.trim() }),
    })),
  };
}

export function makeCreateSchedule(deps: Pick<SlaConfigDeps, 'schedules' | 'clock' | 'ids'>) {
  return async function createSchedule(caller: Caller, input: ScheduleInput): Promise<Schedule> {
    assertValidSchedule(input);
    const now = deps.clock.now();
    const schedule: Schedule = {
      tenantId: caller.tenantId,
      id: `${SCHEDULE_ID_PREFIX}${deps.ids.next()}`,
      ...scheduleFields(input),
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await deps.schedules.create(schedule);
    return schedule;
  };
}

export function makeListSchedules(deps: Pick<SlaConfigDeps, 'schedules'>) {
  /** Every schedule of the tenant, oldest first. */
  return (caller: Caller): Promise<Schedule[]> => deps.schedules.list(caller.tenantId);
}

export function makeGetSchedule(deps: Pick<SlaConfigDeps, 'schedules'>) {
  return async function getSchedule(caller: Caller, id: string): Promise<Schedule> {
    const schedule = await deps.schedules.get(caller.tenantId, id);
    if (!schedule) throw notFound(`schedule ${id}`);
    return schedule;
  };
}

export function makeUpdateSchedule(deps: Pick<SlaConfigDeps, 'schedules' | 'clock'>) {
  /** PUT: the schedule replaced whole. With `ifMatch`, only the version the caller read is replaced. */
  return async function updateSchedule(
    caller: Caller,
    id: string,
    input: ScheduleInput,
    ifMatch?: number | undefined,
  ): Promise<Schedule> {
    assertValidSchedule(input);
    return replaceGuarded(
      `schedule ${id}`,
      ifMatch,
      () => deps.schedules.get(caller.tenantId, id),
      async (previous) => {
        const next: Schedule = {
          tenantId: previous.tenantId,
          id: previous.id,
          ...scheduleFields(input),
          createdAt: previous.createdAt,
          updatedAt: deps.clock.now(),
          version: previous.version + 1,
        };
        await deps.schedules.update(next, previous.version);
        return next;
      },
    );
  };
}

const policyLabel = (policy: Pick<StoredSlaPolicy, 'id' | 'name'>) => `“${policy.name}” (${policy.id})`;

export function makeDeleteSchedule(deps: Pick<SlaConfigDeps, 'schedules' | 'slaPolicies'>) {
  /**
   * A schedule an SLA policy runs on cannot go (409 naming the policies): its clocks would lose their hours.
   * The store holds the same line under concurrent writes.
   */
  return async function deleteSchedule(caller: Caller, id: string): Promise<void> {
    const users = (await deps.slaPolicies.list(caller.tenantId)).filter((p) => p.scheduleId === id);
    if (users.length > 0) {
      throw new DomainError(
        'conflict',
        `schedule ${id} is used by SLA ${users.length === 1 ? 'policy' : 'policies'} ${users.map(policyLabel).join(', ')}; give ${users.length === 1 ? 'it' : 'them'} another schedule first`,
      );
    }
    if (!(await deps.schedules.delete(caller.tenantId, id))) throw notFound(`schedule ${id}`);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SLA policies

/** The core's metric name in a path (`targets.high.first_reply`) as the request body names it. */
const CONTRACT_SEGMENTS: Readonly<Record<string, string>> = { ...SLA_TARGET_KEYS, scheduleId: 'schedule' };
const contractPath = (error: FieldError): FieldError => ({
  ...error,
  path: error.path
    .split('.')
    .map((segment) => (Object.hasOwn(CONTRACT_SEGMENTS, segment) ? CONTRACT_SEGMENTS[segment]! : segment))
    .join('.'),
});

/** The groups and schedules a policy names must exist when it is saved. Paths follow the request body. */
async function policyReferenceErrors(
  deps: Pick<SlaConfigDeps, 'schedules' | 'groups'>,
  tenantId: string,
  input: SlaPolicyInput,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const scheduleId = input.scheduleId ?? null;
  if (scheduleId !== null && !(await deps.schedules.get(tenantId, scheduleId))) {
    errors.push({ path: 'schedule', message: `schedule ${scheduleId} does not exist` });
  }
  const group = input.escalation?.group;
  if (group !== undefined && !(await deps.groups.get(tenantId, group))) {
    errors.push({ path: 'escalation.group', message: `group ${group} does not exist` });
  }
  return errors;
}

async function assertValidPolicy(
  deps: Pick<SlaConfigDeps, 'schedules' | 'groups'>,
  tenantId: string,
  input: SlaPolicyInput,
  position: number,
): Promise<void> {
  let errors = validatePolicy({
    name: input.name,
    position,
    conditions: input.conditions,
    scheduleId: input.scheduleId ?? null,
    targets: input.targets,
    ...(input.warnBeforeMinutes !== undefined && { warnBeforeMinutes: input.warnBeforeMinutes }),
    escalation: input.escalation ?? null,
  }).map(contractPath);
  if (position > MAX_POLICY_POSITION) {
    errors.push({ path: 'position', message: `must be a whole number from 0 to ${MAX_POLICY_POSITION}` });
  }
  if (errors.length === 0) errors = await policyReferenceErrors(deps, tenantId, input);
  if (errors.length > 0) throw invalid('SLA policy', errors);
}

/** The targets as stored: a priority without any target is left out. */
function cleanTargets(targets: SlaPolicyInput['targets']): Partial<Record<Priority, SlaTargets>> {
  const out: Partial<Record<Priority, SlaTargets>> = {};
  for (const priority of PRIORITIES) {
    const perMetric = targets[priority];
    if (!perMetric) continue;
    const kept: SlaTargets = Object.fromEntries(
      SLA_METRICS.flatMap((metric: SlaMetricName) =>
        perMetric[metric] === undefined ? [] : [[metric, perMetric[metric]]],
      ),
    );
    if (Object.keys(kept).length > 0) out[priority] = kept;
  }
  return out;
}

const cleanConditions = (conditions: Conditions | undefined): Conditions => ({
  ...(conditions?.all !== undefined && { all: conditions.all }),
  ...(conditions?.any !== undefined && { any: conditions.any }),
});

function policyFields(input: SlaPolicyInput) {
  return {
    name: input.name.trim(),
    conditions: cleanConditions(input.conditions),
    scheduleId: input.scheduleId ?? null,
    targets: cleanTargets(input.targets),
    ...(input.warnBeforeMinutes !== undefined && { warnBeforeMinutes: input.warnBeforeMinutes }),
    escalation: normalizeEscalation(input.escalation),
  };
}

export function makeCreateSlaPolicy(
  deps: Pick<SlaConfigDeps, 'schedules' | 'slaPolicies' | 'groups' | 'clock' | 'ids'>,
) {
  /** A new policy; without a position it goes after the last one. */
  return async function createSlaPolicy(caller: Caller, input: SlaPolicyInput): Promise<StoredSlaPolicy> {
    const existing = await deps.slaPolicies.list(caller.tenantId);
    const last = existing.reduce((max, policy) => Math.max(max, policy.position), 0);
    const position = input.position ?? (existing.length === 0 ? 1 : last + 1);
    await assertValidPolicy(deps, caller.tenantId, input, position);
    if (existing.length >= MAX_SLA_POLICIES) {
      throw new DomainError(
        'validation',
        `a tenant has at most ${MAX_SLA_POLICIES} SLA policies; delete one first`,
      );
    }
    const now = deps.clock.now();
    const policy: StoredSlaPolicy = {
      tenantId: caller.tenantId,
      id: `${SLA_POLICY_ID_PREFIX}${deps.ids.next()}`,
      position,
      ...policyFields(input),
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await deps.slaPolicies.create(policy);
    return policy;
  };
}

export function makeListSlaPolicies(deps: Pick<SlaConfigDeps, 'slaPolicies'>) {
  /** Every policy of the tenant, in the order they are tried. */
  return (caller: Caller): Promise<StoredSlaPolicy[]> => deps.slaPolicies.list(caller.tenantId);
}

export function makeGetSlaPolicy(deps: Pick<SlaConfigDeps, 'slaPolicies'>) {
  return async function getSlaPolicy(caller: Caller, id: string): Promise<StoredSlaPolicy> {
    const policy = await deps.slaPolicies.get(caller.tenantId, id);
    if (!policy) throw notFound(`SLA policy ${id}`);
    return policy;
  };
}

export function makeUpdateSlaPolicy(
  deps: Pick<SlaConfigDeps, 'schedules' | 'slaPolicies' | 'groups' | 'clock'>,
) {
  /**
   * PUT: the policy replaced whole (without `position`, it keeps its place; without `schedule`, it runs on
   * calendar hours). With `ifMatch`, only the version the caller read is replaced.
   */
  return async function updateSlaPolicy(
    caller: Caller,
    id: string,
    input: SlaPolicyInput,
    ifMatch?: number | undefined,
  ): Promise<StoredSlaPolicy> {
    // The policy's own position was valid when stored: only one given here needs checking.
    await assertValidPolicy(deps, caller.tenantId, input, input.position ?? 0);
    return replaceGuarded(
      `SLA policy ${id}`,
      ifMatch,
      () => deps.slaPolicies.get(caller.tenantId, id),
      async (previous) => {
        const position = input.position ?? previous.position;
        const next: StoredSlaPolicy = {
          tenantId: previous.tenantId,
          id: previous.id,
          position,
          ...policyFields(input),
          createdAt: previous.createdAt,
          updatedAt: deps.clock.now(),
          version: previous.version + 1,
        };
        await deps.slaPolicies.update(next, previous);
        return next;
      },
    );
  };
}

export function makeDeleteSlaPolicy(deps: Pick<SlaConfigDeps, 'slaPolicies'>) {
  return async function deleteSlaPolicy(caller: Caller, id: string): Promise<void> {
    if (!(await deps.slaPolicies.delete(caller.tenantId, id))) throw notFound(`SLA policy ${id}`);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Lifecycle settings

export function makeGetLifecycleSettings(deps: Pick<SlaConfigDeps, 'lifecycleSettings'>) {
  /** The settings in effect: what the tenant saved, the defaults for the rest. */
  return (caller: Caller): Promise<LifecycleSettings> => deps.lifecycleSettings.get(caller.tenantId);
}

export function makeUpdateLifecycleSettings(deps: Pick<SlaConfigDeps, 'lifecycleSettings'>) {
  /** PATCH: the fields given replace the current ones (null turns an optional one off); the result is checked whole. */
  return async function updateLifecycleSettings(
    caller: Caller,
    patch: LifecycleSettingsPatch,
  ): Promise<LifecycleSettings> {
    const current = await deps.lifecycleSettings.get(caller.tenantId);
    const next = mergeLifecycleSettings(current, patch);
    const errors = validateLifecycleSettings(next);
    if (errors.length > 0) throw invalid('lifecycle settings', errors);
    await deps.lifecycleSettings.put(caller.tenantId, next);
    return next;
  };
}

/** Every use case of the SLA configuration, as `makeUseCases` exposes them. */
/**
 * A write of the deadline configuration drops this container's cached copy of it (core/use-cases/timer-context.ts),
 * so tickets the same API writes next are planned with the new policies, schedules and settings at once.
 */
function invalidating<A extends [Caller, ...unknown[]], R>(
  deps: SlaConfigDeps & { readonly timerContext?: { invalidate(tenantId: string): void } | undefined },
  write: (...args: A) => Promise<R>,
) {
  return async (...args: A): Promise<R> => {
    const result = await write(...args);
    deps.timerContext?.invalidate(args[0].tenantId);
    return result;
  };
}

export function makeSlaConfigUseCases(
  deps: SlaConfigDeps & { readonly timerContext?: { invalidate(tenantId: string): void } | undefined },
) {
  return {
    createSchedule: invalidating(deps, makeCreateSchedule(deps)),
    listSchedules: makeListSchedules(deps),
    getSchedule: makeGetSchedule(deps),
    updateSchedule: invalidating(deps, makeUpdateSchedule(deps)),
    deleteSchedule: invalidating(deps, makeDeleteSchedule(deps)),
    createSlaPolicy: invalidating(deps, makeCreateSlaPolicy(deps)),
    listSlaPolicies: makeListSlaPolicies(deps),
    getSlaPolicy: makeGetSlaPolicy(deps),
    updateSlaPolicy: invalidating(deps, makeUpdateSlaPolicy(deps)),
    deleteSlaPolicy: invalidating(deps, makeDeleteSlaPolicy(deps)),
    getLifecycleSettings: makeGetLifecycleSettings(deps),
    updateLifecycleSettings: invalidating(deps, makeUpdateLifecycleSettings(deps)),
  };
}
