/**
 * Counts DynamoDB round trips and the capacity units DynamoDB reports for them (ReturnConsumedCapacity),
 * by adding a middleware to a document client: the adapters under test are unchanged.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const READS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
]);

export interface Reading {
  roundTrips: number;
  commands: string[];
  readUnits: number;
  writeUnits: number;
}

export function meter(client: DynamoDBDocumentClient) {
  let reading: Reading = { roundTrips: 0, commands: [], readUnits: 0, writeUnits: 0 };
  client.middlewareStack.remove('benchMeter');
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName)
        .replace(
          /^(Get|Put|Update|Delete|Query|Scan|BatchGet|BatchWrite|TransactWrite|TransactGet)Command$/,
          '$1ItemCommand',
        )
        .replace('QueryItemCommand', 'QueryCommand');
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: Capacity | Capacity[] };
      const capacities = ([] as Capacity[]).concat(output.ConsumedCapacity ?? []);
      const units = capacities.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      reading.roundTrips++;
      reading.commands.push(command.replace(/Command$/, ''));
      if (READS.has(command)) reading.readUnits += units;
      else reading.writeUnits += units;
      return result;
    },
    { step: 'initialize', name: 'benchMeter' },
  );
  return {
    reset() {
      reading = { roundTrips: 0, commands: [], readUnits: 0, writeUnits: 0 };
    },
    read(): Reading {
      return { ...reading, commands: [...reading.commands] };
    },
  };
}
