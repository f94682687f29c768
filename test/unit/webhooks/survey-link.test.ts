import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import type { DomainEvent } from '../../../functions/core/domain-events.ts';
import { DEFAULT_LIFECYCLE_SETTINGS } from '../../../functions/core/lifecycle-settings.ts';
import type { TokenSigner } from '../../../functions/core/ports.ts';
import { SURVEY_TTL_DAYS, verifySurveyToken } from '../../../functions/core/surveys.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { makeFanOutEvent } from '../../../functions/core/use-cases/webhook-fanout.ts';
import { makeSurveyLinkFor } from '../../../functions/core/webhooks/survey-link.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

/**
 * The satisfaction survey link in webhooks: the fan-out puts `survey: { url, expiresAt }` beside a solve's
 * `ticket.status_changed` payload when the tenant surveys and the ticket is not spam; never anywhere else.
 */

const API = 'https://api.deskless.example';
const admin: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_a',
  actor: { type: 'agent', id: 'key_a' },
};

let ports: ReturnType<typeof memoryPorts>;
let uc: ReturnType<typeof makeUseCases>;
let publicApiUrl: string | null;
let signed: number;
let warnings: string[];

beforeEach(() => {
  ports = memoryPorts();
  uc = makeUseCases(ports);
  publicApiUrl = API;
  signed = 0;
  warnings = [];
});

/** The in-memory signer, counting signatures (in AWS the first one reads the secret). */
const countingTokens: TokenSigner = {
  sign: async (payload) => {
    signed++;
    return ports.tokens.sign(payload);
  },
};

const fanOut = () =>
  makeFanOutEvent({
    subscriptions: (tenantId) => ports.webhooks.subscriptions.list(tenantId),
    deliveries: ports.webhooks.deliveries,
    queue: ports.webhooks.queue,
    clock: ports.clock,
    ids: ports.ids,
    surveyLinkFor: makeSurveyLinkFor({
      enabled: async (tenantId) => (await ports.lifecycleSettings.get(tenantId)).csatSurveys,
      spam: async (tenantId, number) => (await ports.tickets.get(tenantId, number))?.spam ?? null,
      answered: async (tenantId, number) => (await ports.reports.survey(tenantId, number)) !== null,
      tokens: countingTokens,
      publicApiUrl: () => publicApiUrl,
      warn: (message) => warnings.push(message),
    }),
  });

async function subscribe(events: string[]) {
  return (await uc.createSubscription(admin, { url: 'https://hooks.example.com/deskless', events }))
    .subscription;
}

async function newTicket(spam = false): Promise<number> {
  const ticket = await uc.createTicket(admin, {
    subject: 'Printer on fire',
    comment: { body: 'Smoke everywhere' },
    requester: { email: 'ann@example.com', name: 'Ann' },
    ...(spam ? { spam: true } : {}),
  });
  return ticket.ticket.number;
}

function statusEvent(id: string, number: number, from: string, to: string): DomainEvent {
  return {
    id,
    type: 'ticket.status_changed',
    version: 1,
    tenantId: 'acme',
    occurredAt: '2026-03-02T09:00:00.123Z',
    actor: { type: 'agent', id: 'agt_1' },
    ticket: {
      number,
      status: to as DomainEvent['ticket']['status'],
      priority: 'normal',
      type: 'question',
      group: null,
      assignee: null,
      requesterId: 'cus_1',
      channel: 'api',
      version: 3,
    },
    data: { from, to, reason: 'agent' },
  };
}

/** The payloads of every delivery made so far, by type. */
async function payloads(subscriptionId: string) {
  const page = await ports.webhooks.deliveries.list('acme', subscriptionId, { limit: 50 });
  return page.items.map((delivery) => JSON.parse(delivery.payload) as Record<string, unknown>);
}

