/**
 * The email channel's figures: parse time per message over the shared corpus, intake throughput on the local
 * runtime (SMTP accept → ticket stored), and what SES charges to receive 1,000 such mails.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { parseMail } from '../functions/adapters/mime/parse-mail.ts';
import { PRICE_TABLE, sesInboundCost } from '../functions/core/cost/price-table.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import { median, percentile, round } from './stats.ts';

const corpus = resolve('..', 'shared', 'mail-corpus', 'zammad');

export interface EmailFigures {
  readonly corpusMails: number;
  readonly parseMedianMs: number;
  readonly parseP99Ms: number;
  readonly intakeMails: number;
  readonly intakeMailsPerSecond: number;
  readonly sesInboundPer1000Mails: number;
  readonly priceTable: string;
}

async function parseTimes(runs = 15): Promise<{ perMessage: number[]; sizes: number[] }> {
  const files = readdirSync(corpus).filter((f) => f.endsWith('.box'));
  const perMessage: number[] = [];
  const sizes: number[] = [];
  for (const file of files) {
    const raw = new Uint8Array(readFileSync(join(corpus, file)));
    sizes.push(raw.byteLength);
    await parseMail(raw); // warm
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await parseMail(raw);
      times.push(performance.now() - start);
    }
    perMessage.push(median(times));
  }
  return { perMessage, sizes };
}

async function intakeThroughput(mails = 150, clients = 8): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'deskless-bench-mail-'));
  const runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0, env: { SMTP_PORT: '0' } });
  try {
    const { smtpPort, supportAddress, adminApiKey, apiUrl } = runtime.state;
    const count = async () => {
      let total = 0;
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const response = await fetch(`${apiUrl}/v1/tickets?status=new&limit=100${query}`, {
          headers: { authorization: `Bearer ${adminApiKey}` },
        });
        const page = (await response.json()) as { items: unknown[]; nextCursor: string | null };
        total += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      return total;
    };
    // A pooled client, as a mail server delivering to us keeps its connections: opening one per mail costs the
    // client ~100 ms here and would measure the client, not the intake.
    const client = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: clients,
      maxMessages: Number.POSITIVE_INFINITY,
    });
    const start = performance.now();
    try {
      await Promise.all(
        Array.from({ length: mails }, (_, i) =>
          // One sender per mail: this measures the pipeline, not the per-sender rate limit.
          client.sendMail({
            from: `customer${i}@example.com`,
            to: supportAddress,
            subject: `Bench mail ${i}`,
            text: 'My order arrived damaged; the box was crushed. Please advise.',
          }),
        ),
      );
    } finally {
      client.close();
    }
    while ((await count()) < mails) await new Promise((done) => setTimeout(done, 100));
    return mails / ((performance.now() - start) / 1000);
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function measureEmail(): Promise<EmailFigures> {
  const { perMessage, sizes } = await parseTimes();
  const intakeMails = 150;
  const perSecond = await intakeThroughput(intakeMails);
  const averageCorpusCost = sesInboundCost(sizes) / sizes.length;
  return {
    corpusMails: sizes.length,
    parseMedianMs: round(median(perMessage), 2),
    parseP99Ms: round(percentile(perMessage, 99), 2),
    intakeMails,
    intakeMailsPerSecond: round(perSecond, 1),
    sesInboundPer1000Mails: round(averageCorpusCost * 1000, 4),
    priceTable: PRICE_TABLE.version,
  };
}
