import type { Urgency } from './classifier.ts';
import { type CompiledPhrase, compilePhrase, countPhrase } from './phrases.ts';

/*
 * Urgency cues per language, by the level they point to. Matching is on normalised tokens (see phrases.ts),
 * so accents and case do not matter. Cues of every language are applied to every text: "ASAP" and
 * "urgente" turn up in mails of any language.
 */
const CUES: Readonly<Record<'urgent' | 'high' | 'low', readonly string[]>> = {
  urgent: [
    // en
    'outage',
    'is down',
    'are down',
    'went down',
    'all users',
    'all our users',
    'nobody can',
    'no one can',
    'data loss',
    'lost data',
    'lost all',
    'emergency',
    'critical',
    'production',
    'prod is',
    'site is down',
    'completely down',
    'losing money',
    'losing customers',
    'everyone',
    'entire team',
    'whole team',
    'all customers',
    'security breach',
    'hacked',
    // es
    'caido',
    'caida',
    'caidos',
    'produccion',
    'perdiendo clientes',
    'perdiendo dinero',
    'todos los usuarios',
    'nadie puede',
    'perdida de datos',
    'perdimos',
    'emergencia',
    'critico',
    'todo el equipo',
    'fuera de servicio',
    'hackea',
    // de
    'ausfall',
    'ausgefallen',
    'komplett down',
    'sofort',
    'verlieren jede minute',
    'notfall',
    'kritisch',
    'produktion',
    'alle nutzer',
    'alle benutzer',
    'alle kunden',
    'niemand kann',
    'datenverlust',
    'daten verloren',
    'ganze team',
    'gehackt',
    // fr
    'panne',
    'en panne',
    'tous les utilisateurs',
    'personne ne peut',
    'perte de donnees',
    'critique',
    'bloquant',
    // pt
    'fora do ar',
    'caiu',
    'todos os usuarios',
    'ninguem consegue',
    'perda de dados',
  ],
  high: [
    // en
    'urgent',
    'urgently',
    'asap',
    'as soon as possible',
    'immediately',
    'right now',
    'today',
    'blocked',
    'blocking',
    'cannot work',
    "can't work",
    'deadline',
    'charged twice',
    'double charged',
    'locked out',
    'can not log',
    "can't log",
    'cannot log',
    'third time',
    'third email',
    'unacceptable',
    'suspend',
    'rely on',
    'customers have complained',
    'customers are complaining',
    'stop charging',
    'still charging',
    // es
    'lo antes posible',
    'cuanto antes',
    'inmediatamente',
    'hoy',
    'bloquead',
    'no puedo trabajar',
    'cobrado dos veces',
    'doble cargo',
    'tercera vez',
    'inaceptable',
    'se han quejado',
    'urgente',
    'urgencia',
    'siguen cobrando',
    // de
    'schnellstmoglich',
    'so schnell wie moglich',
    'umgehend',
    'heute',
    'gesperrt',
    'blockiert',
    'kann nicht arbeiten',
    'doppelt abgebucht',
    'zweimal abgebucht',
    'frist',
    'unzumutbar',
    'beschweren sich',
    'dritte mail',
    'dringend',
    // fr
    'au plus vite',
    'immediatement',
    "aujourd'hui",
    'bloque',
    'inacceptable',
    // pt
    'o mais rapido possivel',
    'imediatamente',
    'hoje',
    'bloquead',
    'inaceitavel',
    'terceira vez',
    'continuam cobrando',
  ],
  low: [
    // en
    'no rush',
    'no hurry',
    'whenever',
    'just wondering',
    'just curious',
    'feature request',
    'suggestion',
    'would be nice',
    'would be great',
    'it would be',
    'nice to have',
    'idea',
    'how do i',
    'how can i',
    'is it possible',
    'quick question',
    'wishlist',
    'roadmap',
    'any plan',
    'best way',
    // es
    'sin prisa',
    'cuando puedan',
    'sugerencia',
    'seria genial',
    'estaria bien',
    'seria bueno',
    'como puedo',
    'es posible',
    'pregunta',
    'idea',
    'tienen pensado',
    'mejor forma',
    // de
    'keine eile',
    'wann immer',
    'vorschlag',
    'ware schon',
    'ware toll',
    'ware super',
    'wie kann ich',
    'ist es moglich',
    'kurze frage',
    'wunsch',
    'anregung',
    'idee',
    'geplant',
    // fr
    'pas presse',
    'suggestion',
    'ce serait bien',
    'comment puis',
    'est il possible',
    'question',
    // pt
    'sem pressa',
    'sugestao',
    'seria otimo',
    'seria bom',
    'como posso',
    'e possivel',
    'duvida',
  ],
};

