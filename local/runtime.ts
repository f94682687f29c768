/**
 * `npm start`: the whole platform on one machine. Real emulators (DynamoDB Local, fauxqs for SQS/SNS/S3, the
 * local EventBridge, the SES emulator, an SMTP server standing in for SES receiving) configured from
 * `functions/topology.ts`, and the same handler code Lambda runs, reached through a local API Gateway and local
 * event source mappings.
 *
 * Start order: DynamoDB Local → fauxqs (queues, DLQs, topics, subscriptions, buckets) → EventBridge → SES
 * emulator → handler environment → handlers → HTTP API → stream poller → SQS pollers → schedule tickers →
 * demo tenant and its mailbox → SMTP server → local.json. `stop()` runs the same list backwards, so mail stops
 * arriving first.
 *
 *   const runtime = await startLocalRuntime({ port: 0 });
 *   await fetch(`${runtime.apiUrl}/v1/tickets`, { headers: { authorization: `Bearer ${runtime.state.adminApiKey}` } });
 *   await runtime.stop();
 *
 * One runtime per process: handler modules are imported once and their SDK clients keep the endpoints they
 * were created with, so a later start in the same process reuses the previous emulator ports when it can.
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { makeClock } from '../functions/adapters/clock.ts';
import { ALLOW_LOOPBACK_ENV } from '../functions/adapters/http/safe-fetch.ts';
import { TWILIO_API_BASE_URL_ENV } from '../functions/adapters/twilio/messages.ts';
import {
  LOCAL_WEBHOOK_BACKOFF_SCALE,
  WEBHOOK_BACKOFF_SCALE_ENV,
} from '../functions/adapters/webhooks/config.ts';
import {
  authorizerCacheSeconds,
  env,
  type FunctionDefinition,
  functions,
  mail,
  outbox,
  routes,
  schedules,
} from '../functions/topology.ts';
import {
  applyEnv,
  type LocalEndpoints,
  localAwsEnv,
  localCredentials,
  localEventBusName,
  localPrefix,
  localRegion,
} from './aws-env.ts';
import { ensureTables, latestStreamArn, startDynamoDbLocal } from './dynamodb.ts';
import { startLocalEventBridge } from './eventbridge.ts';
import { type AuthorizerHandler, type HttpApiHandler, startHttpApi } from './http-api.ts';
import type { LambdaHandler } from './lambda-invoke.ts';
import {
  generateOperatorKey,
  generateReplySecret,
  type LocalState,
  localStatePath,
  readLocalState,
  writeLocalState,
} from './local-state.ts';
import { consoleLog, type LocalLog, logLevelFromEnv } from './log.ts';
import { queueRules, queueUrls, startLocalQueues } from './queues.ts';
import { startSesOutbound } from './ses-outbound.ts';
import { type LocalSmtp, startLocalSmtp } from './smtp.ts';
import { type SqsConsumer, startSqsPoller } from './sqs-poller.ts';
import { outboxFilter, type StreamConsumer, startStreamPoller } from './stream-poller.ts';
import { startTicker } from './ticker.ts';
import { startLocalTwilio } from './twilio.ts';

export interface LocalRuntimeOptions {
  /** Where data, keys and checkpoints live: default `DESKLESS_DATA_DIR`, else `.deskless` in the cwd. */
  readonly dataDir?: string;
  /** API port: default `PORT`, else 3000; 0 picks a free one. */
  readonly port?: number;
  /** Interface of the API and the SMTP server: default 127.0.0.1. */
  readonly host?: string;
  /**
   * SMTP port (SES inbound): default `SMTP_PORT`, else 2525; 0 picks a free one. A port asked for (here or in
   * `SMTP_PORT`) must be free; the 2525 default falls back to a free port, with a warning, when it is taken.
   */
  readonly smtpPort?: number;
  /** DynamoDB in memory and no stream checkpoints: every start is a first start. */
  readonly inMemory?: boolean;
  /** Extra environment for the handlers (e.g. `DESKLESS_CLOCK_SPEED`); the process env passes through anyway. */
  readonly env?: Record<string, string>;
  readonly log?: LocalLog;
}

