import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { organizationOf } from '../../core/customers.ts';
import type { Customer } from '../../core/model.ts';
import type { CustomerStore, CustomerUpsert } from '../../core/ports.ts';
import { batchGet } from './batch-get.ts';
import type { TableNames } from './client.ts';
import { keys } from './keys.ts';
import { withoutStorageAttributes } from './transactions.ts';

/**
 * A new customer's id is derived from its first identity, so two requests racing to create the same new
 * customer agree on the id and both transactions succeed instead of making two profiles.
 */
export function customerIdFor(tenantId: string, kind: 'email' | 'phone', value: string): string {
  const digest = createHash('sha256').update(`${tenantId}\u0000${kind}\u0000${value}`).digest('base64url');
  return `cus_${digest.slice(0, 22)}`;
}

/** A profile as stored: attributes not known yet are absent (see upsertCustomer) and read as null. */
function customerFromItem(item: Record<string, unknown>): Customer {
  const stored = withoutStorageAttributes<Partial<Customer>>(item);
  return {
    tenantId: stored.tenantId!,
    id: stored.id!,
    email: stored.email ?? null,
    phone: stored.phone ?? null,
    name: stored.name ?? null,
    organization: stored.organization ?? null,
    createdAt: stored.createdAt!,
    updatedAt: stored.updatedAt!,
  };
}

export class DynamoDbCustomerStore implements CustomerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  /**
   * One BatchGetItem reads the identities and the profiles their ids would derive to: for nearly every
   * customer (whose id came from the identity they first wrote from) that is the whole lookup.
   */
  async identify(
    tenantId: string,
    identity: { email: string | null; phone: string | null },
    name: string | null,
  ): Promise<CustomerUpsert> {
    const wanted = (
      [
        ['email', identity.email],
        ['phone', identity.phone],
      ] as const
    ).flatMap(([kind, value]) =>
      value ? [{ kind, value, derivedId: customerIdFor(tenantId, kind, value) }] : [],
    );
    const items = await batchGet(this.client, this.tables.main, [
      ...wanted.map(({ kind, value }) => keys.identity(tenantId, kind, value)),
      ...wanted.map(({ derivedId }) => keys.customer(tenantId, derivedId)),
    ]);
    const owner = (kind: 'email' | 'phone', value: string | null) =>
      value
        ? (items.find((i) => i.pk === keys.identity(tenantId, kind, value).pk)?.customerId as
            | string
            | undefined)
        : undefined;
    const ownerByEmail = owner('email', identity.email);
    const ownerByPhone = owner('phone', identity.phone);
    const existingId = ownerByEmail ?? ownerByPhone;
    const id = existingId ?? wanted[0]!.derivedId;
    // A phone already held by another customer is not moved over; the request is still theirs by email.
    const phone = ownerByPhone && ownerByPhone !== id ? null : identity.phone;
    const profileItem = existingId
      ? items.find((i) => i.pk === keys.customer(tenantId, existingId).pk)
      : undefined;
    let existing: Customer | null = null;
    if (profileItem) existing = customerFromItem(profileItem);
    // An identity linked later to a customer first made from another identity: one more read.
    else if (existingId) existing = await this.get(tenantId, existingId);
    const claimed = (owner: string | undefined, value: string | null) => !value || owner === id;
    const known =
      existing !== null &&
      claimed(ownerByEmail, identity.email) &&
      (claimed(ownerByPhone, phone) || phone === null) &&
      (name === null || existing.name !== null);
    return {
      ref: {
        id,
        email: identity.email ?? existing?.email ?? null,
        phone: phone ?? existing?.phone ?? null,
        name: existing?.name ?? name,
      },
      organization: existing?.organization ?? organizationOf(identity.email),
      write: !known,
    };
  }

  async get(tenantId: string, id: string): Promise<Customer | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.customer(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? customerFromItem(result.Item) : null;
  }

  async findByIdentity(
    tenantId: string,
    identity: { email?: string | undefined; phone?: string | undefined },
  ): Promise<Customer | null> {
    const [kind, value] = identity.email
      ? (['email', identity.email] as const)
      : (['phone', identity.phone!] as const);
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.identity(tenantId, kind, value) }),
    );
    return result.Item ? this.get(tenantId, String(result.Item.customerId)) : null;
  }
}
