import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { monthsBetween } from '../../core/calendar-months.ts';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import type { Page } from '../../core/model.ts';
import type { PageRequest, ReportStore } from '../../core/ports.ts';
import {
  type FirstReply,
  type ReportWrite,
  type TicketFacts,
  type TicketRef,
  ticketRefKey,
} from '../../core/reporting/aggregate.ts';
import { CounterAdds, type CounterCell } from '../../core/reporting/counters.ts';
import { EXPORTED_TICKET_FIELDS, type ExportedTicket } from '../../core/reporting/export.ts';
import type { CountersByDay } from '../../core/reporting/metrics.ts';
import { type SurveyAnswer, surveyAnswerOf } from '../../core/surveys.ts';
import { batchGet } from './batch-get.ts';
import type { TableNames } from './client.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { keys, views } from './keys.ts';
import { type TransactItem, transact } from './transactions.ts';

/**
 * A ticket's survey answer (the `RPT#SURVEY` item beside it), or null: one strongly consistent GetItem. On its
 * own so email-out can ask without the rest of the report store in its bundle.
 */
export async function readSurveyAnswer(
  client: DynamoDBDocumentClient,
  table: string,
  tenantId: string,
  number: number,
): Promise<SurveyAnswer | null> {
  const result = await client.send(
    new GetCommand({ TableName: table, Key: keys.surveyAnswer(tenantId, number), ConsistentRead: true }),
  );
  return result.Item ? surveyAnswerOf(result.Item) : null;
}

/** The activity view (topology.ts `byActivity`): a tenant's tickets but spam, by `{updatedAt}#{number}`. */
const ACTIVITY_VIEW = {
  index: 'byActivity',
  partitionAttribute: 'viewAll',
  sortAttribute: 'activity',
} as const;

/** TransactWriteItems takes at most 100 items; BatchGetItem at most 100 keys. */
const MAX_ITEMS = 100;
/** Attempts at a transaction that lost to a concurrent one on a shared counter (the tenant's daily totals). */
const MAX_ATTEMPTS = 4;

/** What one transaction writes: counters, and first replies each guarded by its marker. */
interface Unit {
  readonly counters: CounterAdds;
  readonly firstReply?: FirstReply;
}

/**
 * Reporting counters (`T#{t}#REPORT#{yyyy-mm}` / `{dimension}#{day}#{counter}`, attribute `quantity`) and the
 * once-per-ticket items beside each ticket (`RPT#FIRST_REPLY`, `RPT#SURVEY`).
 *
 * Costs: a metered batch is one BatchGetItem of the tickets it solved or answered (the ticket item and its
 * first-reply marker, ~1 RCU each for a ticket under 4 KB, a marker ½) and one TransactWriteItems of its ADDs
 * (2 WCU per counter item, five dimensions per counted fact, merged across the batch; a first reply adds its
 * marker, 2 WCU, written once per ticket ever). A report reads one Query per month of the period, over the
 * dimension asked only: at most days × counters small items (~60 per day with every histogram bucket used).
 */
