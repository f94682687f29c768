import type { FieldError } from './errors.ts';

/**
 * A tenant's lifecycle settings: when the timers close solved tickets, remind requesters of pending ones and
 * solve pending tickets nobody answered (Zendesk's automations of the same names), and whether a solved email
 * ticket's requester gets a satisfaction survey. Hours are calendar hours.
 */
export interface LifecycleSettings {
  /** A solved ticket closes this long after it was solved. */
  readonly autoCloseAfterHours: number;
  /** The requester of a pending ticket is reminded this long after it went pending; null: never. */
  readonly pendingReminderAfterHours: number | null;
  /** A pending ticket is solved this long after it went pending; null: never. Later than the reminder. */
  readonly pendingAutoSolveAfterHours: number | null;
  /**
   * The requester of an email ticket gets a satisfaction survey by mail each time it is solved; the webhook
   * payload of a solve (`ticket.status_changed`) carries the survey link, for tickets answered elsewhere.
   */
  readonly csatSurveys: boolean;
}

/** A PATCH of the settings: fields left out stay; null turns an optional one off. */
export type LifecycleSettingsPatch = {
  readonly [K in keyof LifecycleSettings]?: LifecycleSettings[K] | undefined;
};

/**
 * What a tenant that never saved its settings gets: closed 4 days after solved, no reminder, no auto-solve, a
 * survey on every solve.
 */
export const DEFAULT_LIFECYCLE_SETTINGS: LifecycleSettings = Object.freeze({
  autoCloseAfterHours: 96,
  pendingReminderAfterHours: null,
  pendingAutoSolveAfterHours: null,
  csatSurveys: true,
});

/** The settings that are delays in hours. */
type HourSetting = Exclude<keyof LifecycleSettings, 'csatSurveys'>;

/** Accepted hours per setting (whole hours). */
export const LIFECYCLE_LIMITS = {
  /** An hour to 4 weeks. */
  autoCloseAfterHours: { min: 1, max: 672 },
  /** An hour to 30 days. */
  pendingReminderAfterHours: { min: 1, max: 720 },
  /** An hour to 90 days. */
  pendingAutoSolveAfterHours: { min: 1, max: 2160 },
} as const satisfies Record<HourSetting, { min: number; max: number }>;

const KEYS = Object.keys(LIFECYCLE_LIMITS) as HourSetting[];
const OPTIONAL: ReadonlySet<HourSetting> = new Set([
  'pendingReminderAfterHours',
  'pendingAutoSolveAfterHours',
]);

const inRange = (key: HourSetting, value: unknown): value is number =>
  typeof value === 'number' &&
  Number.isSafeInteger(value) &&
  value >= LIFECYCLE_LIMITS[key].min &&
  value <= LIFECYCLE_LIMITS[key].max;

/**
 * Field errors of whole settings as received (unknown input); empty when they can be stored. The auto-solve
 * must come after the reminder when both are on (a reminder after the ticket was solved means nothing).
 * `csatSurveys`, when given, is a boolean (left out, it keeps its default).
 */
export function validateLifecycleSettings(input: unknown): FieldError[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ path: '', message: 'must be an object' }];
  }
  const settings = input as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const key of Object.keys(settings)) {
    if (!(KEYS as string[]).includes(key) && key !== 'csatSurveys') {
      errors.push({ path: key, message: 'is not allowed' });
    }
  }
  for (const key of KEYS) {
    const value = settings[key];
    if (OPTIONAL.has(key) && value === null) continue;
    if (!inRange(key, value)) {
      const { min, max } = LIFECYCLE_LIMITS[key];
      errors.push({
        path: key,
        message: `must be a whole number of hours, ${min} to ${max}${OPTIONAL.has(key) ? ', or null for off' : ''}`,
      });
    }
  }
  if (settings.csatSurveys !== undefined && typeof settings.csatSurveys !== 'boolean') {
    errors.push({ path: 'csatSurveys', message: 'must be true or false' });
  }
  const { pendingReminderAfterHours: reminder, pendingAutoSolveAfterHours: autoSolve } = settings;
  if (
    errors.length === 0 &&
    typeof reminder === 'number' &&
    typeof autoSolve === 'number' &&
    autoSolve <= reminder
  ) {
    errors.push({
      path: 'pendingAutoSolveAfterHours',
      message: `must be greater than pendingReminderAfterHours (${reminder}): the reminder comes first`,
    });
  }
  return errors;
}

/** The settings with a PATCH applied: fields given replace the current ones (null turns an optional one off). */
export function mergeLifecycleSettings(
  current: LifecycleSettings,
  patch: LifecycleSettingsPatch,
): LifecycleSettings {
  return {
    autoCloseAfterHours: patch.autoCloseAfterHours ?? current.autoCloseAfterHours,
    pendingReminderAfterHours:
      patch.pendingReminderAfterHours === undefined
        ? current.pendingReminderAfterHours
        : patch.pendingReminderAfterHours,
    pendingAutoSolveAfterHours:
      patch.pendingAutoSolveAfterHours === undefined
        ? current.pendingAutoSolveAfterHours
        : patch.pendingAutoSolveAfterHours,
    csatSurveys: patch.csatSurveys ?? current.csatSurveys,
  };
}

/**
 * The settings in effect from what is stored (null: nothing saved). A field missing or out of range (saved by an
 * older or newer version) takes its default, so the timers always get settings they can use.
 */
export function effectiveLifecycleSettings(
  stored: Readonly<Record<string, unknown>> | null | undefined,
): LifecycleSettings {
  const pick = <K extends HourSetting>(key: K): LifecycleSettings[K] => {
    const value = stored?.[key];
    if (inRange(key, value) || (OPTIONAL.has(key) && value === null)) return value as LifecycleSettings[K];
    return DEFAULT_LIFECYCLE_SETTINGS[key];
  };
  const settings: LifecycleSettings = {
    autoCloseAfterHours: pick('autoCloseAfterHours'),
    pendingReminderAfterHours: pick('pendingReminderAfterHours'),
    pendingAutoSolveAfterHours: pick('pendingAutoSolveAfterHours'),
    csatSurveys:
      typeof stored?.csatSurveys === 'boolean' ? stored.csatSurveys : DEFAULT_LIFECYCLE_SETTINGS.csatSurveys,
  };
  // Never an auto-solve at or before the reminder, whatever was stored.
  return validateLifecycleSettings(settings).length === 0
    ? settings
    : { ...settings, pendingAutoSolveAfterHours: null };
}
