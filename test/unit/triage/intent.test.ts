import { describe, expect, it } from 'vitest';
import { classifyIntent } from '../../../functions/core/triage/intent.ts';
import { trainNaiveBayes } from '../../../functions/core/triage/naive-bayes.ts';
import { tokenise } from '../../../functions/core/triage/text.ts';

const keywords = {
  billing: ['invoice', 'factur', 'rechnung'],
  refund: ['refund', 'money back', 'reembolso'],
  outage: ['is down', 'outage'],
};

const naiveBayes = trainNaiveBayes([
  { text: 'my card was charged twice this month', intent: 'billing' },
  { text: 'the amount we paid is too high', intent: 'billing' },
  { text: 'I returned the item, where is my money', intent: 'refund' },
  { text: 'please give me my money back for the broken mug', intent: 'refund' },
  { text: 'nothing loads for any of us, 502 everywhere', intent: 'outage' },
]);

const classify = (subject: string, body: string, withModel = true) =>
  classifyIntent(
    { keywords, naiveBayes: withModel ? naiveBayes : null },
    tokenise(subject),
    tokenise(body),
    `${subject}\n${body}`,
  );

describe('classifyIntent', () => {
  it('keyword hits win when unambiguous, accent- and case-insensitively, as prefixes', () => {
    const guess = classify('Pregunta sobre la FACTURACIÓN', 'hola');
    expect(guess.intent).toBe('billing');
    expect(guess.source).toBe('keywords+model');
    expect(guess.matched).toEqual(['billing:factur']);
  });

  it('keywords override the model when they disagree', () => {
    // The model alone would say refund ("money", "returned"); the tenant's keyword says outage.
    expect(classify('returned money', 'where is my money')?.intent).toBe('refund');
    expect(classify('outage', 'where is my money').intent).toBe('outage');
  });

  it('agreement between keywords and model raises the confidence', () => {
    const agree = classify('Invoice', 'my card was charged twice this month');
    const keywordsOnly = classify('Invoice', 'my card was charged twice this month', false);
    expect(agree.intent).toBe('billing');
    expect(keywordsOnly.intent).toBe('billing');
    expect(agree.confidence).toBeGreaterThan(keywordsOnly.confidence);
    expect(agree.confidence).toBeLessThanOrEqual(1);
  });

  it('ambiguous keywords: the model decides among the intents they hit', () => {
    const guess = classify('invoice', 'I want a refund, please give me my money back for the broken mug');
    // refund scores 1 (refund) + 2 (money back) = 3 vs billing 2 (subject): not dominant.
    expect(guess.source).toBe('keywords+model');
    expect(guess.intent).toBe('refund');
  });

  it('no keyword hit: the model, with its posterior as confidence', () => {
    const guess = classify('help', 'nothing loads, 502 for everyone');
    expect(guess).toMatchObject({ intent: 'outage', source: 'model' });
    expect(guess.confidence).toBeGreaterThan(0.5);
  });

  it('no keyword and no model: null', () => {
    expect(classify('hello', 'just saying hi', false)).toEqual({
      intent: null,
      confidence: 0,
      source: 'none',
      matched: [],
    });
  });

  it('phrases match whole word runs only', () => {
    expect(classify('', 'the site is down', false).intent).toBe('outage');
    expect(classify('', 'this is downloading slowly', false).intent).toBeNull();
  });
});
