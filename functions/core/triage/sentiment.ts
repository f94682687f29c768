import { normalise, tokenise } from './text.ts';

/*
 * Small per-language lexicons, normalised (lower case, no accents). An entry ending in `*` matches as a
 * prefix ("frustrat*" matches "frustrated", "frustrating"). Weights: ±1 ordinary, ±2 strong.
 */
interface Lexicon {
  readonly positive: readonly string[];
  readonly strongPositive: readonly string[];
  readonly negative: readonly string[];
  readonly strongNegative: readonly string[];
  /** Politeness formulas: +0.25, so a polite but factual mail stays neutral. */
  readonly polite: readonly string[];
  /**
   * Markers of a complaint or a failure in support mail ("still", "can't", "nicht", "todavia"): -0.5 each,
   * at most three. A negator listed here also negates.
   */
  readonly complaint: readonly string[];
  /** Words that flip the next sentiment word within two tokens. */
  readonly negators: readonly string[];
  /** Words that multiply the next sentiment word by 1.5. */
  readonly intensifiers: readonly string[];
}

const split = (words: string) => words.split(/\s+/).filter(Boolean);

const LEXICONS: Readonly<Record<string, Lexicon>> = {
  en: {
    positive: split(
      'good great nice appreciate* helpful happy glad love* works working fine fast easy pleased perfect smooth resolved solved cool wonderful',
    ),
    strongPositive: split('excellent amazing awesome fantastic brilliant superb outstanding'),
    negative: split(
      "bad wrong broken error fail* issue* problem* slow annoy* frustrat* disappoint* unhappy unable cannot can't not_working poor confus* lost missing stuck worse crash* bug* charged twice late delay* complain* rude useless mess upset angry unreliable painful stopped",
    ),
    strongNegative: split(
      'terrible horrible awful unacceptable ridiculous worst furious scam disgust* pathetic hate nightmare incompetent',
    ),
    polite: split('thanks thank thx cheers appreciated please ok okay'),
    complaint: split(
      "can't cannot unable couldn't accidentally mistake loop still again nothing nobody never missing wrong not no none anymore blocked stuck down outage declined expired locked blank timeout timeouts",
    ),
    negators: split(
      "not no never don't doesn't didn't isn't wasn't won't can't cannot hardly without nothing",
    ),
    intensifiers: split('very really so extremely totally completely absolutely super incredibly'),
  },
  es: {
    positive: split(
      'bien bueno buena buenos genial agradezco agradecid* perfecto rapido facil contento contenta encanta gusta funciona amable excelente resuelto solucionado',
    ),
    strongPositive: split('excelente maravilloso fantastico increible estupendo'),
    negative: split(
      'mal malo mala error errores problema* fallo falla lento molest* frustr* dolor quej* equivocad* fallando decepcion* imposible roto rota perdido perdida tarde retraso enfad* confus* cobrado cobraron bloquead*',
    ),
    strongNegative: split(
      'terrible horrible pesimo pesima inaceptable vergonzoso vergüenza verguenza indignad* estafa harto harta desastre ridiculo',
    ),
    polite: split('gracias por favor saludos'),
    complaint: split(
      'no nada nadie ningun ninguna todavia sigue siguen siguen otra caida caido falta bloqueada bloqueado caducado error sin',
    ),
    negators: split('no nunca ni jamas tampoco sin nada'),
    intensifiers: split('muy muchisimo totalmente completamente super realmente demasiado'),
  },
  de: {
    positive: split(
      'gut gute guten super toll prima schnell einfach zufrieden hilfreich freundlich funktioniert klappt perfekt gelost behoben',
    ),
    strongPositive: split('ausgezeichnet hervorragend fantastisch grossartig wunderbar'),
    negative: split(
      'schlecht falsch* fehler fehlerhaft problem* kaputt langsam argerlich arger enttausch* unzuverlassig muhsam frustr* verloren fehlt fehlen verspat* beschwerde doppelt nervig leider unmoglich abgesturzt sturzt',
    ),
    strongNegative: split(
      'katastrophe katastrophal unverschamt inakzeptabel furchtbar schrecklich miserabel betrug frechheit unzumutbar',
    ),
    polite: split('danke bitte gruss grusse vielen'),
    complaint: split(
      'nicht nichts kein keine keinen niemand immer noch wieder fehlt gesperrt ausfall abgelaufen versehentlich leider',
    ),
    negators: split('nicht kein keine keinen keiner nie niemals ohne nichts'),
    intensifiers: split('sehr wirklich total extrem absolut vollig echt ziemlich'),
  },
  fr: {
    positive: split(
      'bien bon bonne super adore parfait rapide facile content contente satisfait aimable genial resolu fonctionne marche',
    ),
    strongPositive: split('excellent excellente formidable fantastique'),
    negative: split(
      'mal mauvais mauvaise erreur erron* indisponible plante probleme* lent bloque bloquee perdu perdue retard decu decue frustr* impossible casse panne plainte enerv* double',
    ),
    strongNegative: split('inacceptable horrible scandaleux honteux nul arnaque catastrophe lamentable'),
    polite: split('merci svp cordialement'),
    complaint: split('pas plus rien aucun aucune toujours encore personne panne erreur'),
    negators: split('pas ne jamais rien aucun aucune sans'),
    intensifiers: split('tres vraiment trop totalement completement absolument'),
  },
  pt: {
    positive: split(
      'bom boa otimo otima perfeito rapido facil satisfeito feliz funciona resolvido gostei adoro',
    ),
    strongPositive: split('excelente maravilhoso fantastico incrivel'),
    negative: split(
      'mal ruim erro problema* lento travado travou perdido atraso atrasado decepcion* frustr* impossivel quebrado reclamacao cobrado cobraram',
    ),
    strongNegative: split('pessimo pessima horrivel inaceitavel absurdo vergonha golpe ridiculo'),
    polite: split('obrigado obrigada favor'),
    complaint: split('nao nada ninguem nenhum engano ainda continuam caiu parada errada errado'),
    negators: split('nao nunca nem jamais sem nada nenhum nenhuma'),
    intensifiers: split('muito totalmente completamente super realmente demais'),
  },
  it: {
    positive: split(
      'bene buono buona perfetto veloce facile contento contenta funziona risolto gentile ottimo ottima',
    ),
    strongPositive: split('eccellente fantastico meraviglioso'),
    negative: split(
      'male errore problema* lento bloccato perso ritardo deluso delusa frustr* impossibile rotto reclamo',
    ),
    strongNegative: split('terribile orribile inaccettabile vergognoso pessimo truffa'),
    polite: split('grazie prego'),
    complaint: split('non niente nessuno ancora fermo'),
    negators: split('non mai nessun nessuna senza niente'),
    intensifiers: split('molto davvero troppo totalmente completamente'),
  },
  nl: {
    positive: split('goed goede fijn snel makkelijk tevreden werkt perfect opgelost vriendelijk prima'),
    strongPositive: split('uitstekend geweldig fantastisch'),
    negative: split(
      'slecht fout fouten verkeerd* probleem* traag kapot verloren vertraging teleurgesteld frustr* onmogelijk klacht',
    ),
    strongNegative: split('verschrikkelijk belachelijk onacceptabel waardeloos oplichting schandalig'),
    polite: split('bedankt alstublieft graag'),
    complaint: split('niet niets geen nog steeds niemand geweigerd'),
    negators: split('niet geen nooit zonder niets'),
    intensifiers: split('erg heel zeer echt totaal helemaal'),
  },
};

