/**
 * Text helpers shared by every triage part: one normalisation (lower case, accents stripped, `ß` → `ss`) so
 * that "Facturación", "facturacion" and "FACTURACIÓN" are the same word, and a tokeniser on Unicode letters.
 */

const COMBINING_MARKS = /\p{M}+/gu;
const TOKEN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lower case, no accents, `ß` → `ss`, curly apostrophes straight. */
export function normalise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/’/g, "'");
}

/** Normalised word tokens, in order; `don't` and `l'app` stay one token each. */
export function tokenise(text: string): string[] {
  return normalise(text).match(TOKEN) ?? [];
}

/**
 * A deliberately crude stemmer that works the same in every language: strip one common inflection ending,
 * then keep at most 6 letters. "refunds", "refunded", "refunding" → "refund"; "facturas", "facturación" →
 * "factur"; "Rechnungen" → "rechnu".
 */
export function stem(token: string): string {
  let word = token.replace(/'.*$/, '');
  if (word.length > 4) {
    for (const ending of ['ations', 'ation', 'ungen', 'ing', 'ed', 'es', 'en', 's', 'e']) {
      if (word.length - ending.length >= 4 && word.endsWith(ending)) {
        word = word.slice(0, -ending.length);
        break;
      }
    }
  }
  return word.slice(0, 6);
}
