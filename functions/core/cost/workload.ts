import {
  type EventPattern,
  functions,
  mail,
  type QueueDefinition,
  queues,
  schedules,
} from '../../topology.ts';
import { DomainError, type FieldError } from '../errors.ts';
import { TIMER_SHARDS } from '../timers.ts';
import { deploymentFootprint } from './footprint.ts';
import { METER_NAMES, type Meter, type Usage } from './meters.ts';

/**
 * A month (or `days`) of help-desk traffic, described the way a support lead would: how many tickets, how
 * they arrive, how much back and forth each one has. `usageForWorkload` turns it into usage per meter, which
 * `bill` prices. Every figure below that is not a parameter is a named constant saying where it comes from:
 * "measured" (the README's performance tables, from `npm run bench`), "from the code" (what the code path
 * does, counted by reading it) or "assumed" (an estimate nobody has measured yet: metering will replace it
 * with what a deployment really uses).
 */
export interface Workload {
  readonly ticketsPerMonth: number;
  /**
   * Customer mails received per ticket, the one that opens it included. A ticket with at least one mail was
   * opened by mail; below 1, that share of tickets is opened by mail and the rest through the API (a web form,
   * a channel integration). Mails after the first are customer replies by mail.
   */
  readonly emailsPerTicket: number;
  /** Public replies agents write per ticket (each one is mailed on an email ticket). */
  readonly repliesPerTicket: number;
  /** Other agent changes per ticket (status, priority…); the last one solves the ticket. */
  readonly agentUpdatesPerTicket: number;
  /** Attachment bytes per email ticket, in KB, arriving with its first mail. */
  readonly attachmentsKbPerTicket: number;
  /** Attachment files per email ticket (one S3 object each). */
  readonly attachmentsPerTicket: number;
  /** Triage classifies with Amazon Bedrock (otherwise the built-in classifier, which costs only CPU time). */
  readonly aiTriage: boolean;
  /** The first mail of an email ticket is acknowledged (the default email settings). */
  readonly acknowledgements: boolean;
  /** SLA warnings and breaches that fire per ticket (0 when agents keep to the targets). */
  readonly slaEventsPerTicket: number;
  /** Months of tickets the table and the bucket hold (storage grows with history: it is never deleted). */
  readonly monthsOfHistory: number;
  /** Length of the period, for the parts that run on a clock (the sweeper, idle queue polling). */
  readonly days: number;
}

export const DEFAULT_WORKLOAD: Omit<Workload, 'ticketsPerMonth'> = {
  emailsPerTicket: 2,
  repliesPerTicket: 2,
  agentUpdatesPerTicket: 2,
  attachmentsKbPerTicket: 0,
  attachmentsPerTicket: 0,
  aiTriage: false,
  acknowledgements: true,
  slaEventsPerTicket: 0,
  monthsOfHistory: 12,
  days: 30,
};

// ─── Lambda ──────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Handler time per invocation, in ms (assumed: no deployed measurement exists yet). In-region DynamoDB round
 * trips take ~5–10 ms, SQS, EventBridge and SES calls ~20–60 ms; the CPU work is small (the built-in
 * classifier takes 0.48 ms a ticket, MIME parsing 0.36 ms a mail: measured). `work` is an invocation that
 * writes, `skip` one that reads and decides there is nothing to do.
 */
const HANDLER_MS: Readonly<Record<string, { readonly work: number; readonly skip: number }>> = {
  /** 1–4 DynamoDB round trips (README "operations" table) plus request validation. */
  api: { work: 40, skip: 25 },
  /** One GetItem of the key's hash. */
  authorizer: { work: 15, skip: 15 },
  /** One PutEvents call for the batch. */
  dispatcher: { work: 50, skip: 50 },
  /** S3 GetObject of the raw MIME, parsing, sanitising, 5–7 DynamoDB round trips, S3 puts of attachments. */
  emailIn: { work: 250, skip: 250 },
  /** 4 reads, SES SendEmail, 2 writes; a comment that sends nothing stops after the reads. */
  emailOut: { work: 150, skip: 40 },
  /** 4 reads, classification, one transaction; rules only: 2 reads. */
  triage: { work: 80, skip: 30 },
  /** 4 reads and the assignment transaction; an ignored event does no I/O. */
  routing: { work: 80, skip: 5 },
  /** A few counter ADDs for the batch. */
  metering: { work: 20, skip: 20 },
  /** 8 shard queries in parallel; `work` is per due timer claimed and sent. */
  sweeper: { work: 5, skip: 40 },
  /** Ticket, timeline, the timer's effect in one transaction. */
  timer: { work: 80, skip: 30 },
};
/** A function this model has no figures for yet (a later capability's worker). */
const UNKNOWN_HANDLER_MS = { work: 50, skip: 20 };

/**
 * Cold-start INIT time, ms, billed since 2025-08-01 (measured: README "init (fresh node)" per bundle; the
 * sweeper and timer were not benchmarked, so they take the "SDK floor" row, a bundle with the DynamoDB client
 * only).
 */
const INIT_MS: Readonly<Record<string, number>> = {
  api: 146.3,
  authorizer: 125.7,
  dispatcher: 124.3,
  emailIn: 173.3,
  emailOut: 135.5,
  triage: 183.8,
  routing: 147,
};
const SDK_FLOOR_INIT_MS = 118.8;
/** Share of invocations that start a new execution environment (assumed: AWS reports under 1 % in production). */
const COLD_START_SHARE = 0.01;
/** While triage waits for Bedrock, Lambda bills the wait (assumed model latency for a short JSON answer). */
const BEDROCK_LATENCY_MS = 1_000;

