import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { htmlToText } from '../../../functions/adapters/mime/html-to-text.ts';
import { parseMail } from '../../../functions/adapters/mime/parse-mail.ts';
import type { ParsedMail } from '../../../functions/core/email/mail.ts';

/**
 * Zammad's mail test corpus (../shared/mail-corpus, see its README): every mail goes through parseMail and must
 * give Zammad's sender address, sender name, subject and body text, except for the deviations listed below.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const corpus = path.resolve(repoRoot, '..', 'shared', 'mail-corpus', 'zammad');
if (!existsSync(path.join(corpus, 'expected.json'))) {
  throw new Error(`Mail corpus missing at ${corpus}: CI checks out shared/ beside the repository`);
}

type Field = 'from_email' | 'from_display_name' | 'subject' | 'body';
const FIELDS: readonly Field[] = ['from_email', 'from_display_name', 'subject', 'body'];

interface Expected {
  readonly file: string;
  readonly from_email: string | null;
  readonly from_display_name: string | null;
  readonly subject: string | null;
  readonly body_excerpt: string | null;
}

/** Where we differ from Zammad on purpose (or the corpus disagrees with itself). Keep it short. */
const ACCEPTED: Readonly<Record<string, Partial<Record<Field, string>>>> = {
  'mail016.box': {
    body: 'Zammad keeps the HTML <title> ("新建网页 3") in the body; like a browser we do not show it',
  },
  'mail046.box': {
    from_display_name:
      'raw 8-bit name: Zammad reads it as ISO-8859-2 ("ÎäŔźłÉ"), we as GB18030 like the subject',
  },
  'mail065.box': {
    from_display_name:
      'Zammad splits the encoded word at its comma ("=20Andreas?="); we say "Bürling, Andreas"',
  },
  'mail072.box': {
    body: 'windows-1258 part: Zammad decodes it as windows-1250 ("suite ŕ"), we correctly ("suite à")',
  },
  'mail076.box': {
    from_email: 'From "…"@example.com>: Zammad keeps the quotes and the stray ">", we drop both',
    from_display_name: 'same malformed From: Zammad copies the address into the name, we give none',
  },
  'mail087.box': {
    from_email:
      '"From: Test test@example.com" (no brackets): Zammad takes the whole line, we test@example.com',
    from_display_name: 'same header: Zammad repeats the whole line as the name, we say "Test"',
    body: 'Zammad shows "no visible content"; we show the text part (it has no Content-Type, so text/plain)',
  },
  'mail089.box': {
    subject: 'the .box (newer commit) says "INC678439:", the older .yml was written without the colon',
  },
  'mail117.box': {
    from_email: 'encoded word inside the address: RFC 2047 forbids it, so we keep it literal (no spoofing)',
  },
  'mail118.box': {
    from_email: 'encoded word inside the address: RFC 2047 forbids it, so we keep it literal (no spoofing)',
  },
};

/** Zammad's placeholder for a mail without displayable text; we check that our text is empty instead. */
const NO_VISIBLE_CONTENT = 'no visible content';

const expectations: readonly Expected[] = JSON.parse(
  readFileSync(path.join(corpus, 'expected.json'), 'utf8'),
);
const squeeze = (text: string): string => text.replace(/\s+/g, '');

/** Pass or fail per field; fields Zammad does not assert are left out. */
function compare(expected: Expected, mail: ParsedMail): Partial<Record<Field, boolean>> {
  const result: Partial<Record<Field, boolean>> = {};
  if (expected.from_email !== null)
    result.from_email = mail.from?.address === expected.from_email.toLowerCase();
  if (expected.from_display_name !== null)
    result.from_display_name = (mail.from?.name ?? '') === expected.from_display_name;
  if (expected.subject !== null) result.subject = mail.subject === expected.subject;
  if (expected.body_excerpt !== null) {
    // The full text, not the quote-stripped body: Zammad's expectation is the whole mail. Either rendering counts.
    const texts = [mail.text, mail.html === null ? '' : htmlToText(mail.html)].map(squeeze);
    result.body =
      expected.body_excerpt === NO_VISIBLE_CONTENT
        ? texts[0] === ''
        : texts.some((text) => text.includes(squeeze(expected.body_excerpt!)));
  }
  return result;
}

const outcomes = new Map<string, Partial<Record<Field, boolean>>>();

describe('Zammad mail corpus through parseMail', () => {
  it('holds the 65 pairs the README describes', () => {
    expect(expectations).toHaveLength(65);
  });

  it.each(expectations.map((expected) => [expected.file, expected] as const))(
    '%s',
    async (file, expected) => {
      const mail = await parseMail(new Uint8Array(readFileSync(path.join(corpus, file))));
      const result = compare(expected, mail);
      outcomes.set(file, result);
      const accepted = ACCEPTED[file] ?? {};
      const unexpected = FIELDS.filter((field) => result[field] === false && !accepted[field]);
      const stale = FIELDS.filter((field) => accepted[field] && result[field] !== false);
      expect(
        unexpected,
        `${file}: ${JSON.stringify({ from: mail.from, subject: mail.subject, text: mail.text.slice(0, 300) })}`,
      ).toEqual([]);
      expect(stale, `${file}: accepted deviations that no longer deviate`).toEqual([]);
    },
  );

  afterAll(() => {
    const rows = FIELDS.map((field) => {
      const checked = [...outcomes.values()].filter((result) => result[field] !== undefined);
      const passed = checked.filter((result) => result[field]).length;
      return { field, passed, checked: checked.length };
    });
    const passed = rows.reduce((sum, row) => sum + row.passed, 0);
    const checked = rows.reduce((sum, row) => sum + row.checked, 0);
    const percent = (part: number, whole: number) => `${((100 * part) / Math.max(whole, 1)).toFixed(1)}%`;
    const deviations = Object.values(ACCEPTED).reduce((sum, fields) => sum + Object.keys(fields).length, 0);
    console.log(
      [
        `Zammad corpus, ${outcomes.size} mails:`,
        ...rows.map(
          (row) =>
            `  ${row.field.padEnd(18)} ${row.passed}/${row.checked} (${percent(row.passed, row.checked)})`,
        ),
        `  ${'overall'.padEnd(18)} ${passed}/${checked} (${percent(passed, checked)}), ${deviations} accepted deviations`,
      ].join('\n'),
    );
  });
});
