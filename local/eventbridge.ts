/**
 * A local EventBridge: none of our emulators has one. It speaks the real AWS JSON 1.1 protocol for
 * `AWSEvents.PutEvents`, so the dispatcher's `@aws-sdk/client-eventbridge` works against it unchanged, and it
 * delivers each event to the SQS queues whose bus rule matches its detail-type, with the same envelope an
 * EventBridge rule with an SQS target sends.
 *
 * Besides the AWS operation it serves `GET /events` (the last events put, newest last; filter with
 * `?detail-type=` and `?source=`) and `DELETE /events`, for tests and the local console.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EventPattern } from '../functions/topology.ts';
import { localAccountId, localRegion } from './aws-env.ts';
import { type LocalLog, silentLog } from './log.ts';

/** What EventBridge hands to a rule's targets (and what an SQS target receives as the message body). */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: unknown;
}

/** A bus rule `{ "detail-type": [...], "detail": {...} }` with one SQS target. */
export interface QueueRule {
  readonly name: string;
  readonly detailTypes: readonly string[];
  readonly detail?: EventPattern;
  readonly queueUrl: string;
}

/**
 * EventBridge's matching for exact-value patterns: every field of the pattern must hold one of its values, and
 * of a `$or` list at least one pattern must match the same object.
 */
export function matchesPattern(pattern: EventPattern, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(pattern).every(([field, expected]) => {
    if (field === '$or') {
      return (expected as readonly EventPattern[]).some((branch) => matchesPattern(branch, value));
    }
    const actual = (value as Record<string, unknown>)[field];
    if (Array.isArray(expected)) return expected.includes(actual as string | number | boolean);
    return matchesPattern(expected as EventPattern, actual);
  });
}

export interface LocalEventBridgeOptions {
  /** Name of the one custom bus; PutEvents to it (by name or ARN) is routed, to `default` only recorded. */
  readonly busName: string;
  readonly rules?: readonly QueueRule[];
  /** Needed when there are rules: the client that delivers to the target queues. */
  readonly sqs?: SQSClient;
  readonly port?: number;
  readonly host?: string;
  /** How many events `GET /events` remembers. */
  readonly maxEvents?: number;
  readonly log?: LocalLog;
}

export interface LocalEventBridge {
  readonly endpoint: string;
  readonly port: number;
  /** Events put so far (at most `maxEvents`), oldest first. */
  events(): EventEnvelope[];
  clear(): void;
  /** Resolves once every delivery started so far has reached its queue (or given up). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** PutEvents limits, as documented for EventBridge. */
const maxEntries = 10;
const maxRequestEntriesBytes = 256 * 1024;
const deliveryAttempts = 3;

class ClientError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export async function startLocalEventBridge(options: LocalEventBridgeOptions): Promise<LocalEventBridge> {
  const log = options.log ?? silentLog;
  const rules = options.rules ?? [];
  if (rules.length > 0 && !options.sqs) throw new Error('rules with SQS targets need an SQS client');
  const maxEvents = options.maxEvents ?? 1000;
  const recorded: EventEnvelope[] = [];
  const inFlight = new Set<Promise<void>>();
  const busArn = `arn:aws:events:${localRegion}:${localAccountId}:event-bus/${options.busName}`;

  function busOf(entry: PutEventsEntry): 'custom' | 'default' | undefined {
    const name = entry.EventBusName;
    if (name === undefined || name === null || name === '' || name === 'default') return 'default';
    if (name === options.busName || name === busArn) return 'custom';
    return undefined;
  }

  function deliver(envelope: EventEnvelope): void {
    for (const rule of rules) {
      if (!rule.detailTypes.includes(envelope['detail-type'])) continue;
      if (rule.detail && !matchesPattern(rule.detail, envelope.detail)) continue;
      const delivery = sendWithRetries(rule, envelope).finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    }
  }

  async function sendWithRetries(rule: QueueRule, envelope: EventEnvelope): Promise<void> {
    // EventBridge retries a failing target for up to a day before its DLQ; locally a few tries, then a log line.
    for (let attempt = 1; attempt <= deliveryAttempts; attempt++) {
      try {
        await options.sqs!.send(
          new SendMessageCommand({ QueueUrl: rule.queueUrl, MessageBody: JSON.stringify(envelope) }),
        );
        return;
      } catch (error) {
        if (attempt === deliveryAttempts) {
          log.error('event not delivered to its queue', { rule: rule.name, eventId: envelope.id, error });
        } else {
          await new Promise((done) => setTimeout(done, 100 * 2 ** attempt));
        }
      }
    }
  }

