/** Writes the domain events' JSON Schemas (see functions/contracts/events.ts) under schemas/events/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { eventJsonSchemas } from '../functions/contracts/events.ts';

for (const [file, schema] of Object.entries(eventJsonSchemas())) {
  const path = join('schemas', 'events', file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${path}`);
}