/**
 * Log bytes ingested per invocation, as metering counts them (adapters/metering/logs.ts): Lambda's
 * START/END/REPORT lines (368 bytes with CloudWatch's 26 bytes per event, estimated from their format) and the
 * structured Powertools lines of the handler, each plus 26 (measured on the local runtime: see
 * LOGGED_BYTES_PER_INVOCATION).
 */
const PLATFORM_LOG_BYTES_PER_INVOCATION = 368;
/**
 * What the handlers' logger writes per invocation, 26 bytes per line included (measured: the end-to-end cost
 * test's workload on the local runtime, 7 tickets, logged 179,420 bytes over 261 metered invocations, 687 each,
 * less the 368 of Lambda's lines = 319; mostly one `…: done` line per queue message, none per API request).
 */
const LOGGED_BYTES_PER_INVOCATION = 320;
const LOG_BYTES_PER_INVOCATION = PLATFORM_LOG_BYTES_PER_INVOCATION + LOGGED_BYTES_PER_INVOCATION;

/**
 * The authorizer's answer is cached per key for `authorizerCacheSeconds` (60 s, topology.ts); an agent's
 * requests come in bursts (list, open, read, write within a minute), so about one in four calls misses the
 * cache (assumed).
 */
const AUTHORIZER_CALLS_PER_API_REQUEST = 0.25;

// ─── Queues ──────────────────────────────────────────────────────────────────────────────────────────────

/**
 * SQS requests per message: SendMessage, ReceiveMessage, DeleteMessage (from the code: every queue is fed
 * by a bus rule, SNS or a function, and drained by a Lambda event source mapping). Batches of up to 10 share a
 * receive and a delete; at a help desk's rates most batches hold one message, so none is assumed shared, and
 * each consumer invocation is assumed to handle one message. Messages are a few KB: one 64 KB chunk.
 */
const SQS_REQUESTS_PER_MESSAGE = 3;
/**
 * Lambda long-polls every queue it consumes, with about five pollers waiting 20 s each: ~15 empty receives a
 * minute per queue, billed even when idle (observed by users of SQS event sources; AWS does not document
 * the figure). At load the pollers receive messages instead, so this slightly over-counts a busy month.
 */
const IDLE_RECEIVES_PER_QUEUE_MINUTE = 15;

// ─── DynamoDB (read and write units per step) ────────────────────────────────────────────────────────────

/**
 * The README "operations" table (measured against DynamoDB Local, which reports consumed capacity as
 * DynamoDB does):
 * - create ticket (known requester, with group): 2 RRU, 15 WRU;
 * - get ticket with timeline: 1.5 RRU (GET ticket and GET timeline);
 * - update ticket (priority + status): 1.5 RRU, 22 WRU;
 * - comment (agent): 1.5 RRU, 22 WRU;
 * - comment (customer reply, reopens): 3.5 RRU, 22 WRU;
 * - list queue (group + status, 25): 1 RRU.
 */
const MEASURED = {
  createTicket: { rru: 2, wru: 15 },
  getTicketWithTimeline: { rru: 1.5, wru: 0 },
  updateTicket: { rru: 1.5, wru: 22 },
  agentComment: { rru: 1.5, wru: 22 },
  customerReply: { rru: 3.5, wru: 22 },
  listQueuePage: { rru: 1, wru: 0 },
} as const;

/** Read units: a strongly consistent read of an item up to 4 KB is 1, eventually consistent 0.5. */
const CONSISTENT_GET = 1;
const EVENTUAL_GET = 0.5;
/** One item of up to 1 KB written in a transaction costs 2 write units, outside one 1. */
const TRANSACTIONAL_SMALL_ITEM = 2;
const SMALL_ITEM_WRITE = 1;

/**
 * A change of an existing ticket written by a worker (triage verdict, assignment, timer effect) is the same
 * transaction as an agent's PATCH: the ticket item, its view-index copies and one timeline event. The measured
 * PATCH (22 WRU, a status change moving the ticket in three indexes) is used as its cost: an upper bound for a
 * change that moves no index.
 */
const TICKET_CHANGE_WRU = MEASURED.updateTicket.wru;
/** The "handled" marker (`DONE#{consumer}#{eventId}`) in the same transaction (from the code). */
const DONE_MARKER_WRU = TRANSACTIONAL_SMALL_ITEM;

/**
 * email-in, before the ticket is created or commented (from the code, receive-email.ts): the support
 * address's tenant (GetItem, eventually consistent), the Message-ID de-duplication check (consistent GetItem).
 */
const EMAIL_IN_LOOKUP_RRU = EVENTUAL_GET + CONSISTENT_GET;
/** A new ticket by mail: the sender's token bucket, read consistently and written back (from the code). */
const EMAIL_IN_RATE_LIMIT = { rru: CONSISTENT_GET, wru: SMALL_ITEM_WRITE };
/**
 * A reply by mail: its In-Reply-To and References looked up (BatchGetItem, ~2 ids, eventually consistent) and
 * the thread's ticket read (consistent GetItem) before the comment (from the code).
 */
