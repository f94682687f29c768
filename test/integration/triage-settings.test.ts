import { readFileSync } from 'node:fs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { makeDynamoDbPorts } from '../../functions/adapters/dynamodb/ports.ts';
import { DynamoDbTriageSettingsStore } from '../../functions/adapters/dynamodb/triage-settings-store.ts';
import { classifyBuiltin } from '../../functions/core/triage/builtin-classifier.ts';
import { DEFAULT_TRIAGE_KEYWORDS } from '../../functions/core/triage/default-keywords.ts';
import { trainNaiveBayes } from '../../functions/core/triage/naive-bayes.ts';
import { makeLoadTriageModel } from '../../functions/core/use-cases/triage-settings.ts';
import { callApi } from '../support/api-call.ts';

/**
 * Triage settings on DynamoDB Local: the store's round trip, and `GET/PUT /v1/settings/triage` through the
 * real authorizer and api handlers.
 */
const tables = tableNamesFromEnv();
const store = new DynamoDbTriageSettingsStore(documentClient, tables);
const loadTriageModel = makeLoadTriageModel(makeDynamoDbPorts(documentClient, tables));
const operatorKey = process.env.DESKLESS_OPERATOR_API_KEY!;
const suffix = Date.now().toString(36);

/** DynamoDB's own item size: attribute names plus values, as marshalled. An upper bound is plenty here. */
async function storedItemBytes(tenantId: string): Promise<number> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tables.main, Key: keys.triageSettings(tenantId) }),
  );
  expect(Item).toBeDefined();
  return Buffer.byteLength(JSON.stringify(marshall(Item!, { removeUndefinedValues: true })));
}

interface Labelled {
  readonly subject: string;
  readonly body: string;
  readonly intent: string;
}
const labelled = (
  JSON.parse(readFileSync(new URL('../fixtures/triage/messages.json', import.meta.url), 'utf8')) as {
    messages: Labelled[];
  }
).messages;

describe('DynamoDB triage settings store', () => {
  it('reads nothing for a tenant that saved nothing', async () => {
    expect(await store.get(`triage-none-${suffix}`)).toBeNull();
    expect(await loadTriageModel(`triage-none-${suffix}`)).toEqual({
      keywords: DEFAULT_TRIAGE_KEYWORDS,
      naiveBayes: null,
    });
  });

  it('stores keywords and the model under the tenant’s settings partition and reads them back', async () => {
    const tenantId = `triage-store-${suffix}`;
    const model = trainNaiveBayes(labelled.slice(0, 50).map((m) => ({ text: m.body, intent: m.intent })));
    const settings = {
      keywords: { billing: ['invoice', 'factura'], constructor: ['built'], empty: [] },
      model,
      training: { examples: 50, intents: { billing: 20, login: 30 }, trainedAt: '2026-03-02T09:00:00.000Z' },
      updatedAt: '2026-03-02T09:00:00.000Z',
    };
    await store.put(tenantId, settings);
    expect(await store.get(tenantId)).toEqual(settings);
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tables.main, Key: { pk: `T#${tenantId}#SETTINGS`, sk: 'TRIAGE' } }),
    );
    expect(Item).toMatchObject({
      entity: 'triage-settings',
      keywords: [
        { intent: 'billing', phrases: ['invoice', 'factura'] },
        { intent: 'constructor', phrases: ['built'] },
        { intent: 'empty', phrases: [] },
      ],
    });
    // the model is kept as its JSON text
    expect(typeof Item!.model).toBe('string');
    expect(JSON.parse(Item!.model)).toEqual(model);
    expect(await loadTriageModel(tenantId)).toEqual({ keywords: settings.keywords, naiveBayes: model });
  });

  it('reads a model it cannot use as no model', async () => {
    const tenantId = `triage-corrupt-${suffix}`;
    await documentClient.send(
      new PutCommand({
        TableName: tables.main,
        Item: {
          ...keys.triageSettings(tenantId),
          entity: 'triage-settings',
          keywords: [{ intent: 'billing', phrases: ['invoice'] }],
          model: '{"kind":"something-else"}',
          training: {
            examples: 3,
            intents: [{ intent: 'billing', count: 3 }],
            trainedAt: '2026-03-02T09:00:00.000Z',
          },
          updatedAt: '2026-03-02T09:00:00.000Z',
        },
      }),
    );
    expect(await store.get(tenantId)).toEqual({
      keywords: { billing: ['invoice'] },
      model: null,
      training: null,
      updatedAt: '2026-03-02T09:00:00.000Z',
    });
  });
});

const call = callApi;