export interface LocalRuntime {
  readonly apiUrl: string;
  /** The local EventBridge's `GET /events`: the last domain events published. */
  readonly eventsUrl: string;
  /** The SES emulator: its web page of sent mail, `/store` and `/raw/<MessageId>` (local/ses-outbound.ts). */
  readonly outboxUrl: string;
  /** The SMTP server that stands in for SES receiving. */
  readonly smtpPort: number;
  /**
   * Where SMS replies go: the local Twilio stand-in (local/twilio.ts; `GET <url>/messages` lists what was sent),
   * or `TWILIO_API_BASE_URL` when that is set.
   */
  readonly twilioUrl: string;
  /** The demo tenant's support address. */
  readonly supportAddress: string;
  readonly dataDir: string;
  /** Path of `local.json` (URL and keys). */
  readonly statePath: string;
  readonly state: LocalState;
  readonly endpoints: LocalEndpoints;
  /** Stops everything started, in reverse order; safe to call twice. */
  stop(): Promise<void>;
}

/** The demo tenant every fresh data directory gets, so the API can be tried right away. */
export const demoTenant = { id: 'demo', name: 'Demo Support' } as const;

/** The demo tenant's support address, registered as its mailbox on every start (a 409 means it is there). */
export const demoSupportAddress = `support@${demoTenant.id}.localhost`;

/** SMTP port when neither the options nor `SMTP_PORT` say otherwise. */
export const defaultSmtpPort = 2525;

let running = false;
/**
 * What an earlier runtime of this process used. Handler modules stay imported, with SDK clients bound to the
 * emulator ports and an authorizer holding the operator key they first saw, so a restart reuses both.
 */
const previousPorts: { dynamodb?: number; sqs?: number; eventbridge?: number; ses?: number } = {};
let previousOperatorKey: string | undefined;
let previousReplySecret: string | undefined;

export function defaultDataDir(): string {
  return resolve(process.env.DESKLESS_DATA_DIR || '.deskless');
}

