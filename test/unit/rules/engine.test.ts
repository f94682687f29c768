import { describe, expect, it } from 'vitest';
import type { FieldAction } from '../../../functions/core/actions.ts';
import type { Conditions } from '../../../functions/core/conditions.ts';
import { applyMacro } from '../../../functions/core/macros/apply.ts';
import type { Macro } from '../../../functions/core/macros/macro.ts';
import type { Actor, Ticket, TimelineEvent } from '../../../functions/core/model.ts';
import {
  dryRun,
  type MacroApplier,
  type RunRulesResult,
  runRules,
  SKIP_PINNED,
} from '../../../functions/core/rules/engine.ts';
import { RULE_FIRE_BUDGET, type Rule } from '../../../functions/core/rules/rule.ts';
import { applyPatch, type IdSource, openTicket } from '../../../functions/core/tickets.ts';
import { sequentialIds } from '../../support/in-memory-ports.ts';

const T0 = '2026-03-02T09:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

function newTicket(ids: IdSource): Ticket {
  return openTicket(
    {
      tenantId: 'acme',
      number: 42,
      subject: 'Refund please',
      comment: { body: 'I want my money back', public: true },
      requester: { id: 'cus_1', email: 'ann@example.com', phone: null, name: 'Ann' },
      channel: 'email',
    },
    { type: 'customer', id: 'cus_1' },
    T0,
    ids,
  ).ticket;
}

let ruleCounter = 0;
function rule(name: string, conditions: Conditions, actions: FieldAction[], extra: Partial<Rule> = {}): Rule {
  ruleCounter++;
  return {
    tenantId: 'acme',
    id: `rul_${String(ruleCounter).padStart(3, '0')}`,
    name,
    position: ruleCounter,
    active: true,
    conditions,
    actions,
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...extra,
  };
}

const noMacros: MacroApplier = () => null;

function run(
  ticket: Ticket,
  rules: Rule[],
  options: { comment?: string; now?: string; ids?: IdSource } = {},
) {
  return runRules({
    ticket,
    rules,
    comment: options.comment ?? null,
    now: options.now ?? at(1),
    ids: options.ids ?? sequentialIds(),
    applyMacro: noMacros,
  });
}

const types = (result: RunRulesResult) => result.change.events.map((e) => e.data.type);
const dataOf = <T extends TimelineEvent['data']['type']>(events: readonly TimelineEvent[], type: T) =>
  events
    .filter((e) => e.data.type === type)
    .map((e) => e.data as Extract<TimelineEvent['data'], { type: T }>);

