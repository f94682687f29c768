import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BedrockClassifier,
  type FallbackReason,
  MAX_ANSWER_TOKENS,
} from '../../../functions/adapters/bedrock/classifier.ts';
import { tenantIntents, triagePromptV1 } from '../../../functions/adapters/bedrock/prompt-v1.ts';
import {
  BUILTIN_CLASSIFIER_ID,
  classifyBuiltin,
  makeBuiltinClassifier,
} from '../../../functions/core/triage/builtin-classifier.ts';
import type { TenantTriageModel } from '../../../functions/core/triage/classifier.ts';
import { trainNaiveBayes } from '../../../functions/core/triage/naive-bayes.ts';

const MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';

const tenant: TenantTriageModel = {
  keywords: { billing: ['invoice', 'factura'], refund: ['refund', 'money back'], login: ['password'] },
  naiveBayes: trainNaiveBayes([
    { text: 'the parcel never arrived', intent: 'shipping' },
    { text: 'where is my invoice', intent: 'billing' },
  ]),
};

const input = {
  subject: 'Charged twice!!',
  body: 'You charged my card twice for the March invoice. I want my money back today.',
  channel: 'email',
};

const answer = (value: unknown) => ({
  output: { message: { role: 'assistant' as const, content: [{ text: JSON.stringify(value) }] } },
  stopReason: 'end_turn' as const,
});
const textAnswer = (text: string) => ({
  output: { message: { role: 'assistant' as const, content: [{ text }] } },
  stopReason: 'end_turn' as const,
});

const goodAnswer = {
  language: 'en',
  sentiment: -0.7,
  intent: 'refund',
  urgency: 'high',
  confidence: { language: 0.99, sentiment: 0.8, intent: 0.9, urgency: 0.7 },
};

const bedrock = mockClient(BedrockRuntimeClient);
let reasons: FallbackReason[];

function classifier(timeoutMs = 2000) {
  return new BedrockClassifier({
    client: new BedrockRuntimeClient({ region: 'eu-west-1' }),
    modelId: MODEL_ID,
    timeoutMs,
    fallback: makeBuiltinClassifier(),
    onFallback: (reason) => reasons.push(reason),
  });
}

beforeEach(() => {
  bedrock.reset();
  reasons = [];
});
afterEach(() => bedrock.reset());

