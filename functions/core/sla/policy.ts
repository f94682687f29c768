import { type Conditions, type ConditionTarget, evaluate, validateConditions } from '../conditions.ts';
import type { FieldError } from '../errors.ts';
import { PRIORITIES, type Priority } from '../model.ts';
import { type SlaEscalation, validateEscalation } from './escalation.ts';

/** The SLA metrics, with Zendesk's definitions (see metrics.ts for exactly when each runs, pauses and ends). */
export const SLA_METRICS = [
  'first_reply',
  'next_reply',
  'periodic_update',
  'requester_wait',
  'agent_work',
  'resolution',
] as const;
export type SlaMetricName = (typeof SLA_METRICS)[number];

/** The target names of the HTTP contract (`targets.urgent.firstReplyMinutes`) for each metric. */
export const SLA_TARGET_KEYS: Readonly<Record<SlaMetricName, string>> = {
  first_reply: 'firstReplyMinutes',
  next_reply: 'nextReplyMinutes',
  periodic_update: 'periodicUpdateMinutes',
  requester_wait: 'requesterWaitMinutes',
  agent_work: 'agentWorkMinutes',
  resolution: 'resolutionMinutes',
};

/** Minutes per metric, for one priority. */
export type SlaTargets = Partial<Record<SlaMetricName, number>>;

/** A tenant's SLA policy. Policies are ordered by `position`; the first whose conditions match applies. */
export interface SlaPolicy {
  readonly id: string;
  readonly name: string;
  readonly position: number;
  readonly conditions: Conditions;
  /** The business schedule the clocks run on; null for calendar hours (24×7). */
  readonly scheduleId: string | null;
  readonly targets: Partial<Record<Priority, SlaTargets>>;
  /** Lead time of the breach warning; default 25 % of the target, at most 60 minutes. */
  readonly warnBeforeMinutes?: number;
  /** What a breach of one of its targets does to the ticket (escalation.ts); null or absent: nothing. */
  readonly escalation?: SlaEscalation | null;
}

