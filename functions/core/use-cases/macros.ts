import type { FieldAction } from '../actions.ts';
import type { Caller } from '../caller.ts';
import { ConcurrentModificationError, DomainError, type FieldError, notFound } from '../errors.ts';
import { applyMacro } from '../macros/apply.ts';
import {
  MACRO_ID_PREFIX,
  type Macro,
  type MacroInput,
  newMacro,
  replaceMacro,
  validateMacroInput,
} from '../macros/macro.ts';
import type { Ticket, TimelineEvent } from '../model.ts';
import type {
  AgentStore,
  Clock,
  CustomFieldStore,
  GroupStore,
  Ids,
  MacroStore,
  TicketStore,
} from '../ports.ts';
import { replaceGuarded } from './replace-guarded.ts';

/** Macros: canned replies and field changes, kept per tenant and applied to a ticket in one transaction. */

/** Attempts at a read-modify-write before a concurrent writer wins and the caller gets 409. */
const MAX_ATTEMPTS = 4;

export interface MacroDeps {
  readonly macros: MacroStore;
  readonly customFields: CustomFieldStore;
  readonly groups: GroupStore;
  readonly agents: AgentStore;
  readonly clock: Clock;
  readonly ids: Ids;
}

/** The groups and agents a macro's actions set must exist when it is saved (the ticket save checks again). */
async function referenceErrors(
  deps: Pick<MacroDeps, 'groups' | 'agents'>,
  tenantId: string,
  actions: readonly FieldAction[],
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const at = (field: string) =>
    actions.flatMap((action, index) =>
      action.field === field && typeof action.value === 'string' ? [{ index, id: action.value }] : [],
    );
  const groups = at('group');
  if (groups.length > 0) {
    const missing = new Set(
      await deps.groups.missing(
        tenantId,
        groups.map((g) => g.id),
      ),
    );
    for (const { index, id } of groups)
      if (missing.has(id))
        errors.push({ path: `actions[${index}].value`, message: `group ${id} does not exist` });
  }
  for (const { index, id } of at('assignee')) {
    if (!(await deps.agents.get(tenantId, id)))
      errors.push({ path: `actions[${index}].value`, message: `agent ${id} does not exist` });
  }
  return errors;
}

async function assertValid(deps: MacroDeps, tenantId: string, input: MacroInput): Promise<void> {
  let errors = validateMacroInput(input, await deps.customFields.list(tenantId));
  if (errors.length === 0) errors = await referenceErrors(deps, tenantId, input.actions ?? []);
  if (errors.length > 0) {
    throw new DomainError(
      'validation',
      `the macro is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      errors,
    );
  }
}

export function makeCreateMacro(deps: MacroDeps) {
  return async function createMacro(caller: Caller, input: MacroInput): Promise<Macro> {
    await assertValid(deps, caller.tenantId, input);
    const macro = newMacro(caller.tenantId, `${MACRO_ID_PREFIX}${deps.ids.next()}`, input, deps.clock.now());
    await deps.macros.create(macro);
    return macro;
  };
}

export function makeListMacros(deps: Pick<MacroDeps, 'macros'>) {
  return async function listMacros(
    caller: Caller,
    filter: { readonly active?: boolean | undefined } = {},
  ): Promise<Macro[]> {
    const all = await deps.macros.list(caller.tenantId);
    return filter.active === undefined ? all : all.filter((m) => m.active === filter.active);
  };
}

export function makeGetMacro(deps: Pick<MacroDeps, 'macros'>) {
  return async function getMacro(caller: Caller, id: string): Promise<Macro> {
    const macro = await deps.macros.get(caller.tenantId, id);
    if (!macro) throw notFound(`macro ${id}`);
    return macro;
  };
}

export function makeUpdateMacro(deps: MacroDeps) {
  /** PUT: the macro replaced whole. With `ifMatch`, only the version the caller read is replaced. */
  return async function updateMacro(
    caller: Caller,
    id: string,
    input: MacroInput,
    ifMatch?: number | undefined,
  ): Promise<Macro> {
    await assertValid(deps, caller.tenantId, input);
    return replaceGuarded(
      `macro ${id}`,
      ifMatch,
      () => deps.macros.get(caller.tenantId, id),
      async (previous) => {
        const next = replaceMacro(previous, input, deps.clock.now());
        await deps.macros.update(next, previous.version);
        return next;
      },
    );
  };
}

export function makeDeleteMacro(deps: Pick<MacroDeps, 'macros'>) {
  return async function deleteMacro(caller: Caller, id: string): Promise<void> {
    if (!(await deps.macros.delete(caller.tenantId, id))) throw notFound(`macro ${id}`);
  };
}

export interface ApplyMacroResult {
  readonly ticket: Ticket;
  /** The reply or internal note the macro wrote; null for a macro without a reply. */
  readonly comment: TimelineEvent | null;
}

/** Agent ids (`agt_…`); a key not bound to an agent acts under its key id, which names no agent. */
const AGENT_ID = /^agt_/;

export function makeApplyMacro(
  deps: Pick<MacroDeps, 'macros' | 'agents' | 'clock' | 'ids'> & { readonly tickets: TicketStore },
) {
  return async function applyMacroToTicket(
    caller: Caller,
    number: number,
    macroId: string,
    ifMatch?: number | undefined,
  ): Promise<ApplyMacroResult> {
    const macro = await deps.macros.get(caller.tenantId, macroId);
    if (!macro) throw notFound(`macro ${macroId}`);
    if (!macro.active) {
      throw new DomainError(
        'conflict',
        `macro ${macroId} (${macro.name}) is inactive; activate it to apply it`,
      );
    }
    const { actor } = caller;
    const agent =
      actor.type === 'agent' && AGENT_ID.test(actor.id)
        ? await deps.agents.get(caller.tenantId, actor.id)
        : null;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const ticket = await deps.tickets.get(caller.tenantId, number);
      if (!ticket) throw notFound(`ticket #${number}`);
      if (ifMatch !== undefined && ticket.version !== ifMatch) {
        throw new DomainError(
          'version_mismatch',
          `ticket #${number} is at version ${ticket.version}, not ${ifMatch}; read it again and retry`,
        );
      }
      const change = applyMacro(ticket, macro, {
        actor,
        agent: agent && { name: agent.name, email: agent.email },
        now: deps.clock.now(),
        ids: deps.ids,
      });
      try {
        const references = {
          group: change.ticket.group !== ticket.group ? (change.ticket.group ?? undefined) : undefined,
          assignee:
            change.ticket.assignee !== ticket.assignee ? (change.ticket.assignee ?? undefined) : undefined,
        };
        await deps.tickets.save(change, ticket.version, { references });
        return {
          ticket: change.ticket,
          comment: change.events.find((event) => event.data.type === 'comment') ?? null,
        };
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
        if (ifMatch !== undefined) {
          throw new DomainError(
            'version_mismatch',
            `ticket #${number} was changed by someone else; read it again`,
          );
        }
      }
    }
    throw new DomainError('conflict', `ticket #${number} is being changed by others right now; retry`);
  };
}
