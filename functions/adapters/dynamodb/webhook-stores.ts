import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError } from '../../core/errors.ts';
import type { Page } from '../../core/model.ts';
import type { DeliveryStore, PageRequest, SubscriptionStore } from '../../core/ports.ts';
import { type Circuit, CLOSED_CIRCUIT } from '../../core/webhooks/circuit.ts';
import { DELIVERY_RETENTION_DAYS, type Delivery } from '../../core/webhooks/delivery.ts';
import { MAX_SUBSCRIPTIONS, type Subscription } from '../../core/webhooks/subscription.ts';
import { CappedCollection } from './capped-collection.ts';
import type { TableNames } from './client.ts';
import { queryCollection, queryWholeCollection } from './collection.ts';
import { keys } from './keys.ts';
import { transact, withoutStorageAttributes } from './transactions.ts';

const CIRCUIT_PREFIX = 'CIRCUIT#';

/**
 * Subscriptions are the items of one partition per tenant (`T#{tenant}#SUBS` / `SUB#{id}`), capped at
 * MAX_SUBSCRIPTIONS by the count item their create and delete transactions keep. Each one's circuit breaker is an
 * item of its own beside it (`CIRCUIT#{id}`), written with its own guard: deliveries never race the
 * subscription's version.
 */
export class DynamoDbSubscriptionStore implements SubscriptionStore {
  private readonly collection: CappedCollection<Subscription>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {
    this.collection = new CappedCollection<Subscription>(client, tables, {
      entity: 'subscription',
      key: keys.subscription,
      partition: keys.subscriptionsPk,
      sortPrefix: 'SUB#',
      countKey: keys.subscriptionCount,
      max: MAX_SUBSCRIPTIONS,
      order: (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
    });
  }

  create(subscription: Subscription): Promise<void> {
    return this.collection.create(subscription);
  }

  get(tenantId: string, id: string): Promise<Subscription | null> {
    return this.collection.get(tenantId, id);
  }

  list(tenantId: string): Promise<Subscription[]> {
    return this.collection.list(tenantId);
  }

  update(subscription: Subscription, expectedVersion: number): Promise<void> {
    return this.collection.update(subscription, expectedVersion);
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    if (!(await this.collection.delete(tenantId, id))) return false;
    // Its breaker goes too (a delivery still in flight may write it again: ids are never reused, so a leftover
    // is harmless, and no subscription reads it).
    await this.client.send(
      new DeleteCommand({ TableName: this.tables.main, Key: keys.subscriptionCircuit(tenantId, id) }),
    );
    return true;
  }

  async circuit(tenantId: string, id: string): Promise<Circuit> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.subscriptionCircuit(tenantId, id),
        ConsistentRead: true,
      }),
    );
    return Item ? circuitOf(Item) : CLOSED_CIRCUIT;
  }

  async circuits(tenantId: string): Promise<Map<string, Circuit>> {
    const items = await queryWholeCollection<Record<string, unknown>>(
      this.client,
      this.tables.main,
      keys.subscriptionsPk(tenantId),
      CIRCUIT_PREFIX,
    );
    return new Map(items.map((item) => [String(item.subscriptionId), circuitOf(item)]));
  }

  async saveCircuit(
    tenantId: string,
    id: string,
    circuit: Circuit,
    expectedRevision: number,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.main,
          Item: {
            ...keys.subscriptionCircuit(tenantId, id),
            entity: 'subscription-circuit',
            subscriptionId: id,
            ...circuit,
            revision: expectedRevision + 1,
          },
          ConditionExpression: expectedRevision === 0 ? 'attribute_not_exists(pk)' : 'revision = :expected',
          ...(expectedRevision !== 0 && { ExpressionAttributeValues: { ':expected': expectedRevision } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function circuitOf(item: Record<string, unknown>): Circuit {
  const { subscriptionId: _id, ...circuit } = withoutStorageAttributes<Circuit & { subscriptionId: string }>(
    item,
  );
  return circuit;
}

/** Epoch seconds at which the table's TTL removes a delivery and its marker. */
const expiresAt = (createdAt: string) =>
  Math.floor(Date.parse(createdAt) / 1000) + DELIVERY_RETENTION_DAYS * 24 * 60 * 60;

/**
 * Deliveries live in their subscription's partition (`T#{tenant}#SUB#{id}` / `DLV#{ulid}`): listing them newest
 * first is one Query read backwards. The marker of each (event, payload type) (`DEDUP#…`) is written with the
 * delivery in one transaction, on the condition that it is new: a redelivered event makes no second delivery.
 */
export class DynamoDbDeliveryStore implements DeliveryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  private item(delivery: Delivery) {
    return {
      ...keys.delivery(delivery.tenantId, delivery.subscriptionId, delivery.id),
      entity: 'delivery',
      ...delivery,
      expiresAt: expiresAt(delivery.createdAt),
    };
  }

  async createOnce(delivery: Delivery, dedupeKey: string) {
    const marker = keys.deliveryMarker(delivery.tenantId, delivery.subscriptionId, dedupeKey);
    let duplicate = false;
    try {
      await transact(
        this.client,
        [
          {
            Put: {
              TableName: this.tables.main,
              Item: {
                ...marker,
                entity: 'delivery-marker',
                deliveryId: delivery.id,
                expiresAt: expiresAt(delivery.createdAt),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.tables.main,
              Item: this.item(delivery),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
        `delivery of ${dedupeKey}`,
        (failed) => {
          duplicate = failed.includes(0);
        },
      );
      return { created: true, delivery };
    } catch (error) {
      if (!duplicate || !(error instanceof ConcurrentModificationError)) throw error;
    }
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: marker, ConsistentRead: true }),
    );
    const existing =
      typeof Item?.deliveryId === 'string'
        ? await this.get(delivery.tenantId, delivery.subscriptionId, Item.deliveryId)
        : null;
    return { created: false, delivery: existing };
  }

  async get(tenantId: string, subscriptionId: string, id: string): Promise<Delivery | null> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.delivery(tenantId, subscriptionId, id),
        ConsistentRead: true,
      }),
    );
    return Item ? withoutStorageAttributes<Delivery>(Item) : null;
  }

  async list(tenantId: string, subscriptionId: string, page: PageRequest): Promise<Page<Delivery>> {
    return queryCollection<Delivery>(
      this.client,
      this.tables.main,
      keys.deliveriesPk(tenantId, subscriptionId),
      'DLV#',
      page,
      { newestFirst: true },
    );
  }

  async save(delivery: Delivery, expectedRevision: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.main,
          Item: this.item({ ...delivery, revision: expectedRevision + 1 }),
          ConditionExpression: 'revision = :expected',
          ExpressionAttributeValues: { ':expected': expectedRevision },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConcurrentModificationError(`delivery ${delivery.id}`);
      }
      throw error;
    }
  }
}
