import { normalise } from './text.ts';

/**
 * Phrase matching on normalised tokens. A phrase matches a run of consecutive tokens; each phrase word of
 * 5+ letters also matches as a prefix ("factur" matches "facturacion", "refund" matches "refunded"), shorter
 * words match exactly, and a trailing `*` forces prefix matching for a short word ("pag*").
 */
export interface CompiledPhrase {
  readonly source: string;
  readonly words: readonly { readonly text: string; readonly prefix: boolean }[];
}

export function compilePhrase(phrase: string): CompiledPhrase | null {
  const starred = normalise(phrase)
    .split(/[^\p{L}\p{N}'*]+/u)
    .filter(Boolean);
  const words = starred.map((word) => {
    const forced = word.endsWith('*');
    const text = forced ? word.slice(0, -1) : word;
    return { text, prefix: forced || text.length >= 5 };
  });
  if (words.length === 0 || words.some((w) => w.text === '')) return null;
  return { source: phrase, words };
}

/** How many times the phrase occurs in the tokens (non-overlapping). */
export function countPhrase(tokens: readonly string[], phrase: CompiledPhrase): number {
  let count = 0;
  const n = phrase.words.length;
  for (let i = 0; i + n <= tokens.length; i++) {
    let ok = true;
    for (let j = 0; j < n && ok; j++) {
      const word = phrase.words[j]!;
      const token = tokens[i + j]!;
      ok = word.prefix ? token.startsWith(word.text) : token === word.text;
    }
    if (ok) {
      count += 1;
      i += n - 1;
    }
  }
  return count;
}
