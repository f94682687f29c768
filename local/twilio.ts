/**
 * Twilio's Messages API, locally: what `smsOut` sends to when `TWILIO_API_BASE_URL` points here (the local
 * runtime does so unless that variable is set already). Nothing leaves the machine; every message is kept so a
 * person or a test can read what would have been sent.
 *
 *   POST /2010-04-01/Accounts/{AccountSid}/Messages.json   form `To`, `From`, `Body`, HTTP basic auth
 *        → 201 `{ sid, account_sid, to, from, body, status: "queued", … }` as Twilio answers;
 *          401 without basic auth for that account (Twilio error 20003);
 *          400 error 21211 when `To` is not an E.164 number, 21602 without a `Body`
 *   GET  /messages          `{ messages: [{ sid, accountSid, to, from, body, authorization, at }] }`, oldest first
 *   POST /clear             forgets them
 *
 * A test can make the next sends fail (`failNext(status)`) to see retries and rejections.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type LocalLog, silentLog } from './log.ts';

export interface LocalTwilioMessage {
  readonly sid: string;
  readonly accountSid: string;
  readonly to: string;
  readonly from: string;
  readonly body: string;
  /** The `Authorization` header as sent (`Basic base64(AccountSid:AuthToken)`). */
  readonly authorization: string;
  readonly at: string;
}

export interface LocalTwilio {
  /** Base URL: what `TWILIO_API_BASE_URL` is set to. */
  readonly url: string;
  readonly port: number;
  /** Messages accepted so far, oldest first. */
  messages(): readonly LocalTwilioMessage[];
  /** The next `count` sends answer `status` with a Twilio-style error body instead of being accepted. */
  failNext(status: number, count?: number): void;
  /** POST requests received (accepted or not). */
  requests(): number;
  stop(): Promise<void>;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const E164 = /^\+[1-9]\d{7,14}$/;

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function twilioError(response: ServerResponse, status: number, code: number, message: string): void {
  reply(response, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startLocalTwilio(
  options: { port?: number; host?: string; log?: LocalLog } = {},
): Promise<LocalTwilio> {
  const log = options.log ?? silentLog;
  const host = options.host ?? '127.0.0.1';
  const kept: LocalTwilioMessage[] = [];
  const failures: number[] = [];
  let received = 0;

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (request.method === 'GET' && url.pathname === '/messages') {
        return reply(response, 200, { messages: kept });
      }
      if (request.method === 'POST' && url.pathname === '/clear') {
        kept.length = 0;
        return reply(response, 200, { cleared: true });
      }
      const match = MESSAGES_PATH.exec(url.pathname);
      if (request.method !== 'POST' || !match) {
        return twilioError(response, 404, 20404, `The requested resource ${url.pathname} was not found`);
      }
      received++;
      const accountSid = decodeURIComponent(match[1]!);
      const form = new URLSearchParams(await readBody(request));
      const authorization = request.headers.authorization ?? '';
      const credentials = authorization.startsWith('Basic ')
        ? Buffer.from(authorization.slice(6), 'base64').toString('utf8')
        : '';
      const [user, ...password] = credentials.split(':');
      if (user !== accountSid || password.join(':') === '') {
        return twilioError(response, 401, 20003, 'Authenticate');
      }
      const failure = failures.shift();
      if (failure !== undefined) {
        return twilioError(
          response,
          failure,
          failure >= 500 ? 20500 : 21211,
          `failure asked for (${failure})`,
        );
      }
      const to = form.get('To') ?? '';
      const from = form.get('From') ?? '';
      const body = form.get('Body') ?? '';
      if (!E164.test(to)) {
        return twilioError(response, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      }
      if (!body) return twilioError(response, 400, 21602, 'Message body is required.');
      const message: LocalTwilioMessage = {
        sid: `SM${randomBytes(16).toString('hex')}`,
        accountSid,
        to,
        from,
        body,
        authorization,
        at: new Date().toISOString(),
      };
      kept.push(message);
      log.debug('local Twilio: message accepted', { sid: message.sid, to, from });
      reply(response, 201, {
        sid: message.sid,
        account_sid: accountSid,
        to,
        from,
        body,
        status: 'queued',
        num_segments: String(Math.ceil(body.length / 153) || 1),
        api_version: '2010-04-01',
        date_created: new Date().toUTCString(),
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}.json`,
      });
    } catch (error) {
      log.error('local Twilio: request failed', { error });
      if (!response.headersSent) twilioError(response, 500, 20500, 'Internal Server Error');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    messages: () => [...kept],
    failNext(status, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    requests: () => received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