const EMAIL_IN_THREADING_RRU = 2 * EVENTUAL_GET + CONSISTENT_GET;
/** The mail's Message-ID item, written in the ticket transaction (from the code: `inboundMessage`). */
const MESSAGE_ID_WRU = TRANSACTIONAL_SMALL_ITEM;

/**
 * triage (from the code, triage-ticket.ts): the rules (one Query), the tenant's triage model (GetItem) when it
 * classifies, the ticket (consistent GetItem); for a new ticket also its first comment (timeline Query).
 */
const TRIAGE_RULES_RRU = CONSISTENT_GET;
const TRIAGE_MODEL_RRU = CONSISTENT_GET;
const TRIAGE_FIRST_COMMENT_RRU = CONSISTENT_GET;

/**
 * routing (from the code, routing.ts): assignment reads the ticket, the group (consistent), the group's agents
 * (Query) and the routing settings, then writes the ticket change with the agent's load and the group's
 * round-robin cursor (each a conditional small item) and the handled marker.
 */
const ROUTING_ASSIGN = {
  rru: 3 * CONSISTENT_GET + EVENTUAL_GET,
  wru: TICKET_CHANGE_WRU + 2 * TRANSACTIONAL_SMALL_ITEM + DONE_MARKER_WRU,
};
/** A solved or closed ticket frees capacity: the agent and the oldest queued tickets of its groups are read. */
const ROUTING_DRAIN_RRU = CONSISTENT_GET + 2 * EVENTUAL_GET;
/** A later verdict on an assigned ticket: routing reads the ticket and leaves it. */
const ROUTING_ALREADY_ASSIGNED_RRU = CONSISTENT_GET;

/**
 * email-out (from the code, send-email.ts): the ticket and the event (consistent), the email settings, the
 * thread's Message-IDs (timeline Query; email comments carry their text, ~3 units), then, when it sends, the
 * sent-id check; it records our Message-ID and SES's (two puts) and appends `email_sent` (one transaction).
 */
const EMAIL_OUT_READ_RRU = 2 * CONSISTENT_GET + EVENTUAL_GET + 3;
const EMAIL_OUT_SEND = {
  rru: EMAIL_OUT_READ_RRU + CONSISTENT_GET,
  wru: 2 * SMALL_ITEM_WRITE + TRANSACTIONAL_SMALL_ITEM,
};

/**
 * The metering worker also writes the reporting counters of each event (core/reporting: per tenant, group,
 * channel and agent): ~1.5 small writes an event (assumed, not measured).
 */
const REPORTING_WRU_PER_EVENT = 1.5;
/**
 * Its usage counters (core/metering.ts): a ticket created, a mail sent and a ticket solved each move one, and
 * each write of counters also adds metering's own overhead counter: 2 counter writes per such event, with
 * batches of one event (from the code: usage-store.ts).
 */
const USAGE_COUNTER_WRITES_PER_COUNTED_EVENT = 2;

/**
 * Measured usage (capacity, Lambda time, logs, S3, Bedrock) is kept per container and flushed at most once a
 * minute (adapters/metering/buffer.ts): one counter write per counter the function records for the tenant
 * (from the code), plus metering's own overhead counter. Every metered function records its invocations,
 * GB-seconds, log bytes and the overhead (4); then what it uses besides.
 */
const FLUSH_COUNTERS_COMMON = 4;
const FLUSH_COUNTERS_EXTRA: Readonly<Record<string, number>> = {
  /** api.requests, dynamodb.rru, dynamodb.wru */
  api: 3,
  /** dynamodb.rru (the key lookup) */
  authorizer: 1,
  /** events.published */
  dispatcher: 1,
  /** sqs.requests, dynamodb.rru/wru, ses.mails_in, ses.chunks_in, s3.gets, s3.puts, s3.bytes_written */
  emailIn: 8,
  /** sqs.requests, dynamodb.rru/wru */
  emailOut: 3,
  /** sqs.requests, dynamodb.rru/wru, triage.builtin_calls (Bedrock: bedrock.calls and tokens, 2 more) */
  triage: 4,
  metering: 3,
  routing: 3,
  timer: 3,
  /** scheduler.invocations, dynamodb.rru */
  sweeper: 2,
};
const FLUSH_COUNTERS_BEDROCK = 2;
/** A function this model has no figures for. */
const FLUSH_COUNTERS_UNKNOWN_EXTRA = 3;
/** A consumer this model has no figures for: one read and one small write per event (assumed). */
const UNKNOWN_CONSUMER = { rru: CONSISTENT_GET, wru: SMALL_ITEM_WRITE };

/**
 * Timers (from the code, sweep-timers.ts and fire-timer.ts). An idle sweep queries each of the TIMER_SHARDS
 * shards and finds nothing: DynamoDB bills 0.5 RRU for an empty Query (README: 4 RRU per idle sweep). Each due
 * timer adds a share of a page (README: 100 due cost 5 RRU instead of 4) and its claim, an UpdateItem of the
 * timer item and its `dueTimers` index entry. The timer worker reads the ticket and its timeline and writes
 * the effect: a ticket change, the done-marker and the timer item's removal (item + index entry).
 */