describe('survey links in webhook payloads', () => {
  it('puts the signed link beside a solve’s payload: the link the survey page takes', async () => {
    const subscription = await subscribe(['ticket.status_changed']);
    const number = await newTicket();
    await fanOut()(statusEvent('ev_solve', number, 'open', 'solved'));

    const [payload] = await payloads(subscription.id);
    const expiresAt = new Date(
      Date.parse('2026-03-02T09:00:00Z') + SURVEY_TTL_DAYS * 86_400_000,
    ).toISOString();
    expect(payload).toMatchObject({
      type: 'ticket.status_changed',
      timestamp: '2026-03-02T09:00:00.123Z',
      data: { type: 'ticket.status_changed', ticket: { number }, data: { to: 'solved' } },
      survey: {
        url: expect.stringMatching(/^https:\/\/api\.deskless\.example\/v1\/surveys\/s1\./),
        expiresAt,
      },
    });
    expect(Object.keys(payload!)).toEqual(['type', 'timestamp', 'data', 'survey']);
    // The same token format as the mail's: the tenant, the ticket and the expiry, signed with the secret.
    const token = (payload!.survey as { url: string }).url.slice(`${API}/v1/surveys/`.length);
    expect(await verifySurveyToken(ports.tokens, token, '2026-03-03T00:00:00Z')).toEqual({
      tenantId: 'acme',
      ticket: number,
      expiresAt,
    });
    expect(await uc.getSurvey(token)).toMatchObject({ ticket: number, subject: 'Printer on fire' });
  });

  it('adds none when the tenant turned csatSurveys off, or the ticket is spam', async () => {
    const subscription = await subscribe(['ticket.status_changed']);
    const spam = await newTicket(true);
    expect((await ports.tickets.get('acme', spam))?.spam).toBe(true);
    await fanOut()(statusEvent('ev_spam', spam, 'open', 'solved'));
    await ports.lifecycleSettings.put('acme', { ...DEFAULT_LIFECYCLE_SETTINGS, csatSurveys: false });
    const kept = await newTicket();
    await fanOut()(statusEvent('ev_off', kept, 'open', 'solved'));

    const made = await payloads(subscription.id);
    expect(made).toHaveLength(2);
    for (const payload of made) {
      expect(payload.type).toBe('ticket.status_changed');
      expect(payload).not.toHaveProperty('survey');
    }
    expect(signed).toBe(0);
  });

  it('adds none to the solve of a ticket whose survey was answered already (rated once)', async () => {
    const subscription = await subscribe(['ticket.status_changed']);
    const number = await newTicket();
    await fanOut()(statusEvent('ev_first_solve', number, 'open', 'solved'));
    const [first] = await payloads(subscription.id);
    const token = (first!.survey as { url: string }).url.slice(`${API}/v1/surveys/`.length);
    await uc.answerSurvey(token, { score: 5 });
    const before = signed;

    await fanOut()(statusEvent('ev_second_solve', number, 'open', 'solved'));
    const made = await payloads(subscription.id);
    expect(made).toHaveLength(2);
    expect(made.filter((payload) => 'survey' in payload)).toHaveLength(1);
    expect(signed).toBe(before);
  });

  it('adds none to other events, other status changes, or when nobody takes the solve (nothing is signed)', async () => {
    const number = await newTicket();
    // Nobody subscribed to status changes: the solve needs no link at all.
    const created = await subscribe(['ticket.created']);
    await fanOut()(statusEvent('ev_unheard', number, 'open', 'solved'));
    expect(signed).toBe(0);

    const all = await subscribe(['*']);
    await fanOut()({ ...statusEvent('ev_created', number, 'new', 'new'), type: 'ticket.created', data: {} });
    await fanOut()(statusEvent('ev_pending', number, 'open', 'pending'));
    await fanOut()(statusEvent('ev_closed', number, 'solved', 'closed'));
    await fanOut()(statusEvent('ev_again', number, 'solved', 'solved'));
    const made = await payloads(all.id);
    expect(made.map((payload) => payload.type).sort()).toEqual([
      'ticket.created',
      'ticket.status_changed',
      'ticket.status_changed',
      'ticket.status_changed',
    ]);
    for (const payload of made) expect(payload).not.toHaveProperty('survey');
    for (const payload of await payloads(created.id)) expect(payload).not.toHaveProperty('survey');
    expect(signed).toBe(0);
  });

  it('makes the same link for a redelivered solve, and the stored payload is the one every retry sends', async () => {
    const subscription = await subscribe(['ticket.status_changed']);
    const number = await newTicket();
    const event = statusEvent('ev_solve', number, 'open', 'solved');
    const link = makeSurveyLinkFor({
      enabled: async () => true,
      spam: async () => false,
      answered: async () => false,
      tokens: ports.tokens,
      publicApiUrl: () => `${API}/`,
    });
    expect(await link('acme', number, event.occurredAt)).toEqual(
      await link('acme', number, event.occurredAt),
    );

    await fanOut()(event);
    const [first] = await payloads(subscription.id);
    expect(await fanOut()(event)).toMatchObject({ deliveries: 0, duplicates: 1 });
    expect(await payloads(subscription.id)).toEqual([first]);
    // A trailing slash on the base URL makes no double slash.
    expect((await link('acme', number, event.occurredAt))?.url).toBe((first!.survey as { url: string }).url);
  });

  it('delivers the solve to every subscription without a link when the link cannot be made, and says why', async () => {
    const first = await subscribe(['ticket.status_changed']);
    const second = await subscribe(['*']);
    const number = await newTicket();
    const problems: [string, unknown][] = [];
    const fan = makeFanOutEvent({
      subscriptions: (tenantId) => ports.webhooks.subscriptions.list(tenantId),
      deliveries: ports.webhooks.deliveries,
      queue: ports.webhooks.queue,
      clock: ports.clock,
      ids: ports.ids,
      surveyLinkFor: makeSurveyLinkFor({
        enabled: async () => true,
        spam: async () => false,
        answered: async () => false,
        tokens: {
          sign: async () => {
            throw new Error('the reply secret is unreadable');
          },
        },
        publicApiUrl: () => API,
      }),
      warn: (message, error) => problems.push([message, error]),
    });
    expect(await fan(statusEvent('ev_solve', number, 'open', 'solved'))).toEqual({
      deliveries: 2,
      duplicates: 0,
      resent: 0,
    });
    expect(ports.webhooks.queue.sent).toHaveLength(2);
    for (const subscription of [first, second]) {
      const [payload] = await payloads(subscription.id);
      expect(payload).toMatchObject({ type: 'ticket.status_changed', data: { data: { to: 'solved' } } });
      expect(payload).not.toHaveProperty('survey');
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]![0]).toContain(`no survey link for ticket ${number} of acme`);
    expect((problems[0]![1] as Error).message).toBe('the reply secret is unreadable');
  });

  it('adds none without a public API URL, and says so once', async () => {
    const subscription = await subscribe(['ticket.status_changed']);
    publicApiUrl = null;
    const first = await newTicket();
    const second = await newTicket();
    const fan = fanOut();
    await fan(statusEvent('ev_1', first, 'open', 'solved'));
    await fan(statusEvent('ev_2', second, 'open', 'solved'));
    for (const payload of await payloads(subscription.id)) expect(payload).not.toHaveProperty('survey');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('no public API URL');
    expect(signed).toBe(0);
  });
});
