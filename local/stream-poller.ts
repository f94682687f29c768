/**
 * The local stand-in for the Lambda event source mapping that feeds the outbox dispatcher from the main table's
 * stream (`topology.outbox`): it reads every shard (children after their parents), applies the event filter,
 * calls the consumer with real `DynamoDBStreamEvent` batches and, like `ReportBatchItemFailures`, re-delivers
 * from the first failed sequence number, up to `retryAttempts` retries; then it logs and skips the batch
 * (where AWS would send it to the on-failure destination).
 *
 * Unlike AWS it does not wait `maxBatchingWindowSeconds` to fill a batch: it delivers what each read returns, so
 * local events arrive sooner, never later, than deployed ones.
 *
 * Progress is checkpointed per shard in a JSON file, so a restart of `npm start` resumes after the last record
 * handled: it neither loses events written while it was down nor replays the whole history.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  AttributeValue as LambdaAttributeValue,
} from 'aws-lambda';
import { outbox, tables } from '../functions/topology.ts';
import { localRegion } from './aws-env.ts';
import { invokeLambda, type LambdaHandler, type LocalFunction } from './lambda-invoke.ts';
import { type LocalLog, silentLog } from './log.ts';

/** Records per GetRecords call, DynamoDB Streams' maximum. */
const GET_RECORDS_LIMIT = 1000;
export type StreamConsumer = LambdaHandler<DynamoDBStreamEvent, DynamoDBBatchResponse | undefined>;
export type StreamRecordFilter = (record: DynamoDBRecord) => boolean;

/** A batch given up on after its retries; AWS would send this to the mapping's on-failure destination. */
export interface DiscardedBatch {
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
  readonly size: number;
  readonly error: string;
}

export interface StreamPollerOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly fn: LocalFunction;
  readonly handler: StreamConsumer;
  /** The event source mapping's filter; every record when omitted. */
  readonly filter?: StreamRecordFilter;
  readonly batchSize?: number;
  readonly retryAttempts?: number;
  /** JSON file of shard checkpoints; progress is kept in memory only when omitted. */
  readonly checkpointFile?: string;
  /** Pause between reads of a shard that had nothing new. */
  readonly pollIntervalMs?: number;
  /** First retry delay; doubles per retry, capped at 5 s. */
  readonly retryDelayMs?: number;
  readonly onDiscard?: (batch: DiscardedBatch) => void;
  readonly log?: LocalLog;
}

export interface ShardCheckpoint {
  /** Last sequence number handled (delivered or filtered out); none yet: start at TRIM_HORIZON. */
  readonly sequenceNumber?: string;
  /** The shard is closed and fully handled. */
  readonly finished?: boolean;
}

interface CheckpointFile {
  readonly streamArn: string;
  readonly shards: Record<string, ShardCheckpoint>;
}

export interface StreamPoller {
  /** Current progress per shard (what the checkpoint file holds). */
  checkpoints(): Record<string, ShardCheckpoint>;
  stop(): Promise<void>;
}

/** The outbox mapping's filter: new items whose sort key starts with `EV#` (timeline events). */
export function outboxFilter(
  sortKey: string = tables[outbox.table].sortKey,
  prefix: string = outbox.sortKeyPrefix,
): StreamRecordFilter {
  return (record) =>
    record.eventName === 'INSERT' && record.dynamodb?.Keys?.[sortKey]?.S?.startsWith(prefix) === true;
}

interface ShardState {
  readonly id: string;
  readonly parentId: string | undefined;
  iterator: string | undefined;
  checkpoint: string | undefined;
  /** Sequence number of the last record read from the stream (filtered out or waiting in `pending`). */
  readUpTo: string | undefined;
  /** Matching records read but not yet handled, oldest first. */
  pending: DynamoDBRecord[];
  /** The stream said the shard is closed: once `pending` is empty, it is finished. */
  closed: boolean;
  finished: boolean;
  /** Retries of the batch at the head of `pending`. */
  retries: number;
  retryAt: number;
  /** First sequence number of the batch being retried, to tell progress from the same failure again. */
  retryingFrom: string | undefined;
}

