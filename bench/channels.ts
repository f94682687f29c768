/**
 * Channel figures on the local runtime (DynamoDB Local, the local queues and bus, every handler in this process):
 * the 202 latency of a signed generic channel message (one that creates a ticket, one that comments on its
 * conversation's ticket, a replayed webhook-id) against a plain `POST /v1/tickets` measured in the same rounds;
 * outbound webhooks from a ticket created to its signed `ticket.created` delivery at a receiver on 127.0.0.1
 * (each signature verified, each webhook-id counted); and the latency of a web form submission.
 *
 * The machine is shared and noisy: the message kinds, the form and the API baseline are interleaved round by round
 * (the three creates take turns going first), so a slow stretch weighs on all of them alike and the ratios hold.
 * Each create's background work (stream → bus → triage, routing) runs in this process during the later requests,
 * as it would on a busy deployment; the outbound part runs first, on a quiet runtime.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime.ts';
import { median, percentile, round } from './stats.ts';

// The handlers' structured logs would bury the table; warnings and errors still show.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

export interface LatencyFigure {
  readonly samples: number;
  readonly medianMs: number;
  readonly p95Ms: number;
}

export interface ChannelFigures {
  /** Signed messages to a `webhook` channel, one client, sequential; each kind `rounds` times. */
  readonly messages: {
    readonly rounds: number;
    readonly created: LatencyFigure;
    readonly commented: LatencyFigure;
    readonly duplicate: LatencyFigure;
    /** `POST /v1/tickets` with an admin key, interleaved with the messages: the baseline. */
    readonly apiCreate: LatencyFigure;
    /** Median of a message that creates a ticket / median of `POST /v1/tickets`. */
    readonly createdToApiMedianRatio: number;
    readonly createdToApiP95Ratio: number;
  };
  /** A `ticket.created` subscription to a receiver on 127.0.0.1, tickets created at a steady pace. */
  readonly outbound: {
    readonly tickets: number;
    readonly perSecond: number;
    readonly deliveries: number;
    /** From the `POST /v1/tickets` response to the receiver holding the signed delivery. */
    readonly createdToDeliveredMedianMs: number;
    readonly createdToDeliveredP95Ms: number;
    readonly createdToDeliveredMaxMs: number;
    /** Deliveries whose signature `standardwebhooks` refused: must be 0. */
    readonly signatureFailures: number;
    /** webhook-ids that arrived more than once, and tickets that got no or several deliveries: must be 0. */
    readonly duplicateWebhookIds: number;
    readonly ticketsWithoutExactlyOneDelivery: number;
  };
  /** `POST /v1/forms/{id}` as a browser posts it (urlencoded, answered with the thank-you page). */
  readonly webForm: LatencyFigure & {
    /** Median of a form submission / median of `POST /v1/tickets` (the same run). */
    readonly toApiMedianRatio: number;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function latency(samples: readonly number[]): LatencyFigure {
  return {
    samples: samples.length,
    medianMs: Math.round(median(samples)),
    p95Ms: Math.round(percentile(samples, 95)),
  };
}

/** One HTTP call, timed from the request sent to the whole body read. */
async function timed(
  url: string,
  init: RequestInit,
  expected: number,
): Promise<{ ms: number; body: Record<string, unknown> }> {
  const started = performance.now();
  const response = await fetch(url, init);
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== expected) {
    throw new Error(`${init.method} ${url}: ${response.status} (expected ${expected}) ${text}`);
  }
  const json = response.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : {};
  return { ms, body: json as Record<string, unknown> };
}

function apiCaller(runtime: LocalRuntime, key: string) {
  return async (method: string, path: string, body?: unknown) =>
    timed(
      `${runtime.apiUrl}${path}`,
      {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      },
      method === 'POST' ? 201 : 200,
    );
}

const ticketBody = (i: number, tag: string) => ({
  subject: `Order ${tag}-${i} arrived damaged`,
  comment: { body: 'Hello, the parcel was crushed and the mug inside is broken. Can you send another?' },
  requester: { email: `api-${tag}-${i}@bench.test`, name: `Customer ${i}` },
});

