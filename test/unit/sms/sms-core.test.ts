import { describe, expect, it } from 'vitest';
import { twilioSignature, twilioSignatures } from '../../../functions/adapters/twilio/signature.ts';
import { newChannel, patchChannel } from '../../../functions/core/channels/manage.ts';
import {
  parseForm,
  requestUrl,
  SMS_BODY_MAX_CHARS,
  smsSubject,
  smsText,
  splitSmsBody,
  twilioMedia,
  twilioMediaAttachments,
  twilioSecretAllowed,
  twilioSignedPayload,
  twilioUrlVariants,
} from '../../../functions/core/channels/sms.ts';
import { DomainError } from '../../../functions/core/errors.ts';

/** Twilio's own example (twilio.com/docs/usage/security): token 12345, this URL and these parameters. */
const EXAMPLE = {
  authToken: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  params: [
    ['CallSid', 'CA1234567890ABCDE'],
    ['Caller', '+14158675309'],
    ['Digits', '1234'],
    ['From', '+14158675309'],
    ['To', '+18005551212'],
  ] as [string, string][],
  signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
};

describe('Twilio request signatures', () => {
  it('reproduce Twilio’s documented example', () => {
    const payload = twilioSignedPayload(EXAMPLE.url, EXAMPLE.params);
    expect(payload).toBe(
      'https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212',
    );
    expect(twilioSignature(EXAMPLE.authToken, payload)).toBe(EXAMPLE.signature);
    expect(twilioSignatures.matches(EXAMPLE.authToken, payload, EXAMPLE.signature)).toBe(true);
  });

  it('sign the parameters sorted by name whatever order they came in, repeated names by value', () => {
    const shuffled = [...EXAMPLE.params].reverse();
    expect(twilioSignedPayload(EXAMPLE.url, shuffled)).toBe(twilioSignedPayload(EXAMPLE.url, EXAMPLE.params));
    expect(
      twilioSignedPayload('https://x.test/', [
        ['b', '2'],
        ['a', 'z'],
        ['a', 'y'],
      ]),
    ).toBe('https://x.test/ayazb2');
  });

  it('refuse a wrong token, a changed parameter, another URL, or a signature of another length', () => {
    const payload = twilioSignedPayload(EXAMPLE.url, EXAMPLE.params);
    expect(twilioSignatures.matches('54321', payload, EXAMPLE.signature)).toBe(false);
    const changed = twilioSignedPayload(EXAMPLE.url, [...EXAMPLE.params.slice(1), ['CallSid', 'CA0']]);
    expect(twilioSignatures.matches(EXAMPLE.authToken, changed, EXAMPLE.signature)).toBe(false);
    const other = twilioSignedPayload('https://mycompany.com/other.php', EXAMPLE.params);
    expect(twilioSignatures.matches(EXAMPLE.authToken, other, EXAMPLE.signature)).toBe(false);
    expect(twilioSignatures.matches(EXAMPLE.authToken, payload, '')).toBe(false);
    expect(twilioSignatures.matches(EXAMPLE.authToken, payload, `${EXAMPLE.signature}AAAA`)).toBe(false);
  });

  it('try the URL with and without the default port, as Twilio’s libraries do', () => {
    expect(twilioUrlVariants('https://api.example.com/v1/channels/ch_1/twilio?x=1')).toEqual([
      'https://api.example.com/v1/channels/ch_1/twilio?x=1',
      'https://api.example.com:443/v1/channels/ch_1/twilio?x=1',
    ]);
    expect(twilioUrlVariants('https://api.example.com:443/p')).toEqual([
      'https://api.example.com:443/p',
      'https://api.example.com/p',
    ]);
    expect(twilioUrlVariants('http://127.0.0.1:3000/p')).toEqual([
      'http://127.0.0.1:3000/p',
      'http://127.0.0.1/p',
    ]);
  });

  it('rebuild the URL Twilio called from the API Gateway event', () => {
    expect(
      requestUrl({ host: 'abc.execute-api.eu-west-1.amazonaws.com', rawPath: '/v1/channels/ch_1/twilio' }),
    ).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/v1/channels/ch_1/twilio');
    expect(
      requestUrl({
        host: '127.0.0.1:3000',
        forwardedProto: 'http',
        rawPath: '/v1/channels/ch_1/twilio',
        rawQueryString: 'a=1&b=2',
      }),
    ).toBe('http://127.0.0.1:3000/v1/channels/ch_1/twilio?a=1&b=2');
    expect(requestUrl({ host: 'h.test', forwardedProto: 'HTTPS, http', rawPath: '/p' })).toBe(
      'https://h.test/p',
    );
  });
});

