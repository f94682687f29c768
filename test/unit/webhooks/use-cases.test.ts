import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import type { DomainEvent } from '../../../functions/core/domain-events.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import type { WebhookResponse, WebhookTransport } from '../../../functions/core/ports.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { LOST_AFTER_SECONDS, makeDeliverWebhook } from '../../../functions/core/use-cases/webhook-deliver.ts';
import { cachedSubscriptions, makeFanOutEvent } from '../../../functions/core/use-cases/webhook-fanout.ts';
import {
  CIRCUIT_BASE_COOLDOWN_SECONDS,
  CIRCUIT_FAILURE_THRESHOLD,
  spreadDeferral,
} from '../../../functions/core/webhooks/circuit.ts';
import {
  MAX_ATTEMPTS,
  MAX_DEFERRAL_MS,
  type QueuedDelivery,
  RETRY_SCHEDULE_SECONDS,
} from '../../../functions/core/webhooks/delivery.ts';
import {
  InvalidSubscriptionInput,
  MAX_SUBSCRIPTIONS,
} from '../../../functions/core/webhooks/subscription.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const admin: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_a',
  actor: { type: 'agent', id: 'key_a' },
};

let ports: ReturnType<typeof memoryPorts>;
let uc: ReturnType<typeof makeUseCases>;
let transport: ReturnType<typeof scriptedTransport>;

/** Answers each POST with the next status of the script (null: no answer), 200 once it runs out. */
function scriptedTransport(script: (number | null)[] = []) {
  const calls: Parameters<WebhookTransport['send']>[0][] = [];
  return {
    calls,
    script,
    async send(request: Parameters<WebhookTransport['send']>[0]): Promise<WebhookResponse> {
      calls.push(request);
      const status = script.length > 0 ? script.shift()! : 200;
      if (status === null)
        return { statusCode: null, durationMs: 10_000, error: 'no answer within 10000 ms' };
      return { statusCode: status, durationMs: 12, error: status < 300 ? null : `HTTP ${status}` };
    },
  };
}

beforeEach(() => {
  ports = memoryPorts();
  uc = makeUseCases(ports);
  transport = scriptedTransport();
});

const fanOut = () =>
  makeFanOutEvent({
    subscriptions: (tenantId) => ports.webhooks.subscriptions.list(tenantId),
    deliveries: ports.webhooks.deliveries,
    queue: ports.webhooks.queue,
    clock: ports.clock,
    ids: ports.ids,
  });

const deliver = () =>
  makeDeliverWebhook({
    subscriptions: ports.webhooks.subscriptions,
    deliveries: ports.webhooks.deliveries,
    queue: ports.webhooks.queue,
    transport,
    clock: ports.clock,
    random: () => 0.5,
    backoffScale: 1,
  });

/** Takes every message off the fake queue. */
const takeAll = (): QueuedDelivery[] => ports.webhooks.queue.sent.splice(0);

function ticketEvent(
  id: string,
  type: DomainEvent['type'] = 'ticket.created',
  tenantId = 'acme',
): DomainEvent {
  return {
    id,
    type,
    version: 1,
    tenantId,
    occurredAt: ports.clock.now(),
    actor: { type: 'agent', id: 'agt_1' },
    ticket: {
      number: 1,
      status: 'new',
      priority: 'normal',
      type: 'question',
      group: null,
      assignee: null,
      requesterId: 'cus_1',
      channel: 'api',
      version: 1,
    },
    data: { subject: 'Printer on fire' },
  };
}

