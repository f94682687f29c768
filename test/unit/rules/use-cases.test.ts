import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import type { RuleInput } from '../../../functions/core/rules/rule.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const admin: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_a',
  actor: { type: 'agent', id: 'key_a' },
};
const otherTenant: Caller = { ...admin, tenantId: 'globex' };

let ports: ReturnType<typeof memoryPorts>;
let uc: ReturnType<typeof makeUseCases>;

beforeEach(() => {
  ports = memoryPorts();
  uc = makeUseCases(ports);
});

const input = (name: string, extra: Partial<RuleInput> = {}): RuleInput => ({
  name,
  conditions: { all: [{ field: 'subject', operator: 'contains', value: 'refund' }] },
  actions: [{ field: 'priority', value: 'high' }],
  ...extra,
});

async function domainError(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('rule use cases', () => {
  it('creates rules after the last one unless a position is given, and lists them in run order', async () => {
    const first = await uc.createRule(admin, input('First'));
    const placed = await uc.createRule(admin, input('Placed', { position: 10 }));
    const next = await uc.createRule(admin, input('Next'));
    const early = await uc.createRule(admin, input('Early', { position: 0, active: false }));
    expect(first).toMatchObject({
      id: expect.stringMatching(/^rul_/),
      position: 1,
      active: true,
      version: 1,
    });
    expect(next.position).toBe(11);
    expect(early.active).toBe(false);
    expect((await uc.listRules(admin)).map((r) => r.name)).toEqual(['Early', 'First', 'Placed', 'Next']);
    expect(await uc.listRules(otherTenant)).toEqual([]);
    await domainError(uc.getRule(otherTenant, placed.id));
  });

  it('refuses undeclared custom fields and unknown groups, agents and macros, naming each action', async () => {
    const error = await domainError(
      uc.createRule(
        admin,
        input('Bad refs', {
          actions: [
            { field: 'group', value: 'grp_none' },
            { field: 'assignee', value: 'agt_none' },
            { field: 'macro', value: 'mac_none' },
          ],
        }),
      ),
    );
    expect(error.code).toBe('validation');
    expect(error.fieldErrors).toEqual([
      { path: 'actions[0].value', message: 'group grp_none does not exist' },
      { path: 'actions[1].value', message: 'agent agt_none does not exist' },
      { path: 'actions[2].value', message: 'macro mac_none does not exist' },
    ]);
    const undeclared = await domainError(
      uc.createRule(admin, input('Custom', { actions: [{ field: 'customFields.plan', value: 'gold' }] })),
    );
    expect(undeclared.fieldErrors[0]).toMatchObject({ path: 'actions[0].value' });
    const macro = await uc.createMacro(admin, { name: 'Sorry', reply: { body: 'Sorry!' } });
    await uc.createCustomField(admin, { key: 'plan', type: 'string' });
    const ok = await uc.createRule(
      admin,
      input('Good refs', {
        actions: [
          { field: 'macro', value: macro.id },
          { field: 'customFields.plan', value: 'gold' },
        ],
      }),
    );
    expect(ok.actions).toHaveLength(2);
  });

  it('replaces a rule whole, keeping its place unless told, guarded by If-Match', async () => {
    const rule = await uc.createRule(admin, input('Before', { position: 4 }));
    ports.clock.advance(1000);
    const replaced = await uc.updateRule(
      admin,
      rule.id,
      input('After', { actions: [{ field: 'type', value: 'task' }] }),
      1,
    );
    expect(replaced).toMatchObject({
      id: rule.id,
      name: 'After',
      position: 4,
      version: 2,
      createdAt: rule.createdAt,
      actions: [{ field: 'type', value: 'task' }],
    });
    expect(replaced.updatedAt).not.toBe(rule.updatedAt);
    expect((await domainError(uc.updateRule(admin, rule.id, input('Stale'), 1))).code).toBe(
      'version_mismatch',
    );
    expect(await uc.getRule(admin, rule.id)).toEqual(replaced);
    expect((await domainError(uc.updateRule(admin, 'rul_none', input('x')))).code).toBe('not_found');
  });

  it('deletes a rule once', async () => {
    const rule = await uc.createRule(admin, input('Doomed'));
    await uc.deleteRule(admin, rule.id);
    expect((await domainError(uc.deleteRule(admin, rule.id))).code).toBe('not_found');
    expect(await uc.listRules(admin)).toEqual([]);
  });

  it('dry-runs a rule on a ticket without changing it', async () => {
    const { ticket } = await uc.createTicket(admin, {
      subject: 'Refund for order 7',
      comment: { body: 'Please' },
      requester: { email: 'ann@example.com' },
    });
    const rule = await uc.createRule(admin, input('Refunds', { active: false }));
    const result = await uc.testRule(admin, rule.id, { ticket: ticket.number, comment: 'asap' });
    expect(result).toMatchObject({
      matched: true,
      changes: [{ field: 'priority', from: 'normal', to: 'high' }],
      skipped: [],
    });
    expect(await ports.tickets.get('acme', ticket.number)).toEqual(ticket);
    expect((await domainError(uc.testRule(admin, rule.id, { ticket: 999 }))).code).toBe('not_found');
    expect((await domainError(uc.testRule(admin, 'rul_none', { ticket: ticket.number }))).code).toBe(
      'not_found',
    );
  });
});
