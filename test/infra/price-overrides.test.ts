import { describe, expect, it } from 'vitest';
import { env } from '../../functions/topology.ts';
import { resourcesOf, synthDeskless } from './synth.ts';

function environmentOf(deskless: ReturnType<typeof synthDeskless>, fn: 'api' | 'triage') {
  const resources = resourcesOf(deskless.statelessTemplate);
  const id = deskless.stateless.getLogicalId(
    deskless.stateless.functions[fn].function.node.defaultChild as never,
  );
  return resources[id]!.Properties.Environment.Variables as Record<string, unknown>;
}

describe('the deployment’s own prices', () => {
  it('reach the function that prices usage, validated at synth', () => {
    const overrides = { version: 'acme-edp-2026', dynamodb: { perMillionWriteUnits: 0.7625 } };
    const deskless = synthDeskless({ context: { 'deskless:priceOverrides': JSON.stringify(overrides) } });
    expect(JSON.parse(String(environmentOf(deskless, 'api')[env.priceOverrides]))).toEqual(overrides);
    expect(environmentOf(deskless, 'triage')).not.toHaveProperty(env.priceOverrides);
    expect(environmentOf(synthDeskless(), 'api')).not.toHaveProperty(env.priceOverrides);
  });

  it('prices the Bedrock model triage uses when its list prices are known, Nova Micro otherwise', () => {
    const haiku = synthDeskless({
      context: { 'deskless:bedrockModelId': 'anthropic.claude-3-haiku-20240307-v1:0' },
    });
    expect(JSON.parse(String(environmentOf(haiku, 'api')[env.priceOverrides]))).toEqual({
      bedrock: {
        modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
        perThousandInputTokens: 0.00025,
        perThousandOutputTokens: 0.00125,
        source: expect.stringMatching(/claude-3-haiku.*2025-06-01/),
      },
    });
    // Prices the deployment gives win; the default model needs no override.
    const own = { bedrock: { perThousandInputTokens: 0.0002 } };
    const given = synthDeskless({
      context: {
        'deskless:bedrockModelId': 'anthropic.claude-3-haiku-20240307-v1:0',
        'deskless:priceOverrides': JSON.stringify(own),
      },
    });
    expect(JSON.parse(String(environmentOf(given, 'api')[env.priceOverrides]))).toEqual(own);
    const micro = synthDeskless({ context: { 'deskless:bedrockModelId': 'amazon.nova-micro-v1:0' } });
    expect(environmentOf(micro, 'api')).not.toHaveProperty(env.priceOverrides);
  });

  it('refuses prices that are not prices', () => {
    expect(() => synthDeskless({ context: { 'deskless:priceOverrides': '{"dynamodb":' } })).toThrow(
      /JSON object/,
    );
    expect(() =>
      synthDeskless({ context: { 'deskless:priceOverrides': '{"dynamodb":{"perMillionWriteUnits":-1}}' } }),
    ).toThrow(/deskless:priceOverrides: dynamodb.perMillionWriteUnits/);
  });
});