const maxRetryDelayMs = 5_000;
const describeEveryMs = 10_000;

export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const log = options.log ?? silentLog;
  const filter = options.filter ?? (() => true);
  const batchSize = options.batchSize ?? outbox.batchSize;
  const retryAttempts = options.retryAttempts ?? outbox.retryAttempts;
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const abort = new AbortController();
  const shards = new Map<string, ShardState>();
  const saved = loadCheckpoints(options.checkpointFile, options.streamArn, log);
  let lastDescribe = 0;
  let stopping = false;

  function checkpoints(): Record<string, ShardCheckpoint> {
    const result: Record<string, ShardCheckpoint> = { ...saved };
    for (const shard of shards.values()) {
      result[shard.id] = shard.finished
        ? { sequenceNumber: shard.checkpoint, finished: true }
        : shard.checkpoint !== undefined
          ? { sequenceNumber: shard.checkpoint }
          : {};
    }
    return result;
  }

  function save(): void {
    if (!options.checkpointFile) return;
    const file: CheckpointFile = { streamArn: options.streamArn, shards: checkpoints() };
    mkdirSync(dirname(options.checkpointFile), { recursive: true });
    // Write-then-rename: a crash mid-write must not leave a truncated file that would replay everything.
    const temporary = `${options.checkpointFile}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`);
    renameSync(temporary, options.checkpointFile);
  }

  async function describeShards(): Promise<void> {
    lastDescribe = Date.now();
    const listed: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const page = await options.streams.send(
        new DescribeStreamCommand({
          StreamArn: options.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
        { abortSignal: abort.signal },
      );
      listed.push(...(page.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    for (const shard of listed) {
      if (!shard.ShardId || shards.has(shard.ShardId)) continue;
      const previous = saved[shard.ShardId];
      shards.set(shard.ShardId, {
        id: shard.ShardId,
        parentId: shard.ParentShardId,
        iterator: undefined,
        checkpoint: previous?.sequenceNumber,
        readUpTo: previous?.sequenceNumber,
        pending: [],
        closed: previous?.finished === true,
        finished: previous?.finished === true,
        retries: 0,
        retryAt: 0,
        retryingFrom: undefined,
      });
    }
  }

  /** Children wait until their parent is done, so a key's changes are handled in order. */
  function ready(shard: ShardState): boolean {
    if (shard.finished) return false;
    const parent = shard.parentId ? shards.get(shard.parentId) : undefined;
    return parent === undefined || parent.finished;
  }

  async function iteratorFor(shard: ShardState): Promise<string | undefined> {
    const input = shard.checkpoint
      ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: shard.checkpoint }
      : { ShardIteratorType: 'TRIM_HORIZON' as const };
    try {
      const result = await options.streams.send(
        new GetShardIteratorCommand({ StreamArn: options.streamArn, ShardId: shard.id, ...input }),
        { abortSignal: abort.signal },
      );
      return result.ShardIterator;
    } catch (error) {
      if (!(error instanceof TrimmedDataAccessException) || !shard.checkpoint) throw error;
      // Records past the checkpoint aged out of the stream (24 h): continue with the oldest still there.
      log.warn('stream checkpoint is older than the stream retention; some events were never dispatched', {
        shardId: shard.id,
        checkpoint: shard.checkpoint,
      });
      shard.checkpoint = undefined;
      return iteratorFor(shard);
    }
  }

  /** Reads one page of a shard; returns whether it found records. */
  async function read(shard: ShardState): Promise<boolean> {
    shard.iterator ??= await iteratorFor(shard);
    if (!shard.iterator) {
      shard.closed = true;
      return false;
    }
    let result: Awaited<ReturnType<typeof getRecords>>;
    try {
      result = await getRecords(shard.iterator);
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        shard.iterator = undefined;
        return false;
      }
      throw error;
    }
    const records = result.Records ?? [];
    for (const raw of records) {
      const record = lambdaRecord(raw, options.streamArn);
      shard.readUpTo = record.dynamodb?.SequenceNumber ?? shard.readUpTo;
      if (filter(record)) shard.pending.push(record);
    }
    shard.iterator = result.NextShardIterator;
    if (!shard.iterator) shard.closed = true;
    // Like Lambda's poller, read again at once only after a full page; otherwise wait for the next poll, so an
    // active table is not hammered with GetRecords calls (DynamoDB Local pays for each in CPU).
    return records.length >= GET_RECORDS_LIMIT;
  }

  function getRecords(iterator: string) {
    return options.streams.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }),
      {
        abortSignal: abort.signal,
      },
    );
  }

  /** Hands `pending` to the consumer batch by batch until it is empty or a batch has to wait for a retry. */
  async function dispatch(shard: ShardState): Promise<void> {
    while (shard.pending.length > 0 && !stopping) {
      if (Date.now() < shard.retryAt) return;
      const batch = shard.pending.slice(0, batchSize);
      let firstFailed: number;
      let reason: string;
      try {
        const result = await invokeLambda(options.fn, options.handler, { Records: batch });
        firstFailed = firstFailedIndex(batch, result);
        reason = 'batchItemFailures';
      } catch (error) {
        log.error(`${options.fn.name} failed`, { shardId: shard.id, error });
        firstFailed = 0;
        reason = error instanceof Error ? error.message : String(error);
      }
      if (firstFailed < 0) {
        shard.pending.splice(0, batch.length);
        advance(shard, sequenceOf(batch[batch.length - 1]));
        continue;
      }
      // Records before the first failure are done; the retry starts at the failed one.
      if (firstFailed > 0) {
        shard.pending.splice(0, firstFailed);
        advance(shard, sequenceOf(batch[firstFailed - 1]));
      }
      const from = sequenceOf(batch[firstFailed]);
      if (from !== shard.retryingFrom) {
        shard.retryingFrom = from;
        shard.retries = 0;
      }
      if (shard.retries >= retryAttempts) {
        const skipped = shard.pending.splice(0, batch.length - firstFailed);
        const discarded: DiscardedBatch = {
          shardId: shard.id,
          firstSequenceNumber: sequenceOf(skipped[0]),
          lastSequenceNumber: sequenceOf(skipped[skipped.length - 1]),
          size: skipped.length,
          error: reason,
        };
        log.error(`${options.fn.name}: batch skipped after ${retryAttempts} retries`, { ...discarded });
        options.onDiscard?.(discarded);
        shard.retries = 0;
        shard.retryAt = 0;
        shard.retryingFrom = undefined;
        advance(shard, discarded.lastSequenceNumber);
        continue;
      }
      shard.retries += 1;
      shard.retryAt = Date.now() + Math.min(retryDelayMs * 2 ** (shard.retries - 1), maxRetryDelayMs);
      log.warn(`${options.fn.name}: retrying from sequence number ${from}`, {
        shardId: shard.id,
        retry: shard.retries,
      });
      return;
    }
  }

  /** Moves the checkpoint forward; with nothing pending, over the filtered-out records read since. */
  function advance(shard: ShardState, handled: string | undefined): void {
    shard.checkpoint =
      shard.pending.length === 0 ? (shard.readUpTo ?? handled) : (handled ?? shard.checkpoint);
    if (shard.pending.length === 0) {
      shard.retries = 0;
      shard.retryAt = 0;
      shard.retryingFrom = undefined;
    }
    save();
  }

  async function pollShard(shard: ShardState): Promise<boolean> {
    let found = false;
    if (shard.pending.length === 0) {
      const before = shard.readUpTo;
      found = await read(shard);
      // Only filtered-out records: nothing to deliver, but the checkpoint moves past them.
      if (shard.pending.length === 0 && shard.readUpTo !== before) advance(shard, undefined);
    }
    await dispatch(shard);
    if (shard.closed && shard.pending.length === 0 && !shard.finished) {
      shard.finished = true;
      save();
      lastDescribe = 0; // look for its children now
    }
    return found;
  }

  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopping) {
      let busy = false;
      try {
        if (Date.now() - lastDescribe > describeEveryMs) await describeShards();
        for (const shard of shards.values()) {
          if (stopping) break;
          if (ready(shard)) busy = (await pollShard(shard)) || busy;
        }
      } catch (error) {
        if (stopping) break;
        log.warn('stream poll failed', { streamArn: options.streamArn, error });
      }
      if (!busy && !stopping) {
        await new Promise<void>((done) => {
          const timer = setTimeout(done, pollIntervalMs);
          wake = () => {
            clearTimeout(timer);
            done();
          };
        });
        wake = undefined;
      }
    }
  })();

  return {
    checkpoints,
    async stop() {
      stopping = true;
      abort.abort();
      wake?.();
      await loop;
      save();
    },
  };
}

