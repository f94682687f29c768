import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_MACROS, type Macro } from '../../core/macros/macro.ts';
import type { MacroStore } from '../../core/ports.ts';
import { CappedCollection } from './capped-collection.ts';
import type { TableNames } from './client.ts';
import { keys } from './keys.ts';

const byName = (a: Macro, b: Macro) =>
  a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id.localeCompare(b.id);

/** Macros are the items of one partition per tenant (`T#{tenant}#MACROS` / `MAC#{id}`), capped at MAX_MACROS. */
export class DynamoDbMacroStore extends CappedCollection<Macro> implements MacroStore {
  constructor(client: DynamoDBDocumentClient, tables: Pick<TableNames, 'main'>) {
    super(client, tables, {
      entity: 'macro',
      key: keys.macro,
      partition: keys.macrosPk,
      sortPrefix: 'MAC#',
      countKey: keys.macroCount,
      max: MAX_MACROS,
      order: byName,
    });
  }
}
