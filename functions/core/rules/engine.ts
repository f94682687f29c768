import { actionsToPatch, type FieldAction, pinnableFieldOf } from '../actions.ts';
import { type ConditionResult, type ConditionTarget, evaluate, explainConditions } from '../conditions.ts';
import { DomainError } from '../errors.ts';
import type { Actor, RuleBudget, Ticket, TimelineEventData } from '../model.ts';
import type { TicketReferences } from '../ports.ts';
import {
  addComment,
  applyPatch,
  type Change,
  combineChanges,
  type IdSource,
  noteEvent,
  withReason,
} from '../tickets.ts';
import { byPosition, RULE_BUDGET_WINDOW_MS, RULE_FIRE_BUDGET, type Rule, ruleReason } from './rule.ts';

/**
 * The rules engine (Zendesk triggers): one top-down pass over a tenant's active rules after a ticket changed.
 * Pure: the caller loads the rules and the ticket, and saves the one change this returns.
 */

/**
 * Applies a macro for a rule's `macro` action, as the system: the macros module's own function, injected. Null
 * when the macro does not exist or is inactive (the action is then skipped, with why).
 */
export type MacroApplier = (ticket: Ticket, macroId: string, actor: Actor) => Change | null;

export interface RunRulesInput {
  readonly ticket: Ticket;
  /** The tenant's rules, any order; inactive ones are left out. */
  readonly rules: readonly Rule[];
  /** Text of the comment the run is about (the update that triggered it added it); null when none. */
  readonly comment: string | null | undefined;
  readonly now: string;
  readonly ids: IdSource;
  readonly applyMacro: MacroApplier;
  /**
   * False when the update the run is about was made by the rules themselves: field actions still apply (so
   * rules that undo each other loop, and the budget stops them), but notes and macro replies are not written
   * again — they were written for the update that started the chain. Default true.
   */
  readonly messages?: boolean | undefined;
}

export interface SkippedAction {
  readonly field: string;
  readonly reason: string;
}

export interface RunRulesResult {
  /** Every firing as one change (one version step); no events when nothing fired. */
  readonly change: Change;
  /** Ids of the rules that fired, in order. */
  readonly fired: readonly string[];
  /** True when the ticket's fire budget is spent: rules stay off it until the window ends. */
  readonly halted: boolean;
  /** Groups and agents the rules set, for the store to check they exist in the same transaction. */
  readonly references: TicketReferences;
}

/** Skip reasons, shown on the timeline (`rule_fired.skipped`) and in dry runs. */
export const SKIP_PINNED = 'set by an agent';
export const SKIP_SPAM = 'the ticket is held as spam: it is never answered automatically';
export const SKIP_CLOSED = 'the ticket is closed: rules do not change closed tickets';

const ENGINE_ACTOR: Actor = { type: 'system', id: 'rules', name: 'rules' };

const ruleActor = (rule: Rule): Actor => ({ type: 'system', id: 'rules', name: rule.name });

/** Active rules in the order they run. */
export function orderRules(rules: readonly Rule[]): Rule[] {
  return rules.filter((rule) => rule.active).sort(byPosition);
}

/** What conditions see: the ticket as it stands now, plus the comment the run is about. */
const targetOf = (ticket: Ticket, comment: string | null | undefined): ConditionTarget => ({
  ...ticket,
  comment: comment ?? null,
});

/** The budget in force at `now`: the stored one, or a fresh window when none is stored or it has ended. */
export function currentBudget(stored: RuleBudget | null, now: string): RuleBudget {
  if (stored && Date.parse(now) - Date.parse(stored.windowStart) < RULE_BUDGET_WINDOW_MS) return stored;
  return { firings: 0, windowStart: now };
}

/** Firings past the budget mark a window whose halt is recorded already (one `rules_halted` per window). */
const isHaltRecorded = (budget: RuleBudget) => budget.firings > RULE_FIRE_BUDGET;

interface Firing {
  /** Steps of the actions that changed something, each with the rule's reason on its events. */
  readonly steps: Change[];
  readonly applied: FieldAction[];
  readonly skipped: SkippedAction[];
  /** The ticket after the rule's actions. */
  readonly ticket: Ticket;
  /** A `notify_webhook` action went: the rule fired even when it changed nothing on the ticket. */
  readonly notified: boolean;
}

const errorReason = (error: unknown): string => {
  if (error instanceof DomainError) return error.message;
  throw error;
};

/**
 * A rule's actions, in order, against the ticket as each earlier action left it. Actions that change nothing
 * are neither applied nor skipped; a field an agent set by hand is skipped, not changed.
 */