/**
 * Index of the first record to retry, or -1 when the whole batch succeeded. As in Lambda, a failure naming a
 * sequence number that is not in the batch (or none) fails the whole batch.
 */
function firstFailedIndex(batch: DynamoDBRecord[], result: DynamoDBBatchResponse | undefined): number {
  const failures = result?.batchItemFailures ?? [];
  if (failures.length === 0) return -1;
  let first = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const index = batch.findIndex((record) => record.dynamodb?.SequenceNumber === failure.itemIdentifier);
    if (!failure.itemIdentifier || index < 0) return 0;
    first = Math.min(first, index);
  }
  return first;
}

function sequenceOf(record: DynamoDBRecord | undefined): string {
  const sequence = record?.dynamodb?.SequenceNumber;
  if (!sequence) throw new Error('stream record without a sequence number');
  return sequence;
}

function loadCheckpoints(
  file: string | undefined,
  streamArn: string,
  log: LocalLog,
): Record<string, ShardCheckpoint> {
  if (!file) return {};
  let parsed: CheckpointFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as CheckpointFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      log.warn('unreadable stream checkpoints; starting at the oldest record', { file, error });
    }
    return {};
  }
  // A recreated table has a new stream: its shards share nothing with the old checkpoints.
  if (parsed.streamArn !== streamArn) return {};
  return parsed.shards ?? {};
}

