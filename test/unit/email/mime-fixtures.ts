/** Small raw messages for the parser tests: lines joined with CRLF (or LF), as bytes. */

export function mail(lines: readonly string[], eol = '\r\n'): Uint8Array {
  return new TextEncoder().encode(lines.join(eol));
}

/** Bytes of a string taken one char per byte, for raw 8-bit (latin1 / Shift_JIS) content. */
export function bytes(...parts: readonly (string | readonly number[])[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') for (const char of part) out.push(char.charCodeAt(0) & 0xff);
    else out.push(...part);
  }
  return Uint8Array.from(out);
}

export function base64(text: string | Uint8Array): string {
  return Buffer.from(typeof text === 'string' ? new TextEncoder().encode(text) : text).toString('base64');
}

/** A ParsedMail `headers` map: names lower-cased, one value or several per name. */
export function headerMap(
  entries: Record<string, string | string[]>,
): ReadonlyMap<string, readonly string[]> {
  return new Map(
    Object.entries(entries).map(([key, value]) => [
      key.toLowerCase(),
      Array.isArray(value) ? value : [value],
    ]),
  );
}