export function defaultPort(): number {
  const fromEnv = process.env.PORT;
  if (fromEnv === undefined || fromEnv === '') return 3000;
  const port = Number(fromEnv);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT=${fromEnv} is not a port`);
  return port;
}

/** `SMTP_PORT`, or undefined when unset. */
export function smtpPortFromEnv(): number | undefined {
  const fromEnv = process.env.SMTP_PORT;
  if (fromEnv === undefined || fromEnv === '') return undefined;
  const port = Number(fromEnv);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`SMTP_PORT=${fromEnv} is not a port`);
  return port;
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  if (running) throw new Error('a local runtime is already running in this process');
  running = true;
  const log = options.log ?? consoleLog({ level: logLevelFromEnv('warn') });
  const dataDir = options.dataDir ? resolve(options.dataDir) : defaultDataDir();
  const inMemory = options.inMemory === true;
  const stack: { name: string; stop: () => Promise<void> | void }[] = [];

  const stopAll = async () => {
    while (stack.length > 0) {
      const item = stack.pop()!;
      try {
        await item.stop();
      } catch (error) {
        log.warn(`stopping ${item.name} failed`, { error });
      }
    }
    running = false;
  };

  try {
    const previousState = inMemory ? undefined : readLocalState(dataDir);
    const operatorApiKey =
      process.env[env.operatorKey] ||
      previousState?.operatorApiKey ||
      previousOperatorKey ||
      generateOperatorKey();
    previousOperatorKey = operatorApiKey;
    const replySecret =
      process.env[mail.replySecretEnvVar] ||
      previousState?.replySecret ||
      previousReplySecret ||
      generateReplySecret();
    previousReplySecret = replySecret;
    const smtpPort = options.smtpPort ?? smtpPortFromEnv();

    const dynamodb = await withPreferredPort(previousPorts.dynamodb, log, (port) =>
      startDynamoDbLocal({ dataDir: inMemory ? undefined : join(dataDir, 'dynamodb'), inMemory, port, log }),
    );
    previousPorts.dynamodb = dynamodb.port;
    stack.push({ name: 'DynamoDB Local', stop: () => dynamodb.stop() });
    const tableNames = await ensureTables(dynamodb.client, localPrefix);

    const sqs = await withPreferredPort(previousPorts.sqs, log, (port) => startLocalQueues({ port, log }));
    previousPorts.sqs = sqs.port;
    stack.push({ name: 'fauxqs', stop: () => sqs.stop() });

    const eventBusName = localEventBusName();
    const eventBridge = await withPreferredPort(previousPorts.eventbridge, log, (port) =>
      startLocalEventBridge({
        busName: eventBusName,
        rules: queueRules(sqs.queues),
        sqs: sqs.sqs,
        port,
        log,
      }),
    );
    previousPorts.eventbridge = eventBridge.port;
    stack.push({ name: 'local EventBridge', stop: () => eventBridge.stop() });

    const ses = await withPreferredPort(previousPorts.ses, log, (port) => startSesOutbound({ port, log }));
    previousPorts.ses = ses.port;
    stack.push({ name: 'SES emulator', stop: () => ses.stop() });

    // Twilio's Messages API for smsOut: a local stand-in, unless TWILIO_API_BASE_URL says where to send.
    let twilioUrl = options.env?.[TWILIO_API_BASE_URL_ENV] || process.env[TWILIO_API_BASE_URL_ENV] || '';
    if (!twilioUrl) {
      const twilio = await startLocalTwilio({ log });
      stack.push({ name: 'local Twilio', stop: () => twilio.stop() });
      twilioUrl = twilio.url;
    }

    const endpoints: LocalEndpoints = {
      dynamodb: dynamodb.endpoint,
      eventbridge: eventBridge.endpoint,
      sqs: sqs.endpoint,
      ses: ses.url,
    };
    // Before any handler module is imported: they create their SDK clients and read config at import time.
    const restoreEnv = applyEnv({
      ...localAwsEnv({
        endpoints,
        tableNames,
        eventBusName,
        operatorApiKey,
        bucketNames: sqs.buckets,
        replySecret,
        queueUrls: queueUrls(sqs.queues),
      }),
      [TWILIO_API_BASE_URL_ENV]: twilioUrl,
      // Locally, webhooks and attachment downloads may reach http://127.0.0.1 (a test's or a developer's server).
      [ALLOW_LOOPBACK_ENV]: 'true',
      // Webhook retries and circuit cooldowns ten times shorter, to watch a failing endpoint's retries in minutes.
      [WEBHOOK_BACKOFF_SCALE_ENV]: process.env[WEBHOOK_BACKOFF_SCALE_ENV] || LOCAL_WEBHOOK_BACKOFF_SCALE,
      ...options.env,
      // One origin for every handler's clock, so they agree on the time when it runs faster than real time.
      [env.clockOrigin]: options.env?.[env.clockOrigin] || process.env[env.clockOrigin] || String(Date.now()),
    });
    stack.push({ name: 'environment', stop: restoreEnv });

    const api = await importHandler<HttpApiHandler>(functions.api);
    const authorizer = await importHandler<AuthorizerHandler>(functions.authorizer);
    const dispatcher = await importHandler<StreamConsumer>(functions[outbox.consumer]);

    const httpApi = await startHttpApi({
      routes,
      handler: api,
      handlerFunction: functions.api,
      authorizer,
      authorizerFunction: functions.authorizer,
      authorizerCacheSeconds,
      port: options.port ?? defaultPort(),
      host: options.host,
      log,
    });
    stack.push({ name: 'HTTP API', stop: () => httpApi.stop() });
    // Links in mail (survey links) point at this API, as CDK points them at API Gateway's URL; known only now
    // that the server listens (port 0 picks one), before the consumers that send mail start.
    const restorePublicUrl = applyEnv({
      [env.publicApiUrl]: options.env?.[env.publicApiUrl] || process.env[env.publicApiUrl] || httpApi.url,
    });
    stack.push({ name: 'public API URL', stop: restorePublicUrl });

    const streams = new DynamoDBStreamsClient({
      endpoint: dynamodb.endpoint,
      region: localRegion,
      credentials: localCredentials,
    });
    stack.push({ name: 'streams client', stop: () => streams.destroy() });
    const streamPoller = startStreamPoller({
      streams,
      streamArn: await latestStreamArn(dynamodb.client, tableNames[outbox.table]!),
      fn: functions[outbox.consumer],
      handler: dispatcher,
      filter: outboxFilter(),
      batchSize: outbox.batchSize,
      retryAttempts: outbox.retryAttempts,
      checkpointFile: inMemory ? undefined : join(dataDir, 'stream-checkpoints.json'),
      log,
    });
    stack.push({ name: 'stream poller', stop: () => streamPoller.stop() });

    for (const queue of sqs.queues) {
      const consumer = queue.definition.consumer;
      if (!consumer) continue;
      const poller = startSqsPoller({
        sqs: sqs.sqs,
        queueUrl: queue.url,
        queueArn: queue.arn,
        fn: functions[consumer],
        handler: await importHandler<SqsConsumer>(functions[consumer]),
        batchSize: queue.definition.batchSize,
        log,
      });
      stack.push({ name: `${queue.name} poller`, stop: () => poller.stop() });
    }

    // EventBridge Scheduler's part: each schedule ticks once per `rateMinutes` of the (possibly faster) clock.
    const { speed } = makeClock(process.env);
    for (const schedule of schedules) {
      const target = functions[schedule.target];
      const ticker = startTicker({
        schedule,
        fn: target,
        handler: await importHandler<LambdaHandler<unknown, unknown>>(target),
        speed,
        log,
      });
      stack.push({ name: `${schedule.name} ticker`, stop: () => ticker.stop() });
    }

    const eventsUrl = `${eventBridge.endpoint}/events`;
    const identity = await settleState({
      previous: previousState,
      apiUrl: httpApi.url,
      operatorApiKey,
      log,
    });
    const supportAddress = demoSupportAddress;
    if (identity.adminApiKey) {
      await registerMailbox({
        apiUrl: httpApi.url,
        adminApiKey: identity.adminApiKey,
        address: supportAddress,
        log,
      });
    }

    // Last: mail accepted from here on finds the demo mailbox registered and its consumer polling.
    const inboundTopic = sqs.topics.find((topic) => topic.topic === mail.inboundTopic);
    const mailBucket = sqs.buckets.mail;
    if (!inboundTopic || !mailBucket) {
      throw new Error(`the topology has no queue on topic "${mail.inboundTopic}" or no mail bucket`);
    }
    const smtp = await startSmtp({
      requested: smtpPort,
      log,
      start: (port) =>
        startLocalSmtp({
          endpoint: sqs.endpoint,
          bucketName: mailBucket,
          topicArn: inboundTopic.arn,
          objectKeyPrefix: mail.inboundPrefix,
          port,
          host: options.host,
          log,
        }),
    });
    stack.push({ name: 'SMTP server', stop: () => smtp.stop() });

    const state: LocalState = {
      apiUrl: httpApi.url,
      eventsUrl,
      outboxUrl: ses.url,
      smtpPort: smtp.port,
      supportAddress,
      ...identity,
      replySecret,
    };
    writeLocalState(dataDir, state);

    let stopped: Promise<void> | undefined;
    return {
      apiUrl: httpApi.url,
      eventsUrl,
      outboxUrl: ses.url,
      smtpPort: smtp.port,
      twilioUrl,
      supportAddress,
      dataDir,
      statePath: localStatePath(dataDir),
      state,
      endpoints,
      stop() {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A start that tries the port used before in this process first, then any free one. */
async function withPreferredPort<T>(
  preferred: number | undefined,
  log: LocalLog,
  start: (port: number | undefined) => Promise<T>,
): Promise<T> {
  if (preferred === undefined) return start(undefined);
  try {
    return await start(preferred);
  } catch (error) {
    log.warn('previous emulator port is taken; handlers imported earlier may not reach the new one', {
      port: preferred,
      error,
    });
    return start(undefined);
  }
}

/**
 * The SMTP server on the port asked for (which must be free), or on 2525 when none was asked for, falling back
 * to a free port when 2525 is taken (a second runtime, another tool): mail still works, at the port local.json
 * and the ready line show.
 */
async function startSmtp(args: {
  requested: number | undefined;
  log: LocalLog;
  start: (port: number) => Promise<LocalSmtp>;
}): Promise<LocalSmtp> {
  if (args.requested !== undefined) return args.start(args.requested);
  try {
    return await args.start(defaultSmtpPort);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const smtp = await args.start(0);
    args.log.warn(
      `SMTP port ${defaultSmtpPort} is in use; SMTP listens on ${smtp.port} (set SMTP_PORT to choose)`,
    );
    return smtp;
  }
}

/**
 * Registers the demo tenant's support address as a mailbox (`POST /v1/mailboxes`), so mail sent to it over SMTP
 * becomes tickets. 201 (created) and 409 (already there) are both fine; anything else is logged and startup goes
 * on: the rest of the platform works without it.
 */
async function registerMailbox(args: {
  apiUrl: string;
  adminApiKey: string;
  address: string;
  log: LocalLog;
}): Promise<void> {
  try {
    const response = await fetch(`${args.apiUrl}/v1/mailboxes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${args.adminApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ address: args.address }),
    });
    const text = await response.text();
    if (response.status === 201 || response.status === 409) {
      args.log.debug('demo mailbox registered', { address: args.address, status: response.status });
      return;
    }
    if (response.status === 404) {
      args.log.warn(`POST /v1/mailboxes is not available; mail to ${args.address} will not become tickets`);
      return;
    }
    args.log.warn(`could not register the mailbox ${args.address}`, {
      status: response.status,
      body: text.slice(0, 500),
    });
  } catch (error) {
    args.log.warn(`could not register the mailbox ${args.address}`, { error });
  }
}

