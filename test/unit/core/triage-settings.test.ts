import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import { classifyBuiltin } from '../../../functions/core/triage/builtin-classifier.ts';
import { DEFAULT_TRIAGE_KEYWORDS } from '../../../functions/core/triage/default-keywords.ts';
import { predictNaiveBayes, trainNaiveBayes } from '../../../functions/core/triage/naive-bayes.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import {
  fitNaiveBayes,
  MAX_TRIAGE_SETTINGS_BYTES,
  makeLoadTriageModel,
  pruneNaiveBayes,
  type TriageExample,
} from '../../../functions/core/use-cases/triage-settings.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const admin: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_a',
  actor: { type: 'agent', id: 'key_a' },
};
const otherTenant: Caller = { ...admin, tenantId: 'globex' };

let ports: ReturnType<typeof memoryPorts>;
let uc: ReturnType<typeof makeUseCases>;
let loadTriageModel: ReturnType<typeof makeLoadTriageModel>;

beforeEach(() => {
  ports = memoryPorts();
  uc = makeUseCases(ports);
  loadTriageModel = makeLoadTriageModel(ports);
});

const examples: TriageExample[] = [
  { subject: 'Invoice is wrong', body: 'The March invoice shows the wrong amount', intent: 'billing' },
  { subject: 'Factura', body: 'La factura tiene un importe incorrecto', intent: 'billing' },
  { subject: 'Rechnung', body: 'Die Rechnung ist falsch, bitte korrigieren', intent: 'billing' },
  { subject: 'Cannot log in', body: 'My password is rejected every time', intent: 'login' },
  { subject: 'Contraseña', body: 'No puedo iniciar sesión, la contraseña no funciona', intent: 'login' },
  { subject: 'Login', body: 'Ich kann mich nicht einloggen, Passwort falsch', intent: 'login' },
  {
    subject: 'Where is my parcel',
    body: 'The parcel has not arrived, tracking is stuck',
    intent: 'shipping',
  },
];

async function validationErrors(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe('validation');
  return (error as DomainError).fieldErrors;
}

