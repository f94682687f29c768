import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isTwilioMediaUrl, makeRemoteFiles } from '../../../functions/adapters/channels/remote-files.ts';
import { makeSafeFetch } from '../../../functions/adapters/http/safe-fetch.ts';
import { RemoteFileError } from '../../../functions/core/ports.ts';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const OTHER_ACCOUNT = `AC${'b'.repeat(32)}`;
const TOKEN = 'media-auth-token';
const BASIC = `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`;
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 9]);
const LIMITS = { maxBytes: 1024, timeoutMs: 2_000 };

let api: Server;
let cdn: Server;
let apiBase: string;
let cdnBase: string;
/** The Authorization header each server saw, by path. */
let seen: { server: 'api' | 'cdn'; path: string; authorization: string | undefined }[];

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const record = (server: 'api' | 'cdn', path: string, headers: IncomingHttpHeaders) =>
  seen.push({ server, path, authorization: headers.authorization });

beforeAll(async () => {
  // Twilio's API: media behind basic auth, served through a redirect to where the bytes are.
  api = createServer((request, response) => {
    const path = request.url ?? '/';
    record('api', path, request.headers);
    if (request.headers.authorization !== BASIC) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"code":20003}');
      return;
    }
    if (path.endsWith('/Media/ME1')) {
      response.writeHead(307, { location: `${cdnBase}/bytes/ME1` }).end();
    } else if (path.endsWith('/Media/ME2')) {
      response.writeHead(302, { location: `${cdnBase}/again` }).end();
    } else if (path.endsWith('/Media/ME3')) {
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    } else {
      response.writeHead(200, { 'content-type': 'image/jpeg' }).end(JPEG);
    }
  });
  cdn = createServer((request, response) => {
    const path = request.url ?? '/';
    record('cdn', path, request.headers);
    if (path === '/again') {
      response.writeHead(302, { location: `${cdnBase}/bytes/ME1` }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'image/jpeg' }).end(JPEG);
  });
  apiBase = await listen(api);
  cdnBase = await listen(cdn);
});

afterAll(async () => {
  await new Promise((resolve) => api.close(resolve));
  await new Promise((resolve) => cdn.close(resolve));
});

beforeEach(() => {
  seen = [];
});

const files = () =>
  makeRemoteFiles(makeSafeFetch({ allowLoopbackHttp: true }), { twilioApiBaseUrl: apiBase });
const media = (sid: string, account = ACCOUNT) =>
  `${apiBase}/2010-04-01/Accounts/${account}/Messages/MM1/Media/${sid}`;
const twilio = { twilio: { accountSid: ACCOUNT, authToken: TOKEN } };

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteFileError);
  return (error as RemoteFileError).reason;
}

describe('MMS media from Twilio’s API', () => {
  it('are fetched with the account’s basic auth, through one redirect that gets no credentials', async () => {
    const file = await files().fetch(media('ME1'), LIMITS, twilio);
    expect(Buffer.from(file.content)).toEqual(JPEG);
    expect(file.contentType).toBe('image/jpeg');
    expect(seen).toEqual([
      { server: 'api', path: `/2010-04-01/Accounts/${ACCOUNT}/Messages/MM1/Media/ME1`, authorization: BASIC },
      { server: 'cdn', path: '/bytes/ME1', authorization: undefined },
    ]);
  });

  it('without the channel’s credentials are refused by Twilio (what happened before)', async () => {
    expect(await refusal(files().fetch(media('ME1'), LIMITS))).toBe('the server answered 401');
    expect(seen[0]!.authorization).toBeUndefined();
  });

  it('of another account, or on another host, never get the credentials', async () => {
    expect(await refusal(files().fetch(media('ME1', OTHER_ACCOUNT), LIMITS, twilio))).toMatch(/401/);
    const lookalike = `${cdnBase}/2010-04-01/Accounts/${ACCOUNT}/Messages/MM1/Media/ME9`;
    await files().fetch(lookalike, LIMITS, twilio);
    const dotted = `${apiBase}/2010-04-01/Accounts/${ACCOUNT}/Messages/../../${OTHER_ACCOUNT}/Messages/MM1`;
    expect(await refusal(files().fetch(dotted, LIMITS, twilio))).toMatch(/401/);
    expect(seen.map((s) => s.authorization)).toEqual([undefined, undefined, undefined]);
  });

  it('follow one redirect only, and never to an address the guard refuses', async () => {
    expect(await refusal(files().fetch(media('ME2'), LIMITS, twilio))).toMatch(/only one redirect/);
    expect(await refusal(files().fetch(media('ME3'), LIMITS, twilio))).toMatch(/^not fetched/);
  });

  it('other files follow no redirect at all', async () => {
    expect(await refusal(files().fetch(`${cdnBase}/again`, LIMITS, twilio))).toMatch(
      /redirects are not followed/,
    );
  });
});

describe('isTwilioMediaUrl', () => {
  const base = 'https://api.twilio.com';
  it('takes only the account’s message media on Twilio’s API', () => {
    const url = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Messages/MM1/Media/ME1`;
    expect(isTwilioMediaUrl(url, ACCOUNT, base)).toBe(true);
    expect(isTwilioMediaUrl(url, OTHER_ACCOUNT, base)).toBe(false);
    expect(
      isTwilioMediaUrl(url.replace('api.twilio.com', 'api.twilio.com.evil.example'), ACCOUNT, base),
    ).toBe(false);
    expect(isTwilioMediaUrl(url.replace('https:', 'http:'), ACCOUNT, base)).toBe(false);
    expect(isTwilioMediaUrl(url.replace('https://', `https://${ACCOUNT}:x@`), ACCOUNT, base)).toBe(false);
    expect(
      isTwilioMediaUrl(`https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Calls/CA1`, ACCOUNT, base),
    ).toBe(false);
    expect(isTwilioMediaUrl(url, 'ACnope', base)).toBe(false);
  });
});
