/**
 * Charset guessing for mail that declares the wrong charset or none at all: raw 8-bit header bytes, Japanese
 * mail labelled ISO-2022-JP but written in Shift_JIS, UTF-8 bodies labelled US-ASCII. Fatal decoders tell us
 * whether a guess fits the bytes; single-byte charsets fit anything, so they are tried last.
 */

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Charsets whose text can only hold 7-bit bytes: any 8-bit byte under such a label means the label lies. */
const SEVEN_BIT_LABEL = /^(?:us-?ascii|ascii|ansi_x3\.4-1968|iso-2022-[a-z-]+|utf-7|7bit)$/i;

/** Multi-byte encodings (WHATWG names) and their relatives, tried when the declared one does not fit. */
const FAMILIES: Readonly<Record<string, readonly string[]>> = {
  shift_jis: ['shift_jis', 'euc-jp', 'iso-2022-jp'],
  'euc-jp': ['euc-jp', 'shift_jis', 'iso-2022-jp'],
  'iso-2022-jp': ['iso-2022-jp', 'shift_jis', 'euc-jp'],
  gbk: ['gb18030', 'big5'],
  gb18030: ['gb18030', 'big5'],
  big5: ['big5', 'gb18030'],
  'euc-kr': ['euc-kr'],
};

/** The final fallback: every byte has a character, and it is what most 8-bit Western mail really is. */
export const FALLBACK_CHARSET = 'windows-1252';

export function hasHighBytes(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return true;
  return false;
}

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    utf8Fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** WHATWG encoding name for a charset label (`gb2312` → `gbk`), or null when the runtime has no decoder. */
export function encodingOf(label: string): string | null {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return null;
  }
}

function fits(bytes: Uint8Array, encoding: string): boolean {
  try {
    new TextDecoder(encoding, { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function isMultiByte(encoding: string): boolean {
  return encoding in FAMILIES;
}

/**
 * Orders the charsets a message declares somewhere (a hint for undeclared bytes): multi-byte ones first,
 * because only they can reject bytes that are not theirs.
 */
export function orderHints(labels: readonly string[]): string[] {
  const encodings = labels
    .map(encodingOf)
    .filter((e): e is string => e !== null && e !== 'utf-8')
    .flatMap((e) => FAMILIES[e] ?? [e]);
  const unique = [...new Set(encodings)];
  return [...unique.filter(isMultiByte), ...unique.filter((e) => !isMultiByte(e))];
}

function firstFitting(bytes: Uint8Array, candidates: readonly string[]): string {
  for (const candidate of candidates) if (fits(bytes, candidate)) return candidate;
  return FALLBACK_CHARSET;
}

/**
 * The charset to decode `bytes` with when the declared one is missing or wrong, or null to keep the declared
 * one. `hints` are other charsets the same message declares (see orderHints).
 */
export function betterCharset(
  bytes: Uint8Array,
  declared: string | null,
  hints: readonly string[],
): string | null {
  // Pure ASCII (including ISO-2022 escape sequences) decodes the same under every label.
  if (!hasHighBytes(bytes)) return null;
  const encoding = declared ? encodingOf(declared) : null;
  // An unknown label is left to postal-mime's own alias table.
  if (declared && encoding === null && !SEVEN_BIT_LABEL.test(declared.trim())) return null;
  const sevenBit = declared !== null && SEVEN_BIT_LABEL.test(declared.trim());
  if (encoding === null || encoding === 'utf-8' || sevenBit) {
    if (isValidUtf8(bytes)) return encoding === 'utf-8' ? null : 'utf-8';
    const family = encoding && FAMILIES[encoding] ? FAMILIES[encoding] : [];
    return firstFitting(bytes, [...family, ...hints]);
  }
  if (isMultiByte(encoding)) {
    if (fits(bytes, encoding)) return null;
    return firstFitting(bytes, [...(FAMILIES[encoding] ?? []), 'utf-8', ...hints]);
  }
  // A single-byte label fits any bytes; valid multi-byte UTF-8 under it is almost surely mislabelled UTF-8,
  // since Western 8-bit text (an umlaut followed by ASCII) is never valid UTF-8.
  return isValidUtf8(bytes) ? 'utf-8' : null;
}

/** Re-encodes non-UTF-8 bytes as UTF-8, guessing their charset from the hints (header lines, RFC 6532). */
export function toUtf8(bytes: Uint8Array, hints: readonly string[]): Uint8Array {
  if (!hasHighBytes(bytes) || isValidUtf8(bytes)) return bytes;
  const charset = betterCharset(bytes, null, hints) ?? FALLBACK_CHARSET;
  return utf8Encoder.encode(fixC1Controls(new TextDecoder(charset).decode(bytes)));
}

/** Windows-1252 characters for the C1 bytes 0x80–0x9F (the five undefined ones stay as they are). */
const CP1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/**
 * C1 control characters in decoded text are Windows-1252 bytes that were decoded as ISO-8859-1: mail labelled
 * "iso-8859-1" by Outlook and friends, and Node's TextDecoder, which since 20.18.3/22.13.0 decodes windows-1252
 * as ISO-8859-1 (nodejs/node#60888). Real text never holds C1 controls, so mapping them back is safe.
 */
export function fixC1Controls(text: string): string {
  return /[\u0080-\u009f]/.test(text)
    ? text.replace(/[\u0080-\u009f]/g, (char) => CP1252_C1[char.charCodeAt(0) - 0x80] ?? char)
    : text;
}
