import type { OutboundMail } from '../../core/email/outbound.ts';

/**
 * Renders an outbound mail as RFC 5322 / MIME: one text/plain UTF-8 part, quoted-printable, headers with
 * RFC 2047 encoded words where they are not ASCII. Small on purpose: it is all Deskless sends, and a general
 * composer would double the function's bundle.
 */
const CRLF = '\r\n';

function encodeWord(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  // Lines stay under 78 characters: 39 bytes make 52 base64 characters, plus the wrapper and the header name.
  const chunks: string[] = [];
  const utf8 = Buffer.from(text, 'utf8');
  let start = 0;
  while (start < utf8.length) {
    let end = Math.min(utf8.length, start + 39);
    // Do not cut a UTF-8 sequence in two.
    while (end < utf8.length && (utf8[end]! & 0xc0) === 0x80) end--;
    chunks.push(`=?UTF-8?B?${utf8.subarray(start, end).toString('base64')}?=`);
    start = end;
  }
  return chunks.join(`${CRLF} `);
}

/** Header value made of addresses: the local parts and domains are ASCII; nothing to encode. */
const addressList = (addresses: readonly string[]) => addresses.join(', ');

function quotedPrintable(text: string): string {
  const lines = text.replace(/\r?\n/g, '\n').split('\n');
  return lines
    .map((line) => {
      let encoded = '';
      for (const byte of Buffer.from(line, 'utf8')) {
        const printable = (byte >= 33 && byte <= 126 && byte !== 61) || byte === 32 || byte === 9;
        encoded += printable
          ? String.fromCharCode(byte)
          : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      }
      // Trailing whitespace must be encoded, and lines are soft-broken under 76 characters.
      encoded = encoded.replace(
        /[ \t]$/,
        (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
      );
      const parts: string[] = [];
      while (encoded.length > 75) {
        let cut = 75;
        // Never split an =XX escape.
        if (encoded[cut - 1] === '=') cut -= 1;
        else if (encoded[cut - 2] === '=') cut -= 2;
        parts.push(`${encoded.slice(0, cut)}=`);
        encoded = encoded.slice(cut);
      }
      parts.push(encoded);
      return parts.join(CRLF);
    })
    .join(CRLF);
}

export function composeMime(mail: OutboundMail, date: Date = new Date()): Buffer {
  const headers: [string, string][] = [
    ['From', mail.from],
    ['To', addressList(mail.to)],
    ...(mail.cc.length > 0 ? ([['Cc', addressList(mail.cc)]] as [string, string][]) : []),
    ['Reply-To', mail.replyTo],
    ['Subject', encodeWord(mail.subject)],
    ['Date', date.toUTCString().replace('GMT', '+0000')],
    ['Message-ID', `<${mail.messageId}>`],
    ...(mail.inReplyTo ? ([['In-Reply-To', `<${mail.inReplyTo}>`]] as [string, string][]) : []),
    ...(mail.references.length > 0
      ? ([['References', mail.references.map((id) => `<${id}>`).join(`${CRLF} `)]] as [string, string][])
      : []),
    ...(mail.autoSubmitted
      ? ([
          ['Auto-Submitted', 'auto-replied'],
          ['X-Auto-Response-Suppress', 'All'],
        ] as [string, string][])
      : []),
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=UTF-8'],
    ['Content-Transfer-Encoding', 'quoted-printable'],
  ];
  const head = headers.map(([name, value]) => `${name}: ${value}`).join(CRLF);
  return Buffer.from(`${head}${CRLF}${CRLF}${quotedPrintable(mail.text)}${CRLF}`, 'utf8');
}
