import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { BlobStore } from '../../core/ports.ts';
import { buckets } from '../../topology.ts';

/** The mail bucket: raw inbound MIME written by SES, attachments written by the intake. */
export class MailBucket implements BlobStore {
  constructor(
    private readonly client: S3Client,
    readonly name: string,
  ) {}

  async getRaw(bucket: string, key: string): Promise<Uint8Array> {
    const result = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!result.Body) throw new Error(`s3://${bucket}/${key} is empty`);
    return result.Body.transformToByteArray();
  }

  async put(key: string, content: Uint8Array, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.name, Key: key, Body: content, ContentType: contentType }),
    );
  }
}

export function makeMailBucket(environment: NodeJS.ProcessEnv = process.env): MailBucket {
  const name = environment[buckets.mail.envVar];
  if (!name) throw new Error(`${buckets.mail.envVar} is not set`);
  return new MailBucket(new S3Client({}), name);
}
