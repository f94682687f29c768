/**
 * `npm run bench`: every figure of the README's performance table, measured on this machine as ratios
 * against a baseline taken in the same run (the machine is shared and noisy; absolute numbers are not
 * comparable between runs, ratios are). Writes bench/results.json and prints the table as Markdown.
 *
 *   npm run bench                       all benchmarks
 *   npm run bench -- bundles operations only those (bundles, operations, listing, throughput, email, routing,
 *                                       timers, metering, channels)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { measureBundles } from './bundles.ts';
import { measureChannels } from './channels.ts';
import { measureEmail } from './email.ts';
import { measureListingScale } from './listing-scale.ts';
import { measureMetering } from './metering.ts';
import { measureOperations } from './operations.ts';
import { measureRouting } from './routing.ts';
import { measureThroughput } from './throughput.ts';
import { measureTimers } from './timers.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const TARGETS = { initRatio: 1.5, listingRatio: 1.3, throughputRatio: 0.7 };
const selected = new Set(process.argv.slice(2));
const wants = (name: string) => selected.size === 0 || selected.has(name);
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
// A partial run (`npm run bench -- routing`) keeps the other figures of the last full run.
const previous: Record<string, unknown> =
  selected.size > 0 && existsSync('bench/results.json')
    ? (JSON.parse(readFileSync('bench/results.json', 'utf8')) as Record<string, unknown>)
    : {};
const results: Record<string, unknown> = {
  ...previous,
  measuredAt: new Date().toISOString(),
  node: process.version,
  targets: TARGETS,
};
const lines: string[] = [];

if (wants('bundles')) {
  console.error('bundles: building and timing module init…');
  const bundles = await measureBundles();
  results.bundles = bundles;
  lines.push(
    '| function | bundle | init (fresh node) | bare `node -e 0` | init ratio | targets (size budget, < 1.5×) |',
  );
  lines.push('|---|---|---|---|---|---|');
  for (const b of bundles) {
    const isFloor = b.name.startsWith('SDK floor');
    const verdicts = isFloor
      ? 'reference: no Deskless code'
      : `${b.budgetKb} KB ${verdict(b.bytes < (b.budgetKb ?? 0) * 1024)}, init ${verdict(b.ratio < TARGETS.initRatio)}`;
    lines.push(
      `| ${b.name} | ${(b.bytes / 1024).toFixed(0)} KB | ${b.initMs} ms | ${b.bareNodeMs} ms | ${b.ratio}× | ${verdicts} |`,
    );
  }
  lines.push('');
}

if (wants('operations')) {
  console.error('operations: round trips and capacity per API operation…');
  const operations = await measureOperations();
  results.operations = operations;
  lines.push('| operation | DynamoDB round trips | calls | read units | write units |');
  lines.push('|---|---|---|---|---|');
  for (const o of operations) {
    lines.push(
      `| ${o.operation} | ${o.roundTrips} | ${o.commands.join(', ')} | ${o.readUnits} | ${o.writeUnits} |`,
    );
  }
  lines.push('');
}

if (wants('listing')) {
  console.error('listing: loading 1,000 then 50,000 tickets (a minute or two)…');
  const listing = await measureListingScale();
  const [small, large] = listing as [(typeof listing)[0], (typeof listing)[0]];
  const ratio = large.medianMs / small.medianMs;
  results.listing = { sizes: listing, latencyRatio: ratio };
  lines.push('| queue listing (group + status, 25 per page) | median | p99 | read units |');
  lines.push('|---|---|---|---|');
  for (const l of listing)
    lines.push(
      `| ${l.tickets.toLocaleString('en')} tickets | ${l.medianMs} ms | ${l.p99Ms} ms | ${l.readUnits} |`,
    );
  lines.push(
    `| **ratio 50,000 / 1,000** | **${ratio.toFixed(2)}×** (target < 1.3: ${verdict(ratio < TARGETS.listingRatio)}) | | read units ${small.readUnits} → ${large.readUnits} |`,
  );
  lines.push('');
}

if (wants('throughput')) {
  console.error('throughput: 16 clients creating tickets over HTTP vs raw transactions…');
  const throughput = await measureThroughput();
  results.throughput = throughput;
  lines.push('| local throughput (16 concurrent clients) | per second |');
  lines.push('|---|---|');
  lines.push(`| tickets created over HTTP (whole local runtime) | ${throughput.httpTicketsPerSecond} |`);
  lines.push(`| raw TransactWriteItems of the same items | ${throughput.rawTransactionsPerSecond} |`);
  lines.push(
    `| **ratio** | **${throughput.ratio}** (target ≥ 0.7: ${verdict(throughput.ratio >= TARGETS.throughputRatio)}) |`,
  );
  lines.push('');
}

if (wants('email')) {
  console.error('email: corpus parse times, SMTP → ticket throughput…');
  const email = await measureEmail();
  results.email = email;
  lines.push('| email channel | figure |');
  lines.push('|---|---|');
  lines.push(
    `| parse time per message, ${email.corpusMails} corpus mails (median / p99) | ${email.parseMedianMs} ms / ${email.parseP99Ms} ms |`,
  );
  lines.push(
    `| intake on the local runtime, SMTP accept → ticket stored (${email.intakeMails} mails, 8 connections) | ${email.intakeMailsPerSecond} mails/s |`,
  );
  lines.push(
    `| SES inbound cost per 1,000 mails of the corpus's sizes (price table ${email.priceTable}) | $${email.sesInboundPer1000Mails} |`,
  );
  lines.push('');
}

if (wants('routing')) {
  console.error('routing: tickets created → assigned through triage and routing on the local runtime…');
  const routing = await measureRouting();
  results.routing = routing;
  lines.push('| triage and routing | figure |');
  lines.push('|---|---|');
  lines.push(
    `| created → assigned on the local runtime, ${routing.tickets} tickets at ${routing.perSecond}/s (median / p99) | ${routing.createdToAssignedMedianMs} ms / ${routing.createdToAssignedP99Ms} ms |`,
  );
  lines.push(
    `| built-in classifier CPU time per ticket (${routing.triageMessages} labelled messages, tenant model trained) | ${routing.triageCpuMsPerTicket} ms |`,
  );
  lines.push('');
}

if (wants('timers')) {
  console.error(
    'timers: 10,000 timers over a simulated hour, then 1,000 vs 100,000 armed (a minute or two)…',
  );
  const timers = await measureTimers();
  results.timers = timers;
  const { lateness: l } = timers;
  lines.push('| timer lateness (claimedAt − due), simulated seconds | p50 | p99 | max | target |');
  lines.push('|---|---|---|---|---|');
  lines.push(
    `| sweeper every minute: ${l.timers.toLocaleString('en')} timers over an hour, ${l.sweeps} sweeps, ${l.delivered.toLocaleString('en')} delivered, ${l.duplicates} twice | ${l.sweeperP50S} s | ${l.sweeperP99S} s | ${l.sweeperMaxS} s | p99 ≤ 60 s: ${verdict(l.sweeperP99S <= 60)} |`,
  );
  lines.push(
    `| an hourly batch job on the same deadlines (next full hour − due) | ${l.hourlyP50S} s | ${l.hourlyP99S} s | ${l.hourlyMaxS} s | |`,
  );
  lines.push('');
  const [small, large] = timers.scale as [(typeof timers.scale)[0], (typeof timers.scale)[0]];
  lines.push(
    `| read units per sweep (8 shards) | with ${timers.dueAtScale} due | nothing due | sweep time (${timers.dueAtScale} due / none) |`,
  );
  lines.push('|---|---|---|---|');
  for (const s of timers.scale) {
    lines.push(
      `| ${s.armedNotDue.toLocaleString('en')} timers armed, not due | ${s.readUnitsWithDue} | ${s.readUnitsIdle} | ${s.sweepMsWithDue} ms / ${s.sweepMsIdle} ms |`,
    );
  }
  const flat = large.readUnitsWithDue <= small.readUnitsWithDue && large.readUnitsIdle <= small.readUnitsIdle;
  lines.push(
    `| **100,000 vs 1,000** | **${small.readUnitsWithDue} → ${large.readUnitsWithDue}** | **${small.readUnitsIdle} → ${large.readUnitsIdle}** (target flat: ${verdict(flat)}) | |`,
  );
  lines.push('');
  lines.push(
    'DynamoDB Local reports 0 read units for a Query that returns nothing; DynamoDB bills at least 0.5 each, so an idle sweep costs 4 (8 shards).',
  );
  lines.push('');
}

if (wants('metering')) {
  console.error('metering: log-byte counting, the handler wrapper, and the counter writes of a flush…');
  const metering = await measureMetering();
  results.metering = metering;
  lines.push('| metering overhead | without | with | added |');
  lines.push('|---|---|---|---|');
  const { logLineMicros: log, wrapperMicros: wrap } = metering;
  lines.push(
    `| CPU per logged line (Powertools, bytes counted) | ${log.plain} µs | ${log.counted} µs | ${log.added} µs |`,
  );
  lines.push(
    `| CPU per invocation (\`metered()\`, no flush due) | ${wrap.bare} µs | ${wrap.wrapped} µs | ${wrap.added} µs |`,
  );
  lines.push('');
  lines.push(
    '| one flush of measured usage (at most one a minute per container) | tenants | counter writes | write units billed | reported by DynamoDB Local |',
  );
  lines.push('|---|---|---|---|---|');
  for (const f of metering.flushes) {
    lines.push(
      `| ${f.what} | ${f.tenants} | ${f.counterWrites} | ${f.billedWriteUnits} | ${f.localWriteUnits} |`,
    );
  }
  lines.push('');
  lines.push(
    'Each counter is an item of a TransactWriteItems: DynamoDB bills 2 write units per item up to 1 KB; DynamoDB Local reports 2 for the whole transaction.',
  );
  lines.push('');
}

if (wants('channels')) {
  console.error('channels: signed messages, outbound webhooks and the web form on the local runtime…');
  const channels = await measureChannels();
  results.channels = channels;
  const { messages: m, outbound: o, webForm: f } = channels;
  lines.push(`| signed channel message → 202, one client, ${m.rounds} rounds interleaved | median | p95 |`);
  lines.push('|---|---|---|');
  lines.push(
    `| creates a ticket (\`outcome: created\`) | ${m.created.medianMs} ms | ${m.created.p95Ms} ms |`,
  );
  lines.push(
    `| comments on its conversation's ticket (\`commented\`) | ${m.commented.medianMs} ms | ${m.commented.p95Ms} ms |`,
  );
  lines.push(
    `| replayed webhook-id (\`duplicate\`, nothing written) | ${m.duplicate.medianMs} ms | ${m.duplicate.p95Ms} ms |`,
  );
  lines.push(
    `| baseline: \`POST /v1/tickets\` (admin key) | ${m.apiCreate.medianMs} ms | ${m.apiCreate.p95Ms} ms |`,
  );
  lines.push(
    `| **ratio created / \`POST /v1/tickets\`** | **${m.createdToApiMedianRatio}×** | ${m.createdToApiP95Ratio}× |`,
  );
  lines.push(
    `| web form \`POST /v1/forms/{id}\` (urlencoded, a browser's post) | ${f.medianMs} ms (${f.toApiMedianRatio}× the API create) | ${f.p95Ms} ms |`,
  );
  lines.push('');
  lines.push('| outbound webhooks (`ticket.created` → receiver on 127.0.0.1) | figure |');
  lines.push('|---|---|');
  lines.push(
    `| \`POST /v1/tickets\` response → signed delivery received, ${o.tickets} tickets at ${o.perSecond}/s (median / p95 / max) | ${o.createdToDeliveredMedianMs} ms / ${o.createdToDeliveredP95Ms} ms / ${o.createdToDeliveredMaxMs} ms |`,
  );
  lines.push(
    `| deliveries received / signatures refused by \`standardwebhooks\` | ${o.deliveries} / ${o.signatureFailures} |`,
  );
  lines.push(
    `| webhook-ids received twice / tickets without exactly one delivery | ${o.duplicateWebhookIds} / ${o.ticketsWithoutExactlyOneDelivery} |`,
  );
  lines.push('');
}

writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
console.log(lines.join('\n'));