async function measureRequests(runtime: LocalRuntime, rounds: number, warmup: number) {
  const call = apiCaller(runtime, runtime.state.adminApiKey);
  const channel = (await call('POST', '/v1/channels', { type: 'webhook', name: 'Bench shop' })).body as {
    id: string;
    secret: string;
  };
  // Every submission comes from 127.0.0.1: a limit high enough not to refuse the run.
  const form = (
    await call('POST', '/v1/channels', {
      type: 'web_form',
      name: 'Contact us',
      webForm: { perIpPerHour: 10_000 },
    })
  ).body as { id: string };
  const signer = new Webhook(channel.secret);
  const send = async (webhookId: string, message: unknown) => {
    const body = JSON.stringify(message);
    const at = new Date();
    return timed(
      `${runtime.apiUrl}/v1/channels/${channel.id}/messages`,
      {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'webhook-id': webhookId,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signer.sign(webhookId, at, body),
        },
      },
      202,
    );
  };
  const message = (i: number, text: string) => ({
    conversationId: `order-${i}`,
    from: { id: `u-${i}`, name: `Dana ${i}`, email: `dana-${i}@bench.test` },
    text,
    sentAt: new Date().toISOString(),
  });

  const created: number[] = [];
  const commented: number[] = [];
  const duplicate: number[] = [];
  const apiCreate: number[] = [];
  const webForm: number[] = [];
  for (let i = 0; i < warmup + rounds; i++) {
    const keep = i >= warmup;
    const createId = `msg_bench_${i}_create`;
    let ticket: unknown;
    const viaChannel = async () => {
      const r = await send(createId, message(i, 'The parcel arrived crushed; the mug inside is broken.'));
      if (r.body.outcome !== 'created') throw new Error(`first message: outcome ${String(r.body.outcome)}`);
      if (keep) created.push(r.ms);
      ticket = r.body.ticket;
    };
    const viaApi = async () => {
      const r = await call('POST', '/v1/tickets', ticketBody(i, 'baseline'));
      if (keep) apiCreate.push(r.ms);
    };
    // As a browser posts the form: urlencoded, answered with the thank-you page.
    const viaForm = async () => {
      const fields = {
        name: `Erin ${i}`,
        email: `erin-${i}@bench.test`,
        message: `Do you ship order ${i} to Oslo?`,
        website: '',
      };
      const r = await timed(
        `${runtime.apiUrl}/v1/forms/${form.id}`,
        {
          method: 'POST',
          body: new URLSearchParams(fields).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
        202,
      );
      if (keep) webForm.push(r.ms);
    };
    // The three creates take turns going first, so none always follows another's background work.
    const creates = [viaChannel, viaApi, viaForm];
    for (let k = 0; k < creates.length; k++) await creates[(i + k) % creates.length]!();

    const comment = await send(`msg_bench_${i}_comment`, message(i, 'Here is a photo of the box.'));
    if (comment.body.outcome !== 'commented' || comment.body.ticket !== ticket) {
      throw new Error(`second message: ${JSON.stringify(comment.body)}, expected a comment on ${ticket}`);
    }
    if (keep) commented.push(comment.ms);
    const replay = await send(createId, message(i, 'The parcel arrived crushed; the mug inside is broken.'));
    if (replay.body.outcome !== 'duplicate' || replay.body.ticket !== ticket) {
      throw new Error(
        `replayed webhook-id: ${JSON.stringify(replay.body)}, expected a duplicate of ${ticket}`,
      );
    }
    if (keep) duplicate.push(replay.ms);
  }
  return { created, commented, duplicate, apiCreate, webForm };
}

interface Arrival {
  readonly at: number;
  readonly webhookId: string;
  readonly ticket: number | undefined;
  readonly verified: boolean;
}