function applyActions(
  ticket: Ticket,
  rule: Rule,
  options: { now: string; ids: IdSource; applyMacro: MacroApplier | null; messages?: boolean | undefined },
): Firing {
  const actor = ruleActor(rule);
  const reason = ruleReason(rule);
  const steps: Change[] = [];
  const applied: FieldAction[] = [];
  const skipped: SkippedAction[] = [];
  let current = ticket;
  let notified = false;
  const take = (action: FieldAction, change: Change) => {
    if (change.events.length === 0) return;
    steps.push(withReason(change, reason));
    applied.push({ field: action.field, value: action.value });
    current = change.ticket;
  };
  for (const action of rule.actions) {
    if (current.status === 'closed') {
      skipped.push({ field: action.field, reason: SKIP_CLOSED });
      continue;
    }
    // Messages belong to the update that started a chain of rule updates, not to each link of it.
    if (
      (action.field === 'internal_note' || action.field === 'macro' || action.field === 'notify_webhook') &&
      options.messages === false
    )
      continue;
    try {
      switch (action.field) {
        case 'internal_note':
          take(
            action,
            addComment(
              current,
              { body: String(action.value), public: false },
              actor,
              options.now,
              options.ids,
            ),
          );
          break;
        case 'macro': {
          if (current.spam) {
            skipped.push({ field: action.field, reason: SKIP_SPAM });
            break;
          }
          if (!options.applyMacro) {
            // A dry run without the macros module: say what would be sent, change nothing.
            applied.push({ field: action.field, value: action.value });
            break;
          }
          const change = options.applyMacro(current, String(action.value), actor);
          if (!change) {
            skipped.push({
              field: action.field,
              reason: `macro ${String(action.value)} does not exist or is inactive`,
            });
          } else take(action, change);
          break;
        }
        case 'notify_webhook':
          // Nothing changes on the ticket: the rule_fired event names the subscription, and the webhook
          // fan-out sends it a rule.notification from that event (once, however often it is redelivered).
          applied.push({ field: action.field, value: action.value });
          notified = true;
          break;
        default: {
          const change = applyPatch(
            current,
            actionsToPatch(current, [action]),
            actor,
            options.now,
            options.ids,
          );
          if (change.events.length === 0) break;
          const pinnable = pinnableFieldOf(action.field);
          if (pinnable && current.pinnedFields.includes(pinnable)) {
            skipped.push({ field: action.field, reason: SKIP_PINNED });
            break;
          }
          take(action, change);
        }
      }
    } catch (error) {
      skipped.push({ field: action.field, reason: errorReason(error) });
    }
  }
  return { steps, applied, skipped, ticket: current, notified };
}

/** An id source that hands out one id reserved earlier, so an event can sort before the ones made after it. */
const reserved = (id: string): IdSource => ({ next: () => id });

/** Ids for work that is thrown away (a simulated pass): they never reach a timeline. */
function scratchIds(): IdSource {
  let n = 0;
  return { next: () => `scratch-${++n}` };
}

/**
 * Runs the tenant's rules on a ticket: ONE pass, top to bottom; each active rule whose conditions hold on the
 * ticket as the rules before it left it applies its actions (so later rules see them). A rule whose actions
 * change nothing (and notify no webhook) has not fired and leaves no trace. Each firing is recorded as
 * `rule_fired` (what it changed, the webhook subscriptions it notifies, and what it skipped, with why) before the
 * changes it made; every field change carries the rule as reason.
 *
 * Rules run again on the updates they cause, so two rules that undo each other would loop: the ticket's fire
 * budget (RULE_FIRE_BUDGET firings per RULE_BUDGET_WINDOW_MS) stops them, recording one `rules_halted` per
 * window; until the window ends the ticket's rules do not run at all.
 */