/** A stream record as Lambda delivers it: epoch-second creation time, binary attributes in base64. */
export function lambdaRecord(raw: _Record, streamArn: string): DynamoDBRecord {
  const data = raw.dynamodb ?? {};
  const record: DynamoDBRecord = {
    eventID: raw.eventID,
    eventName: raw.eventName,
    eventVersion: raw.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: localRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime:
        data.ApproximateCreationDateTime instanceof Date
          ? Math.floor(data.ApproximateCreationDateTime.getTime() / 1000)
          : undefined,
      Keys: data.Keys ? lambdaImage(data.Keys) : undefined,
      NewImage: data.NewImage ? lambdaImage(data.NewImage) : undefined,
      OldImage: data.OldImage ? lambdaImage(data.OldImage) : undefined,
      SequenceNumber: data.SequenceNumber,
      SizeBytes: data.SizeBytes,
      StreamViewType: data.StreamViewType,
    },
  };
  if (raw.userIdentity) {
    record.userIdentity = { type: raw.userIdentity.Type, principalId: raw.userIdentity.PrincipalId };
  }
  for (const key of Object.keys(record.dynamodb ?? {}) as (keyof NonNullable<DynamoDBRecord['dynamodb']>)[]) {
    if (record.dynamodb?.[key] === undefined) delete record.dynamodb?.[key];
  }
  return record;
}

function lambdaImage(image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  const result: Record<string, LambdaAttributeValue> = {};
  for (const [name, value] of Object.entries(image)) result[name] = lambdaValue(value);
  return result;
}

function lambdaValue(value: AttributeValue): LambdaAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(lambdaValue) };
  if (value.M !== undefined) return { M: lambdaImage(value.M) };
  // A type newer than this code: pass it through as the SDK parsed it.
  return value as unknown as LambdaAttributeValue;
}
