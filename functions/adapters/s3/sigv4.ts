import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for the two S3 requests report exports make: a PUT signed in its headers and a
 * pre-signed GET URL. Written out here (about 100 lines, checked against AWS's published S3 examples in
 * test/unit/adapters/sigv4.test.ts) instead of bundling `@aws-sdk/client-s3` and the request presigner into the
 * API function: those add ~145 KB to a bundle that must stay within its size budget.
 */

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface SigningScope {
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  readonly now: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 percent-encoding as SigV4 wants it: everything but A–Z a–z 0–9 - _ . ~ is escaped. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `20130524T000000Z` and `20130524`. */
function stamps(now: Date): { amzDate: string; day: string } {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return { amzDate, day: amzDate.slice(0, 8) };
}

/** S3 signs the path as sent: each segment encoded once, slashes kept. */
function canonicalPath(path: string): string {
  return path
    .split('/')
    .map((segment) => uriEncode(decodeURIComponent(segment)))
    .join('/');
}

function canonicalQuery(params: Iterable<[string, string]>): string {
  return [...params]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function signature(scope: SigningScope, canonicalRequest: string): { signature: string; credential: string } {
  const { amzDate, day } = stamps(scope.now);
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${scope.credentials.secretAccessKey}`, day);
  const kSigning = hmac(hmac(hmac(kDate, scope.region), scope.service), 'aws4_request');
  return {
    signature: createHmac('sha256', kSigning).update(stringToSign).digest('hex'),
    credential: `${scope.credentials.accessKeyId}/${credentialScope}`,
  };
}

/**
 * Headers that sign a request (`authorization`, `x-amz-date`, `x-amz-content-sha256`, and the session token
 * when there is one), to send with the headers given; `host` is signed from the URL.
 */
export function signedHeaders(
  scope: SigningScope,
  request: {
    readonly method: string;
    readonly url: URL;
    readonly headers?: Readonly<Record<string, string>>;
    /** Hex SHA-256 of the body, or UNSIGNED_PAYLOAD. */
    readonly payloadHash: string;
  },
): Record<string, string> {
  const { amzDate } = stamps(scope.now);
  const added: Record<string, string> = {
    'x-amz-date': amzDate,
    'x-amz-content-sha256': request.payloadHash,
    ...(scope.credentials.sessionToken && { 'x-amz-security-token': scope.credentials.sessionToken }),
  };
  const all = new Map<string, string>([['host', request.url.host]]);
  for (const [name, value] of Object.entries({ ...request.headers, ...added })) {
    all.set(name.toLowerCase(), value.trim().replace(/\s+/g, ' '));
  }
  const names = [...all.keys()].sort();
  const canonicalRequest = [
    request.method,
    canonicalPath(request.url.pathname),
    canonicalQuery(request.url.searchParams),
    names.map((name) => `${name}:${all.get(name)}\n`).join(''),
    names.join(';'),
    request.payloadHash,
  ].join('\n');
  const signed = signature(scope, canonicalRequest);
  return {
    ...added,
    authorization: `${ALGORITHM} Credential=${signed.credential}, SignedHeaders=${names.join(';')}, Signature=${signed.signature}`,
  };
}

/** A pre-signed URL: whoever holds it may make this one request (S3: an unsigned payload) until it expires. */
export function presignedUrl(
  scope: SigningScope,
  request: { readonly method: string; readonly url: URL; readonly expiresInSeconds: number },
): string {
  const { amzDate, day } = stamps(scope.now);
  const url = new URL(request.url);
  const credential = `${scope.credentials.accessKeyId}/${day}/${scope.region}/${scope.service}/aws4_request`;
  url.searchParams.set('X-Amz-Algorithm', ALGORITHM);
  url.searchParams.set('X-Amz-Credential', credential);
  url.searchParams.set('X-Amz-Date', amzDate);
  url.searchParams.set('X-Amz-Expires', String(request.expiresInSeconds));
  if (scope.credentials.sessionToken)
    url.searchParams.set('X-Amz-Security-Token', scope.credentials.sessionToken);
  url.searchParams.set('X-Amz-SignedHeaders', 'host');
  const canonicalRequest = [
    request.method,
    canonicalPath(url.pathname),
    canonicalQuery(url.searchParams),
    `host:${url.host}\n`,
    'host',
    UNSIGNED_PAYLOAD,
  ].join('\n');
  const signed = signature(scope, canonicalRequest);
  // Appended last, percent-encoded exactly as signed (URLSearchParams would encode differently).
  const query = `${canonicalQuery(url.searchParams)}&X-Amz-Signature=${signed.signature}`;
  return `${url.origin}${canonicalPath(url.pathname)}?${query}`;
}
