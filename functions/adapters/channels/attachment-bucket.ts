import type { BlobStore } from '../../core/ports.ts';
import { buckets } from '../../topology.ts';
import { type AwsCredentials, sha256Hex, signedHeaders, uriEncode } from '../s3/sigv4.ts';

export interface AttachmentBucketConfig {
  /** Read on each put: a setup without the mail bucket still serves every request that keeps no file. */
  readonly bucket: () => string;
  readonly region: string;
  /** `AWS_ENDPOINT_URL_S3` (an emulator): addressed path-style. Absent: the regional virtual-hosted endpoint. */
  readonly endpoint?: string | undefined;
  readonly credentials: () => AwsCredentials;
  readonly fetch?: typeof fetch;
}

/**
 * The API's writes of channel attachments into the mail bucket (`attachments/…`): one PutObject over HTTPS,
 * signed with SigV4 (adapters/s3/sigv4.ts, shared with report exports) rather than through `@aws-sdk/client-s3`,
 * which would add ~145 KB to the API bundle for this one call. The email intake keeps its S3 client.
 */
export function makeAttachmentBucket(config: AttachmentBucketConfig): BlobStore {
  return {
    async put(key, content, contentType) {
      const bucket = config.bucket();
      const path = key.split('/').map(uriEncode).join('/');
      const url = config.endpoint
        ? new URL(`${config.endpoint.replace(/\/+$/, '')}/${bucket}/${path}`)
        : new URL(`https://${bucket}.s3.${config.region}.amazonaws.com/${path}`);
      const headers = { 'content-type': contentType };
      const signed = signedHeaders(
        { region: config.region, service: 's3', credentials: config.credentials(), now: new Date() },
        { method: 'PUT', url, headers, payloadHash: sha256Hex(content) },
      );
      const response = await (config.fetch ?? fetch)(url, {
        method: 'PUT',
        headers: { ...headers, ...signed },
        body: content,
      });
      if (!response.ok) {
        const detail = (await response.text()).slice(0, 300);
        throw new Error(`S3 PutObject ${bucket}/${key} failed: ${response.status} ${detail}`);
      }
      await response.arrayBuffer().catch(() => undefined);
    },
  };
}

/** The mail bucket from the environment Lambda (or `npm start`) sets; credentials are read per request. */
export function attachmentBucketFromEnv(environment: NodeJS.ProcessEnv = process.env): BlobStore {
  const variable = buckets.mail.envVar;
  return makeAttachmentBucket({
    bucket: () => {
      const name = environment[variable];
      if (!name) throw new Error(`${variable} is not set`);
      return name;
    },
    region: environment.AWS_REGION ?? environment.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint: environment.AWS_ENDPOINT_URL_S3 || undefined,
    credentials: () => {
      const accessKeyId = environment.AWS_ACCESS_KEY_ID;
      const secretAccessKey = environment.AWS_SECRET_ACCESS_KEY;
      if (!accessKeyId || !secretAccessKey) throw new Error('no AWS credentials in the environment');
      return { accessKeyId, secretAccessKey, sessionToken: environment.AWS_SESSION_TOKEN || undefined };
    },
  });
}
