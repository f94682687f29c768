import type { BlobStore } from '../../core/ports.ts';
import { buckets } from '../../topology.ts';
import { SignedBucket, type SignedBucketConfig, signedBucketFromEnv } from '../s3/signed-bucket.ts';

/**
 * The API's writes of channel attachments into the mail bucket (`attachments/…`): one signed PutObject
 * (s3/signed-bucket.ts, shared with report exports). The email intake keeps its S3 client.
 */
export function makeAttachmentBucket(config: SignedBucketConfig): BlobStore {
  const bucket = new SignedBucket(config);
  return {
    put: (key, content, contentType) => bucket.put(key, content, { 'content-type': contentType }),
  };
}

/** The mail bucket from the environment Lambda (or `npm start`) sets; credentials are read per request. */
export const attachmentBucketFromEnv = (environment: NodeJS.ProcessEnv = process.env): BlobStore =>
  makeAttachmentBucket(signedBucketFromEnv(buckets.mail.envVar, environment));