export class DynamoDbReportStore implements ReportStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async ticketFacts(refs: readonly TicketRef[]): Promise<Map<string, TicketFacts>> {
    const wanted = refs.flatMap((ref) => [
      keys.ticket(ref.tenantId, ref.number),
      keys.firstReplyMarker(ref.tenantId, ref.number),
    ]);
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < wanted.length; i += MAX_ITEMS) {
      items.push(...(await batchGet(this.client, this.tables.main, wanted.slice(i, i + MAX_ITEMS))));
    }
    const byKey = new Map(items.map((item) => [`${item.pk}\u0000${item.sk}`, item]));
    const facts = new Map<string, TicketFacts>();
    for (const ref of refs) {
      const ticketKey = keys.ticket(ref.tenantId, ref.number);
      const ticket = byKey.get(`${ticketKey.pk}\u0000${ticketKey.sk}`);
      if (!ticket || typeof ticket.createdAt !== 'string') continue;
      const marker = keys.firstReplyMarker(ref.tenantId, ref.number);
      const sla = ticket.sla as { metrics?: unknown } | null | undefined;
      const metrics = Array.isArray(sla?.metrics) ? (sla.metrics as Record<string, unknown>[]) : [];
      facts.set(ticketRefKey(ref), {
        createdAt: ticket.createdAt,
        sla: metrics.map((m) => ({
          metric: String(m.metric),
          breached: m.breached === true,
          fulfilledAt: typeof m.fulfilledAt === 'string' ? m.fulfilledAt : null,
        })),
        firstReplied: byKey.has(`${marker.pk}\u0000${marker.sk}`),
      });
    }
    return facts;
  }

  async add(write: ReportWrite): Promise<{ counterWrites: number; firstReplies: number }> {
    // The batch's own counters in units of at most 90 items, then one unit per first reply (its marker and
    // its bucket counters); units are packed into transactions of at most 100 items, merging shared counters.
    const units: Unit[] = [];
    const entries = write.counters.entries();
    for (let i = 0; i < entries.length; i += 90) {
      const counters = new CounterAdds();
      for (const { cell, quantity } of entries.slice(i, i + 90)) counters.add(cell, quantity);
      units.push({ counters });
    }
    for (const firstReply of write.firstReplies) units.push({ counters: firstReply.counters, firstReply });

    let counterWrites = 0;
    let firstReplies = 0;
    let chunk: Unit[] = [];
    const flush = async () => {
      if (chunk.length === 0) return;
      const written = await this.writeUnits(chunk);
      counterWrites += written.counterWrites;
      firstReplies += written.firstReplies;
      chunk = [];
    };
    for (const unit of units) {
      if (chunk.length > 0 && itemCount([...chunk, unit]) > MAX_ITEMS) await flush();
      chunk.push(unit);
    }
    await flush();
    return { counterWrites, firstReplies };
  }

  /**
   * One transaction of units. A first reply whose marker exists already (counted by an earlier batch, or a
   * redelivery of this one) cancels it: that unit is dropped and the rest written again.
   */
  private async writeUnits(
    initial: readonly Unit[],
  ): Promise<{ counterWrites: number; firstReplies: number }> {
    let units = [...initial];
    for (let attempt = 1; ; attempt++) {
      const markers = units.filter((unit) => unit.firstReply !== undefined);
      const counters = merged(units);
      if (counters.size === 0 && markers.length === 0) return { counterWrites: 0, firstReplies: 0 };
      const items: TransactItem[] = [
        ...markers.map((unit) => this.markerPut(unit.firstReply!)),
        ...counters.entries().map(({ cell, quantity }) => this.counterUpdate(cell, quantity)),
      ];
      let failedMarkers: readonly Unit[] = [];
      try {
        await transact(this.client, items, 'report counters', (failed) => {
          failedMarkers = failed.filter((i) => i < markers.length).map((i) => markers[i]!);
        });
        return { counterWrites: counters.size, firstReplies: markers.length };
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
        if (failedMarkers.length > 0) {
          units = units.filter((unit) => !failedMarkers.includes(unit));
          continue;
        }
        if (attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt * Math.random()));
      }
    }
  }

  private markerPut(firstReply: FirstReply): TransactItem {
    const { tenantId, number } = firstReply.ticket;
    return {
      Put: {
        TableName: this.tables.main,
        Item: {
          ...keys.firstReplyMarker(tenantId, number),
          entity: 'report_first_reply',
          tenantId,
          ticket: number,
          at: firstReply.at,
          minutes: Math.round(firstReply.minutes * 100) / 100,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private counterUpdate(cell: CounterCell, quantity: number): TransactItem {
    return {
      Update: {
        TableName: this.tables.main,
        Key: keys.report(cell.tenantId, cell.day, cell.dimension, cell.counter),
        UpdateExpression:
          'ADD #quantity :q SET #entity = :entity, #tenant = :tenant, #day = :day, #dimension = :dimension, #counter = :counter',
        ExpressionAttributeNames: {
          '#quantity': 'quantity',
          '#entity': 'entity',
          '#tenant': 'tenantId',
          '#day': 'day',
          '#dimension': 'dimension',
          '#counter': 'counter',
        },
        ExpressionAttributeValues: {
          ':q': quantity,
          ':entity': 'report',
          ':tenant': cell.tenantId,
          ':day': cell.day,
          ':dimension': cell.dimension,
          ':counter': cell.counter,
        },
      },
    };
  }

  async read(
    tenantId: string,
    dimension: string,
    fromDay: string,
    toDay: string,
  ): Promise<Map<string, Record<string, number>>> {
    const result = new Map<string, Record<string, number>>();
    for (const month of monthsBetween(fromDay, toDay)) {
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tables.main,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ProjectionExpression: '#day, #counter, #quantity',
            ExpressionAttributeNames: { '#day': 'day', '#counter': 'counter', '#quantity': 'quantity' },
            ExpressionAttributeValues: {
              ':pk': keys.reportPk(tenantId, month),
              ':from': `${dimension}#${fromDay}#`,
              ':to': `${dimension}#${toDay}#~`,
            },
            ExclusiveStartKey: cursor,
          }),
        );
        for (const item of page.Items ?? []) {
          const day = String(item.day);
          const counts = result.get(day) ?? {};
          counts[String(item.counter)] = (counts[String(item.counter)] ?? 0) + Number(item.quantity);
          result.set(day, counts);
        }
        cursor = page.LastEvaluatedKey;
      } while (cursor);
    }
    return result;
  }

  async survey(tenantId: string, number: number): Promise<SurveyAnswer | null> {
    return readSurveyAnswer(this.client, this.tables.main, tenantId, number);
  }

  /**
   * Every dimension's counters of the days asked: one Query per month over the month's whole partition (all
   * dimensions), days outside the range filtered out by DynamoDB. At most days × dimensions × counters items.
   */
  async readAll(tenantId: string, fromDay: string, toDay: string): Promise<Map<string, CountersByDay>> {
    const result = new Map<string, Map<string, Record<string, number>>>();
    for (const month of monthsBetween(fromDay, toDay)) {
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tables.main,
            KeyConditionExpression: 'pk = :pk',
            FilterExpression: '#day BETWEEN :from AND :to',
            ProjectionExpression: '#dimension, #day, #counter, #quantity',
            ExpressionAttributeNames: {
              '#dimension': 'dimension',
              '#day': 'day',
              '#counter': 'counter',
              '#quantity': 'quantity',
            },
            ExpressionAttributeValues: {
              ':pk': keys.reportPk(tenantId, month),
              ':from': fromDay,
              ':to': toDay,
            },
            ExclusiveStartKey: cursor,
          }),
        );
        for (const item of page.Items ?? []) {
          const dimension = String(item.dimension);
          const byDay = result.get(dimension) ?? new Map<string, Record<string, number>>();
          result.set(dimension, byDay);
          const counts = byDay.get(String(item.day)) ?? {};
          counts[String(item.counter)] = (counts[String(item.counter)] ?? 0) + Number(item.quantity);
          byDay.set(String(item.day), counts);
        }
        cursor = page.LastEvaluatedKey;
      } while (cursor);
    }
    return result;
  }

  /**
   * One Query page of the activity view between two instants: `activity` sorts as `{updatedAt}#{number}`, so
   * `{from}` … `{to}#~` holds exactly the tickets last active in the range. Group and channel are a filter.
   * Only the exported fields come back (a page still reads up to 1 MB of whole items: projection saves the
   * transfer, not the read units).
   */
  async ticketsActive(
    tenantId: string,
    range: { readonly from: string; readonly to: string },
    filter: { readonly group?: string | undefined; readonly channel?: string | undefined },
    page: PageRequest,
  ): Promise<Page<ExportedTicket>> {
    const partition = views.all(tenantId);
    const names: Record<string, string> = {
      '#partition': ACTIVITY_VIEW.partitionAttribute,
      '#sort': ACTIVITY_VIEW.sortAttribute,
      ...Object.fromEntries(EXPORTED_TICKET_FIELDS.map((field, i) => [`#f${i}`, field])),
    };
    const values: Record<string, unknown> = {
      ':partition': partition,
      ':from': range.from,
      ':to': `${range.to}#~`,
    };
    const conditions: string[] = [];
    if (filter.group !== undefined) {
      names['#group'] = 'group';
      values[':group'] = filter.group;
      conditions.push('#group = :group');
    }
    if (filter.channel !== undefined) {
      names['#channel'] = 'channel';
      values[':channel'] = filter.channel;
      conditions.push('#channel = :channel');
    }
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tables.main,
        IndexName: ACTIVITY_VIEW.index,
        KeyConditionExpression: '#partition = :partition AND #sort BETWEEN :from AND :to',
        ...(conditions.length > 0 && { FilterExpression: conditions.join(' AND ') }),
        ProjectionExpression: EXPORTED_TICKET_FIELDS.map((_, i) => `#f${i}`).join(', '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, {
          attributes: ['pk', 'sk', ACTIVITY_VIEW.partitionAttribute, ACTIVITY_VIEW.sortAttribute],
          partitionAttribute: ACTIVITY_VIEW.partitionAttribute,
          partition,
        }),
      }),
    );
    return {
      items: (result.Items ?? []).map(exportedTicketOf),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  async recordSurvey(answer: SurveyAnswer, counters: CounterAdds): Promise<void> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tables.main,
          Item: { ...keys.surveyAnswer(answer.tenantId, answer.ticket), entity: 'survey', ...answer },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...counters.entries().map(({ cell, quantity }) => this.counterUpdate(cell, quantity)),
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await transact(this.client, items, `survey of ticket #${answer.ticket}`, (failed) => {
          if (failed.includes(0)) {
            throw new DomainError(
              'conflict',
              `ticket #${answer.ticket} was rated already; a survey is answered once`,
            );
          }
        });
        return;
      } catch (error) {
        // Lost to a concurrent transaction on a shared counter: nothing was written; try again, then give up.
        if (!(error instanceof ConcurrentModificationError)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new DomainError('conflict', 'the answer could not be recorded just now; send it again');
        }
        await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt * Math.random()));
      }
    }
  }
}

/** A projected ticket item as an export reads it (attributes a ticket written long ago may lack, as null). */
function exportedTicketOf(item: Record<string, unknown>): ExportedTicket {
  const ticket = item as unknown as ExportedTicket;
  return {
    ...ticket,
    group: ticket.group ?? null,
    assignee: ticket.assignee ?? null,
    tags: ticket.tags ?? [],
    solvedAt: ticket.solvedAt ?? null,
    closedAt: ticket.closedAt ?? null,
    sla: ticket.sla ?? null,
  };
}

function merged(units: readonly Unit[]): CounterAdds {
  const counters = new CounterAdds();
  for (const unit of units) counters.merge(unit.counters);
  return counters;
}

const itemCount = (units: readonly Unit[]) =>
  merged(units).size + units.filter((unit) => unit.firstReply !== undefined).length;
