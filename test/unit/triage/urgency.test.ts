import { describe, expect, it } from 'vitest';
import { tokenise } from '../../../functions/core/triage/text.ts';
import { detectUrgency } from '../../../functions/core/triage/urgency.ts';

const urgency = (text: string, sentiment = 0) => detectUrgency(tokenise(text), text, sentiment).urgency;

describe('detectUrgency', () => {
  it.each([
    'Your service is down, nothing loads',
    'Outage: the API returns 503 for all users',
    'Production is broken and we have data loss',
    'La plataforma está caída para todos los usuarios',
    'Plattform ausgefallen, bitte sofort prüfen',
    'Service en panne pour tous les utilisateurs',
    'O sistema está fora do ar',
  ])('urgent: %s', (text) => {
    expect(urgency(text)).toBe('urgent');
  });

  it.each([
    'Please fix this ASAP',
    'I need access today',
    'Necesito una respuesta lo antes posible',
    'Bitte dringend prüfen',
    'I was charged twice',
  ])('high: %s', (text) => {
    expect(urgency(text)).toBe('high');
  });

  it.each([
    'Feature request: dark mode would be nice',
    'No rush, just wondering about annual billing',
    'Sugerencia: sería genial tener modo oscuro',
    'Kurze Frage, keine Eile',
  ])('low: %s', (text) => {
    expect(urgency(text)).toBe('low');
  });

  it('normal without cues', () => {
    expect(urgency('Please change the address on my account')).toBe('normal');
  });

  it('"not urgent" is a low cue, not an urgent one', () => {
    expect(urgency('Not urgent: a typo on the settings page')).toBe('low');
    expect(urgency('Nichts Dringendes, nur ein Tippfehler')).toBe('low');
    expect(urgency('No es urgente, solo una errata')).toBe('low');
  });

  it('anger raises urgency', () => {
    expect(urgency('The export is broken', 0)).toBe('normal');
    expect(urgency('The export is broken, please fix it today', -0.9)).toBe('high');
  });

  it('names the cues that fired', () => {
    const guess = detectUrgency(tokenise('Outage! fix asap'), 'Outage! fix asap', 0);
    expect(guess.cues).toEqual(expect.arrayContaining(['outage', 'asap']));
    expect(guess.confidence).toBeGreaterThan(0);
    expect(guess.confidence).toBeLessThanOrEqual(1);
  });
});