describe('the Messaging webhook’s form', () => {
  it('parses into ordered pairs, decoding + and percent escapes', () => {
    expect(parseForm('From=%2B14155550123&Body=Hello+there%21&NumMedia=0&Body=again')).toEqual([
      ['From', '+14155550123'],
      ['Body', 'Hello there!'],
      ['NumMedia', '0'],
      ['Body', 'again'],
    ]);
    expect(parseForm('')).toEqual([]);
  });

  it('reads MMS media up to NumMedia, and names each file from its position and type', () => {
    const fields = {
      NumMedia: '3',
      MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
      MediaContentType0: 'image/jpeg',
      MediaUrl1: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2',
      MediaContentType1: 'image/bmp',
      MediaUrl2: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME3',
      MediaUrl3: 'https://ignored.example/past-NumMedia',
    };
    const media = twilioMedia(fields);
    expect(media.map((m) => m.contentType)).toEqual(['image/jpeg', 'image/bmp', null]);
    expect(twilioMediaAttachments(media)).toEqual([
      { url: fields.MediaUrl0, filename: 'mms-1.jpg', contentType: 'image/jpeg' },
      { url: fields.MediaUrl1, filename: 'mms-2.bmp', contentType: 'image/bmp' },
      { url: fields.MediaUrl2, filename: 'mms-3.bin' },
    ]);
    expect(twilioMedia({ NumMedia: '0', MediaUrl0: 'https://x.test/a' })).toEqual([]);
    expect(twilioMedia({})).toEqual([]);
  });

  it('keeps the text, and says what a message without text was', () => {
    expect(smsText({ body: ' Hi ', media: [] })).toBe('Hi');
    expect(smsText({ body: '', media: [] })).toBe('(empty message)');
    expect(smsText({ body: ' ', media: [{ url: 'https://x.test/1', contentType: 'image/png' }] })).toBe(
      '(a picture or file, no text)',
    );
  });

  it('takes the subject from the first line, shortened, or names the sender', () => {
    expect(smsSubject({ body: 'My order #123 is late\nPlease help', from: '+14155550123' })).toBe(
      'My order #123 is late',
    );
    expect(smsSubject({ body: '   ', from: '+14155550123' })).toBe('SMS from +14155550123');
    const long = smsSubject({ body: 'x'.repeat(200), from: '+1' });
    expect(Array.from(long)).toHaveLength(80);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('splitting a reply into SMS bodies', () => {
  it('keeps a reply that fits as one message', () => {
    expect(splitSmsBody('  Thanks, it ships today.  ')).toEqual(['Thanks, it ships today.']);
    expect(splitSmsBody('x'.repeat(SMS_BODY_MAX_CHARS))).toHaveLength(1);
    expect(splitSmsBody('   ')).toEqual([]);
  });

  it('cuts longer replies at a space, each part within 1600 characters, losing no word', () => {
    const words = Array.from({ length: 700 }, (_, i) => `word${i}`);
    const parts = splitSmsBody(words.join(' '));
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(Array.from(part).length).toBeLessThanOrEqual(SMS_BODY_MAX_CHARS);
    expect(parts.join(' ').split(' ')).toEqual(words);
  });

  it('cuts a text without spaces hard, and never inside a surrogate pair', () => {
    const emoji = '😀'.repeat(2000);
    const parts = splitSmsBody(emoji);
    expect(parts.map((p) => Array.from(p).length)).toEqual([1600, 400]);
    expect(parts.join('')).toBe(emoji);
    expect(splitSmsBody('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});

describe('auth token secrets a tenant may name', () => {
  it('only its own, under deskless/twilio/<tenant>/, by name or full ARN', () => {
    expect(twilioSecretAllowed('acme', 'deskless/twilio/acme/main')).toBe(true);
    expect(
      twilioSecretAllowed(
        'acme',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:deskless/twilio/acme/main-AbCdEf',
      ),
    ).toBe(true);
    expect(twilioSecretAllowed('acme', 'deskless/twilio/other/main')).toBe(false);
    expect(twilioSecretAllowed('acme', 'deskless/twilio/acme/')).toBe(false);
    expect(twilioSecretAllowed('acme', 'deskless/twilio/acmecorp/main')).toBe(false);
    expect(twilioSecretAllowed('acme', 'deskless/operator-key')).toBe(false);
    expect(twilioSecretAllowed('acme', '/deskless/twilio/acme/main')).toBe(false);
    expect(twilioSecretAllowed('acme', 'deskless/twilio/acme/../other/main')).toBe(false);
  });
});

describe('an sms_twilio channel’s token secret, when it is declared', () => {
  const twilio = (authTokenSecret: string) => ({
    accountSid: `AC${'1'.repeat(32)}`,
    fromNumber: '+14155550100',
    authTokenSecret,
  });
  const NOW = '2026-03-01T00:00:00.000Z';
  const errorsOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      return (error as DomainError).fieldErrors;
    }
    return [];
  };

  it('must be the tenant’s own Secrets Manager secret, on create and on patch (422 on its path)', () => {
    for (const name of ['x', 'deskless/twilio/other/main', '/deskless/twilio/acme/main']) {
      const errors = errorsOf(() =>
        newChannel('acme', 'ch_1', { type: 'sms_twilio', name: 'SMS', twilio: twilio(name) }, 's', NOW),
      );
      expect(errors).toHaveLength(1);
      expect(errors[0]!.path).toBe('twilio.authTokenSecret');
      expect(errors[0]!.message).toContain('deskless/twilio/acme/');
    }
    expect(
      errorsOf(() =>
        newChannel('acme', 'ch_1', { type: 'sms_twilio', name: 'S', twilio: twilio('/p') }, 's', NOW),
      )[0]!.message,
    ).toMatch(/SSM parameters are not supported/);
    const channel = newChannel(
      'acme',
      'ch_1',
      { type: 'sms_twilio', name: 'SMS', twilio: twilio('deskless/twilio/acme/main') },
      's',
      NOW,
    );
    expect(channel.twilio!.authTokenSecret).toBe('deskless/twilio/acme/main');
    expect(
      errorsOf(() => patchChannel(channel, { twilio: twilio('deskless/twilio/other/main') }, NOW)),
    ).toEqual([
      { path: 'twilio.authTokenSecret', message: expect.stringContaining('deskless/twilio/acme/') },
    ]);
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:deskless/twilio/acme/main-AbCdEf';
    expect(patchChannel(channel, { twilio: twilio(arn) }, NOW).twilio!.authTokenSecret).toBe(arn);
  });
});
