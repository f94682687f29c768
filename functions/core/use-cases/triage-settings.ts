import type { Caller } from '../caller.ts';
import { DomainError, type FieldError } from '../errors.ts';
import type { Clock, StoredTriageSettings, TriageSettingsStore, TriageTrainingSummary } from '../ports.ts';
import type { TenantTriageModel } from '../triage/classifier.ts';
import { DEFAULT_TRIAGE_KEYWORDS } from '../triage/default-keywords.ts';
import { type NaiveBayesModel, trainNaiveBayes } from '../triage/naive-bayes.ts';
import { compilePhrase } from '../triage/phrases.ts';
import { normalise } from '../triage/text.ts';

/**
 * A tenant's triage settings: its keywords per intent, and a naive Bayes model trained from labelled past
 * tickets it sends along. The triage worker loads both (`makeLoadTriageModel`); tenants that saved nothing get
 * DEFAULT_TRIAGE_KEYWORDS and no model.
 */

/** Intent names: lower-case identifiers, so they read the same in rules, reports and the Bedrock prompt. */
export const INTENT_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
export const MAX_INTENTS = 50;
export const MAX_PHRASES_PER_INTENT = 200;
export const MAX_PHRASE_CHARS = 100;
export const MAX_TRAINING_EXAMPLES = 2000;
export const MAX_EXAMPLE_SUBJECT_CHARS = 255;
export const MAX_EXAMPLE_BODY_CHARS = 10_000;

/**
 * The settings are one DynamoDB item (limit 400 KB). They are measured as JSON, which over-counts DynamoDB's
 * own sizing (a list element costs 1 byte there, 3 in JSON), and kept under this budget: keywords first (at
 * most MAX_KEYWORDS_BYTES), the model gets the rest.
 */
export const MAX_TRIAGE_SETTINGS_BYTES = 350_000;
export const MAX_KEYWORDS_BYTES = 256 * 1024;

export interface TriageExample {
  readonly subject: string;
  readonly body: string;
  readonly intent: string;
}

export interface TriageSettingsInput {
  readonly keywords: Readonly<Record<string, readonly string[]>>;
  /**
   * Labelled past tickets. Given: a new model is trained from them (an empty list removes the model).
   * Left out: the model trained before is kept.
   */
  readonly examples?: readonly TriageExample[] | undefined;
}

/** What the API shows: the keywords and what the model was trained from, never its weights. */
export interface TriageSettingsView {
  readonly keywords: Readonly<Record<string, readonly string[]>>;
  readonly model: TriageTrainingSummary | null;
  /** Null while the tenant has saved nothing and the defaults apply. */
  readonly updatedAt: string | null;
}

