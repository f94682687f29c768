import { describe, expect, it } from 'vitest';
import {
  features,
  isNaiveBayesModel,
  predictNaiveBayes,
  trainNaiveBayes,
} from '../../../functions/core/triage/naive-bayes.ts';
import { stem, tokenise } from '../../../functions/core/triage/text.ts';

const examples = [
  { text: 'I was charged twice, the invoice is wrong', intent: 'billing' },
  { text: 'Please send a copy of the invoice', intent: 'billing' },
  { text: 'La factura tiene un importe incorrecto', intent: 'billing' },
  { text: 'Die Rechnung ist falsch', intent: 'billing' },
  { text: 'I cannot log in, my password is rejected', intent: 'login' },
  { text: 'Password reset email never arrives', intent: 'login' },
  { text: 'No puedo iniciar sesión, la contraseña no funciona', intent: 'login' },
  { text: 'Ich kann mich nicht einloggen, Passwort falsch', intent: 'login' },
  { text: 'Where is my order? Tracking has not moved', intent: 'shipping' },
  { text: 'Mi pedido no ha llegado todavía', intent: 'shipping' },
];

describe('text helpers', () => {
  it('normalises case and accents, keeps contractions', () => {
    expect(tokenise('Facturación ÜBER Straße, don’t!')).toEqual(['facturacion', 'uber', 'strasse', "don't"]);
  });

  it('stems across inflections', () => {
    expect(stem('refunded')).toBe(stem('refunds'));
    expect(stem('facturas')).toBe('factur');
    expect(stem('facturacion')).toBe('factur');
  });

  it('features drop stop words and add character n-grams of long words', () => {
    const f = features('The invoice is wrong');
    expect(f).toContain('invoic');
    expect(f).toContain('#invoi');
    expect(f).not.toContain('the');
  });
});

describe('multinomial naive Bayes', () => {
  const model = trainNaiveBayes(examples);

  it('learns the intents of a tiny set', () => {
    expect(model.classes).toEqual(['billing', 'login', 'shipping']);
    expect(predictNaiveBayes(model, 'my invoice shows the wrong amount')[0]?.intent).toBe('billing');
    expect(predictNaiveBayes(model, 'olvidé mi contraseña')[0]?.intent).toBe('login');
    expect(predictNaiveBayes(model, 'Wo ist meine Bestellung? Tracking zeigt nichts')[0]?.intent).toBe(
      'shipping',
    );
  });

  it('answers posterior probabilities that sum to 1, best first', () => {
    const posteriors = predictNaiveBayes(model, 'password invoice');
    expect(posteriors.reduce((sum, p) => sum + p.probability, 0)).toBeCloseTo(1, 10);
    for (let i = 1; i < posteriors.length; i++)
      expect(posteriors[i - 1]!.probability).toBeGreaterThanOrEqual(posteriors[i]!.probability);
  });

  it('falls back to the priors for unknown words', () => {
    const posteriors = predictNaiveBayes(model, 'zzzz qqqq');
    expect(posteriors[0]).toEqual({ intent: 'billing', probability: 0.4 });
  });

  it('round-trips through JSON with identical predictions', () => {
    const restored: unknown = JSON.parse(JSON.stringify(model));
    expect(isNaiveBayesModel(restored)).toBe(true);
    if (!isNaiveBayesModel(restored)) return;
    for (const text of ['wrong invoice', 'cannot log in', 'pedido no llega', 'hello'])
      expect(predictNaiveBayes(restored, text)).toEqual(predictNaiveBayes(model, text));
  });

  it('is deterministic: the order of the examples does not matter', () => {
    expect(JSON.stringify(trainNaiveBayes([...examples].reverse()))).toBe(JSON.stringify(model));
  });

  it('rejects what is not a model', () => {
    expect(isNaiveBayesModel(null)).toBe(false);
    expect(isNaiveBayesModel({ kind: 'multinomial-naive-bayes', version: 2 })).toBe(false);
    expect(() => trainNaiveBayes(examples, { alpha: 0 })).toThrow(RangeError);
  });

  it('an empty model predicts nothing', () => {
    expect(predictNaiveBayes(trainNaiveBayes([]), 'anything')).toEqual([]);
  });
});