describe('triage settings', () => {
  it('gives a tenant that saved nothing the default keywords and no model', async () => {
    expect(await uc.getTriageSettings(admin)).toEqual({
      keywords: DEFAULT_TRIAGE_KEYWORDS,
      model: null,
      updatedAt: null,
    });
    expect(await loadTriageModel('acme')).toEqual({ keywords: DEFAULT_TRIAGE_KEYWORDS, naiveBayes: null });
    expect(Object.keys(DEFAULT_TRIAGE_KEYWORDS).sort()).toEqual([
      'account_change',
      'billing',
      'bug',
      'cancellation',
      'feature_request',
      'how_to',
      'login',
      'outage',
      'refund',
      'shipping',
    ]);
  });

  it('saves keywords trimmed and without duplicates, and the worker loads them', async () => {
    const saved = await uc.putTriageSettings(admin, {
      keywords: { refund: [' refund ', 'Reembolso', 'reembolso', 'REEMBOLSÓ', 'money back'], billing: [] },
    });
    expect(saved).toEqual({
      keywords: { billing: [], refund: ['refund', 'Reembolso', 'money back'] },
      model: null,
      updatedAt: ports.clock.now(),
    });
    expect(await uc.getTriageSettings(admin)).toEqual(saved);
    expect(await loadTriageModel('acme')).toEqual({ keywords: saved.keywords, naiveBayes: null });
    // another tenant still has the defaults
    expect((await uc.getTriageSettings(otherTenant)).keywords).toBe(DEFAULT_TRIAGE_KEYWORDS);
  });

  it('keeps an empty keyword set as the tenant’s choice rather than the defaults', async () => {
    await uc.putTriageSettings(admin, { keywords: {} });
    expect((await loadTriageModel('acme')).keywords).toEqual({});
  });

  it('trains a model from examples, shows only its summary, and the worker classifies with it', async () => {
    const saved = await uc.putTriageSettings(admin, { keywords: { refund: ['refund'] }, examples });
    expect(saved.model).toEqual({
      examples: 7,
      intents: { billing: 3, login: 3, shipping: 1 },
      trainedAt: ports.clock.now(),
    });
    expect(JSON.stringify(saved)).not.toContain('counts');

    const model = await loadTriageModel('acme');
    expect(model.naiveBayes?.classes).toEqual(['billing', 'login', 'shipping']);
    // no keyword matches: the tenant's model decides
    const triage = classifyBuiltin(
      { subject: 'Problem', body: 'Die Rechnung hat einen falschen Betrag' },
      model,
    );
    expect(triage.intent).toBe('billing');
    // a keyword still wins where it matches
    expect(classifyBuiltin({ subject: 'refund please', body: 'refund' }, model).intent).toBe('refund');
  });

  it('keeps the model when examples are left out, and removes it with an empty list', async () => {
    await uc.putTriageSettings(admin, { keywords: {}, examples });
    const trainedAt = ports.clock.now();
    ports.clock.advance(60_000);
    const kept = await uc.putTriageSettings(admin, { keywords: { login: ['password'] } });
    expect(kept.model).toMatchObject({ examples: 7, trainedAt });
    expect(kept.updatedAt).not.toBe(trainedAt);
    expect((await loadTriageModel('acme')).naiveBayes).not.toBeNull();

    const removed = await uc.putTriageSettings(admin, { keywords: { login: ['password'] }, examples: [] });
    expect(removed.model).toBeNull();
    expect((await loadTriageModel('acme')).naiveBayes).toBeNull();
  });

  it('names every invalid field', async () => {
    const errors = await validationErrors(
      uc.putTriageSettings(admin, {
        keywords: { Billing: ['invoice'], refund: ['refund', '  ', 'x'.repeat(101), '***'] },
      }),
    );
    expect(errors.map((e) => e.path)).toEqual([
      'keywords.Billing',
      'keywords.refund.1',
      'keywords.refund.2',
      'keywords.refund.3',
    ]);
    expect(await uc.getTriageSettings(admin)).toMatchObject({ updatedAt: null });
    // a trailing * is the prefix marker, and a word may hold an apostrophe
    const saved = await uc.putTriageSettings(admin, { keywords: { billing: ['pag*', "can't pay"] } });
    expect(saved.keywords).toEqual({ billing: ['pag*', "can't pay"] });
  });

  it('caps intents, phrases and examples', async () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`intent_${i}`, ['word']]));
    expect((await validationErrors(uc.putTriageSettings(admin, { keywords: many })))[0]).toMatchObject({
      path: 'keywords',
      message: 'at most 50 intents, got 51',
    });
    const phrases = Array.from({ length: 201 }, (_, i) => `phrase ${i}`);
    expect(
      (await validationErrors(uc.putTriageSettings(admin, { keywords: { billing: phrases } })))[0],
    ).toMatchObject({ path: 'keywords.billing' });
    const tooMany = Array.from({ length: 2001 }, (_, i) => ({ ...examples[i % 7]! }));
    expect(
      (await validationErrors(uc.putTriageSettings(admin, { keywords: {}, examples: tooMany })))[0],
    ).toMatchObject({ path: 'examples', message: 'at most 2000 examples, got 2001' });
    // keywords and examples together name more than 50 intents
    const keywords = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`intent_${i}`, ['word']]));
    expect((await validationErrors(uc.putTriageSettings(admin, { keywords, examples })))[0]).toMatchObject({
      path: 'examples',
    });
  });

  it('refuses examples that would teach a single intent, or carry no text or a bad intent', async () => {
    const oneIntent = examples.filter((e) => e.intent === 'billing');
    expect(
      await validationErrors(uc.putTriageSettings(admin, { keywords: {}, examples: oneIntent })),
    ).toEqual([{ path: 'examples', message: 'examples must cover at least 2 intents' }]);
    const errors = await validationErrors(
      uc.putTriageSettings(admin, {
        keywords: {},
        examples: [
          ...examples,
          { subject: ' ', body: '', intent: 'login' },
          { ...examples[0]!, intent: 'Bad' },
        ],
      }),
    );
    expect(errors.map((e) => e.path)).toEqual(['examples.7', 'examples.8.intent']);
  });
});

