import { type NaiveBayesModel, predictNaiveBayes } from './naive-bayes.ts';
import { type CompiledPhrase, compilePhrase, countPhrase } from './phrases.ts';

export interface IntentGuess {
  readonly intent: string | null;
  readonly confidence: number;
  /** `keywords`, `keywords+model`, `model` or `none`: how the intent was decided. */
  readonly source: 'keywords' | 'keywords+model' | 'model' | 'none';
  /** The keywords that matched, for the timeline's "why". */
  readonly matched: readonly string[];
}

/** Tenant keywords compiled once; cached per keywords object so a warm Lambda does not recompile. */
const compiledCache = new WeakMap<object, ReadonlyMap<string, readonly CompiledPhrase[]>>();

function compileKeywords(keywords: Readonly<Record<string, readonly string[]>>) {
  let compiled = compiledCache.get(keywords);
  if (compiled === undefined) {
    compiled = new Map(
      Object.entries(keywords).map(([intent, phrases]) => [
        intent,
        phrases.map(compilePhrase).filter((p): p is CompiledPhrase => p !== null),
      ]),
    );
    compiledCache.set(keywords, compiled);
  }
  return compiled;
}

/**
 * Keyword score per intent: each distinct keyword that occurs scores its number of words (a phrase is
 * stronger evidence than a word), subject hits count double.
 */
export function keywordScores(
  keywords: Readonly<Record<string, readonly string[]>>,
  subjectTokens: readonly string[],
  bodyTokens: readonly string[],
): { scores: Map<string, number>; matched: string[] } {
  const scores = new Map<string, number>();
  const matched: string[] = [];
  for (const [intent, phrases] of compileKeywords(keywords)) {
    let score = 0;
    for (const phrase of phrases) {
      const inSubject = countPhrase(subjectTokens, phrase) > 0;
      const inBody = countPhrase(bodyTokens, phrase) > 0;
      if (!inSubject && !inBody) continue;
      score += phrase.words.length * (inSubject ? 2 : 1);
      matched.push(`${intent}:${phrase.source}`);
    }
    if (score > 0) scores.set(intent, score);
  }
  return { scores, matched };
}

/** Keyword evidence is unambiguous when the best intent scores at least twice the runner-up. */
export const KEYWORD_DOMINANCE = 2;

/**
 * The rule that combines the two sources:
 *
 * 1. Keyword hits unambiguous (one intent, or the best ≥ 2× the runner-up): that intent wins. Confidence
 *    = 1 − (1 − k)(1 − p), k = 0.6 + 0.1 per extra keyword point (max 0.85), p = the model's posterior
 *    for that intent (0 without a model): keywords and model agreeing reinforce each other.
 * 2. Keyword hits ambiguous: the model decides among the hit intents only (its posteriors renormalised over
 *    them); without a model the best keyword score wins (ties by name), confidence = its share of the score.
 * 3. No keyword hit: the model's best intent, confidence = its posterior.
 * 4. Neither: null, confidence 0.
 */
export function classifyIntent(
  model: {
    readonly keywords: Readonly<Record<string, readonly string[]>>;
    readonly naiveBayes?: NaiveBayesModel | null;
  },
  subjectTokens: readonly string[],
  bodyTokens: readonly string[],
  text: string,
): IntentGuess {
  const { scores, matched } = keywordScores(model.keywords, subjectTokens, bodyTokens);
  const posteriors = model.naiveBayes ? predictNaiveBayes(model.naiveBayes, text) : [];
  const posterior = (intent: string) => posteriors.find((p) => p.intent === intent)?.probability ?? 0;
  const ranked = [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const [best, second] = ranked;

  if (best !== undefined && (second === undefined || best[1] >= KEYWORD_DOMINANCE * second[1])) {
    const k = Math.min(0.85, 0.6 + 0.1 * (best[1] - 1));
    const p = posterior(best[0]);
    return {
      intent: best[0],
      confidence: round(1 - (1 - k) * (1 - p)),
      source: posteriors.length > 0 ? 'keywords+model' : 'keywords',
      matched,
    };
  }
  if (best !== undefined) {
    const candidates = ranked.map(([intent]) => intent);
    if (posteriors.length > 0) {
      const mass = candidates.reduce((sum, c) => sum + posterior(c), 0);
      if (mass > 0) {
        const top = posteriors.find((p) => candidates.includes(p.intent))!;
        return {
          intent: top.intent,
          confidence: round(top.probability / mass),
          source: 'keywords+model',
          matched,
        };
      }
    }
    const total = ranked.reduce((sum, [, s]) => sum + s, 0);
    return { intent: best[0], confidence: round(best[1] / total), source: 'keywords', matched };
  }
  const top = posteriors[0];
  if (top !== undefined)
    return { intent: top.intent, confidence: round(top.probability), source: 'model', matched };
  return { intent: null, confidence: 0, source: 'none', matched };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
