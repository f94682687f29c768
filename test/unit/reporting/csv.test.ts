import { describe, expect, it } from 'vitest';
import { csvField, csvRecord, toCsv } from '../../../functions/core/reporting/csv.ts';

/** A minimal RFC 4180 reader: what a spreadsheet would see in each cell. */
function parseCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i]!;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && csv[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('CSV (RFC 4180)', () => {
  it('ends every record, the last one too, with CRLF and separates fields with commas', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          [1, 'x'],
          [2, null],
        ],
      ),
    ).toBe('a,b\r\n1,x\r\n2,\r\n');
    expect(toCsv(['only'], [])).toBe('only\r\n');
  });

  it('quotes fields holding a comma, a quote, CR or LF, doubling the quotes', () => {
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    const tricky = ['Printer, "on fire"\r\nagain', 'ünïcødé ✓', ''];
    expect(parseCsv(csvRecord(tricky))).toEqual([tricky]);
  });

  it('writes numbers, booleans and nothing as such; non-finite numbers as empty', () => {
    expect(csvRecord([0, -3, 1.5, true, false, null, undefined, Number.NaN, Number.POSITIVE_INFINITY])).toBe(
      '0,-3,1.5,true,false,,,,\r\n',
    );
  });

  it('keeps text cells from running as formulas: = + - @ tab and CR get a leading quote', () => {
    for (const dangerous of [
      '=HYPERLINK("http://evil.test","x")',
      '+1+1',
      '-2+3',
      '@SUM(A1)',
      '\tcmd',
      '\r=1',
    ]) {
      const cell = parseCsv(csvRecord([dangerous]))[0]![0]!;
      expect(cell).toBe(`'${dangerous}`);
    }
    // A formula with a comma is protected and quoted.
    expect(csvField('=1,2')).toBe(`"'=1,2"`);
    // Only the first character counts; numbers are values, never prefixed.
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField(-5)).toBe('-5');
  });
});