const SWEEP_IDLE_RRU = TIMER_SHARDS * EVENTUAL_GET;
const SWEEP_PER_DUE = { rru: 0.01, wru: 2 * SMALL_ITEM_WRITE };
const TIMER_FIRE = {
  rru: MEASURED.updateTicket.rru + CONSISTENT_GET,
  wru: TICKET_CHANGE_WRU + DONE_MARKER_WRU + TRANSACTIONAL_SMALL_ITEM + SMALL_ITEM_WRITE,
};
/** Solving arms the auto-close timer: a TIMER item and its index entry in the solving transaction. */
const ARM_TIMER_WRU = TRANSACTIONAL_SMALL_ITEM + SMALL_ITEM_WRITE;

/** Before each reply or update, an agent lists a queue page and opens the ticket with its timeline (assumed). */
const AGENT_READS = {
  apiRequests: 3,
  rru: MEASURED.listQueuePage.rru + MEASURED.getTicketWithTimeline.rru,
};

// ─── Mail, storage, model ────────────────────────────────────────────────────────────────────────────────

/** A customer mail without attachments, headers, text and HTML parts, as received (assumed; the corpus's are under 256 KB). */
const MAIL_KB = 30;
/** Attachments travel base64-encoded in the raw MIME: 4 bytes for every 3. */
const BASE64_OVERHEAD = 4 / 3;
/** Raw MIME expires after 90 days (lib/inbound-mail.ts, RAW_MIME_RETENTION); attachments are kept. */
const RAW_MIME_MONTHS = 3;
/** Each attachment is downloaded once by an agent (assumed). */
const DOWNLOADS_PER_ATTACHMENT = 1;
/** Mails Deskless sends record two Message-ID items (ours and SES's, from the code); received ones one. */
const MESSAGE_ID_ITEMS_PER_MAIL_OUT = 2;

/**
 * Stored bytes (assumed from the item shapes; DynamoDB adds 100 bytes of overhead per item and per index
 * entry): the ticket item (~2 KB with triage, SLA and timers) is projected whole (`ALL`) into the view indexes
 * it appears in — about five of byGroup, byRequester, byAssignee, byStatus, byActivity, bySla, byQueue — so it
 * is stored six times; a timeline event is ~0.6 KB; a comment that came by mail also keeps the mail's text and
 * sanitised HTML (~8 KB); a Message-ID item ~0.2 KB.
 */
const TICKET_ITEM_BYTES = 2_048 + 100;
const TICKET_ITEM_COPIES = 6;
const EVENT_ITEM_BYTES = 600 + 100;
const EMAIL_COMMENT_EXTRA_BYTES = 8 * 1_024;
const MESSAGE_ID_ITEM_BYTES = 200 + 100;

/**
 * One classification by Bedrock (from the code, prompt-v1.ts: a ~3.4 KB instruction with keyword hints, the
 * subject and up to 4,000 characters of the message, ~4 characters a token, so ~1,200 input tokens; an answer
 * of at most MAX_ANSWER_TOKENS = 200, a JSON verdict of ~100).
 */
const AI_INPUT_TOKENS_PER_CALL = 1_200;
const AI_OUTPUT_TOKENS_PER_CALL = 100;

const KB = 1_024;
const GB = 1_024 ** 3;
const MINUTES_PER_DAY = 24 * 60;

// ─── The model ───────────────────────────────────────────────────────────────────────────────────────────

/** Usage being summed; quantities may be fractional (a share of tickets, an average per ticket). */
class Tally {
  readonly usage: Record<Meter, number> = Object.fromEntries(METER_NAMES.map((m) => [m, 0])) as Record<
    Meter,
    number
  >;
  events = 0;
  emailComments = 0;
  /** Invocations and billed milliseconds per function: what the metering flushes follow. */
  readonly invocations: Record<string, number> = {};
  readonly busyMs: Record<string, number> = {};

  add(meter: Meter, quantity: number): void {
    this.usage[meter] += quantity;
  }
}

type Channel = 'email' | 'api';

/** A timeline event as the outbox publishes it: what the bus rules and the consumers look at. */
interface Published {
  readonly type: string;
  readonly actor: 'customer' | 'agent' | 'system';
  readonly channel: Channel;
  readonly public?: boolean;
  /** The comment that opened the ticket (triage handles it with `ticket.created`). */
  readonly firstComment?: boolean;
  /** `ticket.status_changed`: the new status. */
  readonly to?: string;
  /** Whether the ticket has an assignee when the event is published. */
  readonly assigned: boolean;
}

/** What a consumer does with one event: DynamoDB units, whether it did real work, what it writes next. */
interface Work {
  readonly rru: number;
  readonly wru: number;
  readonly skip: boolean;
  /** A transaction whose events reach the outbox. */
  readonly emits?: readonly Published[];
  readonly mailsOut?: number;
  readonly classifies?: boolean;
  /** Usage counter writes of the metering worker. */
  readonly counterWrites?: number;
}

const nothing: Work = { rru: 0, wru: 0, skip: true };

/** Whether an event's detail matches a bus rule's detail pattern (exact values, nested), as EventBridge does. */
function matchesPattern(pattern: EventPattern, detail: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    // `$or`: one of the patterns must match (EventBridge's own `$or`).
    if (field === '$or') return (expected as readonly EventPattern[]).some((p) => matchesPattern(p, detail));
    const actual = detail[field];
    if (Array.isArray(expected)) return expected.includes(actual as string | number | boolean);
    return (
      actual !== null &&
      typeof actual === 'object' &&
      matchesPattern(expected as EventPattern, actual as Record<string, unknown>)
    );
  });
}

