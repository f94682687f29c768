import { describe, expect, it } from 'vitest';
import { scoreSentiment } from '../../../functions/core/triage/sentiment.ts';

const score = (text: string, language: string) => scoreSentiment(text, language).score;

describe('scoreSentiment', () => {
  it('reads positive and negative words', () => {
    expect(score('The new version is great, really happy with it', 'en')).toBeGreaterThan(0.3);
    expect(score('This is terrible, the worst update ever', 'en')).toBeLessThan(-0.5);
    expect(score('Change the address on invoice 42', 'en')).toBe(0);
    expect(Math.abs(score('Please change the address on invoice 42', 'en'))).toBeLessThan(0.25);
  });

  it('flips a word after a negator', () => {
    expect(score('The export is good', 'en')).toBeGreaterThan(0);
    expect(score('The export is not good', 'en')).toBeLessThan(0);
    expect(score('Der Export ist gut', 'de')).toBeGreaterThan(0);
    expect(score('Der Export ist nicht gut', 'de')).toBeLessThan(0);
  });

  it('reads verbs negated before or after them', () => {
    expect(score('La exportación no funciona', 'es')).toBeLessThan(0);
    expect(score('Der Export funktioniert nicht', 'de')).toBeLessThan(0);
    expect(score('Der Export funktioniert', 'de')).toBeGreaterThan(0);
    expect(score('The export doesn’t work', 'en')).toBeLessThan(0);
    expect(score("l'export ne fonctionne plus", 'fr')).toBeLessThan(0);
  });

  it('a "but" ends the reach of a negation', () => {
    expect(score('Not urgent but a bit annoying', 'en')).toBeLessThan(0);
  });

  it('intensifiers and exclamation marks strengthen, never leave -1..1', () => {
    const plain = score('the app is slow', 'en');
    expect(score('the app is very slow', 'en')).toBeLessThan(plain);
    expect(score('the app is slow!!!', 'en')).toBeLessThan(plain);
    const furious = score(
      'TERRIBLE!!! awful, horrible, unacceptable, worst service, scam, pathetic!!!',
      'en',
    );
    expect(furious).toBeGreaterThanOrEqual(-1);
    expect(furious).toBeLessThan(-0.9);
  });

  it('keeps polite factual mail neutral, warm thanks positive', () => {
    expect(Math.abs(score('Could you send me the invoice for March? Thanks', 'en'))).toBeLessThan(0.25);
    expect(score('Thanks a lot for the help, much appreciated', 'en')).toBeGreaterThan(0.25);
    expect(score('¡Muchas gracias por la ayuda!', 'es')).toBeGreaterThan(0.25);
  });

  it('uses every lexicon when the language is unknown', () => {
    expect(score('c’est inacceptable', 'und')).toBeLessThan(0);
    expect(score('ausgezeichnet', 'und')).toBeGreaterThan(0);
  });

  it('reports a confidence in 0..1 that grows with evidence', () => {
    const none = scoreSentiment('invoice 42', 'en');
    const some = scoreSentiment('terrible, awful, broken, useless', 'en');
    expect(none.confidence).toBeGreaterThanOrEqual(0);
    expect(some.confidence).toBeLessThanOrEqual(1);
    expect(some.confidence).toBeGreaterThan(none.confidence);
  });
});
