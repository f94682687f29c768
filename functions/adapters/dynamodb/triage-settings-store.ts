import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredTriageSettings, TriageSettingsStore } from '../../core/ports.ts';
import { isNaiveBayesModel, type NaiveBayesModel } from '../../core/triage/naive-bayes.ts';
import type { TableNames } from './client.ts';
import { keys } from './keys.ts';

/**
 * A tenant's triage settings in one item (`T#{tenant}#SETTINGS` / `TRIAGE`). Keywords and the examples per
 * intent are lists of `{ intent, … }` maps rather than maps keyed by intent: an intent is the tenant's word,
 * and one named `constructor` would otherwise read as a class instance to the marshaller. The model is kept
 * as its JSON text, so its size on disk is exactly what the use case budgeted (under DynamoDB's 400 KB item
 * limit) and thousands of feature counts do not become thousands of typed attributes to marshal on each read.
 */
export class DynamoDbTriageSettingsStore implements TriageSettingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async get(tenantId: string): Promise<StoredTriageSettings | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.triageSettings(tenantId) }),
    );
    const item = result.Item;
    if (!item) return null;
    const model = parseModel(item.model);
    const keywords = (item.keywords ?? []) as { intent: string; phrases: string[] }[];
    const training = (item.training ?? null) as StoredTraining | null;
    return {
      keywords: Object.fromEntries(keywords.map(({ intent, phrases }) => [intent, phrases])),
      model,
      training:
        model && training
          ? {
              examples: training.examples,
              intents: Object.fromEntries(training.intents.map(({ intent, count }) => [intent, count])),
              trainedAt: training.trainedAt,
            }
          : null,
      updatedAt: String(item.updatedAt),
    };
  }

  async put(tenantId: string, settings: StoredTriageSettings): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.main,
        Item: {
          ...keys.triageSettings(tenantId),
          entity: 'triage-settings',
          keywords: Object.entries(settings.keywords).map(([intent, phrases]) => ({ intent, phrases })),
          model: settings.model ? JSON.stringify(settings.model) : null,
          training: settings.training && {
            examples: settings.training.examples,
            intents: Object.entries(settings.training.intents).map(([intent, count]) => ({ intent, count })),
            trainedAt: settings.training.trainedAt,
          },
          updatedAt: settings.updatedAt,
        },
      }),
    );
  }
}

interface StoredTraining {
  readonly examples: number;
  readonly intents: readonly { readonly intent: string; readonly count: number }[];
  readonly trainedAt: string;
}

/** A stored model this code cannot use (corrupt, or from a future version) reads as no model. */
function parseModel(raw: unknown): NaiveBayesModel | null {
  if (typeof raw !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isNaiveBayesModel(parsed) ? parsed : null;
  } catch {
    return null;
  }
}
