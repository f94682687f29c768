import { stem, tokenise } from './text.ts';

/**
 * A multinomial naive Bayes model, plain JSON so it can be stored per tenant (an S3 object or an item) and
 * loaded by the triage function without retraining.
 */
export interface NaiveBayesModel {
  readonly kind: 'multinomial-naive-bayes';
  readonly version: 1;
  /** Additive (Laplace) smoothing. */
  readonly alpha: number;
  /** Intents, sorted. */
  readonly classes: readonly string[];
  /** Training documents per class. */
  readonly documents: Readonly<Record<string, number>>;
  /** Feature counts per class. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Total feature count per class. */
  readonly totals: Readonly<Record<string, number>>;
  /** Distinct features over all classes. */
  readonly vocabularySize: number;
}

export interface TrainingExample {
  readonly text: string;
  readonly intent: string;
}

/*
 * Words too common to say anything about an intent, in the supported languages, normalised. Features are
 * the stems of the remaining words (see `stem`) plus, for words of 6+ letters, their character 5-grams
 * prefixed with `#`, which catch shared roots across languages and compounds ("Rechnungsadresse").
 */
const STOPWORDS = new Set(
  (
    'a an the and or but is are was were be been am i me my you your we our us it its this that these those ' +
    'to of in on at for from with by as if so do does did have has had can could would should will just ' +
    'hi hello hey dear please thanks thank regards best team there here what when how why which who ' +
    'el la los las un una unos unas y o pero de del en con por para que es son fue soy mi mis tu su sus ' +
    'nos lo le les se me te al hola gracias saludos muy este esta esto ese esa ' +
    'der die das den dem des ein eine einen einem und oder aber ist sind war bin ich mein meine mir mich ' +
    'sie ihr wir uns es zu von mit fur auf im an bei hallo danke bitte gruss grusse viele freundlichen ' +
    'le les des un une et ou mais est sont je mon ma mes vous votre nous au aux du en avec pour sur dans ' +
    'bonjour merci cordialement o os um uma e ou mas eu meu minha voce seu sua com para em no na do da ' +
    'ola obrigado obrigada'
  ).split(' '),
);

/** The features of a text for the model. */
export function features(text: string): string[] {
  const out: string[] = [];
  for (const token of tokenise(text)) {
    if (STOPWORDS.has(token) || token.length < 2 || /^\d+$/.test(token)) continue;
    out.push(stem(token));
    if (token.length >= 6) for (let i = 0; i + 5 <= token.length; i++) out.push(`#${token.slice(i, i + 5)}`);
  }
  return out;
}

/** Trains a model from labelled texts. Deterministic: the same examples in any order give the same model. */
export function trainNaiveBayes(
  examples: readonly TrainingExample[],
  options: { alpha?: number } = {},
): NaiveBayesModel {
  const alpha = options.alpha ?? 1;
  if (!(alpha > 0)) throw new RangeError(`alpha must be > 0, got ${alpha}`);
  // Maps, not object literals, so that an intent named like an Object.prototype key is just a name.
  const documents = new Map<string, number>();
  const counts = new Map<string, Map<string, number>>();
  const totals = new Map<string, number>();
  const vocabulary = new Set<string>();
  for (const { text, intent } of examples) {
    documents.set(intent, (documents.get(intent) ?? 0) + 1);
    let classCounts = counts.get(intent);
    if (classCounts === undefined) {
      classCounts = new Map();
      counts.set(intent, classCounts);
    }
    for (const feature of features(text)) {
      classCounts.set(feature, (classCounts.get(feature) ?? 0) + 1);
      totals.set(intent, (totals.get(intent) ?? 0) + 1);
      vocabulary.add(feature);
    }
  }
  const classes = [...documents.keys()].sort();
  // Sorted keys so that JSON.stringify of two models trained from the same data is byte-identical.
  const sorted = (map: ReadonlyMap<string, number>) =>
    Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    kind: 'multinomial-naive-bayes',
    version: 1,
    alpha,
    classes,
    documents: Object.fromEntries(classes.map((c) => [c, documents.get(c) ?? 0])),
    counts: Object.fromEntries(classes.map((c) => [c, sorted(counts.get(c) ?? new Map())])),
    totals: Object.fromEntries(classes.map((c) => [c, totals.get(c) ?? 0])),
    vocabularySize: vocabulary.size,
  };
}

export interface Posterior {
  readonly intent: string;
  readonly probability: number;
}

/**
 * Posterior probability of every class for a text, best first (ties by name). Features the model never saw
 * are ignored, so an unrelated text falls back to the priors. Empty model → [].
 */
export function predictNaiveBayes(model: NaiveBayesModel, text: string): Posterior[] {
  if (model.classes.length === 0) return [];
  const totalDocuments = model.classes.reduce((sum, c) => sum + (model.documents[c] ?? 0), 0);
  const known = features(text).filter((f) => model.classes.some((c) => (model.counts[c]?.[f] ?? 0) > 0));
  const logs = model.classes.map((c) => {
    const denominator = (model.totals[c] ?? 0) + model.alpha * model.vocabularySize;
    let log = Math.log((model.documents[c] ?? 0) / totalDocuments);
    const counts = model.counts[c] ?? {};
    for (const f of known) log += Math.log(((counts[f] ?? 0) + model.alpha) / denominator);
    return log;
  });
  const max = Math.max(...logs);
  const exps = logs.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return model.classes
    .map((intent, i) => ({ intent, probability: exps[i]! / sum }))
    .sort((a, b) => b.probability - a.probability || (a.intent < b.intent ? -1 : 1));
}

/** Checks that a parsed JSON value is a model this code can use (e.g. after loading it from storage). */
export function isNaiveBayesModel(value: unknown): value is NaiveBayesModel {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<NaiveBayesModel>;
  return (
    m.kind === 'multinomial-naive-bayes' &&
    m.version === 1 &&
    typeof m.alpha === 'number' &&
    m.alpha > 0 &&
    Array.isArray(m.classes) &&
    m.classes.every((c) => typeof c === 'string') &&
    typeof m.documents === 'object' &&
    m.documents !== null &&
    typeof m.counts === 'object' &&
    m.counts !== null &&
    typeof m.totals === 'object' &&
    m.totals !== null &&
    typeof m.vocabularySize === 'number'
  );
}