/** "Not urgent" and kin: a low cue, and the "urgent" inside it does not count. */
const NOT_URGENT = [
  'not urgent',
  'not a big deal',
  'no big deal',
  'no es urgente',
  'nada urgente',
  'nicht dringend',
  'nichts dringendes',
  'pas urgent',
  'nao e urgente',
  'non e urgente',
  'niet dringend',
].map((p) => compilePhrase(p)!);

const COMPILED = Object.fromEntries(
  Object.entries(CUES).map(([level, phrases]) => [
    level,
    phrases.map(compilePhrase).filter((p): p is CompiledPhrase => p !== null),
  ]),
) as Record<keyof typeof CUES, CompiledPhrase[]>;

export interface UrgencyGuess {
  readonly urgency: Urgency;
  readonly confidence: number;
  /** The cues that fired, for the timeline's "why". */
  readonly cues: readonly string[];
}

/**
 * Urgency = points from cues (urgent cue 3, high cue 1.5, low cue -1.5; further cues of the same level half
 * as much; "not urgent" and kin count as low cues and hide the "urgent" they contain) plus anger (sentiment
 * below -0.4 adds up to 1, scaled) plus shouting (`!!`, capitals, 0.5). Points ≥ 3 with an urgent cue, or
 * ≥ 4 without → urgent; ≥ 1.5 → high; ≤ -1 → low; else normal. Confidence grows with the distance from the nearest threshold.
 */
export function detectUrgency(tokens: readonly string[], rawText: string, sentiment: number): UrgencyGuess {
  const cues: string[] = [];
  let points = 0;
  let rest = [...tokens];
  for (const phrase of NOT_URGENT) {
    if (countPhrase(rest, phrase) === 0) continue;
    cues.push(phrase.source);
    points -= 1.5;
    rest = blank(rest, phrase);
  }
  const weights = { urgent: 3, high: 1.5, low: -1.5 } as const;
  for (const level of ['urgent', 'high', 'low'] as const) {
    let levelHits = 0;
    for (const phrase of COMPILED[level]) {
      if (countPhrase(rest, phrase) > 0) {
        cues.push(phrase.source);
        levelHits += 1;
      }
    }
    // The second and later cues of a level add half as much: "urgent, asap, today" is not three times urgent.
    if (levelHits > 0) points += weights[level] * (1 + 0.5 * (levelHits - 1));
  }
  const urgentCue = cues.some((cue) => CUES.urgent.includes(cue));
  if (sentiment < -0.4) points += Math.min(1, (-sentiment - 0.4) * 2);
  if (/!{2,}/.test(rawText) || /\b[A-Z]{5,}\b/.test(rawText)) points += 0.5;

  // Urgent takes an urgent cue ("outage", "all users", "sofort"…) or overwhelming evidence otherwise.
  const urgency: Urgency =
    points >= 4 || (points >= 3 && urgentCue)
      ? 'urgent'
      : points >= 1.5
        ? 'high'
        : points <= -1
          ? 'low'
          : 'normal';
  const thresholds = [-1, 1.5, 3];
  const distance = Math.min(...thresholds.map((t) => Math.abs(points - t)));
  const confidence = Math.round(Math.min(0.95, 0.45 + 0.25 * distance) * 1000) / 1000;
  return { urgency, confidence, cues };
}

/** The tokens with every occurrence of a phrase replaced by an empty token, so later cues cannot match it. */
function blank(tokens: readonly string[], phrase: CompiledPhrase): string[] {
  const out = [...tokens];
  const n = phrase.words.length;
  for (let i = 0; i + n <= out.length; i++) {
    if (countPhrase(out.slice(i, i + n), phrase) > 0) out.fill('', i, i + n);
  }
  return out;
}
