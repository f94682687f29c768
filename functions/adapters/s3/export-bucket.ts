import type { ExportStore } from '../../core/ports.ts';
import { buckets } from '../../topology.ts';
import { SignedBucket, type SignedBucketConfig, signedBucketFromEnv } from './signed-bucket.ts';

/**
 * The exports bucket: a PutObject of the CSV and a pre-signed GetObject link. The link is signed with the
 * function's own credentials, so it works only while they may read the object (the API role may, under
 * `exports/`), and never longer than those credentials last.
 */
export class S3ExportBucket implements ExportStore {
  private readonly bucket: SignedBucket;

  constructor(config: SignedBucketConfig) {
    this.bucket = new SignedBucket(config);
  }

  async put(key: string, body: string, options: { contentType: string; filename: string }): Promise<void> {
    await this.bucket.put(key, new TextEncoder().encode(body), {
      'content-type': options.contentType,
      // A quoted ASCII name: the filename comes from our own code (kind and days), never from input.
      'content-disposition': `attachment; filename="${options.filename.replace(/[^\w.-]/g, '_')}"`,
    });
  }

  async signedUrl(key: string, expiresInSeconds: number): Promise<{ url: string; expiresAt: string }> {
    return this.bucket.presignGet(key, expiresInSeconds);
  }
}

/** The exports bucket from the environment; credentials are read per request (Lambda sets them as variables). */
export const makeExportBucket = (environment: NodeJS.ProcessEnv = process.env): S3ExportBucket =>
  new S3ExportBucket(signedBucketFromEnv(buckets.exports.envVar, environment));
