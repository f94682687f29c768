/**
 * The SMS channel (Twilio Programmable Messaging), the pure parts: how Twilio signs the webhooks it sends, what an
 * inbound message is, how a reply is cut into messages Twilio accepts, and which secrets a tenant may name.
 */

import type { LinkedAttachment } from './attachments.ts';

/** Twilio refuses a message body longer than this (it splits it into segments on the phone itself). */
export const SMS_BODY_MAX_CHARS = 1600;

/** The answer to Twilio's webhook: empty TwiML, so Twilio sends no automatic reply. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * Auth tokens live in Secrets Manager under `deskless/twilio/<tenant id>/…`: the functions may read only secrets
 * under `deskless/twilio/`, and a tenant only those under its own id, so no tenant can name another's token (or
 * the deployment's own secrets) in its channel.
 */
export const TWILIO_SECRET_PREFIX = 'deskless/twilio/';

/** Twilio media an MMS carries: the URL Twilio serves it from and its type. */
export interface SmsMedia {
  readonly url: string;
  readonly contentType: string | null;
}

/** One inbound SMS/MMS as Twilio's Messaging webhook describes it (already validated at the edge). */
export interface SmsMessage {
  /** `SM…`/`MM…`: unique per message, the replay key. */
  readonly messageSid: string;
  /** E.164 sender: the customer's phone and the conversation's id. */
  readonly from: string;
  /** The tenant's Twilio number it was sent to. */
  readonly to: string;
  readonly body: string;
  readonly media: readonly SmsMedia[];
}

/** A form body as ordered name/value pairs; a name may repeat. */
export type FormPairs = readonly (readonly [string, string])[];

/**
 * What Twilio signs: the URL it called, then every POST parameter as name + value, sorted by name (and a
 * repeated name's values sorted too). HMAC-SHA1 of this with the auth token, base64, is `X-Twilio-Signature`.
 */
export function twilioSignedPayload(url: string, params: FormPairs): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of params) {
    const values = byName.get(name);
    if (values) values.push(value);
    else byName.set(name, [value]);
  }
  let payload = url;
  for (const name of [...byName.keys()].sort()) {
    for (const value of byName.get(name)!.sort()) payload += name + value;
  }
  return payload;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'https:': '443', 'http:': '80' };

/**
 * The URL Twilio may have signed: as the request reached us, with the scheme's default port spelled out, and
 * without any port. Twilio's own libraries accept all of these, since a proxy may add or drop the port.
 */
export function twilioUrlVariants(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const variants = new Set([url]);
  const defaultPort = DEFAULT_PORTS[parsed.protocol];
  const withoutPort = new URL(parsed.href);
  withoutPort.port = '';
  variants.add(withoutPort.href);
  if (defaultPort && (parsed.port === '' || parsed.port === defaultPort)) {
    // URL drops a default port when it is set, so the explicit form is spelled by hand.
    const { protocol, hostname, pathname, search } = withoutPort;
    const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
    variants.add(`${protocol}//${host}:${defaultPort}${pathname}${search}`);
  }
  return [...variants];
}

/**
 * The full URL of a webhook request as its caller used it: scheme from `x-forwarded-proto` (HTTPS when absent,
 * which is what API Gateway always serves), host from the `host` header, then the path and query as received.
 */
export function requestUrl(request: {
  readonly host: string;
  readonly forwardedProto?: string | undefined;
  readonly rawPath: string;
  readonly rawQueryString?: string | undefined;
}): string {
  const proto = (request.forwardedProto?.split(',')[0]?.trim() || 'https').toLowerCase();
  const query = request.rawQueryString ? `?${request.rawQueryString}` : '';
  return `${proto}://${request.host}${request.rawPath}${query}`;
}

/** Parses `application/x-www-form-urlencoded` into ordered pairs (`+` is a space, as forms encode it). */
export function parseForm(body: string): FormPairs {
  return [...new URLSearchParams(body)];
}

/** True when a tenant may use the named secret as its Twilio auth token (see TWILIO_SECRET_PREFIX). */
export function twilioSecretAllowed(tenantId: string, name: string): boolean {
  const own = `${TWILIO_SECRET_PREFIX}${tenantId}/`;
  // A full Secrets Manager ARN: arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<suffix>
  const arn = /^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:(.+)$/.exec(name);
  const secretName = arn ? arn[1]! : name;
  return secretName.startsWith(own) && secretName.length > own.length && !secretName.includes('..');
}

/**
 * A comment body cut into messages of at most `max` characters: at the last line break or space of each piece
 * when there is one in its second half, never inside a surrogate pair; whitespace at the cuts is dropped.
 */
export function splitSmsBody(body: string, max: number = SMS_BODY_MAX_CHARS): string[] {
  const chars = Array.from(body.trim());
  const parts: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = Math.min(start + max, chars.length);
    if (end < chars.length) {
      let cut = -1;
      for (let i = end; i > start + max / 2; i--) {
        if (/\s/.test(chars[i]!)) {
          cut = i;
          break;
        }
      }
      if (cut > 0) end = cut;
    }
    const part = chars.slice(start, end).join('').trim();
    if (part) parts.push(part);
    start = end;
    while (start < chars.length && /\s/.test(chars[start]!)) start++;
  }
  return parts;
}

/** Twilio sends at most this many media per MMS. */
export const MAX_TWILIO_MEDIA = 10;

/** The MMS media among a webhook's parameters: `MediaUrl{i}` and `MediaContentType{i}` for i below `NumMedia`. */
export function twilioMedia(params: Readonly<Record<string, string>>): SmsMedia[] {
  const count = Math.min(Number.parseInt(params.NumMedia ?? '0', 10) || 0, MAX_TWILIO_MEDIA);
  const media: SmsMedia[] = [];
  for (let i = 0; i < count; i++) {
    const url = params[`MediaUrl${i}`]?.trim();
    if (url) media.push({ url, contentType: params[`MediaContentType${i}`]?.trim() || null });
  }
  return media;
}

/** The comment an inbound message becomes: its text, or a word on what it was when it has none. */
export function smsText(message: Pick<SmsMessage, 'body' | 'media'>): string {
  const text = message.body.trim();
  if (text) return text;
  const count = message.media.length;
  if (count === 0) return '(empty message)';
  return count === 1 ? '(a picture or file, no text)' : `(${count} pictures or files, no text)`;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/heic': 'heic',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'audio/mpeg': 'mp3',
  'audio/amr': 'amr',
  'audio/ogg': 'ogg',
  'text/vcard': 'vcf',
  'text/x-vcard': 'vcf',
  'application/pdf': 'pdf',
};

/**
 * MMS media as the channels' linked attachments (core/channels/attachments.ts fetches and keeps them). Twilio's
 * media URLs end in a media sid with no extension, so each gets a name from its position and type.
 */
export function twilioMediaAttachments(media: readonly SmsMedia[]): LinkedAttachment[] {
  return media.map((item, index) => {
    const type = item.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
    const extension = EXTENSIONS[type] ?? (/^[a-z]+\/([a-z0-9]{1,8})$/.exec(type)?.[1] || 'bin');
    return {
      url: item.url,
      filename: `mms-${index + 1}.${extension}`,
      ...(item.contentType && { contentType: item.contentType }),
    };
  });
}

/** The subject of a ticket opened by an SMS: its first line, shortened. */
export function smsSubject(message: Pick<SmsMessage, 'body' | 'from'>, max = 80): string {
  const first = message.body.trim().split(/\r?\n/, 1)[0]?.trim() ?? '';
  if (!first) return `SMS from ${message.from}`;
  const chars = Array.from(first);
  return chars.length <= max
    ? first
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}
