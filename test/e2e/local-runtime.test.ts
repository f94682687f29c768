/**
 * `npm start` end to end: the local runtime runs as a child process (`npx tsx bin/local.ts`) with its own data
 * directory, is driven over HTTP with the admin key it wrote to local.json (and reached over SMTP at the port it
 * wrote there), restarted on the same data, and stopped the way a terminal's Ctrl-C does (SIGINT to the whole
 * foreground process group). No JVM may outlive it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRawMail } from '../support/smtp.ts';

const root = resolve(import.meta.dirname, '../..');

interface LocalJson {
  apiUrl: string;
  eventsUrl: string;
  outboxUrl: string;
  smtpPort: number;
  supportAddress: string;
  tenantId: string;
  adminApiKey: string;
  operatorApiKey: string;
  replySecret: string;
}

interface Running {
  child: ChildProcess;
  readyLine: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `npx tsx bin/local.ts` in its own process group and waits for its `ready` line. */
async function startRuntime(dataDir: string): Promise<Running> {
  const child = spawn('npx', ['tsx', 'bin/local.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DESKLESS_DATA_DIR: dataDir,
      PORT: '0',
      SMTP_PORT: '0',
      DESKLESS_LOCAL_LOG: 'warn',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const output = () => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  const readyLine = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ready line within 120 s\n${output()}`)), 120_000);
    const check = () => {
      const line = stdout.split('\n').find((candidate) => /\bready\b/.test(candidate));
      if (line) {
        clearTimeout(timer);
        ready(line);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`local runtime exited with ${code} before ready\n${output()}`));
    });
  });
  return { child, readyLine, output, exited };
}

/**
 * Signals the runtime's whole process group, as a terminal does (Ctrl-C: SIGINT; `kill`: SIGTERM), and waits
 * until every process of the group has exited: npm itself dies on SIGTERM at once, before the runtime below it
 * has finished stopping.
 */
async function stopRuntime(running: Running, signal: NodeJS.Signals): Promise<void> {
  const group = running.child.pid!;
  process.kill(-group, signal);
  await running.exited;
  const deadline = Date.now() + 30_000;
  while (processesInGroup(group).length > 0) {
    if (Date.now() > deadline) {
      throw new Error(
        `local runtime did not stop on ${signal}: ${processesInGroup(group)}\n${running.output()}`,
      );
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

function processesInGroup(group: number): string[] {
  return execFileSync('ps', ['-eo', 'pgid=,pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => Number(line.trim().split(/\s+/)[0]) === group);
}

/** DynamoDB Local JVMs serving this data directory (other suites may run their own JVMs meanwhile). */
function javaProcessesFor(dataDir: string): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return table
    .split('\n')
    .filter((line) => line.includes('java') && line.includes('DynamoDBLocal') && line.includes(dataDir));
}

function readLocalJson(dataDir: string): LocalJson {
  return JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8')) as LocalJson;
}

async function domainEvents(
  eventsUrl: string,
): Promise<{ 'detail-type': string; detail: { id: string; ticket?: { number?: number } } }[]> {
  const response = await fetch(eventsUrl);
  return ((await response.json()) as { events: never[] }).events;
}

describe('local runtime (npm start)', () => {
  let dataDir: string;
  let running: Running | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-'));
  });
  afterAll(() => {
    // Only if a test failed midway: nothing of ours may keep running.
    if (running && processesInGroup(running.child.pid!).length > 0) {
      try {
        process.kill(-running.child.pid!, 'SIGKILL');
      } catch {}
    }
    for (const line of javaProcessesFor(dataDir)) {
      const pid = Number(line.trim().split(/\s+/)[0]);
      if (pid) process.kill(pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  let ticketNumber: number;
  let publishedBefore = new Set<string>();
  let firstState: LocalJson;

  it('starts, prints one ready line, and creates the demo tenant and its keys', async () => {
    running = await startRuntime(dataDir);
    firstState = readLocalJson(dataDir);
    expect(firstState).toMatchObject({ tenantId: 'demo' });
    expect(firstState.apiUrl).toMatch(/^http:\/\/[\w.:[\]-]+:\d+$/);
    expect(firstState.operatorApiKey).toMatch(/^dsk_op_[\w-]{43}$/);
    expect(firstState.adminApiKey).toBeTruthy();
    expect(running.readyLine).toContain(firstState.apiUrl);
    expect(running.readyLine).toContain(`${firstState.apiUrl}/docs`);
    expect(running.readyLine).toContain('local.json');

    const docs = await fetch(`${firstState.apiUrl}/docs`);
    expect(docs.status).toBe(200);
  });

  it('listens for mail on the SMTP port in local.json and shows sent mail at its outbox URL', async () => {
    expect(firstState.supportAddress).toBe('support@demo.localhost');
    expect(firstState.smtpPort).toBeGreaterThan(0);
    expect(firstState.outboxUrl).toMatch(/^http:\/\/[\w.:[\]-]+:\d+$/);
    expect(firstState.replySecret.length).toBeGreaterThanOrEqual(32);
    expect(running!.readyLine).toContain(`SMTP port ${firstState.smtpPort}`);
    expect(running!.readyLine).toContain(firstState.outboxUrl);

    const sent = await sendRawMail({
      port: firstState.smtpPort,
      from: 'ann@example.com',
      to: [firstState.supportAddress],
      raw: `From: Ann <ann@example.com>\r\nTo: ${firstState.supportAddress}\r\nSubject: Hello over SMTP\r\nMessage-ID: <e2e-smtp-1@example.com>\r\n\r\nHi\r\n`,
    });
    expect(sent.response).toMatch(/^250 /);
    expect(sent.sesMessageId).toMatch(/^[0-9a-v]{40}$/);

    const outbox = await fetch(firstState.outboxUrl);
    expect(outbox.status).toBe(200);
    await outbox.arrayBuffer();
    const store = await fetch(`${firstState.outboxUrl}/store`);
    expect(await store.json()).toHaveProperty('emails');
  });

  it('creates a ticket with the admin key, reads it back, and publishes its events through the outbox', async () => {
    const { apiUrl, adminApiKey, eventsUrl } = firstState;
    const headers = { authorization: `Bearer ${adminApiKey}`, 'content-type': 'application/json' };
    const created = await fetch(`${apiUrl}/v1/tickets`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        subject: 'Printer on fire',
        comment: { body: 'Smoke everywhere.' },
        requester: { email: 'ann@example.com' },
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    ticketNumber = ((await created.json()) as { number: number }).number;
    expect(ticketNumber).toBeGreaterThan(0);

    const read = await fetch(`${apiUrl}/v1/tickets/${ticketNumber}`, { headers });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ number: ticketNumber, subject: 'Printer on fire' });

    const unauthorized = await fetch(`${apiUrl}/v1/tickets/${ticketNumber}`);
    expect(unauthorized.status).toBe(401);

    // Table stream → stream poller → dispatcher → local EventBridge.
    const deadline = Date.now() + 15_000;
    let types: string[] = [];
    while (Date.now() < deadline) {
      types = (await domainEvents(eventsUrl))
        .filter((event) => event.detail.ticket?.number === ticketNumber)
        .map((event) => event['detail-type']);
      if (types.includes('ticket.created')) break;
      await new Promise((done) => setTimeout(done, 250));
    }
    expect(types).toContain('ticket.created');
  });

  it('stops on Ctrl-C without leaving a JVM behind', async () => {
    // What the first run published, up to the moment it stops: none of it may be published again.
    const state = readLocalJson(dataDir);
    publishedBefore = new Set((await domainEvents(state.eventsUrl)).map((event) => event.detail.id));
    expect(javaProcessesFor(dataDir)).toHaveLength(1);
    await stopRuntime(running!, 'SIGINT');
    // npm re-raises the signal, so its exit status says nothing about the runtime; its output does.
    expect(running!.output()).not.toMatch(/error/i);
    expect(javaProcessesFor(dataDir)).toEqual([]);
  });

  it('keeps data and keys across a restart, without replaying published events', async () => {
    running = await startRuntime(dataDir);
    const state = readLocalJson(dataDir);
    expect(state).toMatchObject({
      tenantId: firstState.tenantId,
      adminApiKey: firstState.adminApiKey,
      operatorApiKey: firstState.operatorApiKey,
      replySecret: firstState.replySecret,
      supportAddress: firstState.supportAddress,
    });
    expect(state.smtpPort).toBeGreaterThan(0);
    expect(running.readyLine).toContain(`SMTP port ${state.smtpPort}`);
    expect(running.readyLine).toContain(state.apiUrl);

    const read = await fetch(`${state.apiUrl}/v1/tickets/${ticketNumber}`, {
      headers: { authorization: `Bearer ${state.adminApiKey}` },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ number: ticketNumber, subject: 'Printer on fire' });

    // The stream poller resumed from its checkpoint: the first run's events are not published again. (Events
    // written just before the stop and not yet published are, once: that is the outbox doing its job.)
    await new Promise((done) => setTimeout(done, 2_000));
    const replayed = (await domainEvents(state.eventsUrl)).filter((event) =>
      publishedBefore.has(event.detail.id),
    );
    expect(replayed).toEqual([]);
  });

  it('stops on SIGTERM without leaving a JVM behind', async () => {
    expect(javaProcessesFor(dataDir)).toHaveLength(1);
    await stopRuntime(running!, 'SIGTERM');
    // npm exits on SIGTERM without waiting for its child: no exit status to check, but nothing may be logged.
    expect(running!.output()).not.toMatch(/error/i);
    expect(javaProcessesFor(dataDir)).toEqual([]);
  });
});