describe('GET/PUT /v1/settings/triage', () => {
  const tenantId = `triage-api-${suffix}`;
  let admin: string;
  let agent: string;

  beforeAll(async () => {
    const created = await call('POST', '/v1/tenants', operatorKey, {
      body: { id: tenantId, name: 'Triage' },
    });
    expect(created.status).toBe(201);
    admin = created.body.apiKey.secret;
    const agentKey = await call('POST', '/v1/api-keys', admin, { body: { name: 'desk', role: 'agent' } });
    expect(agentKey.status).toBe(201);
    agent = agentKey.body.secret;
  });

  it('shows the default keywords and no model before anything is saved', async () => {
    const response = await call('GET', '/v1/settings/triage', agent);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ keywords: DEFAULT_TRIAGE_KEYWORDS, model: null, updatedAt: null });
  });

  it('refuses a bad intent name and a blank phrase with 400 and the field paths', async () => {
    const response = await call('PUT', '/v1/settings/triage', admin, {
      body: { keywords: { 'Billing-Team': ['invoice'], refund: ['refund', '   '] } },
    });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body.type).toBe('/docs#problem-invalid-request');
    const paths = response.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['keywords.Billing-Team', 'keywords.refund.1']));
    expect(
      response.body.errors.find((e: { path: string }) => e.path === 'keywords.Billing-Team').message,
    ).toMatch(/lower-case letters, digits or _/);
    const example = await call('PUT', '/v1/settings/triage', admin, {
      body: { keywords: {}, examples: [{ subject: 'x', body: 'y', intent: 'Bad Intent' }], extra: true },
    });
    expect(example.status).toBe(400);
    expect(example.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['examples.0.intent', '(body)']),
    );
  });

  it('lets only admins change the settings', async () => {
    const response = await call('PUT', '/v1/settings/triage', agent, { body: { keywords: {} } });
    expect(response.status).toBe(403);
  });

  it('trains on 200 labelled tickets, shows the summary but never the weights, and triage uses it', async () => {
    const examples = labelled.slice(0, 200).map(({ subject, body, intent }) => ({ subject, body, intent }));
    const response = await call('PUT', '/v1/settings/triage', admin, {
      body: { keywords: { refund: ['refund', 'reembolso'] }, examples },
    });
    expect(response.status).toBe(200);
    const perIntent: Record<string, number> = {};
    for (const e of examples) perIntent[e.intent] = (perIntent[e.intent] ?? 0) + 1;
    expect(response.body).toEqual({
      keywords: { refund: ['refund', 'reembolso'] },
      model: { examples: 200, intents: perIntent, trainedAt: expect.any(String) },
      updatedAt: expect.any(String),
    });
    expect(JSON.stringify(response.body)).not.toMatch(/counts|vocabularySize/);
    expect((await call('GET', '/v1/settings/triage', agent)).body).toEqual(response.body);
    expect(await storedItemBytes(tenantId)).toBeLessThan(400 * 1024);

    const model = await loadTriageModel(tenantId);
    expect(model.naiveBayes?.classes).toEqual(Object.keys(perIntent).sort());
    const triage = classifyBuiltin(
      { subject: 'Question about my bill', body: 'The amount on my invoice is higher than my plan.' },
      model,
    );
    expect(triage.intent).toBe('billing');

    // keywords changed without examples: the model stays
    const kept = await call('PUT', '/v1/settings/triage', admin, {
      body: { keywords: { login: ['password'] } },
    });
    expect(kept.body.model).toEqual(response.body.model);
  });

  it('keeps a model from 200 long examples within the item limit by pruning rare features', async () => {
    let x = 7;
    const word = () =>
      Array.from({ length: 9 }, () => {
        x = (x * 1103515245 + 12345) % 2147483648;
        return String.fromCharCode(97 + (x % 26));
      }).join('');
    const intents = ['billing', 'login', 'shipping', 'refund'];
    // ~1 KB of distinct words each: a raw model of megabytes, a request well under the 256 KB limit
    const examples = Array.from({ length: 200 }, (_, i) => ({
      subject: `Case ${i}`,
      body: `${intents[i % 4]} ${Array.from({ length: 100 }, word).join(' ')}`,
      intent: intents[i % 4]!,
    }));
    const raw = trainNaiveBayes(examples.map((e) => ({ text: `${e.subject}\n${e.body}`, intent: e.intent })));
    expect(JSON.stringify(raw).length).toBeGreaterThan(400 * 1024);

    const response = await call('PUT', '/v1/settings/triage', admin, {
      body: { keywords: DEFAULT_TRIAGE_KEYWORDS, examples },
    });
    expect(response.status).toBe(200);
    expect(response.body.model).toMatchObject({ examples: 200 });
    expect(await storedItemBytes(tenantId)).toBeLessThan(360 * 1024);
    const model = await loadTriageModel(tenantId);
    expect(model.naiveBayes!.vocabularySize).toBeLessThan(raw.vocabularySize);
    expect(
      classifyBuiltin({ subject: 'hi', body: 'shipping' }, { keywords: {}, naiveBayes: model.naiveBayes }),
    ).toMatchObject({
      intent: 'shipping',
    });
  });
});