  function putEvents(body: unknown): { FailedEntryCount: number; Entries: EntryResult[] } {
    const entries = (body as { Entries?: unknown } | null)?.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > maxEntries) {
      throw new ClientError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${maxEntries} and greater than or equal to 1`,
      );
    }
    const size = entries.reduce<number>((total, entry) => total + entrySize(entry as PutEventsEntry), 0);
    if (size > maxRequestEntriesBytes) {
      throw new ClientError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    const results = entries.map((entry: PutEventsEntry): EntryResult => {
      const invalid = validate(entry);
      if (invalid) return invalid;
      const bus = busOf(entry);
      if (!bus) {
        return {
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `Event bus ${String(entry.EventBusName)} does not exist.`,
        };
      }
      const envelope: EventEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType as string,
        source: entry.Source as string,
        account: localAccountId,
        time: eventTime(entry.Time),
        region: localRegion,
        resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
        detail: JSON.parse(entry.Detail as string),
      };
      recorded.push(envelope);
      if (recorded.length > maxEvents) recorded.splice(0, recorded.length - maxEvents);
      if (bus === 'custom') deliver(envelope);
      return { EventId: envelope.id };
    });
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/events' && request.method === 'GET') {
      const detailType = url.searchParams.get('detail-type');
      const source = url.searchParams.get('source');
      const events = recorded.filter(
        (event) =>
          (!detailType || event['detail-type'] === detailType) && (!source || event.source === source),
      );
      return sendJson(response, 200, { events }, 'application/json');
    }
    if (url.pathname === '/events' && request.method === 'DELETE') {
      recorded.length = 0;
      response.writeHead(204).end();
      return;
    }
    if (url.pathname === '/health' && request.method === 'GET') {
      return sendJson(response, 200, { status: 'ok' }, 'application/json');
    }
    const target = request.headers['x-amz-target'];
    if (request.method !== 'POST' || typeof target !== 'string') {
      return sendJson(response, 404, { message: 'Not Found' }, 'application/json');
    }
    try {
      if (target !== 'AWSEvents.PutEvents') {
        throw new ClientError(
          'UnknownOperationException',
          `${target} is not supported by the local EventBridge`,
        );
      }
      let body: unknown;
      try {
        body = JSON.parse((await readBody(request)).toString('utf8') || '{}');
      } catch {
        throw new ClientError('SerializationException', 'Request body is not valid JSON');
      }
      sendJson(response, 200, putEvents(body));
    } catch (error) {
      if (error instanceof ClientError) {
        sendJson(response, error.status, { __type: error.type, message: error.message });
      } else {
        log.error('local EventBridge failed', { error });
        sendJson(response, 500, { __type: 'InternalException', message: String(error) });
      }
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      log.error('local EventBridge request failed', { error });
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${host}:${port}`;
  log.debug('local EventBridge started', { endpoint, bus: options.busName, rules: rules.map((r) => r.name) });

  async function flush(): Promise<void> {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  }

  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port,
    events: () => [...recorded],
    clear: () => {
      recorded.length = 0;
    },
    flush,
    stop() {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await flush();
      })();
      return stopped;
    },
  };
}

/** Per-entry checks PutEvents reports in `Entries[i]` rather than failing the whole request. */
function validate(entry: PutEventsEntry): EntryResult | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[field] !== 'string' || entry[field] === '') {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  try {
    const detail: unknown = JSON.parse(entry.Detail as string);
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
      throw new Error('not an object');
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  return undefined;
}

/** The entry size EventBridge counts against the 256 KB request limit. */
function entrySize(entry: PutEventsEntry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  for (const field of [entry.Source, entry.DetailType, entry.Detail]) {
    if (typeof field === 'string') size += Buffer.byteLength(field, 'utf8');
  }
  if (Array.isArray(entry.Resources)) {
    for (const resource of entry.Resources) size += Buffer.byteLength(String(resource), 'utf8');
  }
  return size;
}

/** The SDK sends `Time` as epoch seconds; the envelope carries it as ISO-8601 without milliseconds. */
function eventTime(time: unknown): string {
  const millis =
    typeof time === 'number' ? time * 1000 : typeof time === 'string' ? Date.parse(time) : Number.NaN;
  const date = Number.isFinite(millis) ? new Date(millis) : new Date();
  return `${date.toISOString().slice(0, 19)}Z`;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/x-amz-json-1.1',
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}
