import { Stack, Validations } from 'aws-cdk-lib';
import { type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { type buckets, type FunctionName, mail } from '../functions/topology.ts';
import { pascal } from './names.ts';

export type BucketKey = keyof typeof buckets;

/** What a function that lists a bucket in topology.ts may do in it, prefix by prefix. */
interface BucketAccess {
  /** GetObject (and so HeadObject) under these prefixes. */
  readonly read: readonly string[];
  /** PutObject under these prefixes. */
  readonly write: readonly string[];
}

/**
 * Mail: read the raw MIME SES stored, write the attachments kept from it. No List and no Delete: raw mail
 * expires by lifecycle, attachments are kept. (Without ListBucket, a missing key reads as 403, not 404.)
 * Exports: write the CSV, and read it, which is what the pre-signed download link the writer signs acts as;
 * objects expire by lifecycle.
 */
export const bucketAccess: Readonly<Record<BucketKey, BucketAccess>> = {
  mail: { read: [mail.inboundPrefix], write: [mail.attachmentsPrefix] },
  exports: { read: ['exports/'], write: ['exports/'] },
};

/**
 * Functions that need less of a bucket than its usual access: the API only writes the attachments of channel
 * messages into the mail bucket and never reads the raw mail SES stored there.
 */
export const narrowerBucketAccess: Readonly<
  Partial<Record<FunctionName, Partial<Record<BucketKey, BucketAccess>>>>
> = {
  api: { mail: { read: [], write: [mail.attachmentsPrefix] } },
};

export const accessOf = (fn: FunctionName, key: BucketKey): BucketAccess =>
  narrowerBucketAccess[fn]?.[key] ?? bucketAccess[key];

/**
 * Like `bucket.grantRead`/`grantPut`, with the single object action each needs, prefix by prefix, in a
 * policy of its own.
 *
 * `bucketArn` must resolve the same way at construction and at synthesis (a literal, or
 * `Fn.getStackOutput` of a named output, as the stateless stack passes it; not an automatic cross-stack
 * reference, which is only rewritten at synthesis): cdk-nag names each wildcard finding after the resolved
 * ARN, and the acknowledgements below must name exactly those.
 */
export function grantBucketAccess(
  scope: Construct,
  bucketArn: string,
  key: BucketKey,
  role: IRole,
  fn: FunctionName,
): Policy {
  const access = accessOf(fn, key);
  const policy = new Policy(scope, `${pascal(key)}BucketAccess`, { roles: [role] });
  const grants = [
    { action: 's3:GetObject', prefixes: access.read },
    { action: 's3:PutObject', prefixes: access.write },
  ];
  const resolvedArn: unknown = Stack.of(scope).resolve(bucketArn);
  const flatArn = typeof resolvedArn === 'string' ? resolvedArn : JSON.stringify(resolvedArn);
  for (const { action, prefixes } of grants) {
    if (prefixes.length === 0) continue;
    policy.addStatements(
      new PolicyStatement({
        actions: [action],
        resources: prefixes.map((prefix) => `${bucketArn}/${prefix}*`),
      }),
    );
    for (const prefix of prefixes) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${flatArn}/${prefix}*]`,
        reason:
          `${action} under "${prefix}" of the ${key} bucket only: the object keys there are generated per ` +
          'message at run time, so the grant has to end in a wildcard after the prefix.',
      });
    }
  }
  return policy;
}
