/**
 * The S3 buckets of `topology.buckets`, created in fauxqs as `deskless-<name>` (the prefix convention of the
 * tables and queues) through the S3 API, as CDK would create them.
 *
 * Addressing: fauxqs understands path-style and virtual-hosted-style requests. The SDK picks virtual-hosted
 * style (`<bucket>.<host>`) for a DNS host name such as `localhost`, which does not resolve here, but path style
 * by itself for an IP literal. The local endpoint is `http://127.0.0.1:<port>`, so an S3 client built with
 * defaults (`new S3Client({})`, endpoint from `AWS_ENDPOINT_URL_S3`) works without `forcePathStyle`.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type BucketDefinition, buckets as topologyBuckets } from '../functions/topology.ts';
import { localCredentials, localPrefix, localRegion } from './aws-env.ts';

/** Physical bucket names by topology key (`mail` → `deskless-mail`). */
export type BucketNames = Record<string, string>;

export function localBucketName(name: string, prefix: string = localPrefix): string {
  return `${prefix}-${name}`;
}

/** An S3 client for the runtime's own use against fauxqs (handlers build theirs from the environment). */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: localRegion, credentials: localCredentials });
}

/** Creates each bucket (CreateBucket is idempotent in fauxqs, as for a bucket one already owns in us-east-1). */
export async function ensureBuckets(
  s3: S3Client,
  prefix: string = localPrefix,
  definitions: Record<string, BucketDefinition> = topologyBuckets,
): Promise<BucketNames> {
  const names: BucketNames = {};
  for (const [key, definition] of Object.entries(definitions)) {
    const name = localBucketName(definition.name, prefix);
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    names[key] = name;
  }
  return names;
}
