/**
 * CSV as RFC 4180 writes it: records end in CRLF (the last one too), fields are separated by commas, and a
 * field holding a comma, a double quote, CR or LF is wrapped in double quotes with its quotes doubled.
 *
 * Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or CR) as a formula, so a
 * ticket subject such as `=HYPERLINK(…)` could act when a manager opens the export. Such text cells get a
 * leading `'` (OWASP's advice): shown as text, the value otherwise intact. Numbers are written as numbers: a
 * negative count is a value, not a formula.
 */

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: empty for null/undefined, numbers as JavaScript writes them (non-finite ones empty). */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRecord(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** A whole file: the header record, then one record per row. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  let csv = csvRecord(header);
  for (const row of rows) csv += csvRecord(row);
  return csv;
}
