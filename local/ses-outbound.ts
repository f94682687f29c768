/**
 * SES outbound, locally: `aws-ses-v2-local` embedded in this process (SES v1 and v2 `SendEmail`/`SendRawEmail`,
 * and a web page listing what was sent), behind a small recording front on the URL handlers and people use.
 *
 * Why the front: for a raw message the emulator keeps only what it parses out of it (from, reply-to, to/cc/bcc,
 * subject, text and HTML bodies, attachments; `GET /store`), not the MIME itself, so `In-Reply-To`,
 * `References`, `Message-ID`, `Auto-Submitted` and every other header would be lost. The front passes every
 * request through unchanged and keeps the raw MIME of each accepted raw send, by the `MessageId` the emulator
 * answered:
 *
 *   GET  /                       the emulator's web page of sent mail (`outboxUrl`)
 *   GET  /store                  the emulator's JSON store: `{ emails: [{ messageId, from, replyTo, destination,
 *                                subject, body: { text, html }, attachments, at }] }` (`at` in epoch seconds)
 *   GET  /raw                    `{ mails: [{ messageId, at, size }] }`: the raw mails kept, oldest first
 *   GET  /raw/<messageId>        the raw MIME as sent (`message/rfc822`), 404 for a mail sent without Raw content
 *   GET  /get-emlContent?...     the page's download button: the raw MIME when kept, else the emulator's rebuild
 *   POST /clear-store            empties both stores
 *
 * The emulator takes recipients from the MIME headers (To, Cc, Bcc), not from `Destination` of a raw send.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesEmulatorModule from 'aws-ses-v2-local';
import { type LocalLog, silentLog } from './log.ts';
import { decodeEncodedWords, parseHeaderSection } from './smtp.ts';

export interface SesOutboundOptions {
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly host?: string;
  /** How many raw mails `GET /raw` keeps (the oldest go first). */
  readonly maxRawMails?: number;
  readonly log?: LocalLog;
}

export interface SesOutbound {
  /** Base URL: the SES endpoint for SDK clients and the web page of sent mail. */
  readonly url: string;
  readonly port: number;
  /** Raw MIME of a mail sent with Raw content, by its SES MessageId. */
  raw(messageId: string): Buffer | undefined;
  stop(): Promise<void>;
}

type StartEmulator = (config?: { host?: string; port?: number }) => Promise<Server>;

/** The package is CommonJS with an ES-style `default` export; depending on the loader it arrives wrapped or not. */
function emulatorStarter(): StartEmulator {
  const loaded = sesEmulatorModule as unknown as StartEmulator | { default: StartEmulator };
  return typeof loaded === 'function' ? loaded : loaded.default;
}

interface RawMail {
  readonly messageId: string;
  readonly at: number;
  readonly raw: Buffer;
}

export async function startSesOutbound(options: SesOutboundOptions = {}): Promise<SesOutbound> {
  const log = options.log ?? silentLog;
  const host = options.host ?? '127.0.0.1';
  const maxRawMails = options.maxRawMails ?? 1000;
  const rawMails = new Map<string, RawMail>();

  const emulator = await emulatorStarter()({ host: '127.0.0.1', port: 0 });
  // It resolves even when listening failed (Express 5 hands the error to the callback it ignores).
  if (!emulator.listening) {
    emulator.close();
    throw new Error('aws-ses-v2-local did not start listening');
  }
  const emulatorPort = (emulator.address() as AddressInfo).port;

  function keep(messageId: string, raw: Buffer): void {
    rawMails.set(messageId, { messageId, at: Date.now(), raw });
    while (rawMails.size > maxRawMails) {
      const oldest = rawMails.keys().next().value;
      if (oldest === undefined) break;
      rawMails.delete(oldest);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/raw') {
      const mails = [...rawMails.values()].map(({ messageId, at, raw }) => ({
        messageId,
        at,
        size: raw.length,
      }));
      return sendJson(res, 200, { mails });
    }
    if (req.method === 'GET' && url.pathname.startsWith('/raw/')) {
      const mail = rawMails.get(decodeURIComponent(url.pathname.slice('/raw/'.length)));
      if (!mail) return sendJson(res, 404, { message: 'No raw mail with this MessageId' });
      res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': mail.raw.length });
      res.end(mail.raw);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/get-emlContent') {
      const mail = rawMails.get(url.searchParams.get('messageId') ?? '');
      if (mail) {
        const subject = parseHeaderSection(mail.raw).find((h) => h.name.toLowerCase() === 'subject');
        return sendJson(res, 200, {
          messageId: mail.messageId,
          fileName: subject ? decodeEncodedWords(subject.value) : mail.messageId,
          body: mail.raw.toJSON(),
        });
      }
    }
    if (req.method === 'POST' && url.pathname === '/clear-store') rawMails.clear();

    const body = await readBody(req);
    const rawSent =
      req.method === 'POST' ? rawContent(url.pathname, req.headers['content-type'], body) : null;
    const answer = await forward(emulatorPort, req, body);
    if (rawSent && answer.status === 200) {
      const messageId = sentMessageId(answer.body);
      if (messageId) keep(messageId, rawSent);
      else log.warn('SES emulator accepted a raw mail without a MessageId', { path: url.pathname });
    }
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  const front = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error('SES emulator front failed', { error });
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'SES emulator unreachable' }));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      front.once('error', reject);
      front.listen(options.port ?? 0, host, () => {
        front.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await closeServer(emulator);
    throw error;
  }
  const port = (front.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  log.debug('SES emulator started', { url });

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    raw: (messageId) => rawMails.get(messageId)?.raw,
    stop() {
      stopped ??= (async () => {
        await closeServer(front);
        await closeServer(emulator);
      })();
      return stopped;
    },
  };
}

/** The raw MIME of a send request (SES v2 `Content.Raw.Data`, SES v1 `RawMessage.Data`), or null. */
function rawContent(path: string, contentType: string | undefined, body: Buffer): Buffer | null {
  try {
    if (path === '/v2/email/outbound-emails') {
      const data = (JSON.parse(body.toString('utf8')) as { Content?: { Raw?: { Data?: unknown } } }).Content
        ?.Raw?.Data;
      return typeof data === 'string' ? Buffer.from(data, 'base64') : null;
    }
    if (path === '/' && contentType?.startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(body.toString('utf8'));
      const data = form.get('RawMessage.Data');
      return form.get('Action') === 'SendRawEmail' && data ? Buffer.from(data, 'base64') : null;
    }
  } catch {
    // Not JSON: the emulator answers the bad request itself.
  }
  return null;
}

/** MessageId of a successful send: JSON for SES v2, XML for SES v1. */
function sentMessageId(body: Buffer): string | undefined {
  const text = body.toString('utf8');
  try {
    const id = (JSON.parse(text) as { MessageId?: unknown }).MessageId;
    if (typeof id === 'string') return id;
  } catch {
    // SES v1 answers XML.
  }
  return /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1];
}

function forward(
  port: number,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const outgoing = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers },
      (response) => {
        readBody(response).then(
          (answer) =>
            resolve({
              status: response.statusCode ?? 502,
              headers: Object.fromEntries(
                Object.entries(response.headers).filter(
                  (entry): entry is [string, string | string[]] => entry[1] !== undefined,
                ),
              ),
              body: answer,
            }),
          reject,
        );
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
