import { pinnableFieldOf } from '../actions.ts';
import type { DomainEvent } from '../domain-events.ts';
import { ConcurrentModificationError, DomainError } from '../errors.ts';
import { applyMacro } from '../macros/apply.ts';
import type { Macro } from '../macros/macro.ts';
import type { Actor, Ticket, TimelineEvent } from '../model.ts';
import {
  type Clock,
  DuplicateEventError,
  type Ids,
  type MacroStore,
  type RuleStore,
  type TicketStore,
} from '../ports.ts';
import { runRules } from '../rules/engine.ts';
import { type Change, combineChanges, noteEvent } from '../tickets.ts';
import type { Classifier, TenantTriageModel } from '../triage/classifier.ts';

export const TRIAGE_ACTOR: Actor = { type: 'system', id: 'triage', name: 'Triage' };

/** Domain events that are "an update" for the rules (Zendesk triggers run on create and on every update). */
const UPDATE_EVENTS = new Set([
  'ticket.updated',
  'ticket.status_changed',
  'ticket.assigned',
  'comment.added',
  // An SLA warning or breach is an update too: rules can act on it (`sla.at_risk`, `sla.breached`).
  'sla.warning',
  'sla.breached',
]);

export interface TriageDeps {
  readonly tickets: TicketStore;
  readonly rules: RuleStore;
  readonly macros: MacroStore;
  readonly classifier: Classifier;
  readonly loadTriageModel: (tenantId: string) => Promise<TenantTriageModel>;
  readonly clock: Clock;
  readonly ids: Ids;
}

export type TriageOutcome =
  | { readonly outcome: 'changed'; readonly classified: boolean; readonly fired: readonly string[] }
  | { readonly outcome: 'unchanged'; readonly reason: string };

/** What the event asks of triage: classify a message (and run the rules), or run the rules only. */
interface Work {
  /** The message to classify: its text and the timeline event it is. */
  readonly classify: { readonly eventId: string; readonly body: string } | null;
  /** The comment the rules' `comment` condition reads. */
  readonly comment: string | null;
  /** The update was the rules' own: they run again (loops meet the budget) but send no message twice. */
  readonly byRules: boolean;
}

async function firstComment(tickets: TicketStore, tenantId: string, number: number) {
  const page = await tickets.timeline(tenantId, number, { limit: 5 });
  return page.items.find(
    (e): e is TimelineEvent & { data: { type: 'comment' } } => e.data.type === 'comment',
  );
}

/**
 * Triage and automation rules, one worker per domain event:
 * - a new ticket, or a customer writing again: the classifier reads the message (language, sentiment, intent,
 *   urgency), the verdict goes on the ticket with a `triaged` event, then the tenant's rules run;
 * - any other update (fields, status, assignment, an agent's comment): the rules run.
 * Everything is one transaction guarded by the ticket's version, with the event marked handled in it: a
 * redelivered message changes nothing twice, a lost race re-reads and decides again, and an older message never
 * replaces the verdict on a newer one. Rules never touch fields an agent set by hand (core/rules).
 */
