import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const admin: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_admin',
  actor: { type: 'agent', id: 'key_admin' },
};

let ports: ReturnType<typeof memoryPorts>;
let uc: ReturnType<typeof makeUseCases>;

beforeEach(() => {
  ports = memoryPorts();
  uc = makeUseCases(ports);
});

async function domainError(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

const openTicket = () =>
  uc.createTicket(admin, {
    subject: 'Refund please',
    comment: { body: 'Charged twice' },
    requester: { email: 'ann@example.com', name: 'Ann Smith' },
  });

describe('macro use cases', () => {
  it('creates, lists by name, replaces and deletes macros', async () => {
    const b = await uc.createMacro(admin, { name: 'b second', reply: { body: 'Hello' } });
    const a = await uc.createMacro(admin, {
      name: 'A first',
      actions: [{ field: 'priority', value: 'low' }],
    });
    expect(b.id).toMatch(/^mac_/);
    expect((await uc.listMacros(admin)).map((m) => m.name)).toEqual(['A first', 'b second']);
    const replaced = await uc.updateMacro(
      admin,
      b.id,
      { name: 'b second', reply: { body: 'Bye' }, active: false },
      1,
    );
    expect(replaced).toMatchObject({ version: 2, active: false, reply: { body: 'Bye', public: true } });
    expect((await uc.listMacros(admin, { active: true })).map((m) => m.id)).toEqual([a.id]);
    expect(
      (await domainError(uc.updateMacro(admin, b.id, { name: 'x', reply: { body: 'y' } }, 1))).code,
    ).toBe('version_mismatch');
    await uc.deleteMacro(admin, a.id);
    expect((await domainError(uc.getMacro(admin, a.id))).code).toBe('not_found');
    expect((await domainError(uc.deleteMacro(admin, a.id))).code).toBe('not_found');
    expect((await domainError(uc.getMacro({ ...admin, tenantId: 'globex' }, b.id))).code).toBe('not_found');
  });

  it('refuses undeclared custom fields and unknown groups or agents as validation errors', async () => {
    const error = await domainError(
      uc.createMacro(admin, {
        name: 'Bad',
        reply: { body: '{{ticket.customFields.plan}}' },
        actions: [{ field: 'customFields.plan', value: 'pro' }],
      }),
    );
    expect(error.code).toBe('validation');
    expect(error.fieldErrors.map((e) => e.path)).toEqual(['reply.body', 'actions[0].value']);
    const refs = await domainError(
      uc.createMacro(admin, {
        name: 'Route',
        actions: [
          { field: 'group', value: 'grp_nope' },
          { field: 'assignee', value: 'agt_nope' },
        ],
      }),
    );
    expect(refs.fieldErrors).toEqual([
      { path: 'actions[0].value', message: 'group grp_nope does not exist' },
      { path: 'actions[1].value', message: 'agent agt_nope does not exist' },
    ]);
    await uc.createCustomField(admin, { key: 'plan', type: 'string' });
    const ok = await uc.createMacro(admin, {
      name: 'Pro',
      reply: { body: '{{ticket.customFields.plan}}' },
      actions: [{ field: 'customFields.plan', value: 'pro' }],
    });
    expect(ok.actions).toEqual([{ field: 'customFields.plan', value: 'pro' }]);
  });

  it('applies a macro as the calling agent: one save, the agent in the reply, fields pinned', async () => {
    const group = await uc.createGroup(admin, { name: 'Billing' });
    const agent = await uc.createAgent(admin, { name: 'Bo Berg', email: 'bo@acme.test', groups: [group.id] });
    const caller: Caller = {
      tenantId: 'acme',
      role: 'agent',
      keyId: 'key_bo',
      actor: { type: 'agent', id: agent.id },
    };
    const macro = await uc.createMacro(admin, {
      name: 'Take it',
      reply: { body: 'Hi {{requester.firstName}}, {{agent.firstName}} here ({{ticket.status}}).' },
      actions: [
        { field: 'group', value: group.id },
        { field: 'assignee', value: agent.id },
        { field: 'status', value: 'pending' },
      ],
    });
    const { ticket } = await openTicket();
    const result = await uc.applyMacro(caller, ticket.number, macro.id);
    expect(result.ticket).toMatchObject({
      group: group.id,
      assignee: agent.id,
      status: 'pending',
      version: ticket.version + 1,
      pinnedFields: ['group', 'assignee', 'status'],
    });
    expect(result.comment?.data).toEqual({
      type: 'comment',
      body: 'Hi Ann, Bo here (pending).',
      public: true,
    });
    expect(await ports.tickets.get('acme', ticket.number)).toEqual(result.ticket);
    const types = ports.tickets.events
      .filter((e) => e.ticketNumber === ticket.number)
      .map((e) => e.data.type);
    expect(types.slice(-2)).toEqual(['comment', 'macro_applied']);
  });

  it('retries on a concurrent write, and honours If-Match', async () => {
    const macro = await uc.createMacro(admin, { name: 'Note', reply: { body: 'seen', public: false } });
    const { ticket } = await openTicket();
    ports.tickets.failNextWrite = 1;
    const applied = await uc.applyMacro(admin, ticket.number, macro.id);
    expect(applied.ticket.version).toBe(ticket.version + 1);
    expect(applied.comment?.data).toMatchObject({ public: false });
    expect((await domainError(uc.applyMacro(admin, ticket.number, macro.id, ticket.version))).code).toBe(
      'version_mismatch',
    );
  });

  it('refuses an inactive macro (409), a closed ticket, and unknown macros or tickets', async () => {
    const inactive = await uc.createMacro(admin, { name: 'Off', reply: { body: 'x' }, active: false });
    const note = await uc.createMacro(admin, { name: 'Note', reply: { body: 'x', public: false } });
    const { ticket } = await openTicket();
    expect((await domainError(uc.applyMacro(admin, ticket.number, inactive.id))).code).toBe('conflict');
    expect((await domainError(uc.applyMacro(admin, ticket.number, 'mac_nope'))).code).toBe('not_found');
    expect((await domainError(uc.applyMacro(admin, 999, note.id))).code).toBe('not_found');
    await uc.updateTicket(admin, ticket.number, { status: 'solved' });
    await uc.updateTicket(admin, ticket.number, { status: 'closed' });
    expect((await domainError(uc.applyMacro(admin, ticket.number, note.id))).code).toBe('ticket_closed');
  });
});
