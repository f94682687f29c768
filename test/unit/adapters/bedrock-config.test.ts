import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { BedrockClassifier } from '../../../functions/adapters/bedrock/classifier.ts';
import {
  classifierFromEnv,
  DEFAULT_BEDROCK_TIMEOUT_MS,
  TRIAGE_ENV,
  triageConfigFromEnv,
} from '../../../functions/adapters/bedrock/config.ts';
import { BuiltinClassifier } from '../../../functions/core/triage/builtin-classifier.ts';

const bedrock = mockClient(BedrockRuntimeClient);
afterEach(() => bedrock.reset());

const MODEL = 'eu.anthropic.claude-3-haiku-20240307-v1:0';

describe('triage classifier configuration', () => {
  it('names its environment variables for CDK', () => {
    expect(TRIAGE_ENV).toEqual({
      classifier: 'TRIAGE_CLASSIFIER',
      bedrockModelId: 'BEDROCK_MODEL_ID',
      bedrockTimeoutMs: 'BEDROCK_TIMEOUT_MS',
    });
  });

  it('uses the built-in classifier by default', () => {
    expect(triageConfigFromEnv({})).toEqual({ classifier: 'builtin' });
    expect(triageConfigFromEnv({ TRIAGE_CLASSIFIER: '' })).toEqual({ classifier: 'builtin' });
    expect(classifierFromEnv({})).toBeInstanceOf(BuiltinClassifier);
    // the Bedrock variables are ignored unless Bedrock is chosen
    expect(classifierFromEnv({ TRIAGE_CLASSIFIER: 'builtin', BEDROCK_TIMEOUT_MS: 'soon' })).toBeInstanceOf(
      BuiltinClassifier,
    );
  });

  it('reads the Bedrock model and timeout, 4000 ms by default', () => {
    expect(triageConfigFromEnv({ TRIAGE_CLASSIFIER: 'bedrock', BEDROCK_MODEL_ID: MODEL })).toEqual({
      classifier: 'bedrock',
      modelId: MODEL,
      timeoutMs: DEFAULT_BEDROCK_TIMEOUT_MS,
    });
    expect(DEFAULT_BEDROCK_TIMEOUT_MS).toBe(4000);
    expect(
      triageConfigFromEnv({
        TRIAGE_CLASSIFIER: 'bedrock',
        BEDROCK_MODEL_ID: 'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.x-v1:0',
        BEDROCK_TIMEOUT_MS: '2500',
      }),
    ).toMatchObject({ timeoutMs: 2500 });
  });

  it('builds a Bedrock classifier that calls the configured model', async () => {
    bedrock.on(ConverseCommand).resolves({
      output: {
        message: {
          role: 'assistant',
          content: [
            {
              text: '{"language":"de","sentiment":0,"intent":null,"urgency":"normal","confidence":{"language":0.9,"sentiment":0.5,"intent":0,"urgency":0.6}}',
            },
          ],
        },
      },
    });
    const classifier = classifierFromEnv(
      { TRIAGE_CLASSIFIER: 'bedrock', BEDROCK_MODEL_ID: MODEL },
      { bedrockClient: new BedrockRuntimeClient({ region: 'eu-west-1' }) },
    );
    expect(classifier).toBeInstanceOf(BedrockClassifier);
    const triage = await classifier.classify({ subject: 'Frage', body: 'Wie geht das?' }, { keywords: {} });
    expect(triage.classifier).toBe(`bedrock:${MODEL}#triage-v1`);
    expect(bedrock.commandCalls(ConverseCommand)[0]!.args[0].input.modelId).toBe(MODEL);
  });

  it.each([
    [{ TRIAGE_CLASSIFIER: 'openai' }, /TRIAGE_CLASSIFIER must be one of builtin, bedrock, got "openai"/],
    [{ TRIAGE_CLASSIFIER: 'bedrock' }, /BEDROCK_MODEL_ID is required when TRIAGE_CLASSIFIER=bedrock/],
    [{ TRIAGE_CLASSIFIER: 'bedrock', BEDROCK_MODEL_ID: '  ' }, /BEDROCK_MODEL_ID is required/],
    [
      { TRIAGE_CLASSIFIER: 'bedrock', BEDROCK_MODEL_ID: 'claude haiku' },
      /BEDROCK_MODEL_ID: must be a Bedrock/,
    ],
    [
      { TRIAGE_CLASSIFIER: 'bedrock', BEDROCK_MODEL_ID: MODEL, BEDROCK_TIMEOUT_MS: 'soon' },
      /BEDROCK_TIMEOUT_MS/,
    ],
    [{ TRIAGE_CLASSIFIER: 'bedrock', BEDROCK_MODEL_ID: MODEL, BEDROCK_TIMEOUT_MS: '1.5' }, /whole number/],
    [
      { TRIAGE_CLASSIFIER: 'bedrock', BEDROCK_MODEL_ID: MODEL, BEDROCK_TIMEOUT_MS: '0' },
      /BEDROCK_TIMEOUT_MS/,
    ],
    [
      { TRIAGE_CLASSIFIER: 'bedrock', BEDROCK_MODEL_ID: MODEL, BEDROCK_TIMEOUT_MS: '600000' },
      /BEDROCK_TIMEOUT_MS/,
    ],
  ])('refuses a bad configuration at cold start: %o', (env, message) => {
    expect(() => classifierFromEnv(env)).toThrow(message);
    expect(() => classifierFromEnv(env)).toThrow(/^invalid triage configuration: /);
  });
});
