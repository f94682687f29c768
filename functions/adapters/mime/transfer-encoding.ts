/**
 * Just enough Content-Transfer-Encoding and encoded-word decoding for the charset repair to look at the bytes
 * of a text part or an encoded word; postal-mime does the real decoding afterwards.
 */

const HEX = /^[0-9A-Fa-f]{2}$/;

function latin1Bytes(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i) & 0xff);
  return out;
}

/** Quoted-printable lines (without line ends) to bytes; soft line breaks join lines. */
export function decodeQuotedPrintable(lines: readonly string[]): Uint8Array {
  const out: number[] = [];
  lines.forEach((raw, index) => {
    let line = raw.replace(/[ \t]+$/, '');
    const soft = line.endsWith('=');
    if (soft) line = line.slice(0, -1);
    for (let i = 0; i < line.length; i++) {
      const hex = line.slice(i + 1, i + 3);
      if (line[i] === '=' && HEX.test(hex)) {
        out.push(Number.parseInt(hex, 16));
        i += 2;
      } else {
        out.push(line.charCodeAt(i) & 0xff);
      }
    }
    if (!soft && index < lines.length - 1) out.push(0x0a);
  });
  return Uint8Array.from(out);
}

export function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64'));
}

/** The payload of an RFC 2047 encoded word (`B` or `Q`) as bytes. */
export function decodeEncodedWordPayload(encoding: string, payload: string): Uint8Array {
  if (encoding.toUpperCase() === 'B') return decodeBase64(payload);
  const text = payload.replace(/_/g, ' ');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && HEX.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      out.push(...latin1Bytes(text[i] ?? ''));
    }
  }
  return Uint8Array.from(out);
}
