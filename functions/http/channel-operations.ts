import {
  ChannelActionParam,
  ChannelMessageBody,
  CreateChannelBody,
  IdParam,
  UpdateChannelBody,
  WebFormBody,
} from '../contracts/api.ts';
import type { InboundChannel } from '../core/channels/channel.ts';
import { publicPath } from '../core/channels/manage.ts';
import { type ChannelMessage, SignatureRejectedError } from '../core/use-cases/channel-intake.ts';
import type { UseCases } from '../core/use-cases/index.ts';
import { maxBodyBytes } from '../topology.ts';
import type { Operation } from './operations.ts';
import { problem } from './problem.ts';
import { type ApiEvent, bodyBytes, bodyText, HttpProblem, type HttpRequest, json } from './request.ts';
import type { RouterLogger } from './router.ts';
import { webFormPage, webFormThanksPage } from './web-form-page.ts';

/** The API's own address as the caller reached it (API Gateway's domain, a custom domain, the local server). */
function baseUrl(request: HttpRequest): string {
  const host = request.header('host') ?? request.event.requestContext.domainName;
  const scheme = request.header('x-forwarded-proto')?.split(',')[0]?.trim() || 'https';
  return `${scheme}://${host}`;
}

/** A channel as the API shows it: every setting and the secrets' dates, never a secret itself. */
function channelJson(channel: InboundChannel, base: string) {
  const { tenantId: _tenant, secrets, ...rest } = channel;
  return {
    ...rest,
    url: `${base}${publicPath(channel)}`,
    signingSecrets: secrets.map(({ createdAt, expiresAt }) => ({ createdAt, expiresAt })),
  };
}

const tooLarge = () =>
  new HttpProblem('payload-too-large', `the body is larger than ${maxBodyBytes / 1024} KB`);

function rawBodyOf(event: ApiEvent): string {
  const raw = bodyText(event) ?? '';
  if (Buffer.byteLength(raw, 'utf8') > maxBodyBytes) throw tooLarge();
  return raw;
}

/** A signed body's bytes, untouched: the signature covers them, not text decoded from them. */
function rawBytesOf(event: ApiEvent): Uint8Array {
  const raw = bodyBytes(event) ?? new Uint8Array();
  if (raw.byteLength > maxBodyBytes) throw tooLarge();
  return raw;
}

/** Decoded only after the signature verified: bytes that are not UTF-8 are refused, never replaced. */
function utf8Text(raw: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new HttpProblem('invalid-request', 'the body is not UTF-8');
  }
}

/** A form post's fields; browsers send untouched inputs as "", which count as absent. */
function formFields(request: HttpRequest): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawBodyOf(request.event))) {
    if (value.trim() !== '' && !(name in fields)) fields[name] = value;
  }
  return fields;
}

const isFormPost = (request: HttpRequest) =>
  /^application\/x-www-form-urlencoded\b/i.test(request.header('content-type') ?? '');

