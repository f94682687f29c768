import { type AwsCredentials, presignedUrl, sha256Hex, signedHeaders, uriEncode } from './sigv4.ts';

/** Where S3 is and who signs: what Lambda (and `npm start`) put in the environment. */
export interface SignedBucketConfig {
  /** The bucket's name, or a getter read on each request (a setup without the bucket still serves the rest). */
  readonly bucket: string | (() => string);
  readonly region: string;
  /** `AWS_ENDPOINT_URL_S3` (an emulator): addressed path-style. Absent: the regional virtual-hosted endpoint. */
  readonly endpoint?: string | undefined;
  readonly credentials: () => AwsCredentials;
  readonly now?: () => Date;
  readonly fetch?: typeof fetch;
}

/**
 * One bucket over plain HTTPS with SigV4 (sigv4.ts): PutObject and pre-signed GetObject links. The API writes
 * channel attachments and report exports this way rather than through `@aws-sdk/client-s3`, which would add
 * ~145 KB to its bundle for two calls. Credentials are the function's own, read per request.
 */
export class SignedBucket {
  constructor(private readonly config: SignedBucketConfig) {}

  get name(): string {
    const { bucket } = this.config;
    return typeof bucket === 'function' ? bucket() : bucket;
  }

  private objectUrl(key: string): URL {
    const path = key.split('/').map(uriEncode).join('/');
    const { endpoint, region } = this.config;
    if (endpoint) return new URL(`${endpoint.replace(/\/+$/, '')}/${this.name}/${path}`);
    return new URL(`https://${this.name}.s3.${region}.amazonaws.com/${path}`);
  }

  private scope() {
    return {
      region: this.config.region,
      service: 's3',
      credentials: this.config.credentials(),
      now: this.config.now?.() ?? new Date(),
    };
  }

  async put(key: string, body: Uint8Array, headers: Readonly<Record<string, string>>): Promise<void> {
    const url = this.objectUrl(key);
    const signed = signedHeaders(this.scope(), { method: 'PUT', url, headers, payloadHash: sha256Hex(body) });
    const response = await (this.config.fetch ?? fetch)(url, {
      method: 'PUT',
      headers: { ...headers, ...signed },
      body,
    });
    if (!response.ok) {
      const detail = (await response.text()).slice(0, 300);
      throw new Error(`S3 PutObject ${this.name}/${key} failed: ${response.status} ${detail}`);
    }
    await response.arrayBuffer().catch(() => undefined);
  }

  presignGet(key: string, expiresInSeconds: number): { url: string; expiresAt: string } {
    const scope = this.scope();
    const url = presignedUrl(scope, { method: 'GET', url: this.objectUrl(key), expiresInSeconds });
    // X-Amz-Date has whole seconds: the link expires that many seconds after the signing second.
    const signedAt = Math.floor(scope.now.getTime() / 1000) * 1000;
    return { url, expiresAt: new Date(signedAt + expiresInSeconds * 1000).toISOString() };
  }
}

/** A bucket named by an environment variable, with the region, endpoint and credentials Lambda sets. */
export function signedBucketFromEnv(
  variable: string,
  environment: NodeJS.ProcessEnv = process.env,
): SignedBucketConfig {
  return {
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
  };
}