async function subscribe(events: string[] = ['ticket.created']) {
  return uc.createSubscription(admin, { url: 'https://hooks.example.com/deskless', events });
}

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('subscription use cases', () => {
  it('creates a subscription with its secret shown once, and reads it back without it', async () => {
    const created = await subscribe();
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.subscription).toMatchObject({
      tenantId: 'acme',
      url: 'https://hooks.example.com/deskless',
      events: ['ticket.created'],
      enabled: true,
      version: 1,
    });
    expect(created.circuit).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    const read = await uc.getSubscription(admin, created.subscription.id);
    expect(read.subscription.id).toBe(created.subscription.id);
    expect((await uc.listSubscriptions(admin)).map((s) => s.subscription.id)).toEqual([
      created.subscription.id,
    ]);
    expect(await uc.listSubscriptions({ ...admin, tenantId: 'globex' })).toEqual([]);
  });

  it('refuses a URL the outbound policy refuses, naming it (a 400 at the edge)', async () => {
    const error = await rejection(
      uc.createSubscription(admin, { url: 'https://169.254.169.254/latest', events: ['*'] }),
    );
    expect(error).toBeInstanceOf(InvalidSubscriptionInput);
    expect(error.fieldErrors).toEqual([
      { path: 'url', message: 'must not point at a private, link-local or reserved address' },
    ]);
    expect(
      (await rejection(uc.createSubscription(admin, { url: 'http://127.0.0.1:9/x', events: ['*'] })))
        .fieldErrors,
    ).toEqual([{ path: 'url', message: 'must use https' }]);
  });

  it(`keeps at most ${MAX_SUBSCRIPTIONS} per tenant`, async () => {
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) await subscribe();
    const error = await rejection(subscribe());
    expect(error.code).toBe('validation');
    expect(error.message).toContain(`at most ${MAX_SUBSCRIPTIONS}`);
  });

  it('patches fields, honours If-Match, and starts a new URL with a closed circuit', async () => {
    const { subscription } = await subscribe();
    await ports.webhooks.subscriptions.saveCircuit(
      'acme',
      subscription.id,
      {
        ...(await ports.webhooks.subscriptions.circuit('acme', subscription.id)),
        consecutiveFailures: 3,
        revision: 1,
      },
      0,
    );
    const disabled = await uc.updateSubscription(
      admin,
      subscription.id,
      { enabled: false, events: ['*'] },
      1,
    );
    expect(disabled.subscription).toMatchObject({ enabled: false, events: ['*'], version: 2 });
    expect(disabled.circuit.consecutiveFailures).toBe(3);
    expect((await rejection(uc.updateSubscription(admin, subscription.id, { enabled: true }, 1))).code).toBe(
      'version_mismatch',
    );
    const moved = await uc.updateSubscription(admin, subscription.id, {
      url: 'https://other.example.org/hook',
    });
    expect(moved.subscription.url).toBe('https://other.example.org/hook');
    expect(moved.circuit).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(
      (await rejection(uc.updateSubscription(admin, subscription.id, { url: 'https://10.1.1.1/' })))
        .fieldErrors[0],
    ).toMatchObject({ path: 'url' });
    expect((await rejection(uc.updateSubscription(admin, 'sub_nope', { enabled: true }))).code).toBe(
      'not_found',
    );
  });

  it('rotates the secret and deletes', async () => {
    const { subscription, secret } = await subscribe();
    const rotated = await uc.rotateSubscriptionSecret(admin, subscription.id);
    expect(rotated.secret).not.toBe(secret);
    expect(rotated.subscription.secrets.map((s) => s.secret)).toEqual([rotated.secret, secret]);
    await uc.deleteSubscription(admin, subscription.id);
    expect((await rejection(uc.getSubscription(admin, subscription.id))).code).toBe('not_found');
    expect((await rejection(uc.deleteSubscription(admin, subscription.id))).code).toBe('not_found');
  });

  it('rules may notify an existing subscription only', async () => {
    const { subscription } = await subscribe();
    const rule = await uc.createRule(admin, {
      name: 'Tell the CRM',
      conditions: {},
      actions: [{ field: 'notify_webhook', value: subscription.id }],
    });
    expect(rule.actions).toEqual([{ field: 'notify_webhook', value: subscription.id }]);
    const error = await rejection(
      uc.createRule(admin, {
        name: 'x',
        conditions: {},
        actions: [{ field: 'notify_webhook', value: 'sub_missing' }],
      }),
    );
    expect(error.fieldErrors).toEqual([
      { path: 'actions[0].value', message: 'webhook subscription sub_missing does not exist' },
    ]);
  });
});

