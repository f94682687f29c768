import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { BucketDefinition } from '../functions/topology.ts';
import { pascal } from './names.ts';

/**
 * A bucket of topology.ts: private (no ACLs, public access blocked), TLS only, encrypted with S3-managed
 * keys, and kept when the stack is deleted. What lives in it, and for how long, is up to its owner; a bucket
 * with `expireAfterDays` deletes every object that many days after it was written.
 */
export function bucketFromDefinition(scope: Construct, definition: BucketDefinition): Bucket {
  const bucket = new Bucket(scope, `${pascal(definition.name)}Bucket`, {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    encryption: BucketEncryption.S3_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ...(definition.expireAfterDays === undefined
        ? []
        : [{ id: 'expire-objects', expiration: Duration.days(definition.expireAfterDays) }]),
    ],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      `The ${definition.name} bucket is read and written only by Deskless roles and SES, each limited by IAM to ` +
      'its own prefix; server access logs would add a log bucket and one log object per request for no ' +
      'question that CloudTrail S3 data events (enable them on this bucket when an audit needs it) do not answer.',
  });
  return bucket;
}
