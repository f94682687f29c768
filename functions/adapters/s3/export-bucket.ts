import type { ExportStore } from '../../core/ports.ts';
import { buckets } from '../../topology.ts';
import { type AwsCredentials, presignedUrl, sha256Hex, signedHeaders, uriEncode } from './sigv4.ts';

/** Where S3 is and who signs: what Lambda (and `npm start`) put in the environment. */
export interface ExportBucketConfig {
  readonly bucket: string;
  readonly region: string;
  /** `AWS_ENDPOINT_URL_S3` (an emulator): addressed path-style. Absent: the regional virtual-hosted endpoint. */
  readonly endpoint?: string | undefined;
  readonly credentials: () => AwsCredentials;
  readonly now?: () => Date;
  readonly fetch?: typeof fetch;
}

/**
 * The exports bucket over plain HTTPS with SigV4 (sigv4.ts): a PutObject and pre-signed GetObject links. The
 * link is signed with the function's own credentials, so it works only while they may read the object (the
 * API role may, under `exports/`), and never longer than those credentials last.
 */
export class S3ExportBucket implements ExportStore {
  constructor(private readonly config: ExportBucketConfig) {}

  private objectUrl(key: string): URL {
    const path = key.split('/').map(uriEncode).join('/');
    const { bucket, endpoint, region } = this.config;
    if (endpoint) return new URL(`${endpoint.replace(/\/+$/, '')}/${bucket}/${path}`);
    return new URL(`https://${bucket}.s3.${region}.amazonaws.com/${path}`);
  }

  private scope() {
    return {
      region: this.config.region,
      service: 's3',
      credentials: this.config.credentials(),
      now: this.config.now?.() ?? new Date(),
    };
  }

  async put(key: string, body: string, options: { contentType: string; filename: string }): Promise<void> {
    const url = this.objectUrl(key);
    const bytes = new TextEncoder().encode(body);
    const headers = {
      'content-type': options.contentType,
      // A quoted ASCII name: the filename comes from our own code (kind and days), never from input.
      'content-disposition': `attachment; filename="${options.filename.replace(/[^\w.-]/g, '_')}"`,
    };
    const signed = signedHeaders(this.scope(), {
      method: 'PUT',
      url,
      headers,
      payloadHash: sha256Hex(bytes),
    });
    const response = await (this.config.fetch ?? fetch)(url, {
      method: 'PUT',
      headers: { ...headers, ...signed },
      body: bytes,
    });
    if (!response.ok) {
      const detail = (await response.text()).slice(0, 300);
      throw new Error(`S3 PutObject ${this.config.bucket}/${key} failed: ${response.status} ${detail}`);
    }
    await response.arrayBuffer().catch(() => undefined);
  }

  async signedUrl(key: string, expiresInSeconds: number): Promise<{ url: string; expiresAt: string }> {
    const scope = this.scope();
    const url = presignedUrl(scope, { method: 'GET', url: this.objectUrl(key), expiresInSeconds });
    // X-Amz-Date has whole seconds: the link expires that many seconds after the signing second.
    const signedAt = Math.floor(scope.now.getTime() / 1000) * 1000;
    return { url, expiresAt: new Date(signedAt + expiresInSeconds * 1000).toISOString() };
  }
}

/** The exports bucket from the environment; credentials are read per request (Lambda sets them as variables). */
export function makeExportBucket(environment: NodeJS.ProcessEnv = process.env): S3ExportBucket {
  const variable = buckets.exports.envVar;
  return new S3ExportBucket({
    get bucket() {
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