/** Deterministic pseudo-words: lots of features seen once, as in real mail (names, ids, typos). */
function noise(seed: number, words: number): string {
  let x = seed;
  const out: string[] = [];
  for (let w = 0; w < words; w++) {
    let word = '';
    for (let i = 0; i < 9; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      word += String.fromCharCode(97 + (x % 26));
    }
    out.push(word);
  }
  return out.join(' ');
}

const SIGNALS: Record<string, string> = {
  billing: 'invoice charged amount',
  login: 'password locked signin',
  shipping: 'parcel tracking courier',
  refund: 'refund reimburse returned',
};

function bigExamples(n: number, noiseWords: number): TriageExample[] {
  const intents = Object.keys(SIGNALS);
  return Array.from({ length: n }, (_, i) => {
    const intent = intents[i % intents.length]!;
    return { subject: `Ticket ${i}`, body: `${SIGNALS[intent]} ${noise(i + 1, noiseWords)}`, intent };
  });
}

describe('keeping the model within the item budget', () => {
  it('prunes rare features and recomputes totals and vocabulary', () => {
    const model = trainNaiveBayes([
      { text: 'invoice invoice wrong', intent: 'billing' },
      { text: 'invoice copy', intent: 'billing' },
      { text: 'password reset', intent: 'login' },
    ]);
    const pruned = pruneNaiveBayes(model, 2);
    const kept = Object.values(pruned.counts).flatMap((c) => Object.keys(c));
    expect(kept.length).toBeGreaterThan(0);
    for (const c of pruned.classes) {
      const counts = Object.values(pruned.counts[c] ?? {});
      expect(pruned.totals[c]).toBe(counts.reduce((a, b) => a + b, 0));
    }
    expect(pruned.vocabularySize).toBe(new Set(kept).size);
    expect(kept).toContain('invoic');
    expect(kept).not.toContain('copy');
    expect(pruned.counts.login).toEqual({});
  });

  it('returns a model that fits as it is untouched', () => {
    const model = trainNaiveBayes(examples.map((e) => ({ text: e.body, intent: e.intent })));
    expect(fitNaiveBayes(model, 1_000_000)).toBe(model);
  });

  it('fits a large model under the budget and it still tells the intents apart', { timeout: 30_000 }, () => {
    const model = trainNaiveBayes(
      bigExamples(400, 60).map((e) => ({ text: `${e.subject}\n${e.body}`, intent: e.intent })),
    );
    const budget = 60_000;
    expect(JSON.stringify(model).length).toBeGreaterThan(budget * 10);
    const fitted = fitNaiveBayes(model, budget)!;
    expect(JSON.stringify(fitted).length).toBeLessThanOrEqual(budget);
    expect(fitted.vocabularySize).toBeLessThan(model.vocabularySize);
    // it keeps as many features as fit: keeping the next rarer ones too would not fit
    const frequency = new Map<string, number>();
    for (const counts of Object.values(model.counts))
      for (const [f, n] of Object.entries(counts)) frequency.set(f, (frequency.get(f) ?? 0) + n);
    const kept = new Set(Object.values(fitted.counts).flatMap((c) => Object.keys(c)));
    const threshold = Math.min(...[...kept].map((f) => frequency.get(f)!));
    const rarer = Math.max(...[...frequency.values()].filter((n) => n < threshold));
    expect(JSON.stringify(pruneNaiveBayes(model, rarer)).length).toBeGreaterThan(budget);
    for (const [intent, words] of Object.entries(SIGNALS))
      expect(predictNaiveBayes(fitted, `hello, ${words.split(' ')[0]} question`)[0]?.intent).toBe(intent);
  });

  it('stores the settings of 2000 long examples within the budget', async () => {
    const saved = await uc.putTriageSettings(admin, {
      keywords: DEFAULT_TRIAGE_KEYWORDS,
      examples: bigExamples(2000, 20),
    });
    expect(saved.model).toMatchObject({ examples: 2000, intents: { billing: 500, refund: 500 } });
    const stored = ports.triageSettings.settings.get('acme')!;
    expect(new TextEncoder().encode(stored).length).toBeLessThanOrEqual(MAX_TRIAGE_SETTINGS_BYTES);
    const model = await loadTriageModel('acme');
    const triage = classifyBuiltin({ subject: 'Question', body: 'the courier lost it' }, model);
    expect(triage.intent).toBe('shipping');
  }, 30_000);
});
