import { type BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import * as z from 'zod/mini';
import {
  type Classifier,
  type TenantTriageModel,
  type Triage,
  type TriageInput,
  URGENCIES,
} from '../../core/triage/classifier.ts';
import { TRIAGE_PROMPT_V1_ID, tenantIntents, triagePromptV1 } from './prompt-v1.ts';

/** Why the Bedrock answer was not used; the fallback classifier decided instead. */
export type FallbackCode = 'timeout' | 'throttled' | 'access-denied' | 'invalid-answer' | 'error';

export interface FallbackReason {
  readonly code: FallbackCode;
  readonly message: string;
}

export interface BedrockClassifierOptions {
  readonly client: BedrockRuntimeClient;
  /** A model id, inference profile id or ARN, e.g. `anthropic.claude-3-haiku-20240307-v1:0`. */
  readonly modelId: string;
  /** The whole call (retries included) is aborted after this long. */
  readonly timeoutMs: number;
  /** Decides whenever Bedrock cannot: usually the built-in classifier. */
  readonly fallback: Classifier;
  /** Told every time the fallback decided, with why (log it, count it). */
  readonly onFallback?: (reason: FallbackReason) => void;
  /**
   * Told after every call the model answered (what Bedrock bills), with the tokens it reports and the tenant
   * of the message: an answer that turns out unusable was paid for all the same. Meter it.
   */
  readonly onUsage?: (usage: BedrockUsage) => void;
}

/** One answered call: the tokens as the model counted them (Converse `usage`), for the message's tenant. */
export interface BedrockUsage {
  readonly tenantId: string | undefined;
  readonly modelId: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** The answer is a few short fields: a small budget keeps the call fast and cheap. */
export const MAX_ANSWER_TOKENS = 200;

class BedrockTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer from Bedrock within ${ms} ms`);
    this.name = 'BedrockTimeoutError';
  }
}

class InvalidAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAnswerError';
  }
}

const clamp = (x: number, min: number, max: number) => Math.min(max, Math.max(min, x));
const round = (x: number) => Math.round(x * 1000) / 1000;
const unit = z.pipe(
  z.number(),
  z.transform((x: number) => round(clamp(x, 0, 1))),
);

/**
 * What the model must answer (prompt-v1.ts). Strict on the shape and the types (a missing field or a word
 * where a number belongs is an invalid answer); lenient on the values: numbers are clamped into range,
 * `en-US` reads as `en`, case is ignored; an intent not in the tenant's list is dropped later.
 */
const Answer = z.object({
  language: z.pipe(
    z
      .string()
      .check(
        z.trim(),
        z.toLowerCase(),
        z.regex(/^([a-z]{2}|und)([-_][a-z0-9]{1,8})*$/, 'must be an ISO 639-1 code'),
      ),
    z.transform((code: string) => code.split(/[-_]/)[0]!),
  ),
  sentiment: z.pipe(
    z.number(),
    z.transform((x: number) => round(clamp(x, -1, 1))),
  ),
  intent: z.nullable(z.string().check(z.trim())),
  urgency: z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.enum(URGENCIES)),
  confidence: z.object({ language: unit, sentiment: unit, intent: unit, urgency: unit }),
});

/** The JSON object in the model's text: bare, in a ```json fence, or with prose around it. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const candidate = fenced?.[1] ?? text;
  const start = candidate.indexOf('{');
  const end = candidate.lastIndexOf('}');
  if (start < 0 || end < start) throw new InvalidAnswerError('the answer holds no JSON object');
  try {
    return JSON.parse(candidate.slice(start, end + 1));
  } catch (error) {
    throw new InvalidAnswerError(`the answer is not valid JSON: ${(error as Error).message}`);
  }
}

/** The model's text turned into a Triage for this tenant, or InvalidAnswerError. */
export function parseAnswer(text: string, intents: readonly string[], classifier: string): Triage {
  const result = Answer.safeParse(extractJson(text));
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`);
    throw new InvalidAnswerError(`the answer does not match the schema: ${issues.join('; ')}`);
  }
  const answer = result.data;
  const known = answer.intent !== null && intents.includes(answer.intent);
  return {
    language: answer.language,
    sentiment: answer.sentiment,
    intent: known ? answer.intent : null,
    urgency: answer.urgency,
    confidence: { ...answer.confidence, intent: known ? answer.confidence.intent : 0 },
    classifier,
  };
}

function fallbackReason(error: unknown): FallbackReason {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof BedrockTimeoutError || name === 'AbortError' || name === 'TimeoutError')
    return { code: 'timeout', message };
  if (name === 'ThrottlingException' || name === 'ServiceQuotaExceededException')
    return { code: 'throttled', message: `${name}: ${message}` };
  if (name === 'AccessDeniedException') return { code: 'access-denied', message: `${name}: ${message}` };
  if (error instanceof InvalidAnswerError) return { code: 'invalid-answer', message };
  return { code: 'error', message: name ? `${name}: ${message}` : message };
}

/**
 * The Classifier port on Amazon Bedrock (Converse API, so any text model works). It never fails a ticket's
 * triage: on any error (timeout, throttling, access denied, an answer that is not the JSON asked for) the
 * fallback classifier's verdict is returned, under the fallback's own `classifier` id, and `onFallback`
 * hears why.
 */
export class BedrockClassifier implements Classifier {
  readonly id: string;

  constructor(private readonly options: BedrockClassifierOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${options.timeoutMs}`);
    this.id = `bedrock:${options.modelId}#${TRIAGE_PROMPT_V1_ID}`;
  }

  async classify(input: TriageInput, context: TenantTriageModel): Promise<Triage> {
    try {
      return await this.ask(input, context);
    } catch (error) {
      try {
        this.options.onFallback?.(fallbackReason(error));
      } catch {
        // A failing log or metric must not cost the ticket its triage.
      }
      return this.options.fallback.classify(input, context);
    }
  }

  private reportUsage(
    input: TriageInput,
    usage: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined,
  ): void {
    try {
      this.options.onUsage?.({
        tenantId: input.tenantId,
        modelId: this.options.modelId,
        inputTokens: usage?.inputTokens ?? 0,
        outputTokens: usage?.outputTokens ?? 0,
      });
    } catch {
      // Metering must not cost the ticket its triage.
    }
  }

  private async ask(input: TriageInput, context: TenantTriageModel): Promise<Triage> {
    const prompt = triagePromptV1(input, context);
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The signal stops the HTTP request; the race makes sure we stop waiting even if something ignores it.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new BedrockTimeoutError(this.options.timeoutMs);
        reject(error); // first, so the race settles on the timeout rather than on the aborted request
        controller.abort(error);
      }, this.options.timeoutMs);
    });
    try {
      const response = await Promise.race([
        this.options.client.send(
          new ConverseCommand({
            modelId: this.options.modelId,
            system: [{ text: prompt.system }],
            messages: [{ role: 'user', content: [{ text: prompt.user }] }],
            inferenceConfig: { temperature: 0, maxTokens: MAX_ANSWER_TOKENS },
          }),
          { abortSignal: controller.signal },
        ),
        timeout,
      ]);
      this.reportUsage(input, response.usage);
      const text = (response.output?.message?.content ?? [])
        .map((block) => ('text' in block && typeof block.text === 'string' ? block.text : ''))
        .join('');
      if (text.trim() === '')
        throw new InvalidAnswerError(`empty answer (stop reason ${response.stopReason ?? 'unknown'})`);
      return parseAnswer(text, tenantIntents(context), this.id);
    } finally {
      clearTimeout(timer);
    }
  }
}