export function makeTriageTicket(deps: TriageDeps) {
  async function workFor(event: DomainEvent): Promise<Work | null> {
    const { type, actor, ticket } = event;
    // The rules engine's own actor id (core/rules/engine.ts).
    const byRules = actor.type === 'system' && actor.id === 'rules';
    if (type === 'ticket.created') {
      const comment = await firstComment(deps.tickets, event.tenantId, ticket.number);
      if (!comment) return { classify: null, comment: null, byRules: false };
      return {
        classify: comment.data.public ? { eventId: comment.id, body: comment.data.body } : null,
        comment: comment.data.body,
        byRules: false,
      };
    }
    if (type === 'comment.added') {
      // The ticket's first comment is handled with `ticket.created` (same transaction, same version).
      if (ticket.version <= 1) return null;
      const body = typeof event.data.body === 'string' ? event.data.body : '';
      const fromCustomer = actor.type === 'customer' && event.data.public === true;
      return { classify: fromCustomer ? { eventId: event.id, body } : null, comment: body, byRules };
    }
    return UPDATE_EVENTS.has(type) ? { classify: null, comment: null, byRules } : null;
  }

  async function macrosFor(tenantId: string, rules: Awaited<ReturnType<RuleStore['list']>>) {
    const ids = new Set(
      rules.flatMap((rule) =>
        rule.active ? rule.actions.filter((a) => a.field === 'macro').map((a) => String(a.value)) : [],
      ),
    );
    const found = await Promise.all([...ids].map((id) => deps.macros.get(tenantId, id)));
    return new Map(found.filter((m): m is Macro => m?.active === true).map((m) => [m.id, m]));
  }

  return async function triageTicket(event: DomainEvent): Promise<TriageOutcome> {
    const work = await workFor(event);
    if (!work) return { outcome: 'unchanged', reason: `${event.type} needs no triage` };
    const { tenantId } = event;
    const [rules, model] = await Promise.all([
      deps.rules.list(tenantId),
      work.classify ? deps.loadTriageModel(tenantId) : Promise.resolve(null),
    ]);
    const macros = await macrosFor(tenantId, rules);

    // Set when a rule points at a group or agent that is gone: the verdict is still saved, without the rules.
    let rulesFailed: string | null = null;
    for (let attempt = 1; attempt <= 6; attempt++) {
      const ticket = await deps.tickets.get(tenantId, event.ticket.number);
      if (!ticket) return { outcome: 'unchanged', reason: `ticket #${event.ticket.number} does not exist` };
      if (ticket.status === 'closed') return { outcome: 'unchanged', reason: 'the ticket is closed' };
      const now = deps.clock.now();
      const steps: Change[] = [];
      let current: Ticket = ticket;
      const stale = work.classify && ticket.triage && ticket.triage.basedOn >= work.classify.eventId;
      if (work.classify && model && !stale) {
        const verdict = await deps.classifier.classify(
          { subject: ticket.subject, body: work.classify.body, channel: ticket.channel, tenantId },
          model,
        );
        const next: Ticket = {
          ...current,
          triage: { ...verdict, basedOn: work.classify.eventId, at: now },
          version: current.version + 1,
        };
        steps.push({
          ticket: next,
          events: [
            noteEvent(next, TRIAGE_ACTOR, now, deps.ids, {
              type: 'triaged',
              triage: verdict,
              forEvent: work.classify.eventId,
            }),
          ],
        });
        current = next;
      }
      const classified = steps.length > 0;
      const ran = rulesFailed
        ? null
        : runRules({
            ticket: current,
            rules,
            comment: work.comment,
            now,
            ids: deps.ids,
            messages: !work.byRules,
            applyMacro: (target, macroId, actor) => {
              const macro = macros.get(macroId);
              if (!macro) return null;
              // A macro sent by a rule is automation too: it leaves the fields an agent set by hand alone.
              const actions = macro.actions.filter((a) => {
                const field = pinnableFieldOf(a.field);
                return !field || !target.pinnedFields.includes(field);
              });
              return applyMacro(target, { ...macro, actions }, { actor, agent: null, now, ids: deps.ids });
            },
          });
      if (ran && ran.change.events.length > 0) steps.push(ran.change);
      const change = combineChanges(ticket, steps);
      if (change.events.length === 0) {
        return {
          outcome: 'unchanged',
          reason: rulesFailed ?? (stale ? 'a newer message was triaged' : 'no rule fired'),
        };
      }
      try {
        await deps.tickets.save(change, ticket.version, {
          consumedEvent: { consumer: 'triage', eventId: event.id },
          references: {
            group: change.ticket.group !== ticket.group ? (change.ticket.group ?? undefined) : undefined,
            assignee:
              change.ticket.assignee !== ticket.assignee ? (change.ticket.assignee ?? undefined) : undefined,
          },
        });
        return { outcome: 'changed', classified, fired: ran?.fired ?? [] };
      } catch (error) {
        if (error instanceof DuplicateEventError) return { outcome: 'unchanged', reason: 'already handled' };
        if (error instanceof ConcurrentModificationError) continue;
        // A rule pointing at a group or agent that is gone: the rule is wrong, not the message.
        if (error instanceof DomainError && error.code === 'validation' && !rulesFailed) {
          rulesFailed = `rules could not be applied: ${error.message}`;
          continue;
        }
        throw error;
      }
    }
    throw new ConcurrentModificationError(`triage of ticket #${event.ticket.number}`);
  };
}
