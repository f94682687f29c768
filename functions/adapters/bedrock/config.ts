import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import * as z from 'zod/mini';
import { makeBuiltinClassifier } from '../../core/triage/builtin-classifier.ts';
import type { Classifier } from '../../core/triage/classifier.ts';
import { BedrockClassifier, type BedrockUsage, type FallbackReason } from './classifier.ts';

/** The environment variables that choose the triage classifier; CDK and the local runtime set them. */
export const TRIAGE_ENV = {
  classifier: 'TRIAGE_CLASSIFIER',
  bedrockModelId: 'BEDROCK_MODEL_ID',
  bedrockTimeoutMs: 'BEDROCK_TIMEOUT_MS',
} as const;

export const TRIAGE_CLASSIFIERS = ['builtin', 'bedrock'] as const;
export type TriageClassifierKind = (typeof TRIAGE_CLASSIFIERS)[number];

export const DEFAULT_BEDROCK_TIMEOUT_MS = 4000;
export const MIN_BEDROCK_TIMEOUT_MS = 100;
export const MAX_BEDROCK_TIMEOUT_MS = 60_000;

export type TriageConfig =
  | { readonly classifier: 'builtin' }
  | { readonly classifier: 'bedrock'; readonly modelId: string; readonly timeoutMs: number };

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const Config = z.discriminatedUnion('classifier', [
  z.object({ classifier: z.literal('builtin') }),
  z.object({
    classifier: z.literal('bedrock'),
    modelId: z
      .string({ error: `${TRIAGE_ENV.bedrockModelId} is required when ${TRIAGE_ENV.classifier}=bedrock` })
      .check(
        z.trim(),
        z.maxLength(2048),
        z.regex(/^[A-Za-z0-9._:/-]+$/, 'must be a Bedrock model id, inference profile id or ARN'),
      ),
    timeoutMs: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .check(
        z.int('must be a whole number of milliseconds'),
        z.gte(MIN_BEDROCK_TIMEOUT_MS),
        z.lte(MAX_BEDROCK_TIMEOUT_MS),
      ),
  }),
]);

const FIELD_ENV: Record<string, string> = {
  classifier: TRIAGE_ENV.classifier,
  modelId: TRIAGE_ENV.bedrockModelId,
  timeoutMs: TRIAGE_ENV.bedrockTimeoutMs,
};

/** Reads and validates the triage configuration; throws an Error naming each bad variable. */
export function triageConfigFromEnv(env: Readonly<Record<string, string | undefined>>): TriageConfig {
  const kind = blankToUndefined(env[TRIAGE_ENV.classifier]) ?? 'builtin';
  if (!(TRIAGE_CLASSIFIERS as readonly unknown[]).includes(kind)) {
    throw new Error(
      `invalid triage configuration: ${TRIAGE_ENV.classifier} must be one of ${TRIAGE_CLASSIFIERS.join(', ')}, got "${String(kind)}"`,
    );
  }
  const result = Config.safeParse({
    classifier: kind,
    modelId: blankToUndefined(env[TRIAGE_ENV.bedrockModelId]),
    timeoutMs: blankToUndefined(env[TRIAGE_ENV.bedrockTimeoutMs]) ?? DEFAULT_BEDROCK_TIMEOUT_MS,
  });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      return `${FIELD_ENV[field] ?? field}: ${issue.message}`;
    });
    throw new Error(`invalid triage configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

export interface ClassifierDeps {
  /** The Bedrock client; by default one is created (region and credentials from the Lambda environment). */
  readonly bedrockClient?: BedrockRuntimeClient;
  /** What decides when Bedrock cannot; the built-in classifier by default. */
  readonly fallback?: Classifier;
  readonly onFallback?: (reason: FallbackReason) => void;
  /** Told the tokens of every call Bedrock answered (see BedrockClassifierOptions.onUsage). */
  readonly onUsage?: (usage: BedrockUsage) => void;
}

/**
 * The triage classifier the environment asks for: `TRIAGE_CLASSIFIER=builtin` (the default) or `bedrock`
 * (with `BEDROCK_MODEL_ID`, and `BEDROCK_TIMEOUT_MS`, default 4000). Call it once per cold start: a bad
 * configuration throws there, not on every message.
 */
export function classifierFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  deps: ClassifierDeps = {},
): Classifier {
  const config = triageConfigFromEnv(env);
  if (config.classifier === 'builtin') return makeBuiltinClassifier();
  const fallback = deps.fallback ?? makeBuiltinClassifier();
  return new BedrockClassifier({
    // Two attempts at most: a throttled call is better answered by the fallback than retried past the timeout.
    client: deps.bedrockClient ?? new BedrockRuntimeClient({ maxAttempts: 2 }),
    modelId: config.modelId,
    timeoutMs: config.timeoutMs,
    fallback,
    ...(deps.onFallback && { onFallback: deps.onFallback }),
    ...(deps.onUsage && { onUsage: deps.onUsage }),
  });
}
