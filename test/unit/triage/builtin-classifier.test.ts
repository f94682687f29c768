import { describe, expect, it } from 'vitest';
import {
  BUILTIN_CLASSIFIER_ID,
  classifyBuiltin,
  makeBuiltinClassifier,
} from '../../../functions/core/triage/builtin-classifier.ts';
import type { TenantTriageModel } from '../../../functions/core/triage/classifier.ts';
import { trainNaiveBayes } from '../../../functions/core/triage/naive-bayes.ts';

const context: TenantTriageModel = {
  keywords: { outage: ['outage', 'caída', 'ausfall'], billing: ['invoice', 'factura', 'rechnung'] },
  naiveBayes: trainNaiveBayes([
    { text: 'my invoice shows the wrong amount', intent: 'billing' },
    { text: 'everything returns 502, nothing loads', intent: 'outage' },
  ]),
};

describe('the built-in classifier', () => {
  it('fills every field of a Triage through the port', async () => {
    const classifier = makeBuiltinClassifier();
    const triage = await classifier.classify(
      {
        subject: '¡La plataforma está caída!',
        body: 'Todos los usuarios ven un error 502. Es urgente.',
        channel: 'email',
      },
      context,
    );
    expect(triage).toMatchObject({
      language: 'es',
      intent: 'outage',
      urgency: 'urgent',
      classifier: 'builtin@1',
    });
    expect(triage.sentiment).toBeLessThan(0);
    for (const value of Object.values(triage.confidence)) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(BUILTIN_CLASSIFIER_ID).toBe('builtin@1');
  });

  it('reads German and English tickets too', () => {
    expect(
      classifyBuiltin(
        { subject: 'Rechnung falsch', body: 'Die Rechnung für März ist leider falsch.' },
        context,
      ),
    ).toMatchObject({ language: 'de', intent: 'billing', urgency: 'normal' });
    const happy = classifyBuiltin(
      {
        subject: 'Invoice question',
        body: 'Thanks a lot, the new invoices look great! No rush, but could you add our VAT id?',
      },
      context,
    );
    expect(happy).toMatchObject({ language: 'en', intent: 'billing', urgency: 'low' });
    expect(happy.sentiment).toBeGreaterThan(0);
  });

  it('ignores quoted lines of earlier mail', () => {
    const triage = classifyBuiltin(
      {
        subject: 'Re: your ticket',
        body: 'Thanks, works now.\n> Our platform had an outage, all users were affected',
      },
      { keywords: context.keywords },
    );
    expect(triage.urgency).not.toBe('urgent');
    expect(triage.intent).toBeNull();
  });

  it('says und and null for an empty message, without throwing', () => {
    expect(classifyBuiltin({ subject: '', body: '' }, { keywords: {} })).toEqual({
      language: 'und',
      sentiment: 0,
      intent: null,
      urgency: 'normal',
      confidence: { language: 0, sentiment: 0.5, intent: 0, urgency: expect.any(Number) },
      classifier: 'builtin@1',
    });
  });

  it('is deterministic', () => {
    const input = {
      subject: 'Kann mich nicht einloggen',
      body: 'Seit heute früh geht nichts, bitte dringend helfen!',
    };
    expect(classifyBuiltin(input, context)).toEqual(classifyBuiltin(input, context));
  });
});