export function makeChannelOperations(
  useCases: UseCases,
  logger?: Pick<RouterLogger, 'warn'>,
): Record<string, Operation> {
  return {
    createChannel: async (request) => {
      const { channel, secret } = await useCases.createChannel(
        request.tenant(),
        request.json(CreateChannelBody),
      );
      return json(
        201,
        { ...channelJson(channel, baseUrl(request)), secret },
        { location: `/v1/channels/${channel.id}`, etag: `"${channel.version}"` },
      );
    },

    listChannels: async (request) => {
      const base = baseUrl(request);
      const channels = await useCases.listChannels(request.tenant());
      return json(200, { items: channels.map((c) => channelJson(c, base)) });
    },

    getChannel: async (request) => {
      const { id } = request.params(IdParam);
      const channel = await useCases.getChannel(request.tenant(), id);
      return json(200, channelJson(channel, baseUrl(request)), { etag: `"${channel.version}"` });
    },

    updateChannel: async (request) => {
      const { id } = request.params(IdParam);
      const channel = await useCases.updateChannel(request.tenant(), id, request.json(UpdateChannelBody));
      return json(200, channelJson(channel, baseUrl(request)), { etag: `"${channel.version}"` });
    },

    deleteChannel: async (request) => {
      const { id } = request.params(IdParam);
      await useCases.deleteChannel(request.tenant(), id);
      return { statusCode: 204 };
    },

    rotateChannelSecret: async (request) => {
      // The route is `POST /v1/channels/{id}`; the only action on a channel is `<id>:rotate-secret`.
      const { id: segment } = request.params(ChannelActionParam);
      const match = /^([A-Za-z0-9_-]{1,100}):rotate-secret$/.exec(segment);
      if (!match) {
        throw new HttpProblem(
          'not-found',
          `POST /v1/channels/${segment} is no action; rotate a channel's secret with POST /v1/channels/{id}:rotate-secret`,
        );
      }
      const { channel, secret } = await useCases.rotateChannelSecret(request.tenant(), match[1]!);
      return json(
        200,
        { ...channelJson(channel, baseUrl(request)), secret },
        { etag: `"${channel.version}"` },
      );
    },

    receiveChannelMessage: async (request) => {
      const { id } = request.params(IdParam);
      const contentType = request.header('content-type');
      if (contentType && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
        throw new HttpProblem('unsupported-media-type', `content-type ${contentType} is not JSON`);
      }
      const raw = rawBytesOf(request.event);
      // Parsed only once the signature verified: a stranger's body is not even looked at.
      const parse = (body: Uint8Array): ChannelMessage => {
        let parsed: unknown;
        const text = utf8Text(body);
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          throw new HttpProblem('malformed-json', `the body is not valid JSON: ${(error as Error).message}`);
        }
        const result = ChannelMessageBody.safeParse(parsed);
        if (result.success) return result.data;
        throw invalidInput('the body', result.error.issues);
      };
      try {
        const result = await useCases.receiveWebhook(
          id,
          {
            id: request.header('webhook-id'),
            timestamp: request.header('webhook-timestamp'),
            signature: request.header('webhook-signature'),
          },
          raw,
          parse,
        );
        return json(202, result);
      } catch (error) {
        if (!(error instanceof SignatureRejectedError)) throw error;
        logger?.warn('channel message refused', { channel: id, reason: error.verdict.reason });
        throw new HttpProblem('invalid-signature', error.message);
      }
    },

    getWebForm: async (request) => {
      const { id } = request.params(IdParam);
      const { channel, repliesByEmail } = await useCases.getWebForm(id);
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          // Self-contained: no script, no outside resource; it posts only to itself.
          'content-security-policy':
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors *",
          'cache-control': 'public, max-age=300',
        },
        body: webFormPage(channel.name, `${baseUrl(request)}${publicPath(channel)}`, repliesByEmail),
      };
    },

    submitWebForm: async (request) => {
      const { id } = request.params(IdParam);
      const browser = isFormPost(request);
      const submission = browser ? validateForm(request) : request.json(WebFormBody);
      const clientIp = request.event.requestContext.http.sourceIp;
      const result = await useCases.submitWebForm(id, submission, clientIp);
      if (result.outcome === 'rate_limited') {
        logger?.warn('web form submission rate-limited', { channel: id, clientIp });
        return problem(
          'rate-limited',
          `this address sent too many submissions to the form; retry in ${result.retryAfterSeconds} s`,
          { instance: request.event.rawPath, headers: { 'retry-after': String(result.retryAfterSeconds) } },
        );
      }
      // A filled honeypot gets exactly the answer a person gets: the bot learns nothing.
      if (result.outcome === 'honeypot') logger?.warn('web form honeypot filled', { channel: id, clientIp });
      if (browser) {
        return {
          statusCode: 202,
          headers: { 'content-type': 'text/html; charset=utf-8' },
          body: webFormThanksPage(result.repliesByEmail),
        };
      }
      return json(202, { status: 'received' });
    },
  };
}

function invalidInput(
  where: string,
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
): HttpProblem {
  const errors = issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  return new HttpProblem(
    'invalid-request',
    `${where} is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );
}

function validateForm(request: HttpRequest) {
  const result = WebFormBody.safeParse(formFields(request));
  if (result.success) return result.data;
  throw invalidInput('the form', result.error.issues);
}