describe('BedrockClassifier', () => {
  it('classifies with the Converse API and names the model and prompt version', async () => {
    bedrock.on(ConverseCommand).resolves(answer(goodAnswer));
    const triage = await classifier().classify(input, tenant);
    expect(triage).toEqual({
      ...goodAnswer,
      classifier: `bedrock:${MODEL_ID}#triage-v1`,
    });
    expect(reasons).toEqual([]);

    const calls = bedrock.commandCalls(ConverseCommand);
    expect(calls).toHaveLength(1);
    const request = calls[0]!.args[0].input;
    expect(request.modelId).toBe(MODEL_ID);
    expect(request.inferenceConfig).toEqual({ temperature: 0, maxTokens: MAX_ANSWER_TOKENS });
    const prompt = request.messages?.[0]?.content?.[0];
    const text = prompt && 'text' in prompt ? String(prompt.text) : '';
    // every intent of the tenant, from its keywords and from its model's labels
    for (const intent of ['billing', 'refund', 'login', 'shipping']) expect(text).toContain(`- ${intent}`);
    expect(text).toContain('"invoice"');
    expect(text).toContain(input.body);
    expect(request.system?.[0]).toEqual({ text: triagePromptV1(input, tenant).system });
    // the call can be aborted
    const options = (bedrock.send.lastCall.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it('reads JSON wrapped in prose and a ```json fence', async () => {
    bedrock
      .on(ConverseCommand)
      .resolves(
        textAnswer(
          `Here is the classification:\n\`\`\`json\n${JSON.stringify(goodAnswer, null, 2)}\n\`\`\`\nLet me know!`,
        ),
      );
    const triage = await classifier().classify(input, tenant);
    expect(triage).toMatchObject({ intent: 'refund', urgency: 'high', language: 'en' });
    expect(triage.classifier).toBe(`bedrock:${MODEL_ID}#triage-v1`);
  });

  it('drops an intent the tenant does not have, and clamps numbers into range', async () => {
    bedrock.on(ConverseCommand).resolves(
      answer({
        language: 'EN-us',
        sentiment: -3,
        intent: 'chargeback',
        urgency: 'URGENT',
        confidence: { language: 1.5, sentiment: -0.2, intent: 0.95, urgency: 0.5 },
      }),
    );
    const triage = await classifier().classify(input, tenant);
    expect(triage).toEqual({
      language: 'en',
      sentiment: -1,
      intent: null,
      urgency: 'urgent',
      confidence: { language: 1, sentiment: 0, intent: 0, urgency: 0.5 },
      classifier: `bedrock:${MODEL_ID}#triage-v1`,
    });
    expect(reasons).toEqual([]);
  });

  it('keeps a null intent', async () => {
    bedrock.on(ConverseCommand).resolves(answer({ ...goodAnswer, intent: null }));
    expect((await classifier().classify(input, tenant)).intent).toBeNull();
  });

  it.each([
    ['prose without JSON', 'I think this is about a refund.'],
    ['broken JSON', '{"language": "en", "sentiment": -0.5,'],
    ['a missing field', JSON.stringify({ ...goodAnswer, urgency: undefined })],
    ['a word where a number belongs', JSON.stringify({ ...goodAnswer, sentiment: 'negative' })],
    ['an unknown urgency', JSON.stringify({ ...goodAnswer, urgency: 'asap' })],
    ['a made-up language code', JSON.stringify({ ...goodAnswer, language: 'english' })],
    ['an empty answer', ''],
  ])('falls back to the built-in verdict on %s', async (_, text) => {
    bedrock.on(ConverseCommand).resolves(textAnswer(text));
    const triage = await classifier().classify(input, tenant);
    expect(triage).toEqual(classifyBuiltin(input, tenant));
    expect(triage.classifier).toBe(BUILTIN_CLASSIFIER_ID);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]!.code).toBe('invalid-answer');
  });

  it('falls back when Bedrock throttles', async () => {
    const throttled = Object.assign(new Error('Too many requests, please wait before trying again.'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    });
    bedrock.on(ConverseCommand).rejects(throttled);
    const triage = await classifier().classify(input, tenant);
    expect(triage).toEqual(classifyBuiltin(input, tenant));
    expect(reasons).toEqual([{ code: 'throttled', message: expect.stringContaining('ThrottlingException') }]);
  });

  it('falls back when the model is not enabled for the account', async () => {
    const denied = Object.assign(new Error('You don’t have access to the model'), {
      name: 'AccessDeniedException',
    });
    bedrock.on(ConverseCommand).rejects(denied);
    const triage = await classifier().classify(input, tenant);
    expect(triage.classifier).toBe(BUILTIN_CLASSIFIER_ID);
    expect(reasons.map((r) => r.code)).toEqual(['access-denied']);
  });

  it('aborts a slow call after the timeout and falls back', async () => {
    let aborted: unknown = null;
    bedrock.on(ConverseCommand).callsFake(() => {
      const { abortSignal } = (bedrock.send.lastCall.args as unknown[])[1] as { abortSignal: AbortSignal };
      // A model that would answer after 10 s, unless the request is aborted (as the SDK's handler does).
      return new Promise((resolve, reject) => {
        const late = setTimeout(() => resolve(answer(goodAnswer)), 10_000);
        abortSignal.addEventListener('abort', () => {
          clearTimeout(late);
          aborted = abortSignal.reason;
          reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
        });
      });
    });
    const started = Date.now();
    const triage = await classifier(50).classify(input, tenant);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(triage).toEqual(classifyBuiltin(input, tenant));
    expect(aborted).toBeInstanceOf(Error);
    expect(reasons).toEqual([{ code: 'timeout', message: 'no answer from Bedrock within 50 ms' }]);
  });

  it('stops waiting after the timeout even when the call ignores the abort signal', async () => {
    bedrock.on(ConverseCommand).callsFake(() => new Promise(() => {}));
    const triage = await classifier(30).classify(input, tenant);
    expect(triage.classifier).toBe(BUILTIN_CLASSIFIER_ID);
    expect(reasons.map((r) => r.code)).toEqual(['timeout']);
  });

  it('lists the union of keyword intents and model labels, sorted', () => {
    expect(tenantIntents(tenant)).toEqual(['billing', 'login', 'refund', 'shipping']);
    expect(triagePromptV1(input, { keywords: {} }).user).toContain('declares no intents');
    // a model label named like an Object.prototype key is just a name
    const odd = trainNaiveBayes([
      { text: 'build it', intent: 'constructor' },
      { text: 'invoice', intent: 'billing' },
    ]);
    expect(triagePromptV1(input, { keywords: {}, naiveBayes: odd }).user).toContain('- constructor\n');
  });
});