/** The queues a bus rule delivers this event to (topology.ts `events` and `detail`). */
function subscribers(event: Published): QueueDefinition[] {
  const detail = {
    ticket: { channel: event.channel },
    data: { public: event.public, to: event.to },
    actor: { type: event.actor },
  };
  return queues.filter(
    (queue) =>
      queue.events?.includes(event.type) === true &&
      queue.consumer !== undefined &&
      (queue.detail === undefined || matchesPattern(queue.detail, detail)),
  );
}

/** Whether the metering worker moves a usage counter for this event (core/metering.ts `usageOf`). */
function movesUsageCounter(event: Published): boolean {
  return (
    event.type === 'ticket.created' ||
    event.type === 'email.sent' ||
    (event.type === 'ticket.status_changed' && event.to === 'solved')
  );
}

class WorkloadModel {
  constructor(private readonly workload: Workload) {}

  /** What one ticket's lifecycle uses, on average over the workload's mix. */
  perTicket(): Tally {
    const w = this.workload;
    const t = new Tally();
    const byEmail = Math.min(1, w.emailsPerTicket);
    const byApi = 1 - byEmail;
    const mailReplies = w.emailsPerTicket - byEmail;

    // Opened by mail: SES stores the raw MIME in S3 and notifies SNS → the inbound queue → email-in.
    if (byEmail > 0) {
      const rawKb = MAIL_KB + w.attachmentsKbPerTicket * BASE64_OVERHEAD;
      this.receiveMail(t, byEmail, rawKb);
      t.add('s3.puts', byEmail * w.attachmentsPerTicket);
      t.add('s3.gets', byEmail * w.attachmentsPerTicket * DOWNLOADS_PER_ATTACHMENT);
      t.add(
        'dynamodb.rru',
        byEmail * (EMAIL_IN_LOOKUP_RRU + EMAIL_IN_RATE_LIMIT.rru + MEASURED.createTicket.rru),
      );
      t.add('dynamodb.wru', byEmail * (EMAIL_IN_RATE_LIMIT.wru + MEASURED.createTicket.wru + MESSAGE_ID_WRU));
      this.write(t, byEmail, this.opening('email'));
    }
    // Opened through the API (POST /v1/tickets).
    if (byApi > 0) {
      this.apiRequest(t, byApi, 'work');
      t.add('dynamodb.rru', byApi * MEASURED.createTicket.rru);
      t.add('dynamodb.wru', byApi * MEASURED.createTicket.wru);
      this.write(t, byApi, this.opening('api'));
    }
    // The customer writes again by mail: threaded onto the ticket, which reopens.
    if (mailReplies > 0) {
      this.receiveMail(t, mailReplies, MAIL_KB);
      t.add(
        'dynamodb.rru',
        mailReplies * (EMAIL_IN_LOOKUP_RRU + EMAIL_IN_THREADING_RRU + MEASURED.customerReply.rru),
      );
      t.add('dynamodb.wru', mailReplies * (MEASURED.customerReply.wru + MESSAGE_ID_WRU));
      t.emailComments += mailReplies;
      this.write(t, mailReplies, [
        { type: 'comment.added', actor: 'customer', channel: 'email', public: true, assigned: true },
        { type: 'ticket.status_changed', actor: 'customer', channel: 'email', to: 'open', assigned: true },
      ]);
    }

    // Agents: before each reply or update they list a queue and open the ticket.
    const agentActions = w.repliesPerTicket + w.agentUpdatesPerTicket;
    for (let i = 0; i < AGENT_READS.apiRequests; i++) this.apiRequest(t, agentActions, 'skip');
    t.add('dynamodb.rru', agentActions * AGENT_READS.rru);

    // Public replies (POST comments); the first takes the ticket from new to open.
    const firstReply = Math.min(1, w.repliesPerTicket);
    const laterReplies = w.repliesPerTicket - firstReply;
    for (const [channel, share] of [
      ['email', byEmail],
      ['api', byApi],
    ] as const) {
      if (share === 0) continue;
      const comment: Published = {
        type: 'comment.added',
        actor: 'agent',
        channel,
        public: true,
        assigned: true,
      };
      const opens: Published = {
        type: 'ticket.status_changed',
        actor: 'agent',
        channel,
        to: 'open',
        assigned: true,
      };
      this.agentWrite(t, share * firstReply, MEASURED.agentComment, [comment, opens]);
      this.agentWrite(t, share * laterReplies, MEASURED.agentComment, [comment]);
    }

    // Other changes (PATCH): the last one solves the ticket and arms its auto-close timer. Then the timers:
    // auto-close of every solved ticket, and the SLA warnings and breaches that fire.
    const solving = Math.min(1, w.agentUpdatesPerTicket);
    const otherUpdates = w.agentUpdatesPerTicket - solving;
    const solvingUnits = { rru: MEASURED.updateTicket.rru, wru: MEASURED.updateTicket.wru + ARM_TIMER_WRU };
    for (const [channel, share] of [
      ['email', byEmail],
      ['api', byApi],
    ] as const) {
      if (share === 0) continue;
      const status = (to: string, actor: Published['actor']): Published => ({
        type: 'ticket.status_changed',
        actor,
        channel,
        to,
        assigned: true,
      });
      this.agentWrite(t, share * otherUpdates, MEASURED.updateTicket, [status('pending', 'agent')]);
      this.agentWrite(t, share * solving, solvingUnits, [status('solved', 'agent')]);
      this.fireTimers(t, share * solving, [status('closed', 'system')]);
      this.fireTimers(t, share * w.slaEventsPerTicket, [
        { type: 'sla.warning', actor: 'system', channel, assigned: true },
      ]);
    }

    this.storage(t, byEmail);
    return t;
  }

