import type { Caller } from '../caller.ts';
import { ConcurrentModificationError, DomainError, notFound } from '../errors.ts';
import { addExternalLink, type ExternalLinkInput } from '../external-links.ts';
import type { ExternalLink, Ticket } from '../model.ts';
import type { Clock, Ids, TicketStore } from '../ports.ts';

/** Attempts at the read-modify-write before a concurrent writer wins and the caller gets 409. */
const MAX_ATTEMPTS = 4;

export interface ExternalLinkDeps {
  readonly tickets: TicketStore;
  readonly clock: Clock;
  readonly ids: Ids;
}

export interface AddedExternalLink {
  readonly ticket: Ticket;
  readonly link: ExternalLink;
  /** False when the ticket already linked to the URL: nothing was written. */
  readonly added: boolean;
}

/**
 * `POST /v1/tickets/{number}/links`: an agent, or an integration with a channel key, links the ticket to an
 * issue elsewhere. Safe to retry: the same URL again returns the link already there.
 */
export function makeAddExternalLink(deps: ExternalLinkDeps) {
  return async function addLink(
    caller: Caller,
    number: number,
    input: ExternalLinkInput,
  ): Promise<AddedExternalLink> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const ticket = await deps.tickets.get(caller.tenantId, number);
      if (!ticket) throw notFound(`ticket #${number}`);
      const { change, link, added } = addExternalLink(
        ticket,
        input,
        caller.actor,
        deps.clock.now(),
        deps.ids,
      );
      if (!added) return { ticket, link, added };
      try {
        await deps.tickets.save(change, ticket.version);
        return { ticket: change.ticket, link, added };
      } catch (error) {
        // Someone else changed the ticket (perhaps adding this very URL): read it again.
        if (!(error instanceof ConcurrentModificationError)) throw error;
      }
    }
    throw new DomainError('conflict', `ticket #${number} is being changed by others right now; retry`);
  };
}
