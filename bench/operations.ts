/**
 * DynamoDB round trips and capacity units per API operation, measured through the real use cases and
 * adapters against DynamoDB Local (which reports consumed capacity as DynamoDB does).
 */
import { makeDynamoDbPorts } from '../functions/adapters/dynamodb/ports.ts';
import type { Caller } from '../functions/core/caller.ts';
import { makeUseCases } from '../functions/core/use-cases/index.ts';
import { meter, type Reading } from './dynamodb-meter.ts';
import { benchDynamoDb } from './local-dynamodb.ts';

export interface OperationFigures extends Reading {
  readonly operation: string;
}

export async function measureOperations(): Promise<OperationFigures[]> {
  const db = await benchDynamoDb();
  try {
    const uc = makeUseCases(makeDynamoDbPorts(db.client, db.tables));
    const caller: Caller = {
      tenantId: 'bench',
      role: 'admin',
      keyId: 'key_bench',
      actor: { type: 'agent', id: 'agt_bench' },
    };
    const group = await uc.createGroup(caller, { name: 'Support' });
    const input = (i: number) => ({
      subject: `Order ${i} arrived damaged`,
      comment: { body: 'The box was crushed and the screen is cracked. Please send a replacement.' },
      requester: { email: `customer${i % 5}@example.com`, name: 'Casey' },
      group: group.id,
    });
    // Warm-up: the requester already exists, as for most tickets in a live help desk.
    for (let i = 0; i < 10; i++) await uc.createTicket(caller, input(i));

    const m = meter(db.client);
    const figures: OperationFigures[] = [];
    const measure = async (operation: string, run: () => Promise<unknown>) => {
      m.reset();
      await run();
      figures.push({ operation, ...m.read() });
    };
    // Group check and the create itself are measured together: what one POST /v1/tickets costs.
    await measure('create ticket (known requester, with group)', () => uc.createTicket(caller, input(1)));
    await measure('create ticket (new requester, no group)', () =>
      uc.createTicket(caller, {
        ...input(1),
        group: undefined,
        requester: { email: 'first-timer@example.com' },
      }),
    );
    await measure('get ticket with timeline', () =>
      Promise.all([uc.getTicket(caller, 3), uc.getTimeline(caller, 3, { limit: 50 })]),
    );
    await measure('update ticket (priority + status)', () =>
      uc.updateTicket(caller, 3, { priority: 'high', status: 'pending' }),
    );
    await measure('comment (agent, internal)', () =>
      uc.addComment(caller, 4, { body: 'Checked the courier record.', public: false }),
    );
    await measure('comment (customer reply, reopens)', () =>
      uc.addComment(caller, 3, { body: 'Any update?', author: { email: 'customer3@example.com' } }),
    );
    await measure('list queue (group + status, 25)', () =>
      uc.listTickets(caller, { group: group.id, status: 'new' }, { limit: 25 }),
    );
    await measure('list all tickets (25)', () => uc.listTickets(caller, {}, { limit: 25 }));
    return figures;
  } finally {
    await db.stop();
  }
}