interface CompiledLexicon {
  readonly polite: ReadonlySet<string>;
  readonly complaint: ReadonlySet<string>;
  readonly weights: ReadonlyMap<string, number>;
  readonly prefixes: readonly (readonly [string, number])[];
  readonly negators: ReadonlySet<string>;
  readonly intensifiers: ReadonlySet<string>;
}

function compile(lexicons: readonly Lexicon[]): CompiledLexicon {
  const weights = new Map<string, number>();
  const prefixes: [string, number][] = [];
  const add = (words: readonly string[], weight: number) => {
    for (const word of words) {
      if (word.endsWith('*')) prefixes.push([word.slice(0, -1), weight]);
      else weights.set(word, weight);
    }
  };
  for (const lexicon of lexicons) {
    add(lexicon.positive, 1);
    add(lexicon.strongPositive, 2);
    add(lexicon.negative, -1);
    add(lexicon.strongNegative, -2);
  }
  return {
    polite: new Set(lexicons.flatMap((l) => l.polite)),
    complaint: new Set(lexicons.flatMap((l) => l.complaint)),
    weights,
    prefixes,
    negators: new Set(lexicons.flatMap((l) => l.negators)),
    intensifiers: new Set(lexicons.flatMap((l) => l.intensifiers)),
  };
}

const COMPILED: ReadonlyMap<string, CompiledLexicon> = new Map(
  Object.entries(LEXICONS).map(([language, lexicon]) => [language, compile([lexicon])]),
);
/** For `und`: every lexicon at once. */
const ALL = compile(Object.values(LEXICONS));

function weightOf(lexicon: CompiledLexicon, token: string): number {
  const exact = lexicon.weights.get(token);
  if (exact !== undefined) return exact;
  for (const [prefix, weight] of lexicon.prefixes) if (token.startsWith(prefix)) return weight;
  return 0;
}

export interface SentimentScore {
  /** -1..1. */
  readonly score: number;
  readonly confidence: number;
}

/**
 * Lexicon sentiment: sum the weights of sentiment words, +0.25 for politeness, -0.5 per complaint marker
 * (at most three); a negator up to two tokens before a word flips it, unless a "but" comes between
 * (and halves it: "not bad" is mildly positive, "not good" clearly negative); an intensifier just before
 * multiplies it by 1.5; runs of `!` and whole words in capitals amplify the result by up to 1.5. The raw sum
 * is squashed with `x / sqrt(x² + 4)` into -1..1. Confidence grows with the number of sentiment words and
 * falls when positive and negative words disagree.
 */
