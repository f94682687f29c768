import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { organizationOf } from '../../core/customers.ts';
import type { Customer } from '../../core/model.ts';
import type { CustomerStore, CustomerUpsert } from '../../core/ports.ts';
import type { TableNames } from './client.ts';
import { batchGet } from './batch-get.ts';
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

export class DynamoDbCustomerStore implements CustomerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

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
    ).flatMap(([kind, value]) => (value ? [{ kind, value }] : []));
    const found = await this.owners(tenantId, wanted);
    const ownerByEmail = identity.email ? found.get(`email:${identity.email}`) : undefined;
    const ownerByPhone = identity.phone ? found.get(`phone:${identity.phone}`) : undefined;
    const existingId = ownerByEmail ?? ownerByPhone;
    const first = wanted[0]!;
    const id = existingId ?? customerIdFor(tenantId, first.kind, first.value);
    // A phone already held by another customer is not moved over; the request is still theirs by email.
    const phone = ownerByPhone && ownerByPhone !== id ? null : identity.phone;
    const existing = existingId ? await this.get(tenantId, existingId) : null;
    return {
      ref: {
        id,
        email: identity.email ?? existing?.email ?? null,
        phone: phone ?? existing?.phone ?? null,
        name: existing?.name ?? name,
      },
      organization: existing?.organization ?? organizationOf(identity.email),
    };
  }

  private async owners(tenantId: string, identities: { kind: 'email' | 'phone'; value: string }[]) {
    const owners = new Map<string, string>();
    if (identities.length === 0) return owners;
    const items = await batchGet(
      this.client,
      this.tables.main,
      identities.map(({ kind, value }) => keys.identity(tenantId, kind, value)),
    );
    for (const item of items) {
      const { kind, value } = identities.find(
        (i) => keys.identity(tenantId, i.kind, i.value).pk === item.pk,
      )!;
      owners.set(`${kind}:${value}`, String(item.customerId));
    }
    return owners;
  }

  async get(tenantId: string, id: string): Promise<Customer | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.customer(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? withoutStorageAttributes<Customer>(result.Item) : null;
  }

  async findByIdentity(
    tenantId: string,
    identity: { email?: string | undefined; phone?: string | undefined },
  ): Promise<Customer | null> {
    const [kind, value] = identity.email ? (['email', identity.email] as const) : (['phone', identity.phone!] as const);
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.identity(tenantId, kind, value) }),
    );
    return result.Item ? this.get(tenantId, String(result.Item.customerId)) : null;
  }
}
