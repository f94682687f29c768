import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_LIFECYCLE_SETTINGS } from '../../core/lifecycle-settings.ts';
import { keys } from './keys.ts';

/**
 * Whether a tenant mails satisfaction surveys: the `csatSurveys` field of its lifecycle settings item (what
 * DynamoDbLifecycleSettingsStore reads whole), its default when unsaved or unreadable. One GetItem of that one
 * attribute, on its own so email-out carries none of the settings' validation.
 */
export async function readCsatSurveys(
  client: DynamoDBDocumentClient,
  table: string,
  tenantId: string,
): Promise<boolean> {
  const result = await client.send(
    new GetCommand({
      TableName: table,
      Key: keys.lifecycleSettings(tenantId),
      ProjectionExpression: 'csatSurveys',
      ConsistentRead: true,
    }),
  );
  const value = result.Item?.csatSurveys;
  return typeof value === 'boolean' ? value : DEFAULT_LIFECYCLE_SETTINGS.csatSurveys;
}

/**
 * Whether a ticket is held as spam (spam is never surveyed), or null when there is no such ticket: one GetItem
 * of that one attribute, so the webhook fan-out reads no whole ticket and carries none of the ticket store.
 */
export async function readTicketSpam(
  client: DynamoDBDocumentClient,
  table: string,
  tenantId: string,
  number: number,
): Promise<boolean | null> {
  const result = await client.send(
    new GetCommand({
      TableName: table,
      Key: keys.ticket(tenantId, number),
      ProjectionExpression: 'pk, spam',
      ConsistentRead: true,
    }),
  );
  if (!result.Item) return null;
  return result.Item.spam === true;
}