describe('fan-out', () => {
  it('makes one delivery per subscription that takes the event, queued for its first attempt', async () => {
    const wants = await subscribe(['ticket.created']);
    await subscribe(['comment.added']);
    const result = await fanOut()(ticketEvent('ev_1'));
    expect(result).toEqual({ deliveries: 1, duplicates: 0, resent: 0 });
    const [message] = takeAll();
    expect(message).toMatchObject({
      tenantId: 'acme',
      subscriptionId: wants.subscription.id,
      round: 1,
      attempt: 1,
      delaySeconds: 0,
    });
    const delivery = await ports.webhooks.deliveries.get('acme', wants.subscription.id, message!.deliveryId);
    expect(delivery).toMatchObject({ status: 'pending', eventId: 'ev_1', type: 'ticket.created' });
    expect(JSON.parse(delivery!.payload)).toEqual({
      type: 'ticket.created',
      timestamp: ticketEvent('ev_1').occurredAt,
      data: ticketEvent('ev_1'),
    });
  });

  it('makes no second delivery for a redelivered event (and queues a never-attempted one again)', async () => {
    const { subscription } = await subscribe();
    await fanOut()(ticketEvent('ev_1'));
    const [first] = takeAll();
    expect(await fanOut()(ticketEvent('ev_1'))).toEqual({ deliveries: 0, duplicates: 1, resent: 1 });
    const [again] = takeAll();
    expect(again!.deliveryId).toBe(first!.deliveryId);
    await deliver()(first!);
    takeAll();
    // Once attempted, a redelivered event queues nothing at all.
    expect(await fanOut()(ticketEvent('ev_1'))).toEqual({ deliveries: 0, duplicates: 1, resent: 0 });
    expect(takeAll()).toEqual([]);
    expect((await uc.listDeliveries(admin, subscription.id, { limit: 10 })).items).toHaveLength(1);
  });

  it('sends nothing to disabled subscriptions or other tenants', async () => {
    const { subscription } = await subscribe();
    await uc.updateSubscription(admin, subscription.id, { enabled: false });
    expect(await fanOut()(ticketEvent('ev_1'))).toEqual({ deliveries: 0, duplicates: 0, resent: 0 });
    expect(await fanOut()(ticketEvent('ev_2', 'ticket.created', 'globex'))).toMatchObject({ deliveries: 0 });
    expect(takeAll()).toEqual([]);
  });

  it('caches a tenant’s subscriptions for a few seconds', async () => {
    let reads = 0;
    let now = 0;
    const source = cachedSubscriptions(
      async () => {
        reads++;
        return [];
      },
      () => now,
      5_000,
    );
    await source('acme');
    await source('acme');
    now = 4_999;
    await source('acme');
    expect(reads).toBe(1);
    await source('globex');
    now = 5_000;
    await source('acme');
    expect(reads).toBe(3);
  });
});

