import { readFileSync } from 'node:fs';
import { classifyBuiltin } from '../../../functions/core/triage/builtin-classifier.ts';
import type { TenantTriageModel, Urgency } from '../../../functions/core/triage/classifier.ts';
import { DEFAULT_TRIAGE_KEYWORDS } from '../../../functions/core/triage/default-keywords.ts';
import { trainNaiveBayes } from '../../../functions/core/triage/naive-bayes.ts';

export interface LabelledMessage {
  readonly id: string;
  readonly language: string;
  readonly channel?: string;
  readonly subject: string;
  readonly body: string;
  readonly intent: string;
  readonly urgency: Urgency;
  readonly sentiment: -1 | 0 | 1;
}

export function loadMessages(): LabelledMessage[] {
  const url = new URL('../../fixtures/triage/messages.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { messages: LabelledMessage[] }).messages;
}

/**
 * A small keyword list per intent, as a tenant would declare it: a few words in each language it serves. It is
 * the starter set tenants get until they declare their own, so the figures below measure what they get.
 */
export const EVALUATION_KEYWORDS: Readonly<Record<string, readonly string[]>> = DEFAULT_TRIAGE_KEYWORDS;

/** Deterministic split: of every five messages in file order, the first three train and the last two test. */
export function split(messages: readonly LabelledMessage[]) {
  const train = messages.filter((_, i) => i % 5 < 3);
  const test = messages.filter((_, i) => i % 5 >= 3);
  return { train, test };
}

const sign = (x: number, deadZone: number) => (x > deadZone ? 1 : x < -deadZone ? -1 : 0);

/** The dead zone around 0 below which a sentiment score counts as neutral. */
export const NEUTRAL_BAND = 0.25;

export interface Evaluation {
  readonly size: number;
  readonly accuracy: { language: number; intent: number; urgency: number; sentimentSign: number };
  readonly misses: Record<'language' | 'intent' | 'urgency' | 'sentimentSign', string[]>;
}

export function evaluate(
  keywords: Readonly<Record<string, readonly string[]>> = EVALUATION_KEYWORDS,
  part: 'test' | 'train' = 'test',
): Evaluation {
  const { train, test: held } = split(loadMessages());
  const test = part === 'test' ? held : train;
  const model: TenantTriageModel = {
    keywords,
    naiveBayes: trainNaiveBayes(train.map((m) => ({ text: `${m.subject}\n${m.body}`, intent: m.intent }))),
  };
  const hits = { language: 0, intent: 0, urgency: 0, sentimentSign: 0 };
  const misses: Evaluation['misses'] = { language: [], intent: [], urgency: [], sentimentSign: [] };
  for (const m of test) {
    const t = classifyBuiltin({ subject: m.subject, body: m.body, channel: m.channel }, model);
    const check = (field: keyof typeof hits, ok: boolean, got: unknown, want: unknown) => {
      if (ok) hits[field] += 1;
      else misses[field].push(`${m.id}: got ${String(got)}, want ${String(want)}`);
    };
    check('language', t.language === m.language, t.language, m.language);
    check('intent', t.intent === m.intent, t.intent, m.intent);
    check('urgency', t.urgency === m.urgency, t.urgency, m.urgency);
    check('sentimentSign', sign(t.sentiment, NEUTRAL_BAND) === m.sentiment, t.sentiment, m.sentiment);
  }
  const rate = (n: number) => Math.round((n / test.length) * 1000) / 1000;
  return {
    size: test.length,
    accuracy: {
      language: rate(hits.language),
      intent: rate(hits.intent),
      urgency: rate(hits.urgency),
      sentimentSign: rate(hits.sentimentSign),
    },
    misses,
  };
}