  /** What runs whatever the traffic: the sweeper on its schedule, the pollers of every consumed queue. */
  baseline(): Tally {
    const t = new Tally();
    const minutes = this.workload.days * MINUTES_PER_DAY;
    for (const schedule of schedules) {
      const ticks = minutes / schedule.rateMinutes;
      t.add('scheduler.invocations', ticks);
      this.invoke(t, schedule.target, ticks, 'skip');
      if (schedule.target === 'sweeper') t.add('dynamodb.rru', ticks * SWEEP_IDLE_RRU);
    }
    t.add('sqs.requests', deploymentFootprint().polledQueues * IDLE_RECEIVES_PER_QUEUE_MINUTE * minutes);
    return t;
  }

  private opening(channel: Channel): Published[] {
    return [
      { type: 'ticket.created', actor: 'system', channel, assigned: false },
      {
        type: 'comment.added',
        actor: 'customer',
        channel,
        public: true,
        firstComment: true,
        assigned: false,
      },
    ];
  }

  /** SES receives a mail: S3 keeps the raw MIME, SNS notifies the inbound queue, email-in reads it. */
  private receiveMail(t: Tally, count: number, rawKb: number): void {
    const chunkKb = 256;
    t.add('ses.mails_in', count);
    t.add('ses.chunks_in', count * Math.max(1, Math.ceil(rawKb / chunkKb)));
    t.add('sns.publishes', count);
    t.add('s3.puts', count);
    t.add('s3.gets', count);
    const inbound = queues.find((queue) => queue.topic === mail.inboundTopic);
    t.add('sqs.requests', count * SQS_REQUESTS_PER_MESSAGE);
    this.invoke(t, inbound?.consumer ?? 'emailIn', count, 'work');
  }

  /** An HTTP API request: the API function, and the authorizer when its cache misses. */
  private apiRequest(t: Tally, count: number, kind: 'work' | 'skip'): void {
    t.add('api.requests', count);
    this.invoke(t, 'api', count, kind);
    this.invoke(t, 'authorizer', count * AUTHORIZER_CALLS_PER_API_REQUEST, 'work');
  }

  private agentWrite(
    t: Tally,
    count: number,
    units: { rru: number; wru: number },
    events: Published[],
  ): void {
    if (count === 0) return;
    this.apiRequest(t, count, 'work');
    t.add('dynamodb.rru', count * units.rru);
    t.add('dynamodb.wru', count * units.wru);
    this.write(t, count, events);
  }

  /** Due timers: claimed by the sweeper, sent to the timer queue, applied by the timer worker. */
  private fireTimers(t: Tally, count: number, events: Published[]): void {
    if (count === 0) return;
    this.invokeExtra(t, 'sweeper', count, HANDLER_MS.sweeper?.work ?? UNKNOWN_HANDLER_MS.work);
    t.add('dynamodb.rru', count * SWEEP_PER_DUE.rru);
    t.add('dynamodb.wru', count * SWEEP_PER_DUE.wru);
    t.add('sqs.requests', count * SQS_REQUESTS_PER_MESSAGE);
    this.invoke(t, 'timer', count, 'work');
    t.add('dynamodb.rru', count * TIMER_FIRE.rru);
    t.add('dynamodb.wru', count * TIMER_FIRE.wru);
    this.write(t, count, events);
  }

  /**
   * A transaction's timeline events reach the outbox: the stream invokes the dispatcher once for them (one
   * transaction's records arrive together), which puts each on the bus; each bus rule that matches sends it
   * to its queue, whose consumer handles it.
   */
  private write(t: Tally, count: number, events: readonly Published[]): void {
    if (count === 0 || events.length === 0) return;
    this.invoke(t, 'dispatcher', count, 'work');
    t.add('events.published', count * events.length);
    t.events += count * events.length;
    for (const event of events) {
      for (const queue of subscribers(event)) {
        t.add('sqs.requests', count * SQS_REQUESTS_PER_MESSAGE);
        const work = this.consume(queue.consumer!, event);
        const ms = this.handlerMs(queue.consumer!, work.skip ? 'skip' : 'work');
        this.invokeMs(
          t,
          queue.consumer!,
          count,
          work.classifies && this.workload.aiTriage ? ms + BEDROCK_LATENCY_MS : ms,
        );
        t.add('dynamodb.rru', count * work.rru);
        t.add('dynamodb.wru', count * work.wru);
        if (work.mailsOut) t.add('ses.mails_out', count * work.mailsOut);
        if (work.classifies && this.workload.aiTriage) {
          t.add('bedrock.calls', count);
          t.add('bedrock.input_tokens', count * AI_INPUT_TOKENS_PER_CALL);
          t.add('bedrock.output_tokens', count * AI_OUTPUT_TOKENS_PER_CALL);
        }
        if (work.counterWrites) t.add('metering.counter_writes', count * work.counterWrites);
        if (work.emits) this.write(t, count, work.emits);
      }
    }
  }

