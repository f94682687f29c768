/**
 * Local wall-clock time in an IANA zone, from the runtime's ICU data (`Intl.DateTimeFormat`). A wall-clock
 * reading is written as the epoch milliseconds it would be if the zone were UTC ("wall ms"), so local dates and
 * times are plain arithmetic: day number = floor(wall / DAY_MS), minute of day = (wall mod DAY_MS) / MINUTE_MS.
 */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The canonical name of a zone ('utc' → 'UTC'); throws RangeError for an unknown one. */
export function canonicalTimeZone(timeZone: string): string {
  return formatterFor(timeZone).resolvedOptions().timeZone;
}

/** What the local clock reads at `instant`, as wall ms. Milliseconds pass through (ICU stops at seconds). */
export function wallClockAt(timeZone: string, instant: number): number {
  if (timeZone === 'UTC') return instant;
  const wholeSecond = Math.floor(instant / 1000) * 1000;
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(wholeSecond)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  return Date.UTC(year, month - 1, day, hour, minute, second) + (instant - wholeSecond);
}

/** The local day (days since 1970-01-01 in local time) that `instant` falls on. */
export function localDayAt(timeZone: string, instant: number): number {
  return Math.floor(wallClockAt(timeZone, instant) / DAY_MS);
}

const offsetAt = (timeZone: string, instant: number) => wallClockAt(timeZone, instant) - instant;

/**
 * The first instant at which the local clock reads `wall` or later. This one rule settles both DST cases:
 * - a reading that happens twice (fall back: 01:30 in New York on the first Sunday of November) → the FIRST time;
 * - a reading that never happens (spring forward: 02:30 in Berlin on the last Sunday of March) → the instant the
 *   clock jumps past it (03:00 CEST), i.e. the moment the local clock first shows a later time.
 * It never goes backwards as `wall` grows, so intervals of a day stay in order and never overlap.
 */
export function firstInstantAtOrAfter(timeZone: string, wall: number): number {
  if (timeZone === 'UTC') return wall;
  // Offsets a day either side bracket any transition near `wall` (zones change at most once a day).
  const candidates = [wall - offsetAt(timeZone, wall - DAY_MS), wall - offsetAt(timeZone, wall + DAY_MS)];
  const exact = candidates.filter((instant) => wallClockAt(timeZone, instant) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // In a gap: the jump happens between the two candidates. Binary search for the first instant showing >= wall.
  let before = Math.min(...candidates);
  let after = Math.max(...candidates);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (wallClockAt(timeZone, middle) >= wall) after = middle;
    else before = middle;
  }
  return after;
}
