import { betterCharset, encodingOf, hasHighBytes, isValidUtf8, orderHints, toUtf8 } from './charset.ts';
import { decodeBase64, decodeEncodedWordPayload, decodeQuotedPrintable } from './transfer-encoding.ts';

/**
 * A pass over the raw bytes before postal-mime sees them, so that its decoding comes out right for mail that
 * lies about charsets (it decodes header bytes as UTF-8 and trusts every charset label):
 * - drops an mbox `From ` separator line;
 * - re-encodes raw 8-bit header bytes that are not UTF-8 as UTF-8, guessing the charset from the ones the
 *   message declares elsewhere;
 * - relabels encoded words and text parts whose bytes do not fit their declared charset.
 * The MIME structure is followed only as far as that needs (boundaries, header blocks, nested messages).
 */

interface Line {
  /** Content is bytes [start, end); the line with its CR/LF ends at next. */
  readonly start: number;
  readonly end: number;
  readonly next: number;
}

interface Part {
  readonly headerLines: number[];
  bodyStart: number;
  contentType: string | null;
  contentTypeLines: number[];
  transferEncoding: string;
  disposition: string;
}

const ENCODED_WORD = /=\?([^?\s*]+)(\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;
const encoder = new TextEncoder();

function splitLines(raw: Uint8Array): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < raw.length) {
    let newline = raw.indexOf(0x0a, start);
    if (newline < 0) newline = raw.length;
    let end = newline;
    while (end > start && (raw[end - 1] === 0x0d || raw[end - 1] === 0x0a)) end--;
    lines.push({ start, end, next: Math.min(newline + 1, raw.length) });
    start = newline + 1;
  }
  return lines;
}

function param(value: string, name: string): string | null {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match ? (match[1] ?? match[2] ?? '').trim() : null;
}

