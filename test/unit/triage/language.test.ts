import { describe, expect, it } from 'vitest';
import { detectLanguage, SUPPORTED_LANGUAGES } from '../../../functions/core/triage/language.ts';

describe('detectLanguage', () => {
  it.each([
    ['en', 'My invoice shows the wrong amount, can you please check it?'],
    ['es', 'Hola, no puedo entrar a mi cuenta desde ayer'],
    ['de', 'Mein Passwort funktioniert nicht mehr, bitte helfen Sie mir'],
    ['fr', "Je n'arrive pas à me connecter depuis ce matin"],
    ['pt', 'Não consigo acessar minha conta desde ontem'],
    ['it', 'Il mio ordine non è ancora arrivato, potete controllare?'],
    ['nl', 'Mijn bestelling is nog niet aangekomen, kunnen jullie kijken?'],
  ])('answers ISO 639-1 %s', (code, text) => {
    const guess = detectLanguage(text);
    expect(guess.language).toBe(code);
    expect(guess.confidence).toBeGreaterThan(0.3);
    expect(guess.confidence).toBeLessThanOrEqual(1);
  });

  it('says und below the minimum length', () => {
    expect(detectLanguage('ok thx')).toEqual({ language: 'und', confidence: 0 });
    expect(detectLanguage('')).toEqual({ language: 'und', confidence: 0 });
    expect(detectLanguage('12345 67890 !!!')).toEqual({ language: 'und', confidence: 0 });
  });

  it('only ever answers a supported language or und', () => {
    const allowed = new Set([...Object.values(SUPPORTED_LANGUAGES), 'und']);
    for (const text of [
      'Dzień dobry, nie mogę się zalogować',
      'Merhaba, siparişim gelmedi',
      'こんにちは、ログインできません',
    ])
      expect(allowed.has(detectLanguage(text).language)).toBe(true);
  });

  it('gives more confidence to a longer text', () => {
    const short = detectLanguage('Rechnung ist falsch');
    const long = detectLanguage(
      'Hallo, auf der Rechnung für Februar stehen zwölf Nutzer, wir haben aber nur acht aktive Lizenzen. Bitte korrigieren Sie die Rechnung.',
    );
    expect(long.language).toBe('de');
    expect(long.confidence).toBeGreaterThan(short.confidence);
  });
});