describe('delivery worker', () => {
  async function oneDelivery(events = ['ticket.created']) {
    const created = await subscribe(events);
    await fanOut()(ticketEvent(`ev_${ports.ids.next()}`));
    const [message] = takeAll();
    return { subscription: created.subscription, secret: created.secret, message: message! };
  }

  it('signs the payload with the subscription’s secrets and marks it delivered on a 2xx', async () => {
    const { subscription, secret, message } = await oneDelivery();
    expect(await deliver()(message)).toMatchObject({ outcome: 'delivered', statusCode: 200, attempt: 1 });
    expect(transport.calls).toEqual([
      {
        url: subscription.url,
        id: message.deliveryId,
        body: expect.stringContaining('"type":"ticket.created"'),
        secrets: [secret],
      },
    ]);
    const delivery = await ports.webhooks.deliveries.get('acme', subscription.id, message.deliveryId);
    expect(delivery).toMatchObject({ status: 'delivered', nextAttemptAt: null });
    expect(delivery!.attempts).toEqual([
      {
        round: 1,
        attempt: 1,
        at: ports.clock.now(),
        statusCode: 200,
        durationMs: 12,
        error: null,
        outcome: 'delivered',
      },
    ]);
    // The same message again (SQS delivers at least once): nothing is sent twice.
    expect(await deliver()(message)).toMatchObject({ outcome: 'dropped' });
    expect(transport.calls).toHaveLength(1);
  });

  it('retries with backoff, keeping the webhook-id, until the receiver answers 2xx', async () => {
    transport.script.push(500, null, 429);
    const { subscription, message } = await oneDelivery();
    const outcomes: unknown[] = [];
    let next: QueuedDelivery | undefined = message as QueuedDelivery;
    const delays: number[] = [];
    while (next) {
      outcomes.push((await deliver()(next)).outcome);
      [next] = takeAll();
      if (next) delays.push(next.delaySeconds);
      ports.clock.advance((next?.delaySeconds ?? 0) * 1000);
    }
    expect(outcomes).toEqual(['retrying', 'retrying', 'retrying', 'delivered']);
    expect(delays).toEqual([5, 30, 120]);
    expect(new Set(transport.calls.map((c) => c.id))).toEqual(new Set([message.deliveryId]));
    const delivery = await ports.webhooks.deliveries.get('acme', subscription.id, message.deliveryId);
    expect(delivery!.status).toBe('delivered');
    expect(delivery!.attempts.map((a) => [a.attempt, a.statusCode, a.error, a.outcome])).toEqual([
      [1, 500, 'HTTP 500', 'retrying'],
      [2, null, 'no answer within 10000 ms', 'retrying'],
      [3, 429, 'HTTP 429', 'retrying'],
      [4, 200, null, 'delivered'],
    ]);
  });

  it('fails the delivery after the last attempt (its message goes to the DLQ)', async () => {
    transport.script.push(...Array<number>(MAX_ATTEMPTS).fill(500));
    const { subscription, message } = await oneDelivery();
    // Far apart, so that the circuit breaker's cooldowns are over by every attempt.
    let next: QueuedDelivery | undefined = message as QueuedDelivery;
    let last: Awaited<ReturnType<ReturnType<typeof deliver>>> | undefined;
    while (next) {
      last = await deliver()(next);
      ports.clock.advance(2 * 60 * 60 * 1000);
      [next] = takeAll();
    }
    expect(last).toMatchObject({ outcome: 'failed', attempt: MAX_ATTEMPTS, error: 'HTTP 500' });
    const delivery = await ports.webhooks.deliveries.get('acme', subscription.id, message.deliveryId);
    expect(delivery!.status).toBe('failed');
    expect(delivery!.attempts.filter((a) => a.round === 1)).toHaveLength(MAX_ATTEMPTS);
  });

  it('drops duplicates of an attempt another worker holds', async () => {
    transport.script.push(500);
    const { message } = await oneDelivery();
    expect(await deliver()(message)).toMatchObject({ outcome: 'retrying' });
    const [second] = takeAll();
    ports.clock.advance(6_000);
    const stored = await ports.webhooks.deliveries.get('acme', message.subscriptionId, message.deliveryId);
    await ports.webhooks.deliveries.save({ ...stored!, claimedAt: ports.clock.now() }, stored!.revision);
    expect(await deliver()(second!)).toMatchObject({
      outcome: 'dropped',
      reason: 'another worker is making this attempt',
    });
    ports.clock.advance(61_000);
    // The claim's lease ran out (its worker died): the message that comes back takes over.
    expect(await deliver()(second!)).toMatchObject({ outcome: 'delivered', attempt: 2 });
    expect(await deliver()(second!)).toMatchObject({ outcome: 'dropped' });
    expect(transport.calls).toHaveLength(2);
  });

  it('lets a duplicate that comes after its attempt die out, not follow every later attempt', async () => {
    transport.script.push(500, 500, 500);
    const { message } = await oneDelivery();
    // Two copies of the first attempt, one after the other: the first makes it and queues attempt 2.
    expect(await deliver()(message)).toMatchObject({ outcome: 'retrying' });
    const [second] = takeAll();
    // The copy finds the attempt made and attempt 2 not yet due: it queues no second attempt-2 message, only
    // itself, to look once attempt 2 is overdue.
    expect(await deliver()(message)).toMatchObject({ outcome: 'requeued' });
    const [look] = takeAll();
    expect(look).toMatchObject({
      attempt: 1,
      delaySeconds: RETRY_SCHEDULE_SECONDS[0] + LOST_AFTER_SECONDS + 1,
    });
    ports.clock.advance(second!.delaySeconds * 1000);
    expect(await deliver()(second!)).toMatchObject({ outcome: 'retrying', attempt: 2 });
    const [third] = takeAll();
    ports.clock.advance((look!.delaySeconds - second!.delaySeconds) * 1000);
    // Attempt 2 was made: the copy is out of date and goes.
    expect(await deliver()(look!)).toMatchObject({
      outcome: 'dropped',
      reason: 'attempt 1 was made already',
    });
    expect(takeAll()).toEqual([]);
    ports.clock.advance(third!.delaySeconds * 1000);
    expect(await deliver()(third!)).toMatchObject({ outcome: 'retrying', attempt: 3 });
    takeAll();
    // A copy of attempt 2 turning up while attempt 3's worker holds its claim is dropped as well.
    const stored = await ports.webhooks.deliveries.get('acme', message.subscriptionId, message.deliveryId);
    await ports.webhooks.deliveries.save({ ...stored!, claimedAt: ports.clock.now() }, stored!.revision);
    expect(await deliver()(second!)).toMatchObject({ outcome: 'dropped' });
    expect(takeAll()).toEqual([]);
    expect(transport.calls).toHaveLength(3);
  });

  it('queues the next attempt again when its message was lost (a crash after the attempt was logged)', async () => {
    transport.script.push(500, 500, 500, 500);
    const { message } = await oneDelivery();
    let next: QueuedDelivery | undefined = message as QueuedDelivery;
    // Attempts 1 to 4 fail; after the 4th the next wait is 15 min, longer than the queue's visibility timeout.
    for (let i = 0; i < 4; i++) {
      await deliver()(next!);
      [next] = takeAll();
      ports.clock.advance(next!.delaySeconds * 1000);
    }
    ports.clock.advance(-next!.delaySeconds * 1000);
    // Attempt 4's message was never sent (the worker died); attempt 4's own message returns 2 minutes later.
    const lostAttempt = next!;
    expect(lostAttempt.attempt).toBe(5);
    ports.clock.advance(120_000);
    const fourth = { ...message, attempt: 4 };
    expect(await deliver()(fourth)).toMatchObject({ outcome: 'requeued' });
    const [look] = takeAll();
    expect(look).toMatchObject({ attempt: 4 });
    expect(look!.delaySeconds).toBe(lostAttempt.delaySeconds - 120 + LOST_AFTER_SECONDS + 1);
    ports.clock.advance(look!.delaySeconds * 1000);
    // Attempt 5 is overdue and untaken: it was lost, and is queued again, right away.
    expect(await deliver()(look!)).toMatchObject({
      outcome: 'requeued',
      reason: 'attempt 5 was due and never taken',
    });
    const [again] = takeAll();
    expect(again).toMatchObject({ attempt: 5, round: 1, delaySeconds: 0 });
    expect(await deliver()(again!)).toMatchObject({ outcome: 'delivered', attempt: 5 });
    expect(transport.calls).toHaveLength(5);
  });

  it('gives up on a disabled or deleted subscription without sending', async () => {
    const { subscription, message } = await oneDelivery();
    await uc.updateSubscription(admin, subscription.id, { enabled: false });
    expect(await deliver()(message)).toEqual({
      outcome: 'given_up',
      reason: 'the subscription is disabled',
      deadLetter: false,
    });
    const other = await oneDelivery();
    await uc.deleteSubscription(admin, other.subscription.id);
    expect(await deliver()(other.message)).toEqual({
      outcome: 'given_up',
      reason: 'the subscription was deleted',
      deadLetter: false,
    });
    expect(transport.calls).toEqual([]);
  });

  it('fails a delivery that waited on an open circuit for 6 hours (its message goes to the DLQ)', async () => {
    const { subscription, message } = await oneDelivery();
    const closed = await ports.webhooks.subscriptions.circuit('acme', subscription.id);
    ports.clock.advance(MAX_DEFERRAL_MS + 1000);
    const later = new Date(Date.parse(ports.clock.now()) + 3_600_000).toISOString();
    await ports.webhooks.subscriptions.saveCircuit(
      'acme',
      subscription.id,
      {
        ...closed,
        state: 'open',
        consecutiveFailures: 40,
        openUntil: later,
        cooldownSeconds: 3600,
        revision: 1,
      },
      0,
    );
    expect(await deliver()(message)).toEqual({
      outcome: 'given_up',
      reason: 'the endpoint’s circuit stayed open for 6 hours',
      deadLetter: true,
    });
    const stored = await ports.webhooks.deliveries.get('acme', subscription.id, message.deliveryId);
    expect(stored!.status).toBe('failed');
    expect(takeAll()).toEqual([]);
    expect(transport.calls).toEqual([]);
  });

  it('opens the circuit after repeated failures, defers without spending attempts, and probes after the cooldown', async () => {
    const { subscription } = await subscribe(['ticket.created']);
    transport.script.push(...Array<number>(CIRCUIT_FAILURE_THRESHOLD).fill(503));
    for (let i = 0; i < CIRCUIT_FAILURE_THRESHOLD; i++) await fanOut()(ticketEvent(`ev_fail_${i}`));
    for (const message of takeAll()) expect(await deliver()(message)).toMatchObject({ outcome: 'retrying' });
    takeAll();
    expect((await uc.getSubscription(admin, subscription.id)).circuit).toMatchObject({
      state: 'open',
      consecutiveFailures: CIRCUIT_FAILURE_THRESHOLD,
    });

    await fanOut()(ticketEvent('ev_while_open'));
    const [waiting] = takeAll();
    // The wait to the end of the cooldown, spread (+0–30 %; random() is 0.5 here).
    const spread = spreadDeferral(CIRCUIT_BASE_COOLDOWN_SECONDS, 0.5);
    expect(spread).toBeGreaterThan(CIRCUIT_BASE_COOLDOWN_SECONDS);
    expect(await deliver()(waiting!)).toEqual({ outcome: 'deferred', seconds: spread, circuit: 'open' });
    const [deferred] = takeAll();
    expect(deferred).toMatchObject({ attempt: 1, delaySeconds: spread });
    const stored = await ports.webhooks.deliveries.get('acme', subscription.id, waiting!.deliveryId);
    expect(stored!.attempts).toEqual([]);
    expect(transport.calls).toHaveLength(CIRCUIT_FAILURE_THRESHOLD);

    // A redelivered event does not queue the deferred delivery again: its message is alive, due later.
    expect(await fanOut()(ticketEvent('ev_while_open'))).toMatchObject({ duplicates: 1, resent: 0 });
    expect(takeAll()).toEqual([]);

    // After the cooldown this delivery is the probe; it succeeds and the circuit closes.
    ports.clock.advance(spread * 1000);
    expect(await deliver()(deferred!)).toMatchObject({ outcome: 'delivered' });
    expect((await uc.getSubscription(admin, subscription.id)).circuit).toMatchObject({
      state: 'closed',
      consecutiveFailures: 0,
    });
  });

  it('re-opens for longer when the probe fails, one probe at a time', async () => {
    const { subscription } = await subscribe(['ticket.created']);
    transport.script.push(...Array<number>(CIRCUIT_FAILURE_THRESHOLD + 1).fill(500));
    for (let i = 0; i < CIRCUIT_FAILURE_THRESHOLD + 2; i++) await fanOut()(ticketEvent(`ev_${i}`));
    const messages = takeAll();
    for (const message of messages.slice(0, CIRCUIT_FAILURE_THRESHOLD)) await deliver()(message);
    takeAll();
    ports.clock.advance(CIRCUIT_BASE_COOLDOWN_SECONDS * 1000);
    // The probe's request hangs until released.
    let release = () => {};
    const answered = new Promise<void>((resolve) => {
      release = resolve;
    });
    const send = transport.send.bind(transport);
    let started = () => {};
    const sending = new Promise<void>((resolve) => {
      started = resolve;
    });
    transport.send = async (request) => {
      started();
      await answered;
      return send(request);
    };
    const probe = deliver()(messages[CIRCUIT_FAILURE_THRESHOLD]!);
    await sending;
    // While the probe is in flight, the circuit is half-open and another delivery waits.
    expect((await ports.webhooks.subscriptions.circuit('acme', subscription.id)).state).toBe('half_open');
    expect(await deliver()(messages[CIRCUIT_FAILURE_THRESHOLD + 1]!)).toMatchObject({ outcome: 'deferred' });
    release();
    expect(await probe).toMatchObject({ outcome: 'retrying' });
    expect((await uc.getSubscription(admin, subscription.id)).circuit).toMatchObject({
      state: 'open',
      cooldownSeconds: CIRCUIT_BASE_COOLDOWN_SECONDS * 2,
    });
  });
});

