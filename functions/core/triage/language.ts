import { francAll } from 'franc-min';
import { tokenise } from './text.ts';

/** The languages the built-in classifier handles well, ISO 639-3 (franc) → ISO 639-1 (the ticket). */
export const SUPPORTED_LANGUAGES: Readonly<Record<string, string>> = {
  eng: 'en',
  spa: 'es',
  deu: 'de',
  fra: 'fr',
  por: 'pt',
  ita: 'it',
  nld: 'nl',
};

export const UNDETERMINED = 'und';

/** Below this many letters no language is claimed. */
export const MIN_LANGUAGE_LETTERS = 12;

/*
 * Short support mails fool trigram statistics ("No puedo entrar" reads as Portuguese to franc), so franc's
 * scores are combined with hits on each language's commonest function words, which are unambiguous
 * signals even in six-word messages. Words shared by two languages are listed in neither.
 */
const FUNCTION_WORDS: Readonly<Record<string, readonly string[]>> = {
  en: "the and is are was were you your my i it this that have has not can can't don't doesn't with for from please thanks thank there what how when why would could should our we they be been of to".split(
    ' ',
  ),
  es: 'el los las del por para una pero muy gracias hola puedo tengo estoy cuenta esta este sus mis nos hay ya cuando como porque sin ayuda tiene hace donde desde hasta pedido todavia ningun ninguna es y'.split(
    ' ',
  ),
  de: 'der die das und ist nicht ich mein meine mir mich wir ein eine einen kann keine bitte danke hallo auch noch schon wie warum seit bei mit auf fur wird wurde haben habe sie ihr uns zu es'.split(
    ' ',
  ),
  fr: "le les des est et je mon ma mes pas une avec pour sur dans bonjour merci vous nous qui que ne plus depuis mais tres votre j'ai c'est il elle".split(
    ' ',
  ),
  pt: 'o os um uma nao meu minha voce obrigado obrigada ola pedido conta com para por mais ainda esta estou tenho consigo fazer isso muito seu sua no na do da dos das e'.split(
    ' ',
  ),
  it: 'il gli lo della delle non sono mio mia grazie ciao buongiorno perche anche ancora questo questa che di un una ho'.split(
    ' ',
  ),
  nl: 'het een niet ik mijn wij jullie bedankt hallo graag kunnen kan werkt geen nog ook van voor met op zijn is de en'.split(
    ' ',
  ),
};

const WORD_LANGUAGES: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const [language, words] of Object.entries(FUNCTION_WORDS))
    for (const word of words) map.set(word, [...(map.get(word) ?? []), language]);
  return map;
})();

export interface LanguageGuess {
  readonly language: string;
  readonly confidence: number;
}

/**
 * The language of a text as ISO 639-1, restricted to `SUPPORTED_LANGUAGES`, or `und` below
 * `MIN_LANGUAGE_LETTERS` letters. Score per language = franc's normalised score (1 for its best, lower for
 * the others) + 0.25 × the share of function words that belong to that language (a word of two languages
 * counts half for each). Confidence is the winner's margin over the runner-up, squashed into 0..1.
 */
export function detectLanguage(text: string): LanguageGuess {
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  if (letters < MIN_LANGUAGE_LETTERS) return { language: UNDETERMINED, confidence: 0 };

  const scores = new Map<string, number>();
  for (const [code, score] of francAll(text, { only: Object.keys(SUPPORTED_LANGUAGES), minLength: 1 })) {
    const language = SUPPORTED_LANGUAGES[code];
    if (language !== undefined) scores.set(language, score);
  }
  if (scores.size === 0) return { language: UNDETERMINED, confidence: 0 };

  const tokens = tokenise(text);
  const votes = new Map<string, number>();
  let voted = 0;
  for (const token of tokens) {
    const languages = WORD_LANGUAGES.get(token);
    if (languages === undefined) continue;
    voted += 1;
    for (const language of languages) votes.set(language, (votes.get(language) ?? 0) + 1 / languages.length);
  }
  const combined = [...scores].map(([language, score]) => {
    const share = voted === 0 ? 0 : (votes.get(language) ?? 0) / voted;
    return [language, score + WORD_WEIGHT * share] as const;
  });
  combined.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const [best, second] = combined;
  if (best === undefined) return { language: UNDETERMINED, confidence: 0 };
  const margin = best[1] - (second?.[1] ?? 0);
  // A margin of 0.1 (franc alone, a clear winner on a short text) ≈ 0.5; longer texts reach 0.9+.
  const lengthFactor = Math.min(1, letters / 60);
  const confidence = round((1 - Math.exp(-margin * 7)) * (0.6 + 0.4 * lengthFactor));
  return { language: best[0], confidence };
}

const WORD_WEIGHT = 0.25;

const round = (x: number) => Math.round(x * 1000) / 1000;
