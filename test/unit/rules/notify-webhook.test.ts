import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../../functions/core/model.ts';
import { dryRun, type MacroApplier, runRules } from '../../../functions/core/rules/engine.ts';
import { type Rule, ruleActionError, validateRuleInput } from '../../../functions/core/rules/rule.ts';
import { openTicket } from '../../../functions/core/tickets.ts';
import { sequentialIds } from '../../support/in-memory-ports.ts';

/** The `notify_webhook` rule action: the rule's firing names a subscription, the webhook fan-out does the rest. */
const T0 = '2026-03-02T09:00:00.000Z';
const noMacros: MacroApplier = () => null;

function ticket(): Ticket {
  return openTicket(
    {
      tenantId: 'acme',
      number: 7,
      subject: 'Outage',
      comment: { body: 'Everything is down', public: true },
      requester: { id: 'cus_1', email: 'ann@example.com', phone: null, name: 'Ann' },
      channel: 'api',
    },
    { type: 'customer', id: 'cus_1' },
    T0,
    sequentialIds(),
  ).ticket;
}

const rule = (actions: Rule['actions']): Rule => ({
  tenantId: 'acme',
  id: 'rul_page',
  name: 'Page on-call',
  position: 1,
  active: true,
  conditions: { all: [{ field: 'subject', operator: 'contains', value: 'outage' }] },
  actions,
  createdAt: T0,
  updatedAt: T0,
  version: 1,
});

const run = (t: Ticket, r: Rule, messages?: boolean) =>
  runRules({
    ticket: t,
    rules: [r],
    comment: null,
    now: T0,
    ids: sequentialIds(),
    applyMacro: noMacros,
    messages,
  });

describe('notify_webhook', () => {
  it('is a subscription id', () => {
    expect(ruleActionError({ field: 'notify_webhook', value: 'sub_01ABC' })).toBeNull();
    expect(ruleActionError({ field: 'notify_webhook', value: 'https://example.com' })).toBe(
      'must be a webhook subscription id (POST /v1/subscriptions makes one)',
    );
    expect(ruleActionError({ field: 'notify_webhook', value: 42 })).toContain('subscription id');
    expect(
      validateRuleInput(
        { name: 'x', conditions: {}, actions: [{ field: 'notify_webhook', value: 'sub_1' }] },
        [],
      ),
    ).toEqual([]);
  });

  it('fires the rule even when nothing on the ticket changes: rule_fired names the subscription', () => {
    const t = ticket();
    const result = run(t, rule([{ field: 'notify_webhook', value: 'sub_crm' }]));
    expect(result.fired).toEqual(['rul_page']);
    expect(result.change.events.map((e) => e.data)).toEqual([
      {
        type: 'rule_fired',
        ruleId: 'rul_page',
        ruleName: 'Page on-call',
        actions: [{ field: 'notify_webhook', value: 'sub_crm' }],
        skipped: [],
      },
    ]);
    expect(result.change.ticket.ruleBudget).toEqual({ firings: 1, windowStart: T0 });
  });

  it('goes with the field changes of the same rule, in order', () => {
    const result = run(
      ticket(),
      rule([
        { field: 'priority', value: 'urgent' },
        { field: 'notify_webhook', value: 'sub_pager' },
      ]),
    );
    expect(result.change.events.map((e) => e.data.type)).toEqual(['rule_fired', 'field_changed']);
    expect((result.change.events[0]!.data as { actions: unknown }).actions).toEqual([
      { field: 'priority', value: 'urgent' },
      { field: 'notify_webhook', value: 'sub_pager' },
    ]);
  });

  it('notifies once per update: not again on the updates the rules cause themselves', () => {
    const onlyNotify = run(ticket(), rule([{ field: 'notify_webhook', value: 'sub_crm' }]), false);
    expect(onlyNotify.fired).toEqual([]);
    expect(onlyNotify.change.events).toEqual([]);
  });

  it('shows in a dry run', () => {
    expect(dryRun(rule([{ field: 'notify_webhook', value: 'sub_crm' }]), ticket(), null).changes).toEqual([
      { field: 'notify_webhook', from: null, to: 'sub_crm' },
    ]);
  });
});