  /** What each consumer does with an event (see the units above for where each figure comes from). */
  private consume(consumer: string, event: Published): Work {
    switch (consumer) {
      case 'triage':
        return this.triage(event);
      case 'routing':
        return this.routing(event);
      case 'emailOut':
        return this.emailOut(event);
      case 'metering':
        return {
          rru: 0,
          wru: REPORTING_WRU_PER_EVENT,
          skip: false,
          counterWrites: movesUsageCounter(event) ? USAGE_COUNTER_WRITES_PER_COUNTED_EVENT : 0,
        };
      default:
        return { ...UNKNOWN_CONSUMER, skip: false };
    }
  }

  private triage(event: Published): Work {
    const triaged: Published = {
      type: 'ticket.triaged',
      actor: 'system',
      channel: event.channel,
      assigned: event.assigned,
    };
    const classify = (extraRru: number): Work => ({
      rru: TRIAGE_RULES_RRU + TRIAGE_MODEL_RRU + CONSISTENT_GET + extraRru,
      wru: TICKET_CHANGE_WRU + DONE_MARKER_WRU,
      skip: false,
      emits: [triaged],
      classifies: true,
    });
    if (event.type === 'ticket.created') return classify(TRIAGE_FIRST_COMMENT_RRU);
    if (event.type === 'comment.added') {
      // The opening comment is handled with ticket.created; an agent's comment only runs the rules.
      if (event.firstComment) return nothing;
      if (event.actor === 'customer' && event.public) return classify(0);
    }
    // Every other update runs the rules; none is assumed to fire (a firing rule writes like a PATCH).
    return { rru: TRIAGE_RULES_RRU + CONSISTENT_GET, wru: 0, skip: true };
  }

  private routing(event: Published): Work {
    if (event.type === 'ticket.triaged') {
      if (event.assigned) return { rru: ROUTING_ALREADY_ASSIGNED_RRU, wru: 0, skip: true };
      return {
        ...ROUTING_ASSIGN,
        skip: false,
        emits: [{ type: 'ticket.assigned', actor: 'system', channel: event.channel, assigned: true }],
      };
    }
    if (event.type === 'ticket.status_changed' && (event.to === 'solved' || event.to === 'closed')) {
      // Capacity freed: the queues of the agent's groups are read (agents are assumed to keep up: none waits).
      return { rru: ROUTING_DRAIN_RRU, wru: 0, skip: true };
    }
    return nothing;
  }

  private emailOut(event: Published): Work {
    const sends =
      event.type === 'comment.added' &&
      ((event.actor === 'agent' && event.public === true) ||
        (event.firstComment === true && this.workload.acknowledgements));
    // A solved email ticket gets the satisfaction survey mail (the tenant setting is on by default).
    const survey = event.type === 'ticket.status_changed' && event.to === 'solved';
    if (!sends && !survey) return { rru: EMAIL_OUT_READ_RRU, wru: 0, skip: true };
    return {
      ...EMAIL_OUT_SEND,
      skip: false,
      mailsOut: 1,
      emits: [{ type: 'email.sent', actor: 'system', channel: event.channel, assigned: event.assigned }],
    };
  }

  private handlerMs(fn: string, kind: 'work' | 'skip'): number {
    return (HANDLER_MS[fn] ?? UNKNOWN_HANDLER_MS)[kind];
  }

  private invoke(t: Tally, fn: string, count: number, kind: 'work' | 'skip'): void {
    this.invokeMs(t, fn, count, this.handlerMs(fn, kind));
  }

  /** Invocations of `fn`, each billed for `ms` plus its share of cold starts. */
  private invokeMs(t: Tally, fn: string, count: number, ms: number): void {
    if (count === 0) return;
    const initMs = INIT_MS[fn] ?? SDK_FLOOR_INIT_MS;
    t.add('lambda.requests', count);
    t.invocations[fn] = (t.invocations[fn] ?? 0) + count;
    this.invokeExtra(t, fn, count, ms + COLD_START_SHARE * initMs);
    t.add('logs.bytes', count * LOG_BYTES_PER_INVOCATION);
  }

  /** Billed time of `fn` without a new invocation (a sweep that also claims due timers runs longer). */
  private invokeExtra(t: Tally, fn: string, count: number, ms: number): void {
    const definition = (functions as Readonly<Record<string, { readonly memoryMb: number }>>)[fn];
    if (!definition)
      throw new Error(`the cost model names function "${fn}", which topology.ts does not define`);
    t.add('lambda.gb_seconds', count * (definition.memoryMb / 1024) * (ms / 1000));
    t.busyMs[fn] = (t.busyMs[fn] ?? 0) + count * ms;
  }

  /** Storage held for this ticket over the history kept (its share of the table, the bucket and the backups). */
  private storage(t: Tally, byEmail: number): void {
    const w = this.workload;
    const mailsOut = t.usage['ses.mails_out'];
    const tableBytes =
      TICKET_ITEM_BYTES * TICKET_ITEM_COPIES +
      t.events * EVENT_ITEM_BYTES +
      (byEmail + t.emailComments) * EMAIL_COMMENT_EXTRA_BYTES +
      (w.emailsPerTicket + mailsOut * MESSAGE_ID_ITEMS_PER_MAIL_OUT) * MESSAGE_ID_ITEM_BYTES;
    const tableGbMonths = (tableBytes / GB) * w.monthsOfHistory;
    t.add('dynamodb.storage_gb_month', tableGbMonths);
    t.add('dynamodb.pitr_gb_month', tableGbMonths);
    const rawMimeBytes =
      (w.emailsPerTicket * MAIL_KB + byEmail * w.attachmentsKbPerTicket * BASE64_OVERHEAD) * KB;
    const attachmentBytes = byEmail * w.attachmentsKbPerTicket * KB;
    // Written bytes are priced as stored RAW_MIME_MONTHS (the price table's s3.monthsStoredPerWrite): in a
    // steady month that is what the bucket holds of the raw MIME. Attachments are kept for the whole history:
    // the months beyond are storage no write pays for.
    t.add('s3.bytes_written', rawMimeBytes + attachmentBytes);
    t.add('s3.gb_month', (attachmentBytes * Math.max(0, w.monthsOfHistory - RAW_MIME_MONTHS)) / GB);
  }
}

