/**
 * The part of a mail that is new: the text without the quoted history of the thread and without the sender's
 * signature. What goes on the ticket as the comment; the full text stays available beside it.
 */

/** "On <date>, <name> wrote:" and its translations; the attribution line above a quoted reply. */
const LOCALISED_ATTRIBUTION = [
  /^On\b.{1,300}\bwrote\s*:\s*$/i,
  /^Am\b.{1,300}\bschrieb\b.{0,300}:\s*$/i,
  /^Le\b.{1,300}\ba\s+écrit\s*:\s*$/i,
  /^El\b.{1,300}\bescribió\s*:\s*$/i,
  /^Op\b.{1,300}\bschreef\b.{0,300}:\s*$/i,
];
const GENERIC_ATTRIBUTION = [
  /^.{1,200}\s(?:wrote|schrieb|a écrit|escribió|schreef)\s*:\s*$/i,
  /^.{1,200}\s(?:schrieb am|wrote on|a écrit le|escribió el|schreef op)\s.{1,100}:\s*$/i,
];
/** Outlook's "-----Original Message-----" rule and its translations. */
const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Originalnachricht|Message d'origine|Mensaje original|Oorspronkelijk bericht|Forwarded message|Weitergeleitete Nachricht)\s*-{2,}\s*$/i;
/** The first line of a quoted header block ("From: ... Sent: ..."), bold markers from HTML allowed. */
const HEADER_FROM = /^\s*\*?(?:From|Von|De|Van|Da)\s*:\*?\s+\S/i;
const HEADER_NEXT =
  /^\s*\*?(?:Sent|Gesendet|Envoyé|Enviado|Verzonden|Date|Datum|Fecha|To|An|À|Para|Aan|Subject|Betreff|Objet|Asunto|Onderwerp)\s*:\*?/i;
const UNDERSCORES = /^\s*_{20,}\s*$/;
/** Lotus Notes puts "Name --- Subject ---" above its quoted header block. */
const LOTUS_ATTRIBUTION = /^\S.*\s-{3}\s.+\s-{3}\s*$/;
/** RFC 3676 signature delimiter "-- " (many clients drop the trailing space). */
const SIGNATURE = /^-- ?$/;
const MOBILE_SIGNATURE =
  /^\s*(?:Sent from my \w+|Sent from (?:Mail|Outlook|Yahoo Mail) for \w+|Get Outlook for \w+|Sent from (?:my )?(?:mobile|phone|iPhone|iPad|Android|BlackBerry|Samsung)\b.*|Von meinem \w+ gesendet|Gesendet von meinem \w+|Envoyé de mon \w+|Enviado desde mi \w+|Verzonden (?:vanaf|met) mijn \w+)\s*$/i;

const isQuoted = (line: string): boolean => /^\s*>/.test(line);
const isBlank = (line: string): boolean => line.trim().length === 0;

/** Index after the run of quoted (and blank) lines that starts at `from`. */
function quoteBlockEnd(lines: readonly string[], from: number): number {
  let end = from;
  while (end < lines.length && (isQuoted(lines[end]!) || isBlank(lines[end]!))) end++;
  return end;
}

/**
 * For each line index: whether, from there on, unquoted text follows a quoted line (an inline answer that
 * must be kept). One backward pass, so that many attribution lines cost no more than one.
 */
function inlineAnswersFrom(lines: readonly string[]): boolean[] {
  const result = new Array<boolean>(lines.length + 1).fill(false);
  let textAfter = false;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (isQuoted(line)) result[i] = result[i + 1]! || textAfter;
    else {
      result[i] = result[i + 1]!;
      if (!isBlank(line) && !SIGNATURE.test(line) && !MOBILE_SIGNATURE.test(line)) textAfter = true;
    }
  }
  return result;
}

/** How many lines (1 or 2) the attribution line starting at `i` takes, or 0 when it is none. */
function attributionLength(lines: readonly string[], i: number): number {
  const line = lines[i]!.trim();
  // Every attribution ends with a colon; checking that first keeps long mails fast.
  if (line.endsWith(':')) {
    if (LOCALISED_ATTRIBUTION.some((pattern) => pattern.test(line))) return 1;
    // "Jane Doe wrote:" alone is too common in prose to trust unless a quote follows it.
    if (GENERIC_ATTRIBUTION.some((pattern) => pattern.test(line))) {
      let next = i + 1;
      while (next < lines.length && isBlank(lines[next]!)) next++;
      return next < lines.length && isQuoted(lines[next]!) ? 1 : 0;
    }
    return 0;
  }
  // Gmail wraps a long attribution over two lines ("On Mon, ... Jane Doe <\njane@example.com> wrote:").
  const following = lines[i + 1]?.trim() ?? '';
  if (!following.endsWith(':') || !/^(?:On|Am|Le|El|Op)\b/i.test(line)) return 0;
  return LOCALISED_ATTRIBUTION.some((pattern) => pattern.test(`${line} ${following}`)) ? 2 : 0;
}

function isHeaderBlock(lines: readonly string[], i: number): boolean {
  if (!HEADER_FROM.test(lines[i]!)) return false;
  return lines.slice(i + 1, i + 4).some((line) => HEADER_NEXT.test(line));
}

function isOutlookRule(lines: readonly string[], i: number): boolean {
  if (!UNDERSCORES.test(lines[i]!)) return false;
  return lines.slice(i + 1, i + 4).some((line) => HEADER_FROM.test(line) || HEADER_NEXT.test(line));
}

function isLotusAttribution(lines: readonly string[], i: number): boolean {
  if (!LOTUS_ATTRIBUTION.test(lines[i]!)) return false;
  let next = i + 1;
  while (next < lines.length && next <= i + 2 && isBlank(lines[next]!)) next++;
  return next < lines.length && next <= i + 2 && isHeaderBlock(lines, next);
}

/** Index of the first line of a trailing run of quoted lines (blank lines allowed inside), or -1. */
function trailingQuoteStart(lines: readonly string[]): number {
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (isQuoted(lines[i]!)) start = i;
    else if (!isBlank(lines[i]!)) break;
  }
  return start;
}

export function stripQuotedReply(text: string): string {
  const original = text.replace(/\r\n?/g, '\n');
  const lines = original.split('\n');
  const answersInline = inlineAnswersFrom(lines);
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (SIGNATURE.test(line) || MOBILE_SIGNATURE.test(line) || ORIGINAL_MESSAGE.test(line)) break;
    if (isHeaderBlock(lines, i) || isOutlookRule(lines, i) || isLotusAttribution(lines, i)) break;
    const attribution = attributionLength(lines, i);
    if (attribution > 0) {
      const quoteStart = i + attribution;
      const end = quoteBlockEnd(lines, quoteStart);
      // Bottom-posted: one quote block, then the answer. Drop the attribution and the quote, keep reading.
      if (end > quoteStart && end < lines.length && !answersInline[end]) {
        i = end - 1;
        continue;
      }
      // Inline answers between quoted lines only make sense with the quotes: keep everything.
      if (answersInline[quoteStart]) {
        kept.push(line);
        continue;
      }
      break;
    }
    kept.push(line);
  }
  const quoteStart = trailingQuoteStart(kept);
  if (quoteStart >= 0) kept.splice(quoteStart);
  const body = kept.join('\n').trim();
  return body.length > 0 ? body : original.trim();
}