export function scoreSentiment(text: string, language: string): SentimentScore {
  const lexicon = COMPILED.get(language) ?? ALL;
  const tokens = tokenise(text);
  let sum = 0;
  let positive = 0;
  let negative = 0;
  let negatedUntil = -1;
  let intensity = 1;
  let last: { index: number; weight: number } | null = null;
  const postNegating = POST_NEGATING_LANGUAGES.has(language) || !COMPILED.has(language);
  const add = (weight: number) => {
    sum += weight;
    if (weight > 0) positive += weight;
    else negative -= weight;
  };
  let politeness = 0;
  let complaints = 0;
  tokens.forEach((token, index) => {
    if (CLAUSE_BREAKERS.has(token)) negatedUntil = -1;
    if (lexicon.polite.has(token)) politeness += 1;
    if (lexicon.complaint.has(token)) complaints += 1;
    if (lexicon.negators.has(token)) {
      // German and Dutch negate after the verb: "funktioniert nicht", "werkt niet".
      if (postNegating && last !== null && last.weight > 0 && index - last.index <= 2) {
        add(-2 * last.weight);
        last = null;
      } else negatedUntil = index + 2;
      return;
    }
    if (lexicon.intensifiers.has(token)) {
      intensity = 1.5;
      return;
    }
    let weight = weightOf(lexicon, token);
    if (weight !== 0) {
      if (index <= negatedUntil) {
        weight = weight > 0 ? -weight : -weight / 2;
        negatedUntil = -1;
      }
      weight *= intensity;
      add(weight);
      last = { index, weight };
    }
    intensity = 1;
  });
  // Failures said with a neutral verb: "geht nicht", "doesn't load", "no llega".
  add(failurePhrases(tokens.join(' '), language));
  if (WARM_THANKS.test(normalise(text))) add(1);
  else if (politeness > 0) add(0.25);
  add(-0.5 * Math.min(3, complaints));

  const exclamations = Math.min(3, (text.match(/!/g) ?? []).length);
  const shouting = (text.match(/\b[A-ZÄÖÜ]{4,}\b/g) ?? []).length;
  const amplifier = 1 + Math.min(0.5, exclamations * 0.1 + shouting * 0.1);
  const raw = sum * amplifier;
  const score = round(raw / Math.sqrt(raw * raw + 4));
  const evidence = positive + negative;
  const agreement = evidence === 0 ? 0 : Math.abs(positive - negative) / evidence;
  const confidence =
    evidence === 0
      ? 0.5
      : round(Math.min(0.95, 0.4 + 0.15 * Math.min(evidence, 4)) * (0.5 + 0.5 * agreement));
  return { score, confidence };
}

/** "but" and kin end a negation's reach: "not urgent but a bit annoying". */
const CLAUSE_BREAKERS = new Set([
  'but',
  'pero',
  'aber',
  'mais',
  'mas',
  'ma',
  'maar',
  'though',
  'sino',
  'doch',
]);

/** Thanks said warmly ("thanks a lot", "¡Gracias!", "vielen Dank") count as a positive word, not politeness. */
const WARM_THANKS =
  /\b(thanks|thank you)\s+(so much|a lot)|\bmany thanks|\bmuchas gracias|\bmil gracias|\bvielen dank|\bherzlichen dank|\bmerci beaucoup|\bmuito obrigad[oa]|\bgrazie mille|\bhartelijk dank|\b(thanks|gracias|danke|merci|obrigad[oa]|grazie|bedankt)\s*!/;

const POST_NEGATING_LANGUAGES = new Set(['de', 'nl']);

const FAILURE_PHRASES: Readonly<Record<string, RegExp>> = {
  de: /\b(geht|lauft|laden|ladt|kommt|ankommt|startet|offnet)\s+(immer\s+noch\s+|noch\s+|leider\s+|einfach\s+|gar\s+|mehr\s+)*(nicht|nie)\b/g,
  nl: /\b(gaat|laadt|komt|start|opent)\s+(nog\s+|helaas\s+|gewoon\s+)*(niet|nooit)\b/g,
  en: /\b(doesn't|won't|does not|will not|didn't|did not)\s+(work|load|open|arrive|start)\b/g,
  es: /\b(no\s+(me\s+|se\s+)?(carga|abre|llega|llego|anda|sirve|deja)|se\s+cierra)\b/g,
  fr: /\bne\s+(se\s+)?(charge|s'ouvre|ouvre|arrive|demarre)\s+(plus|pas)\b/g,
  pt: /\b(nao\s+(carrega|abre|chegou|chega)|fecha\s+sozinho)\b/g,
  it: /\bnon\s+(carica|arriva|parte|si\s+apre)\b/g,
};

/** Failures said with a neutral verb, -1 each, on the normalised, space-joined tokens. */
function failurePhrases(normalised: string, language: string): number {
  const own = FAILURE_PHRASES[language];
  const patterns = own === undefined ? Object.values(FAILURE_PHRASES) : [own];
  let hits = 0;
  for (const pattern of patterns) hits += normalised.match(pattern)?.length ?? 0;
  return -hits;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
