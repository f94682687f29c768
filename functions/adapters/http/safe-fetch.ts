/**
 * HTTP requests to addresses a tenant (or a stranger messaging one) chose: webhook deliveries and attachment
 * downloads. The URL passes `checkOutboundUrl` first, then every address its host resolves to is checked at
 * connect time by the socket's own `lookup`, so a DNS answer that changes between the check and the connection
 * (rebinding) cannot reach the deployment's network. Redirects are never followed; bodies are capped.
 */

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressAllowed, checkOutboundUrl, type UrlPolicy } from '../../core/net/public-address.ts';

/** Set to `true` by the local runtime only: lets tenants try webhooks against `http://127.0.0.1:port`. */
export const ALLOW_LOOPBACK_ENV = 'DESKLESS_ALLOW_LOOPBACK_URLS';

export const urlPolicyFromEnv = (env: NodeJS.ProcessEnv = process.env): UrlPolicy => ({
  allowLoopbackHttp: env[ALLOW_LOOPBACK_ENV] === 'true',
});

export interface SafeRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly timeoutMs: number;
  /** A response body larger than this fails the request with `ResponseTooLargeError`. */
  readonly maxResponseBytes: number;
}

export interface SafeResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** The URL or an address it resolved to is not allowed; nothing was sent. */
export class BlockedUrlError extends Error {
  constructor(readonly reason: string) {
    super(`blocked: ${reason}`);
    this.name = 'BlockedUrlError';
  }
}

export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

function guardedLookup(policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const refused = list.find((a) => !addressAllowed(a.address, policy));
      if (refused || list.length === 0) {
        const reason = refused
          ? `${hostname} resolves to ${refused.address}, which is not a public address`
          : `${hostname} does not resolve`;
        return callback(new BlockedUrlError(reason), '', 0);
      }
      if ((options as { all?: boolean }).all) return callback(null, list as never);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export type SafeFetch = (request: SafeRequest) => Promise<SafeResponse>;

export function makeSafeFetch(policy: UrlPolicy): SafeFetch {
  const lookup = guardedLookup(policy);
  return (req) =>
    new Promise<SafeResponse>((resolve, reject) => {
      const check = checkOutboundUrl(req.url, policy);
      if (!check.ok) return reject(new BlockedUrlError(`the URL ${check.reason}`));
      const { url } = check;
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
      const outgoing = send(
        url,
        {
          method: req.method,
          headers: { ...req.headers, ...(body ? { 'content-length': String(body.byteLength) } : {}) },
          lookup,
          timeout: req.timeoutMs,
          // A new connection each time: a kept-alive socket reused after a Lambda freeze may have been closed by
          // the other end meanwhile, and its hang-up would count as a failed attempt.
          agent: false,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.byteLength;
            if (size > req.maxResponseBytes) {
              response.destroy();
              outgoing.destroy();
              reject(new ResponseTooLargeError(req.maxResponseBytes));
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: flatHeaders(response.headers),
              body: new Uint8Array(Buffer.concat(chunks)),
            }),
          );
          response.on('error', reject);
        },
      );
      // One deadline for the whole exchange, not only for idle sockets.
      const deadline = setTimeout(
        () => outgoing.destroy(new Error(`no answer within ${req.timeoutMs} ms`)),
        req.timeoutMs,
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.on('close', () => clearTimeout(deadline));
      outgoing.end(body);
    });
}
