import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventJsonSchemas } from '../../../functions/contracts/events.ts';

/** docs/events.md is where consumers of the bus look up a detail-type: it must name every one published. */
describe('docs/events.md', () => {
  const doc = readFileSync('docs/events.md', 'utf8');

  it('lists every detail-type with a link to its JSON Schema', () => {
    const missing = Object.keys(eventJsonSchemas())
      .map((file) => file.replace(/^v\d+\//, '').replace(/\.json$/, ''))
      .filter((type) => !doc.includes(`| \`${type}\` | [${type}.json](../schemas/events/v1/${type}.json) |`));
    expect(missing, 'add a row for each of these to the table "Event types" in docs/events.md').toEqual([]);
  });
});