describe('runRules: one top-down pass', () => {
  it('runs active rules by position (ties by id), each seeing what the rules before it changed', () => {
    const ids = sequentialIds();
    const ticket = newTicket(ids);
    // Given out of order: the engine sorts. "tag-urgent" only matches once "escalate" has raised the priority.
    const escalate = rule(
      'Escalate refunds',
      { all: [{ field: 'subject', operator: 'contains', value: 'refund' }] },
      [{ field: 'priority', value: 'high' }],
    );
    const tagUrgent = rule('Tag high', { all: [{ field: 'priority', operator: 'is', value: 'high' }] }, [
      { field: 'add_tags', value: ['hot'] },
    ]);
    const route = rule('Route hot', { all: [{ field: 'tags', operator: 'contains', value: 'hot' }] }, [
      { field: 'group', value: 'grp_refunds' },
    ]);
    const inactive = rule('Off', {}, [{ field: 'priority', value: 'low' }], { active: false });
    const sameSpot = {
      ...rule('Same spot, later id', {}, [{ field: 'type', value: 'task' }]),
      position: route.position,
    };

    const result = run(ticket, [sameSpot, route, inactive, tagUrgent, escalate], { ids });

    expect(result.fired).toEqual([escalate.id, tagUrgent.id, route.id, sameSpot.id]);
    expect(result.halted).toBe(false);
    expect(result.change.ticket).toMatchObject({
      priority: 'high',
      tags: ['hot'],
      group: 'grp_refunds',
      type: 'task',
      version: ticket.version + 1,
      ruleBudget: { firings: 4, windowStart: at(1) },
    });
    expect(result.references).toEqual({ group: 'grp_refunds' });
    expect(types(result)).toEqual([
      'rule_fired',
      'field_changed',
      'rule_fired',
      'field_changed',
      'rule_fired',
      'field_changed',
      'rule_fired',
      'field_changed',
    ]);
    // The timeline sorts by event id: each rule_fired comes right before the changes of its rule.
    const sorted = [...result.change.events].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(sorted.map((e) => e.id)).toEqual(result.change.events.map((e) => e.id));
    // One change, one version step: every event carries the version the change writes.
    expect(new Set(result.change.events.map((e) => e.ticket.version))).toEqual(new Set([ticket.version + 1]));
  });

  it('records who and why: the rule as system actor, its reason on every change, what it changed', () => {
    const ticket = newTicket(sequentialIds());
    const r = rule('Triage refunds', {}, [
      { field: 'priority', value: 'urgent' },
      { field: 'assignee', value: 'agt_7' },
      { field: 'status', value: 'pending' },
      { field: 'tags', value: [] }, // already no tags: changes nothing, so neither applied nor skipped
    ]);
    const { change } = run(ticket, [r]);
    const reason = `rule “Triage refunds” (${r.id})`;
    expect(change.events.every((e) => e.actor.type === 'system' && e.actor.id === 'rules')).toBe(true);
    expect(change.events[0]!.actor.name).toBe('Triage refunds');
    expect(dataOf(change.events, 'rule_fired')).toEqual([
      {
        type: 'rule_fired',
        ruleId: r.id,
        ruleName: 'Triage refunds',
        actions: [
          { field: 'priority', value: 'urgent' },
          { field: 'assignee', value: 'agt_7' },
          { field: 'status', value: 'pending' },
        ],
        skipped: [],
      },
    ]);
    expect(dataOf(change.events, 'field_changed')[0]).toMatchObject({ field: 'priority', reason });
    expect(dataOf(change.events, 'assigned')[0]).toMatchObject({ from: null, to: 'agt_7', reason });
    expect(dataOf(change.events, 'status_changed')[0]).toMatchObject({ from: 'new', to: 'pending', reason });
    // System changes pin nothing.
    expect(change.ticket.pinnedFields).toEqual([]);
  });

  it('never changes a field an agent set by hand: the action is skipped with why', () => {
    const ids = sequentialIds();
    const byAgent = applyPatch(
      newTicket(ids),
      { priority: 'low' },
      { type: 'agent', id: 'agt_1' },
      at(0),
      ids,
    );
    expect(byAgent.ticket.pinnedFields).toContain('priority');
    const r = rule('Raise', {}, [
      { field: 'priority', value: 'urgent' },
      { field: 'add_tags', value: 'raised' },
    ]);
    const { change } = run(byAgent.ticket, [r], { ids });
    expect(change.ticket.priority).toBe('low');
    expect(change.ticket.tags).toEqual(['raised']);
    expect(dataOf(change.events, 'rule_fired')[0]).toMatchObject({
      actions: [{ field: 'add_tags', value: 'raised' }],
      skipped: [{ field: 'priority', reason: SKIP_PINNED }],
    });
    // A rule left with nothing but pinned fields has not fired at all.
    const onlyPinned = run(
      byAgent.ticket,
      [rule('Only priority', {}, [{ field: 'priority', value: 'high' }])],
      { ids },
    );
    expect(onlyPinned.fired).toEqual([]);
    expect(onlyPinned.change.events).toEqual([]);
    expect(onlyPinned.change.ticket).toBe(byAgent.ticket);
  });

  it('a matching rule whose actions change nothing did not fire: no events, no version step', () => {
    const ticket = newTicket(sequentialIds());
    const result = run(ticket, [rule('Already normal', {}, [{ field: 'priority', value: 'normal' }])]);
    expect(result).toEqual({ change: { ticket, events: [] }, fired: [], halted: false, references: {} });
  });

  it('matches comment and triage conditions', () => {
    const ticket: Ticket = {
      ...newTicket(sequentialIds()),
      triage: {
        language: 'en',
        sentiment: -0.8,
        intent: 'refund',
        urgency: 'high',
        confidence: { language: 1, sentiment: 1, intent: 1, urgency: 1 },
        classifier: 'builtin@1',
        basedOn: 'ev_1',
        at: T0,
      },
    };
    const angry = rule(
      'Angry refund',
      {
        all: [
          { field: 'triage.sentiment', operator: 'less_than', value: -0.5 },
          { field: 'triage.intent', operator: 'is', value: 'refund' },
          { field: 'comment', operator: 'contains', value: 'lawyer' },
        ],
      },
      [{ field: 'priority', value: 'urgent' }],
    );
    expect(run(ticket, [angry], { comment: 'I will call my LAWYER' }).fired).toEqual([angry.id]);
    expect(run(ticket, [angry], { comment: 'thanks' }).fired).toEqual([]);
    expect(run({ ...ticket, triage: null }, [angry], { comment: 'lawyer' }).fired).toEqual([]);
  });

  it('writes internal notes as the rule, without moving the status', () => {
    const ticket = newTicket(sequentialIds());
    const { change } = run(ticket, [
      rule('Note VIPs', {}, [{ field: 'internal_note', value: 'Check the contract first' }]),
    ]);
    const comment = change.events.find((e) => e.data.type === 'comment')!;
    expect(comment.data).toMatchObject({ type: 'comment', body: 'Check the contract first', public: false });
    expect(comment.actor).toEqual({ type: 'system', id: 'rules', name: 'Note VIPs' });
    expect(change.ticket.status).toBe('new');
    expect(dataOf(change.events, 'rule_fired')[0]!.actions).toEqual([
      { field: 'internal_note', value: 'Check the contract first' },
    ]);
  });

  it('sends a macro through the injected applier, and skips unknown macros with why', () => {
    const ids = sequentialIds();
    const ticket = newTicket(ids);
    const macro: Macro = {
      tenantId: 'acme',
      id: 'mac_refund',
      name: 'Refund policy',
      description: null,
      reply: { body: 'Hi {{requester.firstName}}, refunds take 5 days.', public: true },
      actions: [{ field: 'status', value: 'pending' }],
      active: true,
      createdAt: T0,
      updatedAt: T0,
      version: 1,
    };
    const applied: { macroId: string; actor: Actor }[] = [];
    const applier: MacroApplier = (t, macroId, actor) => {
      applied.push({ macroId, actor });
      return macroId === macro.id ? applyMacro(t, macro, { actor, agent: null, now: at(1), ids }) : null;
    };
    const r = rule('Answer refunds', {}, [
      { field: 'macro', value: 'mac_gone' },
      { field: 'macro', value: 'mac_refund' },
    ]);
    const result = runRules({ ticket, rules: [r], comment: null, now: at(1), ids, applyMacro: applier });
    expect(applied.map((a) => a.macroId)).toEqual(['mac_gone', 'mac_refund']);
    expect(applied[1]!.actor).toEqual({ type: 'system', id: 'rules', name: 'Answer refunds' });
    expect(types(result)).toEqual(['rule_fired', 'status_changed', 'comment', 'macro_applied']);
    expect(dataOf(result.change.events, 'rule_fired')[0]).toMatchObject({
      actions: [{ field: 'macro', value: 'mac_refund' }],
      skipped: [{ field: 'macro', reason: 'macro mac_gone does not exist or is inactive' }],
    });
    expect(dataOf(result.change.events, 'comment')[0]).toMatchObject({
      body: 'Hi Ann, refunds take 5 days.',
      public: true,
    });
    expect(dataOf(result.change.events, 'status_changed')[0]!.reason).toBe(`rule “Answer refunds” (${r.id})`);
    expect(result.change.ticket).toMatchObject({ status: 'pending', version: ticket.version + 1 });
  });

  it('does not run on closed tickets', () => {
    const ticket: Ticket = { ...newTicket(sequentialIds()), status: 'closed' };
    const result = run(ticket, [rule('Any', {}, [{ field: 'priority', value: 'high' }])]);
    expect(result.change.events).toEqual([]);
    expect(result.fired).toEqual([]);
  });
});