/** A policy as a tenant keeps it: its identity, its escalation (null: none) and its version. */
export interface StoredSlaPolicy extends SlaPolicy {
  readonly tenantId: string;
  /** `slp_<ulid>`. */
  readonly id: string;
  readonly escalation: SlaEscalation | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** A policy as an admin writes it (POST creates one, PUT replaces one whole), in the core's metric names. */
export interface SlaPolicyInput {
  readonly name: string;
  /** Default: after the last policy. Left out of a PUT, the policy keeps its place. */
  readonly position?: number | undefined;
  /** Default: none (every ticket matches). */
  readonly conditions?: Conditions | undefined;
  /** Default null: calendar hours. */
  readonly scheduleId?: string | null | undefined;
  readonly targets: Partial<Record<Priority, SlaTargets>>;
  readonly warnBeforeMinutes?: number | undefined;
  readonly escalation?: SlaEscalation | null | undefined;
}

export const SLA_POLICY_ID_PREFIX = 'slp_';
/** Most policies per tenant: the SLA clock reads them all whenever a ticket's matched fields change. */
export const MAX_SLA_POLICIES = 200;
export const MAX_POLICY_POSITION = 1_000_000;

/** The order policies are tried in: by position, ties by id (what `selectPolicy` does). */
export const byPolicyOrder = (
  a: Pick<SlaPolicy, 'position' | 'id'>,
  b: Pick<SlaPolicy, 'position' | 'id'>,
): number => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Longest target accepted: a year of minutes (a business-hours year is far longer in real time). */
export const MAX_TARGET_MINUTES = 525_600;
export const MAX_POLICY_NAME = 200;
/** Default warning lead: this share of the target, capped at DEFAULT_WARN_CAP_MINUTES. */
export const DEFAULT_WARN_SHARE = 0.25;
export const DEFAULT_WARN_CAP_MINUTES = 60;

/**
 * The policy that applies to the ticket: the first by `position` (ties by id, so the choice is stable) whose
 * conditions match; null when none does. Re-run it when a matched field (priority, group, …) changes.
 */
export function selectPolicy<P extends SlaPolicy>(policies: readonly P[], ticket: ConditionTarget): P | null {
  const ordered = [...policies].sort(byPolicyOrder);
  return ordered.find((policy) => evaluate(policy.conditions, ticket)) ?? null;
}

/** The policy's targets for a priority; empty when the policy sets none for it. */
export function targetsFor(policy: SlaPolicy, priority: Priority): SlaTargets {
  return policy.targets[priority] ?? {};
}

/**
 * How long before the breach the warning fires: `warnBeforeMinutes` when set, else 25 % of the target capped at
 * 60 minutes; never more than the target itself (a warning before the clock starts means nothing).
 */
export function warnLeadMinutes(targetMinutes: number, warnBeforeMinutes?: number): number {
  const lead = warnBeforeMinutes ?? Math.min(DEFAULT_WARN_CAP_MINUTES, targetMinutes * DEFAULT_WARN_SHARE);
  return Math.max(0, Math.min(targetMinutes, lead));
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Field errors of a policy as received (unknown input, without or with its `id`); empty when it can be stored.
 * Whether `scheduleId` names an existing schedule, and the escalation's `group` an existing group, is for the use
 * case to check (it needs the stores).
 */
export function validatePolicy(input: unknown): FieldError[] {
  if (!isObject(input)) return [{ path: '', message: 'must be an object' }];
  const errors: FieldError[] = [];
  const allowed = [
    'id',
    'name',
    'position',
    'conditions',
    'scheduleId',
    'targets',
    'warnBeforeMinutes',
    'escalation',
  ];
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) errors.push({ path: key, message: 'is not allowed' });
  }
  errors.push(...validateEscalation(input.escalation, 'escalation'));
  const { id, name, position, conditions, scheduleId, targets, warnBeforeMinutes } = input;
  if (id !== undefined && (typeof id !== 'string' || id === '')) {
    errors.push({ path: 'id', message: 'must be a non-empty string' });
  }
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_POLICY_NAME) {
    errors.push({
      path: 'name',
      message: `must be a non-empty string of at most ${MAX_POLICY_NAME} characters`,
    });
  }
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
    errors.push({ path: 'position', message: 'must be a whole number >= 0' });
  }
  errors.push(...validateConditions(conditions));
  if (
    scheduleId !== undefined &&
    scheduleId !== null &&
    (typeof scheduleId !== 'string' || scheduleId === '')
  ) {
    errors.push({ path: 'scheduleId', message: 'must be a schedule id, or null for calendar hours' });
  }
  if (warnBeforeMinutes !== undefined && !isMinutes(warnBeforeMinutes, 0)) {
    errors.push({
      path: 'warnBeforeMinutes',
      message: `must be a whole number of minutes, 0 to ${MAX_TARGET_MINUTES}`,
    });
  }
  errors.push(...targetErrors(targets));
  return errors;
}

const isMinutes = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= MAX_TARGET_MINUTES;

function targetErrors(targets: unknown): FieldError[] {
  if (!isObject(targets)) return [{ path: 'targets', message: 'must be an object of targets per priority' }];
  const errors: FieldError[] = [];
  let count = 0;
  for (const [priority, perMetric] of Object.entries(targets)) {
    const path = `targets.${priority}`;
    if (!(PRIORITIES as readonly string[]).includes(priority)) {
      errors.push({ path, message: `must be one of ${PRIORITIES.join(', ')}` });
      continue;
    }
    if (!isObject(perMetric)) {
      errors.push({ path, message: 'must be an object of minutes per metric' });
      continue;
    }
    for (const [metric, minutes] of Object.entries(perMetric)) {
      if (!(SLA_METRICS as readonly string[]).includes(metric)) {
        errors.push({ path: `${path}.${metric}`, message: `must be one of ${SLA_METRICS.join(', ')}` });
      } else if (!isMinutes(minutes, 1)) {
        errors.push({
          path: `${path}.${metric}`,
          message: `must be a whole number of minutes, 1 to ${MAX_TARGET_MINUTES}`,
        });
      } else count++;
    }
  }
  if (errors.length === 0 && count === 0) {
    errors.push({ path: 'targets', message: 'needs at least one target' });
  }
  return errors;
}