const NUMBER_FIELDS = [
  'ticketsPerMonth',
  'emailsPerTicket',
  'repliesPerTicket',
  'agentUpdatesPerTicket',
  'attachmentsKbPerTicket',
  'attachmentsPerTicket',
  'slaEventsPerTicket',
  'monthsOfHistory',
  'days',
] as const;

/** The workload with defaults filled in, validated: every count finite and not negative, `days` above 0. */
export function workloadOf(input: Partial<Workload> & { readonly ticketsPerMonth: number }): Workload {
  const workload: Workload = { ...DEFAULT_WORKLOAD, ...input };
  const errors: FieldError[] = [];
  for (const field of NUMBER_FIELDS) {
    const value = workload[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      errors.push({ path: field, message: 'must be a finite number, 0 or more' });
    }
  }
  if (workload.days === 0) errors.push({ path: 'days', message: 'must be above 0' });
  for (const field of ['aiTriage', 'acknowledgements'] as const) {
    if (typeof workload[field] !== 'boolean') errors.push({ path: field, message: 'must be true or false' });
  }
  if (errors.length > 0) {
    throw new DomainError(
      'validation',
      `invalid workload: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      errors,
    );
  }
  return workload;
}

/**
 * Counter writes of the measured-usage flushes: each function flushes at most once a minute per container, at
 * the end of an invocation, so a function invoked less often than once a minute flushes after every
 * invocation, and a busy one once a minute per container (containers: its average concurrency, rounded up;
 * bursts that spread work over more containers are not modelled). Not linear in tickets: bounded by the clock.
 */
function flushCounterWrites(
  invocations: Readonly<Record<string, number>>,
  busyMs: Readonly<Record<string, number>>,
  workload: Workload,
): number {
  const minutes = workload.days * MINUTES_PER_DAY;
  let writes = 0;
  for (const [fn, count] of Object.entries(invocations)) {
    if (!(count > 0)) continue;
    const containers = Math.max(1, Math.ceil((busyMs[fn] ?? 0) / (minutes * 60_000)));
    const flushes = Math.min(count, minutes * containers);
    const counters =
      FLUSH_COUNTERS_COMMON +
      (FLUSH_COUNTERS_EXTRA[fn] ?? FLUSH_COUNTERS_UNKNOWN_EXTRA) +
      (fn === 'triage' && workload.aiTriage ? FLUSH_COUNTERS_BEDROCK : 0);
    writes += flushes * counters;
  }
  return writes;
}

/** The usage of a period: the baseline plus `tickets` × one ticket's, and the flushes that work causes. */
function periodUsage(workload: Workload): Usage {
  const model = new WorkloadModel(workload);
  const tickets = (workload.ticketsPerMonth * workload.days) / DEFAULT_WORKLOAD.days;
  const base = model.baseline();
  const one = model.perTicket();
  const at = (of: Record<string, number>, per: Record<string, number>) =>
    Object.fromEntries(
      [...new Set([...Object.keys(of), ...Object.keys(per)])].map((fn) => [
        fn,
        (of[fn] ?? 0) + tickets * (per[fn] ?? 0),
      ]),
    );
  const flushes = flushCounterWrites(
    at(base.invocations, one.invocations),
    at(base.busyMs, one.busyMs),
    workload,
  );
  const usage: Usage = {};
  for (const meter of METER_NAMES) {
    const quantity =
      base.usage[meter] + tickets * one.usage[meter] + (meter === 'metering.counter_writes' ? flushes : 0);
    if (quantity > 0) usage[meter] = quantity;
  }
  return usage;
}

/** The part of a period's usage that does not depend on tickets (the sweeper, idle queue polling). */
export function baselineUsage(days = DEFAULT_WORKLOAD.days): Usage {
  return periodUsage(workloadOf({ ticketsPerMonth: 0, days }));
}

/**
 * What one ticket of this workload uses, on average, at the margin: the measured-usage flushes
 * (`metering.counter_writes`), bounded by the clock rather than by tickets, are left out (see
 * usageForWorkload).
 */
export function usagePerTicket(input: Partial<Workload> & { readonly ticketsPerMonth?: number }): Usage {
  return new WorkloadModel(workloadOf({ ticketsPerMonth: 0, ...input })).perTicket().usage;
}

/**
 * The usage per meter a period of this workload produces: the baseline plus `ticketsPerMonth` (scaled to
 * `days` out of 30) times one ticket's usage. Affine in tickets by construction, but for one meter: the
 * counter writes of the measured-usage flushes (`metering.counter_writes`), at most one flush a minute per
 * function container, grow with tickets only until every function runs every minute.
 */
export function usageForWorkload(input: Partial<Workload> & { readonly ticketsPerMonth: number }): Usage {
  return periodUsage(workloadOf(input));
}