describe('the fire budget', () => {
  /** The worker: rules run again on every update, including the ones rules made. */
  function feedBack(start: Ticket, rules: Rule[], passes: number, firstMinute = 1) {
    const ids = sequentialIds();
    let ticket = start;
    const results: RunRulesResult[] = [];
    for (let pass = 0; pass < passes; pass++) {
      const result = run(ticket, rules, { ids, now: at(firstMinute + pass) });
      results.push(result);
      ticket = result.change.ticket;
    }
    return { ticket, results, events: results.flatMap((r) => r.change.events) };
  }

  const loop = () => [
    rule('Raise low tickets', { all: [{ field: 'priority', operator: 'is', value: 'low' }] }, [
      { field: 'priority', value: 'high' },
    ]),
    rule('Lower high tickets', { all: [{ field: 'priority', operator: 'is', value: 'high' }] }, [
      { field: 'priority', value: 'low' },
    ]),
  ];

  it('stops two rules that undo each other, fed back over several passes, and records the halt once', () => {
    const start: Ticket = { ...newTicket(sequentialIds()), priority: 'low' };
    const { ticket, results, events } = feedBack(start, loop(), 25);

    // Both rules fire on every pass (raise, then lower) until 20 firings are spent: 10 passes.
    expect(results.slice(0, 10).every((r) => r.fired.length === 2 && !r.halted)).toBe(true);
    expect(dataOf(events, 'rule_fired')).toHaveLength(RULE_FIRE_BUDGET);
    // Pass 11 finds the budget spent: it halts without changing a field, recording why.
    expect(results[10]!.halted).toBe(true);
    expect(results[10]!.fired).toEqual([]);
    expect(types(results[10]!)).toEqual(['rules_halted']);
    const halts = dataOf(events, 'rules_halted');
    expect(halts).toEqual([
      {
        type: 'rules_halted',
        firings: 20,
        reason:
          'fire budget of 20 firings per hour exhausted: rules “Raise low tickets”, “Lower high tickets” keep changing this ticket — a loop?',
      },
    ]);
    // Every later pass in the window is halted and silent: no event, no version step.
    for (const later of results.slice(11)) {
      expect(later.halted).toBe(true);
      expect(later.change.events).toEqual([]);
    }
    expect(ticket.version).toBe(start.version + 11);
    expect(ticket.priority).toBe('low');
    expect(ticket.ruleBudget).toEqual({ firings: RULE_FIRE_BUDGET + 1, windowStart: at(1) });
  });

  it('halts within a pass when the budget runs out midway, keeping what fired before', () => {
    const start: Ticket = {
      ...newTicket(sequentialIds()),
      priority: 'low',
      ruleBudget: { firings: 19, windowStart: at(0) },
    };
    const result = run(start, loop(), { now: at(5) });
    expect(types(result)).toEqual(['rule_fired', 'field_changed', 'rules_halted']);
    expect(result.fired).toHaveLength(1);
    expect(result.halted).toBe(true);
    expect(result.change.ticket).toMatchObject({
      priority: 'high',
      ruleBudget: { firings: RULE_FIRE_BUDGET + 1, windowStart: at(0) },
      version: start.version + 1,
    });
    expect(dataOf(result.change.events, 'rules_halted')[0]!.reason).toContain(
      'rules “Raise low tickets”, “Lower high tickets” keep changing',
    );
  });

  it('opens a new window once the hour has passed: the rules run again, and can halt again once', () => {
    const start: Ticket = { ...newTicket(sequentialIds()), priority: 'low' };
    const first = feedBack(start, loop(), 12, 1);
    expect(first.ticket.ruleBudget?.firings).toBe(RULE_FIRE_BUDGET + 1);
    // 59 minutes after the window opened: still halted.
    expect(run(first.ticket, loop(), { now: at(60) }).halted).toBe(true);
    // An hour after: a fresh window, counted from now.
    const fresh = run(first.ticket, loop(), { now: at(61) });
    expect(fresh.halted).toBe(false);
    expect(fresh.fired).toHaveLength(2);
    expect(fresh.change.ticket.ruleBudget).toEqual({ firings: 2, windowStart: at(61) });
    const second = feedBack(first.ticket, loop(), 12, 61);
    expect(dataOf(second.events, 'rules_halted')).toHaveLength(1);
    expect(dataOf(second.events, 'rule_fired')).toHaveLength(RULE_FIRE_BUDGET);
  });

  it('counts only firings: matching rules that change nothing spend no budget', () => {
    const start: Ticket = { ...newTicket(sequentialIds()), ruleBudget: { firings: 20, windowStart: at(0) } };
    const result = run(start, [rule('Already normal', {}, [{ field: 'priority', value: 'normal' }])], {
      now: at(2),
    });
    expect(result.halted).toBe(false);
    expect(result.change.events).toEqual([]);
  });
});

