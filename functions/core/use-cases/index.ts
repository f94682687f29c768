import type {
  AgentStore,
  ApiKeyStore,
  Clock,
  CustomerStore,
  CustomFieldStore,
  EmailSettingsStore,
  GroupStore,
  IdempotencyStore,
  Ids,
  MailboxStore,
  Secrets,
  TenantStore,
  TicketStore,
} from '../ports.ts';
import { makeCreateApiKey, makeCreateTenant, makeListApiKeys, makeRevokeApiKey } from './access.ts';
import {
  makeCreateAgent,
  makeCreateCustomField,
  makeCreateGroup,
  makeFindCustomers,
  makeGetAgent,
  makeGetCustomer,
  makeGetGroup,
  makeListAgents,
  makeListCustomFields,
  makeListGroups,
  makeUpdateAgent,
} from './directory.ts';
import {
  makeCreateMailbox,
  makeGetEmailSettings,
  makeListMailboxes,
  makePutEmailSettings,
  makeRemoveMailbox,
} from './mailboxes.ts';
import {
  makeAddComment,
  makeCreateTicket,
  makeGetTicket,
  makeGetTimeline,
  makeListTickets,
  makeUpdateTicket,
} from './tickets.ts';

/** Every port the API's use cases need; the composition root (a handler or a test) provides them. */
export interface Ports {
  readonly tickets: TicketStore;
  readonly customers: CustomerStore;
  readonly agents: AgentStore;
  readonly groups: GroupStore;
  readonly customFields: CustomFieldStore;
  readonly apiKeys: ApiKeyStore;
  readonly tenants: TenantStore;
  readonly idempotency: IdempotencyStore;
  readonly mailboxes: MailboxStore;
  readonly emailSettings: EmailSettingsStore;
  readonly secrets: Secrets;
  readonly clock: Clock;
  readonly ids: Ids;
}

export function makeUseCases(ports: Ports) {
  return {
    createTicket: makeCreateTicket(ports),
    getTicket: makeGetTicket(ports),
    updateTicket: makeUpdateTicket(ports),
    addComment: makeAddComment(ports),
    getTimeline: makeGetTimeline(ports),
    listTickets: makeListTickets(ports),
    findCustomers: makeFindCustomers(ports),
    getCustomer: makeGetCustomer(ports),
    createAgent: makeCreateAgent(ports),
    getAgent: makeGetAgent(ports),
    listAgents: makeListAgents(ports),
    updateAgent: makeUpdateAgent(ports),
    createGroup: makeCreateGroup(ports),
    getGroup: makeGetGroup(ports),
    listGroups: makeListGroups(ports),
    createCustomField: makeCreateCustomField(ports),
    listCustomFields: makeListCustomFields(ports),
    createTenant: makeCreateTenant(ports),
    createApiKey: makeCreateApiKey(ports),
    listApiKeys: makeListApiKeys(ports),
    revokeApiKey: makeRevokeApiKey(ports),
    createMailbox: makeCreateMailbox(ports),
    listMailboxes: makeListMailboxes(ports),
    removeMailbox: makeRemoveMailbox(ports),
    getEmailSettings: makeGetEmailSettings(ports),
    putEmailSettings: makePutEmailSettings(ports),
  };
}

export type UseCases = ReturnType<typeof makeUseCases>;