function mediaType(value: string | null): string {
  return (value ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
}

export function repairRawMail(raw: Uint8Array): Uint8Array {
  const latin1 = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  const lines = splitLines(raw);
  const text = (i: number): string => latin1.slice(lines[i]!.start, lines[i]!.end);
  const replace = new Map<number, Uint8Array | null>();
  const insertBefore = new Map<number, Uint8Array>();
  const hints = orderHints([...latin1.matchAll(/charset\s*=\s*"?([\w.:+-]+)/gi)].map((m) => m[1]!));

  const first = lines.length > 0 && text(0).startsWith('From ') ? 1 : 0;
  const boundaries: { value: string; part: Part }[] = [];
  const newPart = (): Part => ({
    headerLines: [],
    bodyStart: -1,
    contentType: null,
    contentTypeLines: [],
    transferEncoding: '',
    disposition: '',
  });

  const repairHeaderLine = (index: number): void => {
    const line = lines[index]!;
    let bytes = raw.subarray(line.start, line.end);
    let changed = false;
    if (hasHighBytes(bytes) && !isValidUtf8(bytes)) {
      bytes = toUtf8(bytes, hints);
      changed = true;
    }
    const value = changed ? new TextDecoder().decode(bytes) : text(index);
    const relabelled = value.replace(ENCODED_WORD, (word, label: string, lang = '', enc: string, payload) => {
      const better = betterCharset(decodeEncodedWordPayload(enc, payload), label, hints);
      return better && better !== encodingOf(label) ? `=?${better}${lang}?${enc}?${payload}?=` : word;
    });
    if (relabelled !== value) {
      bytes = encoder.encode(relabelled);
      changed = true;
    }
    if (changed) replace.set(index, bytes);
  };

  const endHeader = (part: Part, blankLine: number): void => {
    let field: number[] = [];
    const fields: number[][] = [];
    for (const index of part.headerLines) {
      repairHeaderLine(index);
      if (field.length > 0 && /^[ \t]/.test(text(index))) field.push(index);
      else {
        field = [index];
        fields.push(field);
      }
    }
    for (const group of fields) {
      const unfolded = group.map(text).join('');
      const colon = unfolded.indexOf(':');
      const name = unfolded
        .slice(0, colon < 0 ? undefined : colon)
        .trim()
        .toLowerCase();
      const value = colon < 0 ? '' : unfolded.slice(colon + 1).trim();
      if (name === 'content-type' && part.contentType === null) {
        part.contentType = value;
        part.contentTypeLines = group;
      } else if (name === 'content-transfer-encoding' && !part.transferEncoding) {
        part.transferEncoding = value.toLowerCase();
      } else if (name === 'content-disposition' && !part.disposition) {
        part.disposition = value.toLowerCase();
      }
    }
    part.bodyStart = blankLine + 1;
    const boundary = part.contentType ? param(part.contentType, 'boundary') : null;
    if (mediaType(part.contentType).startsWith('multipart/') && boundary) {
      boundaries.push({ value: `--${boundary}`, part });
    }
  };

  const relabelBody = (part: Part, endLine: number): void => {
    const type = mediaType(part.contentType);
    if (part.bodyStart < 0 || !type.startsWith('text/') || part.disposition.startsWith('attachment')) return;
    const bodyLines: string[] = [];
    for (let i = part.bodyStart; i < endLine; i++) bodyLines.push(text(i));
    const encoding = part.transferEncoding;
    const bytes = encoding.includes('base64')
      ? decodeBase64(bodyLines.join(''))
      : encoding.includes('quoted-printable')
        ? decodeQuotedPrintable(bodyLines)
        : raw.subarray(lines[part.bodyStart]?.start ?? raw.length, lines[endLine - 1]?.end ?? raw.length);
    const declared = part.contentType ? param(part.contentType, 'charset') : null;
    const better = betterCharset(bytes, declared, hints);
    if (!better) return;
    // postal-mime reads the first Content-Type of a part, so the corrected one replaces it in place.
    const [firstLine, ...continuation] = part.contentTypeLines;
    const value = part.contentType ?? 'text/plain';
    const fixed =
      declared === null
        ? `${value}; charset=${better}`
        : value.replace(/(charset\s*=\s*)("[^"]*"|[^;\s]+)/i, `$1${better}`);
    if (firstLine === undefined) {
      insertBefore.set(part.bodyStart - 1, encoder.encode(`Content-Type: ${fixed}\r\n`));
      return;
    }
    replace.set(firstLine, encoder.encode(`Content-Type: ${fixed}`));
    for (const index of continuation) replace.set(index, null);
  };

  let part: Part | null = newPart();
  let inHeader = true;
  for (let i = first; i < lines.length; i++) {
    const content = text(i);
    const boundaryAt = content.startsWith('--')
      ? boundaries.findLastIndex(
          (b) => content.startsWith(b.value) && /^(--)?[ \t]*$/.test(content.slice(b.value.length)),
        )
      : -1;
    if (boundaryAt >= 0) {
      if (part && inHeader) endHeader(part, i - 1);
      if (part) relabelBody(part, i);
      const boundary = boundaries[boundaryAt]!;
      if (content.slice(boundary.value.length).startsWith('--')) {
        boundaries.splice(boundaryAt);
        part = null;
      } else {
        boundaries.splice(boundaryAt + 1);
        part = newPart();
        inHeader = true;
      }
      continue;
    }
    if (!part || !inHeader) continue;
    if (content.length > 0) {
      part.headerLines.push(i);
      continue;
    }
    endHeader(part, i);
    inHeader = false;
    // A message/rfc822 part's body starts with the embedded message's own header block.
    if (
      /^message\/(rfc822|global)$/.test(mediaType(part.contentType)) &&
      !/base64|quoted/.test(part.transferEncoding)
    ) {
      part = newPart();
      inHeader = true;
    }
  }
  if (part && inHeader) endHeader(part, lines.length - 1);
  if (part) relabelBody(part, lines.length);

  if (first === 0 && replace.size === 0 && insertBefore.size === 0) return raw;
  return assemble(raw, lines, first, replace, insertBefore);
}

function assemble(
  raw: Uint8Array,
  lines: readonly Line[],
  first: number,
  replace: ReadonlyMap<number, Uint8Array | null>,
  insertBefore: ReadonlyMap<number, Uint8Array>,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!;
    const inserted = insertBefore.get(i);
    if (inserted) chunks.push(inserted);
    if (!replace.has(i)) {
      chunks.push(raw.subarray(line.start, line.next));
      continue;
    }
    const replacement = replace.get(i);
    if (replacement) chunks.push(replacement, raw.subarray(line.end, line.next));
  }
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
