/**
 * Usage and reporting counters live in one partition per calendar month (`…#USAGE#yyyy-mm`, `…#REPORT#yyyy-mm`),
 * so a range of days is read month by month.
 */

/** Months (YYYY-MM) from one day to another, inclusive; at most 121, whatever the range. */
export function monthsBetween(fromDay: string, toDay: string): string[] {
  const months: string[] = [];
  let [year, month] = fromDay.slice(0, 7).split('-').map(Number) as [number, number];
  const last = toDay.slice(0, 7);
  for (;;) {
    const current = `${year}-${String(month).padStart(2, '0')}`;
    months.push(current);
    if (current >= last || months.length > 120) return months;
    month += 1;
    if (month > 12) [year, month] = [year + 1, 1];
  }
}