export function runRules(input: RunRulesInput): RunRulesResult {
  const { ticket, comment, now, ids, applyMacro, messages } = input;
  const none = (halted: boolean): RunRulesResult => ({
    change: { ticket, events: [] },
    fired: [],
    halted,
    references: {},
  });
  if (ticket.status === 'closed') return none(false);
  let budget = currentBudget(ticket.ruleBudget, now);
  if (isHaltRecorded(budget)) return none(true);

  const rules = orderRules(input.rules);
  const steps: Change[] = [];
  const fired: string[] = [];
  let current = ticket;
  let halted = false;
  for (const [index, rule] of rules.entries()) {
    if (!evaluate(rule.conditions, targetOf(current, comment))) continue;
    const firedId = ids.next();
    const firing = applyActions(current, rule, { now, ids, applyMacro, messages });
    if (firing.steps.length === 0 && !firing.notified) continue;
    if (budget.firings >= RULE_FIRE_BUDGET) {
      // The loop: the rules that fired in this pass, and those that would fire from here on.
      const names = [
        ...new Set([
          ...rules.filter((r) => fired.includes(r.id)).map((r) => r.name),
          ...loopingRules(current, rules.slice(index), comment, now, applyMacro),
        ]),
      ];
      const halt = noteEvent(current, ENGINE_ACTOR, now, ids, {
        type: 'rules_halted',
        firings: budget.firings,
        reason: `fire budget of ${RULE_FIRE_BUDGET} firings per hour exhausted: rules ${names
          .map((name) => `“${name}”`)
          .join(', ')} keep changing this ticket — a loop?`,
      });
      steps.push({ ticket: { ...current, updatedAt: now }, events: [halt] });
      budget = { ...budget, firings: RULE_FIRE_BUDGET + 1 };
      halted = true;
      break;
    }
    const data: TimelineEventData = {
      type: 'rule_fired',
      ruleId: rule.id,
      ruleName: rule.name,
      actions: firing.applied,
      skipped: firing.skipped,
    };
    steps.push({
      ticket: current,
      events: [noteEvent(current, ruleActor(rule), now, reserved(firedId), data)],
    });
    steps.push(...firing.steps);
    current = firing.ticket;
    fired.push(rule.id);
    budget = { ...budget, firings: budget.firings + 1 };
  }
  const combined = combineChanges(ticket, steps);
  if (combined.events.length === 0) return none(false);
  return {
    change: { ticket: { ...combined.ticket, ruleBudget: budget }, events: combined.events },
    fired,
    halted,
    references: referencesOf(ticket, combined.ticket),
  };
}

/**
 * The names of the rules that would fire from here on in this pass (simulated, nothing kept): the ones the
 * halt names as the loop.
 */
function loopingRules(
  ticket: Ticket,
  rules: readonly Rule[],
  comment: string | null | undefined,
  now: string,
  applyMacro: MacroApplier,
): string[] {
  const ids = scratchIds();
  const names: string[] = [];
  let current = ticket;
  for (const rule of rules) {
    if (!evaluate(rule.conditions, targetOf(current, comment))) continue;
    const firing = applyActions(current, rule, { now, ids, applyMacro });
    if (firing.steps.length === 0) continue;
    names.push(rule.name);
    current = firing.ticket;
  }
  return names;
}

/** The group and assignee the rules set (not cleared), which must exist. */
function referencesOf(before: Ticket, after: Ticket): TicketReferences {
  return {
    ...(after.group !== null && after.group !== before.group && { group: after.group }),
    ...(after.assignee !== null && after.assignee !== before.assignee && { assignee: after.assignee }),
  };
}

/** One change a dry run shows: the field and its value before and after (notes and macros from null). */
export interface DryRunChange {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
}

export interface DryRunResult {
  readonly matched: boolean;
  readonly conditions: ConditionResult[];
  /** What the rule would change now; empty when it does not match. */
  readonly changes: DryRunChange[];
  readonly skipped: SkippedAction[];
}

/**
 * What one rule would do to a ticket now, without doing it: whether its conditions hold (each explained), and
 * the changes its actions would make. Ignores `active` and the fire budget (it is a test of the rule itself).
 * Makes no ids and reads no clock. Without `applyMacro`, a macro action shows as the macro it would apply.
 */
export function dryRun(
  rule: Rule,
  ticket: Ticket,
  comment: string | null | undefined,
  applyMacro?: MacroApplier,
): DryRunResult {
  const target = targetOf(ticket, comment);
  const matched = evaluate(rule.conditions, target);
  const conditions = explainConditions(rule.conditions, target);
  if (!matched) return { matched, conditions, changes: [], skipped: [] };
  const firing = applyActions(ticket, rule, {
    now: ticket.updatedAt,
    ids: scratchIds(),
    applyMacro: applyMacro ?? null,
  });
  const changes = firing.steps.flatMap((step) => step.events.flatMap((event) => changeOf(event.data)));
  if (!applyMacro) {
    for (const action of firing.applied) {
      if (action.field === 'macro') changes.push({ field: 'macro', from: null, to: action.value });
    }
  }
  for (const action of firing.applied) {
    if (action.field === 'notify_webhook')
      changes.push({ field: 'notify_webhook', from: null, to: action.value });
  }
  return { matched, conditions, changes, skipped: firing.skipped };
}

function changeOf(data: TimelineEventData): DryRunChange[] {
  switch (data.type) {
    case 'field_changed':
      return [{ field: data.field, from: data.from, to: data.to }];
    case 'status_changed':
      return [{ field: 'status', from: data.from, to: data.to }];
    case 'assigned':
      return [{ field: 'assignee', from: data.from, to: data.to }];
    case 'comment':
      return [{ field: data.public ? 'public_reply' : 'internal_note', from: null, to: data.body }];
    default:
      return [];
  }
}
