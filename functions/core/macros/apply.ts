import { actionsToPatch } from '../actions.ts';
import type { Actor, Ticket } from '../model.ts';
import { addComment, applyPatch, type Change, combineChanges, type IdSource, noteEvent } from '../tickets.ts';
import type { Macro } from './macro.ts';
import { render } from './placeholders.ts';

export interface ApplyMacroOptions {
  /** Who applies it: the agent (whose field changes pin those fields) or the system (automation rules). */
  readonly actor: Actor;
  /** The agent for `{{agent.*}}` placeholders; null leaves them to their fallbacks. */
  readonly agent: { readonly name: string; readonly email: string } | null;
  readonly now: string;
  readonly ids: IdSource;
}

/**
 * A macro applied to a ticket, as ONE change (one version step, saved in one transaction): its field changes,
 * then its reply rendered against the ticket as those changes left it (a public reply or an internal note),
 * then a `macro_applied` event naming the macro. Throws the ticket's own DomainErrors (a closed ticket, a
 * status change that is not allowed). Field changes by an agent pin those fields, as any agent change does;
 * the system's do not.
 */
export function applyMacro(ticket: Ticket, macro: Macro, options: ApplyMacroOptions): Change {
  const { actor, agent, now, ids } = options;
  // Always applied, even without actions: it is what refuses a closed ticket.
  const fields = applyPatch(ticket, actionsToPatch(ticket, macro.actions), actor, now, ids);
  const steps: Change[] = [fields];
  let current = fields.ticket;
  if (macro.reply) {
    const body = render(macro.reply.body, { ticket: current, agent });
    if (body.trim() !== '') {
      const comment = addComment(current, { body, public: macro.reply.public }, actor, now, ids);
      steps.push(comment);
      current = comment.ticket;
    }
  }
  const applied = noteEvent(current, actor, now, ids, {
    type: 'macro_applied',
    macroId: macro.id,
    macroName: macro.name,
  });
  // The ticket takes a version step for the macro even when it changed nothing else.
  steps.push({ ticket: { ...current, updatedAt: now }, events: [applied] });
  return combineChanges(ticket, steps);
}