/** Imports a function's entry (the path CDK bundles) and returns its `handler` export. */
async function importHandler<T>(fn: Pick<FunctionDefinition, 'entry' | 'name'>): Promise<T> {
  const module = (await import(new URL(`../${fn.entry}`, import.meta.url).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${fn.entry} does not export a handler function`);
  return module.handler as T;
}

/**
 * On a first start (no usable local.json, or no admin key yet) creates the demo tenant through the API with the
 * operator key, as an operator would; later starts keep the keys and only refresh the URLs. If the saved admin
 * key no longer works (the database was deleted but not local.json), the demo tenant is created again.
 */
async function settleState(args: {
  previous: LocalState | undefined;
  apiUrl: string;
  operatorApiKey: string;
  log: LocalLog;
}): Promise<Pick<LocalState, 'tenantId' | 'adminApiKey' | 'operatorApiKey'>> {
  if (args.previous?.adminApiKey) {
    const probe = await fetch(`${args.apiUrl}/v1/api-keys`, {
      headers: { authorization: `Bearer ${args.previous.adminApiKey}` },
    });
    await probe.arrayBuffer();
    if (probe.status !== 401 && probe.status !== 403) {
      const { tenantId, adminApiKey } = args.previous;
      return { tenantId, adminApiKey, operatorApiKey: args.operatorApiKey };
    }
    args.log.warn('the admin key in local.json is not known to the database; creating the demo tenant again');
  }
  const response = await fetch(`${args.apiUrl}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${args.operatorApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(demoTenant),
  });
  const text = await response.text();
  if (response.status !== 201) {
    args.log.error(
      response.status === 409
        ? `tenant "${demoTenant.id}" exists but its admin key is not in local.json; delete the data directory to start afresh`
        : 'could not create the demo tenant',
      { status: response.status, body: text.slice(0, 500) },
    );
    return { tenantId: '', adminApiKey: '', operatorApiKey: args.operatorApiKey };
  }
  const created = JSON.parse(text) as { tenant?: { id?: string }; apiKey?: { secret?: string } };
  return {
    tenantId: created.tenant?.id ?? demoTenant.id,
    adminApiKey: created.apiKey?.secret ?? '',
    operatorApiKey: args.operatorApiKey,
  };
}

/** A path as a user would type it from the cwd (`.deskless/local.json`), absolute if outside it. */
export function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}
