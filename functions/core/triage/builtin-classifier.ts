import type { Classifier, TenantTriageModel, Triage, TriageInput } from './classifier.ts';
import { classifyIntent } from './intent.ts';
import { detectLanguage } from './language.ts';
import { scoreSentiment } from './sentiment.ts';
import { tokenise } from './text.ts';
import { detectUrgency } from './urgency.ts';

export const BUILTIN_CLASSIFIER_ID = 'builtin@1';

/** Quoted replies and signatures say nothing about this message: drop lines starting with `>`. */
function ownText(body: string): string {
  return body
    .split(/\r?\n/)
    .filter((line) => !line.trimStart().startsWith('>'))
    .join('\n');
}

/**
 * The same classification as `BuiltinClassifier.classify`, synchronously (it does no I/O): handy for the
 * Bedrock adapter's fallback and for benchmarks.
 */
export function classifyBuiltin(input: TriageInput, context: TenantTriageModel): Triage {
  const body = ownText(input.body);
  const text = `${input.subject}\n${body}`.trim();
  const language = detectLanguage(text);
  const sentiment = scoreSentiment(text, language.language);
  const subjectTokens = tokenise(input.subject);
  const bodyTokens = tokenise(body);
  const urgency = detectUrgency([...subjectTokens, '\u0000', ...bodyTokens], text, sentiment.score);
  const intent = classifyIntent(context, subjectTokens, bodyTokens, text);
  return {
    language: language.language,
    sentiment: sentiment.score,
    intent: intent.intent,
    urgency: urgency.urgency,
    confidence: {
      language: language.confidence,
      sentiment: sentiment.confidence,
      intent: intent.confidence,
      urgency: urgency.confidence,
    },
    classifier: BUILTIN_CLASSIFIER_ID,
  };
}

/** The built-in, offline classifier: deterministic, no network, no model download. */
export class BuiltinClassifier implements Classifier {
  async classify(input: TriageInput, context: TenantTriageModel): Promise<Triage> {
    return classifyBuiltin(input, context);
  }
}

export const makeBuiltinClassifier = (): Classifier => new BuiltinClassifier();