describe('deliveries and redelivery', () => {
  it('lists deliveries newest first and redelivers one with the same webhook-id', async () => {
    const { subscription } = await subscribe(['*']);
    await fanOut()(ticketEvent('ev_1'));
    ports.clock.advance(1000);
    await fanOut()(ticketEvent('ev_2', 'comment.added'));
    const messages = takeAll();
    for (const message of messages) await deliver()(message);
    const page = await uc.listDeliveries(admin, subscription.id, { limit: 10 });
    expect(page.items.map((d) => d.eventId)).toEqual(['ev_2', 'ev_1']);

    const first = page.items[1]!;
    const again = await uc.redeliver(admin, subscription.id, first.id);
    expect(again).toMatchObject({ id: first.id, status: 'pending', round: 2, nextAttempt: 1 });
    const [message] = takeAll();
    expect(message).toMatchObject({ deliveryId: first.id, round: 2, attempt: 1, delaySeconds: 0 });
    // A message of the first round that turns up late is out of date.
    expect(await deliver()({ ...message!, round: 1 })).toMatchObject({ outcome: 'dropped' });
    expect(await deliver()(message!)).toMatchObject({ outcome: 'delivered' });
    expect(transport.calls.map((c) => c.id)).toEqual([
      messages[0]!.deliveryId,
      messages[1]!.deliveryId,
      first.id,
    ]);
    const stored = await ports.webhooks.deliveries.get('acme', subscription.id, first.id);
    expect(stored!.attempts.map((a) => [a.round, a.attempt, a.outcome])).toEqual([
      [1, 1, 'delivered'],
      [2, 1, 'delivered'],
    ]);
  });

  it('refuses to redeliver one still being attempted, or for a disabled subscription', async () => {
    const { subscription } = await subscribe();
    transport.script.push(500);
    await fanOut()(ticketEvent('ev_1'));
    const [message] = takeAll();
    // Attempt 1 failed, attempt 2 is on its way.
    expect(await deliver()(message!)).toMatchObject({ outcome: 'retrying' });
    const [retry] = takeAll();
    expect((await rejection(uc.redeliver(admin, subscription.id, message!.deliveryId))).code).toBe(
      'conflict',
    );
    ports.clock.advance(retry!.delaySeconds * 1000);
    await deliver()(retry!);
    await uc.updateSubscription(admin, subscription.id, { enabled: false });
    expect((await rejection(uc.redeliver(admin, subscription.id, message!.deliveryId))).code).toBe(
      'conflict',
    );
    expect((await rejection(uc.redeliver(admin, subscription.id, 'dlv_nope'))).code).toBe('conflict');
    expect((await rejection(uc.listDeliveries(admin, 'sub_nope', { limit: 10 }))).code).toBe('not_found');
  });

  it('lets a redelivery whose message could not be queued be tried again at once', async () => {
    const { subscription } = await subscribe();
    transport.script.push(...Array<number>(MAX_ATTEMPTS).fill(500));
    await fanOut()(ticketEvent('ev_1'));
    let next: QueuedDelivery | undefined = takeAll()[0];
    const deliveryId = next!.deliveryId;
    while (next) {
      await deliver()(next);
      ports.clock.advance(2 * 60 * 60 * 1000);
      [next] = takeAll();
    }
    const send = ports.webhooks.queue.send.bind(ports.webhooks.queue);
    ports.webhooks.queue.send = async () => {
      throw new Error('SQS is throttling');
    };
    await expect(uc.redeliver(admin, subscription.id, deliveryId)).rejects.toThrow('SQS is throttling');
    // Round 2 was saved but never queued: not a 409 for 15 minutes, a new round now.
    ports.webhooks.queue.send = send;
    ports.clock.advance(1_000);
    expect(await uc.redeliver(admin, subscription.id, deliveryId)).toMatchObject({
      round: 3,
      nextAttempt: 1,
    });
    const [message] = takeAll();
    expect(message).toMatchObject({ deliveryId, round: 3, attempt: 1 });
    expect(await deliver()(message!)).toMatchObject({ outcome: 'delivered' });
    // Once its round has begun (an attempt made, claimed or deferred), it is being attempted: a 409 again.
    transport.script.push(500);
    await uc.redeliver(admin, subscription.id, deliveryId);
    const [fourth] = takeAll();
    await deliver()(fourth!);
    expect((await rejection(uc.redeliver(admin, subscription.id, deliveryId))).code).toBe('conflict');
    const stored = await ports.webhooks.deliveries.get('acme', subscription.id, deliveryId);
    await ports.webhooks.deliveries.save(
      {
        ...stored!,
        round: 5,
        nextAttempt: 1,
        nextAttemptAt: ports.clock.now(),
        claimedAt: ports.clock.now(),
      },
      stored!.revision,
    );
    expect((await rejection(uc.redeliver(admin, subscription.id, deliveryId))).code).toBe('conflict');
  });
});