describe('dryRun', () => {
  it('explains the conditions and lists what would change, without touching the ticket', () => {
    const ids = sequentialIds();
    const byAgent = applyPatch(
      newTicket(ids),
      { group: 'grp_1' },
      { type: 'agent', id: 'agt_1' },
      at(0),
      ids,
    ).ticket;
    const r = rule(
      'Escalate',
      {
        all: [{ field: 'subject', operator: 'contains', value: 'refund' }],
        any: [{ field: 'comment', operator: 'contains', value: 'now' }],
      },
      [
        { field: 'priority', value: 'urgent' },
        { field: 'group', value: 'grp_vip' },
        { field: 'internal_note', value: 'Escalated' },
        { field: 'macro', value: 'mac_sorry' },
      ],
      { active: false },
    );
    const frozen = JSON.stringify(byAgent);
    const result = dryRun(r, byAgent, 'I need it now');
    expect(JSON.stringify(byAgent)).toBe(frozen);
    expect(result.matched).toBe(true);
    expect(result.conditions.map((c) => [c.list, c.field, c.matched])).toEqual([
      ['all', 'subject', true],
      ['any', 'comment', true],
    ]);
    expect(result.changes).toEqual([
      { field: 'priority', from: 'normal', to: 'urgent' },
      { field: 'internal_note', from: null, to: 'Escalated' },
      { field: 'macro', from: null, to: 'mac_sorry' },
    ]);
    expect(result.skipped).toEqual([{ field: 'group', reason: SKIP_PINNED }]);
  });

  it('changes nothing when the conditions do not hold', () => {
    const ticket = newTicket(sequentialIds());
    const r = rule('Never', { all: [{ field: 'priority', operator: 'is', value: 'urgent' }] }, [
      { field: 'priority', value: 'low' },
    ]);
    expect(dryRun(r, ticket, null)).toEqual({
      matched: false,
      conditions: [
        {
          list: 'all',
          index: 0,
          field: 'priority',
          operator: 'is',
          value: 'urgent',
          actual: 'normal',
          matched: false,
        },
      ],
      changes: [],
      skipped: [],
    });
  });
});