async function measureOutbound(runtime: LocalRuntime, total: number, perSecond: number) {
  const arrivals: Arrival[] = [];
  let secret = '';
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      let ticket: number | undefined;
      try {
        const payload = new Webhook(secret).verify(body, request.headers as Record<string, string>) as {
          data?: { ticket?: { number?: number } };
        };
        verified = true;
        ticket = payload.data?.ticket?.number;
      } catch {
        ticket = (JSON.parse(body) as { data?: { ticket?: { number?: number } } }).data?.ticket?.number;
      }
      arrivals.push({ at, webhookId: String(request.headers['webhook-id']), ticket, verified });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    // A tenant of its own: the channel rounds' tickets (demo tenant) send it nothing.
    const operator = apiCaller(runtime, runtime.state.operatorApiKey);
    const tenant = (
      await operator('POST', '/v1/tenants', { id: `bench-hooks-${Date.now().toString(36)}`, name: 'Hooks' })
    ).body as { apiKey: { secret: string } };
    const call = apiCaller(runtime, tenant.apiKey.secret);
    const subscription = (
      await call('POST', '/v1/subscriptions', { url: receiverUrl, events: ['ticket.created'] })
    ).body as { id: string; secret: string };
    secret = subscription.secret;

    // Warm the pipeline (stream poller, bus, both webhook workers) with one ticket, not counted.
    await call('POST', '/v1/tickets', ticketBody(0, 'warmup'));
    const warmDeadline = Date.now() + 30_000;
    while (arrivals.length === 0 && Date.now() < warmDeadline) await sleep(50);
    if (arrivals.length === 0) throw new Error('the warm-up ticket was not delivered within 30 s');
    await sleep(500);
    arrivals.length = 0;

    // A steady stream, as events arrive in practice: the latency a delivery sees, not a backlog's.
    const createdAt = new Map<number, number>();
    for (let i = 0; i < total; i++) {
      const started = performance.now();
      const ticket = await call('POST', '/v1/tickets', ticketBody(i, 'hooks'));
      createdAt.set(ticket.body.number as number, performance.now());
      await sleep(Math.max(0, 1000 / perSecond - (performance.now() - started)));
    }
    const deadline = Date.now() + 60_000;
    const delivered = () => new Set(arrivals.map((a) => a.ticket)).size;
    while (delivered() < total && Date.now() < deadline) await sleep(100);
    // A moment more, to see any second delivery of a webhook-id.
    await sleep(1_500);

    const latencies: number[] = [];
    const perTicket = new Map<number, number>();
    for (const a of arrivals) {
      if (a.ticket === undefined || !createdAt.has(a.ticket)) continue;
      perTicket.set(a.ticket, (perTicket.get(a.ticket) ?? 0) + 1);
      if (perTicket.get(a.ticket) === 1) latencies.push(a.at - createdAt.get(a.ticket)!);
    }
    const ids = arrivals.map((a) => a.webhookId);
    return {
      latencies,
      deliveries: arrivals.length,
      signatureFailures: arrivals.filter((a) => !a.verified).length,
      duplicateWebhookIds: ids.length - new Set(ids).size,
      ticketsWithoutExactlyOneDelivery: [...createdAt.keys()].filter((n) => perTicket.get(n) !== 1).length,
    };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

export async function measureChannels(
  options: { rounds?: number; webhookTickets?: number; perSecond?: number } = {},
): Promise<ChannelFigures> {
  const { rounds = 80, webhookTickets = 30, perSecond = 3 } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'deskless-bench-channels-'));
  const runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0, smtpPort: 0 });
  try {
    // Outbound first, on a quiet runtime; then the request latencies, interleaved round by round.
    const outbound = await measureOutbound(runtime, webhookTickets, perSecond);
    const messages = await measureRequests(runtime, rounds, 3);
    const form = messages.webForm;
    const api = latency(messages.apiCreate);
    const created = latency(messages.created);
    const webForm = latency(form);
    return {
      messages: {
        rounds,
        created,
        commented: latency(messages.commented),
        duplicate: latency(messages.duplicate),
        apiCreate: api,
        createdToApiMedianRatio: round(median(messages.created) / median(messages.apiCreate)),
        createdToApiP95Ratio: round(percentile(messages.created, 95) / percentile(messages.apiCreate, 95)),
      },
      outbound: {
        tickets: webhookTickets,
        perSecond,
        deliveries: outbound.deliveries,
        createdToDeliveredMedianMs: Math.round(median(outbound.latencies)),
        createdToDeliveredP95Ms: Math.round(percentile(outbound.latencies, 95)),
        createdToDeliveredMaxMs: Math.round(Math.max(...outbound.latencies)),
        signatureFailures: outbound.signatureFailures,
        duplicateWebhookIds: outbound.duplicateWebhookIds,
        ticketsWithoutExactlyOneDelivery: outbound.ticketsWithoutExactlyOneDelivery,
      },
      webForm: { ...webForm, toApiMedianRatio: round(median(form) / median(messages.apiCreate)) },
    };
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
