import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import { type DomainEvent, toDomainEvent } from '../../../functions/core/domain-events.ts';
import type { TimelineEvent } from '../../../functions/core/model.ts';
import { makeBuiltinClassifier } from '../../../functions/core/triage/builtin-classifier.ts';
import type { Classifier } from '../../../functions/core/triage/classifier.ts';
import { DEFAULT_TRIAGE_KEYWORDS } from '../../../functions/core/triage/default-keywords.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { makeTriageTicket } from '../../../functions/core/use-cases/triage-ticket.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const admin: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_a',
  actor: { type: 'agent', id: 'key_a' },
};

let ports: ReturnType<typeof memoryPorts>;
let uc: ReturnType<typeof makeUseCases>;
let calls: number;
let triage: ReturnType<typeof makeTriageTicket>;

beforeEach(() => {
  ports = memoryPorts();
  uc = makeUseCases(ports);
  calls = 0;
  const builtin = makeBuiltinClassifier();
  const counting: Classifier = {
    classify: (input, model) => {
      calls++;
      return builtin.classify(input, model);
    },
  };
  triage = makeTriageTicket({
    ...ports,
    classifier: counting,
    loadTriageModel: async () => ({ keywords: DEFAULT_TRIAGE_KEYWORDS }),
  });
});

const domainEvents = (number: number, type?: TimelineEvent['data']['type']): DomainEvent[] =>
  ports.tickets.events
    .filter((e) => e.ticketNumber === number && (!type || e.data.type === type))
    .map(toDomainEvent);

async function openTicket(subject: string, body: string) {
  const { ticket } = await uc.createTicket(admin, {
    subject,
    comment: { body },
    requester: { email: 'lena@example.de', name: 'Lena' },
  });
  return ticket.number;
}

describe('the triage worker', () => {
  it('classifies a new ticket, runs the rules in the same change, and records why', async () => {
    const billing = await uc.createGroup(admin, { name: 'Abrechnung' });
    await uc.createRule(admin, {
      name: 'German billing',
      conditions: {
        all: [
          { field: 'triage.language', operator: 'is', value: 'de' },
          { field: 'triage.intent', operator: 'is', value: 'billing' },
        ],
      },
      actions: [{ field: 'group', value: billing.id }],
    });
    const number = await openTicket(
      'Rechnung falsch',
      'Guten Tag, auf meiner Rechnung steht ein falscher Betrag. Bitte schicken Sie eine korrigierte Rechnung.',
    );
    const created = domainEvents(number, 'created')[0]!;
    expect(await triage(created)).toMatchObject({ outcome: 'changed', classified: true });
    const ticket = (await ports.tickets.get('acme', number))!;
    expect(ticket.triage).toMatchObject({ language: 'de', intent: 'billing', classifier: 'builtin@1' });
    expect(ticket.group).toBe(billing.id);
    expect(ticket.version).toBe(2);
    const types = ports.tickets.events.filter((e) => e.ticketNumber === number).map((e) => e.data.type);
    expect(types).toEqual(['created', 'comment', 'triaged', 'rule_fired', 'field_changed']);

    // The same message delivered again changes nothing and classifies nothing.
    expect(await triage(created)).toMatchObject({ outcome: 'unchanged' });
    expect((await ports.tickets.get('acme', number))!.version).toBe(2);
  });

  it('classifies a customer writing again, but never lets an older message replace a newer verdict', async () => {
    const number = await openTicket('Login', 'I cannot log in, the password reset mail never arrives.');
    await triage(domainEvents(number, 'created')[0]!);
    await uc.addComment(admin, number, {
      body: 'Ahora me cobraron dos veces la factura, ¿pueden devolverme el dinero?',
      author: { email: 'lena@example.de' },
    });
    const [, reply] = domainEvents(number, 'comment');
    expect(await triage(reply!)).toMatchObject({ outcome: 'changed', classified: true });
    expect((await ports.tickets.get('acme', number))!.triage?.language).toBe('es');

    // The ticket's first message comes again late (a redelivery from before): it is not re-classified.
    const before = calls;
    const late = { ...domainEvents(number, 'created')[0]!, id: '01TEST00000000000000000000X0' };
    await triage(late);
    expect(calls).toBe(before);
    expect((await ports.tickets.get('acme', number))!.triage?.language).toBe('es');
  });

  it('runs the rules on an agent’s update but ignores what needs no triage', async () => {
    await uc.createRule(admin, {
      name: 'Urgent gets a tag',
      conditions: { all: [{ field: 'priority', operator: 'is', value: 'urgent' }] },
      actions: [{ field: 'add_tags', value: 'escalated' }],
    });
    const number = await openTicket('Question', 'How do I export my data?');
    await uc.updateTicket(admin, number, { priority: 'urgent' });
    const updated = domainEvents(number, 'field_changed')[0]!;
    expect(await triage(updated)).toMatchObject({ outcome: 'changed', classified: false });
    expect((await ports.tickets.get('acme', number))!.tags).toContain('escalated');
    const linked = { ...updated, id: 'x', type: 'email.sent' as const };
    expect(await triage(linked)).toMatchObject({ outcome: 'unchanged' });
  });

  it('still saves the verdict when a rule points at a group that no longer exists', async () => {
    const doomed = await uc.createGroup(admin, { name: 'Old team' });
    await uc.createRule(admin, {
      name: 'To the old team',
      conditions: {},
      actions: [{ field: 'group', value: doomed.id }],
    });
    ports.groups.groups.delete(`acme#${doomed.id}`);
    const number = await openTicket('Hello', 'Where is my order? It should have arrived last week.');
    expect(await triage(domainEvents(number, 'created')[0]!)).toMatchObject({
      outcome: 'changed',
      fired: [],
    });
    const ticket = (await ports.tickets.get('acme', number))!;
    expect(ticket.triage?.intent).toBe('shipping');
    expect(ticket.group).toBeNull();
  });
});
