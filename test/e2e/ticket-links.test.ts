import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DomainEventTypeName, domainEventSchema } from '../../functions/contracts/events.ts';
import { evaluate, evaluateTemplate } from '../../functions/core/integrations/expression.ts';
import {
  createIssueCall,
  linkBackBody,
  needsIssue,
  newlyTagged,
  type TrackerTarget,
} from '../../functions/core/integrations/trackers.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import { apiClient, eventually, type Json } from '../support/http-client.ts';

/**
 * What an engineering-tracker integration sees, through the local runtime: the events the outbox publishes on
 * the bus when a ticket gains a tag, the ticket as the API shows it to a channel key, and the link it writes
 * back. (The state machine itself has no local emulator; its mappings are evaluated here on the real payloads.)
 */
let runtime: LocalRuntime;
let dataDir: string;
const api = apiClient(() => runtime.apiUrl);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-links-'));
  runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0 });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Envelope {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Json;
}

async function published(): Promise<Envelope[]> {
  const { events } = (await (await fetch(runtime.eventsUrl)).json()) as { events: Envelope[] };
  return events;
}

const github: TrackerTarget = { kind: 'github', repository: 'acme/api' };

describe('a ticket tagged for engineering, linked back by an integration', () => {
  it('publishes what the tracker rules match, and takes the issue’s link back', async () => {
    const admin = runtime.state.adminApiKey;
    const key = await api('POST', '/v1/api-keys', admin, { name: 'GitHub integration', role: 'channel' });
    expect(key.status).toBe(201);
    const channel: string = key.body.secret;

    // One ticket opened with the tag, one that gains it later.
    const opened = await api('POST', '/v1/tickets', admin, {
      subject: 'Export times out',
      comment: { body: 'The CSV export never finishes.' },
      requester: { email: 'dana@example.org' },
      tags: ['Engineering', 'exports'],
    });
    const later = await api('POST', '/v1/tickets', admin, {
      subject: 'Wrong totals',
      comment: { body: 'Totals are off by one.' },
      requester: { email: 'eli@example.org' },
      tags: ['billing'],
    });
    expect([opened.status, later.status]).toEqual([201, 201]);
    const tagged = await api('PATCH', `/v1/tickets/${later.body.number}`, admin, {
      tags: ['billing', 'engineering'],
    });
    expect(tagged.status).toBe(200);

    const ofTicket = (events: Envelope[], type: string, number: number) =>
      events.find((e) => e['detail-type'] === type && e.detail.ticket.number === number);
    const events = await eventually(published, (all) =>
      Boolean(
        ofTicket(all, 'ticket.created', opened.body.number) &&
          ofTicket(all, 'ticket.updated', later.body.number),
      ),
    );
    const created = ofTicket(events, 'ticket.created', opened.body.number)!;
    const updated = ofTicket(events, 'ticket.updated', later.body.number)!;
    expect(created).toMatchObject({
      source: 'deskless',
      detail: { data: { tags: ['engineering', 'exports'] } },
    });
    expect(updated.detail.data).toEqual({ field: 'tags', from: ['billing'], to: ['billing', 'engineering'] });
    for (const event of [created, updated]) {
      domainEventSchema(event['detail-type'] as DomainEventTypeName).parse(event.detail);
      // The state machine's first check, on the event as published.
      expect(evaluate(newlyTagged('engineering'), { event })).toBe(true);
    }

    // The state machine reads the ticket with the channel key and decides it needs an issue…
    const ticket = await api('GET', `/v1/tickets/${opened.body.number}`, channel);
    expect(ticket.status).toBe(200);
    expect(evaluate(needsIssue(github, 'engineering'), { ticket: ticket.body })).toBe(true);
    expect(
      evaluateTemplate(createIssueCall(github, 'engineering').body, { ticket: ticket.body, event: created }),
    ).toMatchObject({ title: `[Deskless #${opened.body.number}] Export times out` });

    // …the tracker answers with the new issue, and the link goes back with the same key.
    const issue = {
      number: 17,
      html_url: 'https://github.com/acme/api/issues/17',
      title: 'Export times out',
    };
    const body = evaluateTemplate(linkBackBody(github), { ticket: ticket.body, event: created, issue });
    const link = await api('POST', `/v1/tickets/${opened.body.number}/links`, channel, body);
    expect(link.status).toBe(201);
    expect(link.body.link).toMatchObject({
      url: issue.html_url,
      system: 'github',
      externalId: 'acme/api#17',
    });
    // A retried run gets a 200 and changes nothing.
    const retried = await api('POST', `/v1/tickets/${opened.body.number}/links`, channel, body);
    expect(retried.status).toBe(200);
    expect(retried.body.ticket.version).toBe(link.body.ticket.version);

    // Once linked, a second run for the same ticket stops before the tracker.
    const after = await api('GET', `/v1/tickets/${opened.body.number}`, channel);
    expect(after.body.externalLinks).toHaveLength(1);
    expect(evaluate(needsIssue(github, 'engineering'), { ticket: after.body })).toBe(false);

    // The link is a domain event of its own on the bus.
    const all = await eventually(published, (list) =>
      Boolean(ofTicket(list, 'ticket.external_link_added', opened.body.number)),
    );
    const linked = ofTicket(all, 'ticket.external_link_added', opened.body.number)!;
    expect(linked.detail).toMatchObject({
      actor: { type: 'system', id: key.body.id },
      data: { url: issue.html_url, title: 'Export times out', system: 'github', externalId: 'acme/api#17' },
    });
    domainEventSchema('ticket.external_link_added').parse(linked.detail);
    expect(all.filter((e) => e['detail-type'] === 'ticket.external_link_added')).toHaveLength(1);
  }, 120_000);
});