const utf8 = new TextEncoder();
const bytes = (value: unknown) => utf8.encode(JSON.stringify(value)).length;
/** `"feature"` in JSON; features are normalised words, nearly always ASCII (the fast path). */
const jsonKeyBytes = (key: string) => (/^[a-z0-9#']*$/.test(key) ? key.length + 2 : bytes(key));

function invalidSettings(errors: readonly FieldError[]): DomainError {
  return new DomainError(
    'validation',
    `the triage settings are not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );
}

/**
 * Keywords trimmed, de-duplicated (the same phrase up to case and accents counts once, the first spelling
 * stays) and checked; field errors name `keywords.<intent>` or `keywords.<intent>.<index>`.
 */
function normaliseKeywords(
  keywords: Readonly<Record<string, readonly string[]>>,
  errors: FieldError[],
): Record<string, string[]> {
  const intents = Object.keys(keywords);
  if (intents.length > MAX_INTENTS)
    errors.push({ path: 'keywords', message: `at most ${MAX_INTENTS} intents, got ${intents.length}` });
  // A Map, then entries: an intent called like an Object.prototype key is just a name.
  const out = new Map<string, string[]>();
  for (const intent of intents.sort()) {
    const phrases = keywords[intent] ?? [];
    if (!INTENT_PATTERN.test(intent)) {
      errors.push({
        path: `keywords.${intent}`,
        message: 'intent names are 1–40 lower-case letters, digits or _, starting with a letter',
      });
      continue;
    }
    if (!Array.isArray(phrases)) {
      errors.push({ path: `keywords.${intent}`, message: 'must be a list of phrases' });
      continue;
    }
    if (phrases.length > MAX_PHRASES_PER_INTENT) {
      errors.push({
        path: `keywords.${intent}`,
        message: `at most ${MAX_PHRASES_PER_INTENT} phrases per intent, got ${phrases.length}`,
      });
    }
    const seen = new Set<string>();
    const kept: string[] = [];
    phrases.forEach((raw, index) => {
      const phrase = typeof raw === 'string' ? raw.trim() : '';
      const path = `keywords.${intent}.${index}`;
      if (phrase === '') errors.push({ path, message: 'must be a non-empty phrase' });
      else if (phrase.length > MAX_PHRASE_CHARS)
        errors.push({ path, message: `at most ${MAX_PHRASE_CHARS} characters` });
      else if (!canMatch(phrase))
        errors.push({
          path,
          message: 'words are letters or digits (a * may end a word to match it as a prefix)',
        });
      else {
        const key = normalise(phrase);
        if (!seen.has(key)) {
          seen.add(key);
          kept.push(phrase);
        }
      }
    });
    out.set(intent, kept);
  }
  return Object.fromEntries(out);
}

/** A phrase that could match a tokenised text: every word is letters or digits (`*` only as its end). */
function canMatch(phrase: string): boolean {
  const compiled = compilePhrase(phrase);
  return compiled?.words.every((word) => /^[\p{L}\p{N}][\p{L}\p{N}']*$/u.test(word.text)) ?? false;
}

function checkExamples(examples: readonly TriageExample[], errors: FieldError[]): void {
  if (examples.length > MAX_TRAINING_EXAMPLES) {
    errors.push({
      path: 'examples',
      message: `at most ${MAX_TRAINING_EXAMPLES} examples, got ${examples.length}`,
    });
    return;
  }
  examples.forEach((example, index) => {
    const path = `examples.${index}`;
    if (!INTENT_PATTERN.test(example.intent))
      errors.push({
        path: `${path}.intent`,
        message: 'intent names are 1–40 lower-case letters, digits or _, starting with a letter',
      });
    if (example.subject.length > MAX_EXAMPLE_SUBJECT_CHARS)
      errors.push({ path: `${path}.subject`, message: `at most ${MAX_EXAMPLE_SUBJECT_CHARS} characters` });
    if (example.body.length > MAX_EXAMPLE_BODY_CHARS)
      errors.push({ path: `${path}.body`, message: `at most ${MAX_EXAMPLE_BODY_CHARS} characters` });
    if (`${example.subject}${example.body}`.trim() === '')
      errors.push({ path, message: 'needs a subject or a body with text' });
  });
  const intents = new Set(examples.map((e) => e.intent));
  if (examples.length > 0 && intents.size < 2) {
    // One class gets posterior 1 for every text: such a model would label every ticket.
    errors.push({ path: 'examples', message: 'examples must cover at least 2 intents' });
  }
}

/** A model's feature counts read once, to prune it at several thresholds (reading a big model is the slow part). */
function pruner(model: NaiveBayesModel) {
  const entries = model.classes.map((c) => Object.entries(model.counts[c] ?? {}));
  const frequency = new Map<string, number>();
  for (const classEntries of entries)
    for (const [feature, n] of classEntries) frequency.set(feature, (frequency.get(feature) ?? 0) + n);
  return {
    entries,
    frequency,
    prune(minCount: number): NaiveBayesModel {
      const counts: [string, Record<string, number>][] = [];
      const totals: [string, number][] = [];
      model.classes.forEach((c, i) => {
        const kept = entries[i]!.filter(([feature]) => frequency.get(feature)! >= minCount);
        counts.push([c, Object.fromEntries(kept)]);
        totals.push([c, kept.reduce((sum, [, n]) => sum + n, 0)]);
      });
      let vocabularySize = 0;
      for (const n of frequency.values()) if (n >= minCount) vocabularySize += 1;
      return {
        ...model,
        counts: Object.fromEntries(counts),
        totals: Object.fromEntries(totals),
        vocabularySize,
      };
    },
  };
}

/**
 * The model without the features seen fewer than `minCount` times over all intents: as if it had been
 * trained on the other features only (totals and vocabulary size are recomputed to match).
 */
export function pruneNaiveBayes(model: NaiveBayesModel, minCount: number): NaiveBayesModel {
  return pruner(model).prune(minCount);
}

/**
 * The model made to fit `budget` bytes of JSON. Most features of a model (word stems and character 5-grams)
 * are seen once or twice and weigh little in a prediction, so rare features are dropped first: the smallest
 * `minCount` that fits wins. The size at each threshold is estimated from the features it keeps, then checked
 * by serialising the candidate. Null when even the most frequent features alone do not fit (which the limits
 * on examples and intents rule out).
 */
export function fitNaiveBayes(model: NaiveBayesModel, budget: number): NaiveBayesModel | null {
  if (bytes(model) <= budget) return model;
  const { entries, frequency, prune } = pruner(model);
  // What the features seen n times cost in the JSON: `"feature":count,` once per intent that saw each.
  const costByFrequency = new Map<number, number>();
  for (const classEntries of entries) {
    for (const [feature, n] of classEntries) {
      const f = frequency.get(feature)!;
      costByFrequency.set(f, (costByFrequency.get(f) ?? 0) + jsonKeyBytes(feature) + String(n).length + 2);
    }
  }
  const frame = bytes(prune(Number.POSITIVE_INFINITY));
  const thresholds = [...costByFrequency.keys()].sort((a, b) => a - b);
  // Estimated size when keeping the features seen at least thresholds[i] times.
  const estimates: number[] = [];
  let kept = frame;
  for (let i = thresholds.length - 1; i >= 0; i--) {
    kept += costByFrequency.get(thresholds[i]!) ?? 0;
    estimates[i] = kept;
  }
  for (let i = 0; i < thresholds.length; i++) {
    if (estimates[i]! > budget) continue;
    const pruned = prune(thresholds[i]!);
    if (bytes(pruned) <= budget) return pruned;
  }
  return null;
}

function summarise(examples: readonly TriageExample[], trainedAt: string): TriageTrainingSummary {
  const perIntent = new Map<string, number>();
  for (const { intent } of examples) perIntent.set(intent, (perIntent.get(intent) ?? 0) + 1);
  return {
    examples: examples.length,
    intents: Object.fromEntries([...perIntent].sort(([a], [b]) => (a < b ? -1 : 1))),
    trainedAt,
  };
}

const view = (stored: StoredTriageSettings): TriageSettingsView => ({
  keywords: stored.keywords,
  model: stored.model ? stored.training : null,
  updatedAt: stored.updatedAt,
});

const DEFAULT_VIEW: TriageSettingsView = { keywords: DEFAULT_TRIAGE_KEYWORDS, model: null, updatedAt: null };

export function makeGetTriageSettings(deps: { triageSettings: TriageSettingsStore }) {
  return async function getTriageSettings(caller: Caller): Promise<TriageSettingsView> {
    const stored = await deps.triageSettings.get(caller.tenantId);
    return stored ? view(stored) : DEFAULT_VIEW;
  };
}

/**
 * Replaces the tenant's keywords (as a whole) and, when examples come along, retrains its model. The stored
 * item stays under MAX_TRIAGE_SETTINGS_BYTES: rare features of a model too large are pruned (fitNaiveBayes).
 */
export function makePutTriageSettings(deps: { triageSettings: TriageSettingsStore; clock: Clock }) {
  return async function putTriageSettings(
    caller: Caller,
    input: TriageSettingsInput,
  ): Promise<TriageSettingsView> {
    const errors: FieldError[] = [];
    const keywords = normaliseKeywords(input.keywords, errors);
    if (input.examples !== undefined) checkExamples(input.examples, errors);
    const intents = new Set([...Object.keys(keywords), ...(input.examples ?? []).map((e) => e.intent)]);
    if (errors.length === 0 && intents.size > MAX_INTENTS) {
      errors.push({
        path: 'examples',
        message: `keywords and examples name ${intents.size} intents together; at most ${MAX_INTENTS}`,
      });
    }
    if (errors.length === 0 && bytes(keywords) > MAX_KEYWORDS_BYTES) {
      errors.push({
        path: 'keywords',
        message: `the keywords take more than ${MAX_KEYWORDS_BYTES / 1024} KB`,
      });
    }
    if (errors.length > 0) throw invalidSettings(errors);

    const now = deps.clock.now();
    let model: NaiveBayesModel | null = null;
    let training: TriageTrainingSummary | null = null;
    if (input.examples === undefined) {
      const previous = await deps.triageSettings.get(caller.tenantId);
      model = previous?.model ?? null;
      training = model ? (previous?.training ?? null) : null;
    } else if (input.examples.length > 0) {
      training = summarise(input.examples, now);
      const trained = trainNaiveBayes(
        input.examples.map((e) => ({ text: `${e.subject}\n${e.body}`, intent: e.intent })),
      );
      const frame = bytes({ keywords, model: '', training, updatedAt: now });
      model = fitNaiveBayes(trained, MAX_TRIAGE_SETTINGS_BYTES - frame);
      if (model === null) {
        throw invalidSettings([
          { path: 'examples', message: 'the model trained from these examples is too large to store' },
        ]);
      }
    }
    const settings: StoredTriageSettings = { keywords, model, training, updatedAt: now };
    await deps.triageSettings.put(caller.tenantId, settings);
    return view(settings);
  };
}

/**
 * What the triage worker classifies a tenant's tickets with: its keywords and model, or the default keywords
 * and no model when it saved nothing. (A tenant that saved an empty keyword list keeps it: no keywords.)
 */
export function makeLoadTriageModel(deps: { triageSettings: TriageSettingsStore }) {
  return async function loadTriageModel(tenantId: string): Promise<TenantTriageModel> {
    const stored = await deps.triageSettings.get(tenantId);
    if (!stored) return { keywords: DEFAULT_TRIAGE_KEYWORDS, naiveBayes: null };
    return { keywords: stored.keywords, naiveBayes: stored.model };
  };
}
