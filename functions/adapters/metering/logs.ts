/**
 * CloudWatch Logs ingestion, estimated where the lines are written: the logger's output is counted as
 * CloudWatch sizes a log event (the line's UTF-8 bytes plus 26), and the handler wrapper (invocation.ts) takes
 * the count at the end of each invocation for the tenants it served, adding the lines Lambda itself writes.
 */

/** CloudWatch Logs adds this to every event's UTF-8 message when it sizes a batch. */
export const LOG_EVENT_OVERHEAD_BYTES = 26;

/**
 * What Lambda writes per invocation on top of the function's own lines (text format): `START RequestId: … Version:
 * $LATEST` (~75 bytes), `END RequestId: …` (~55) and `REPORT RequestId: … Duration … Billed Duration … Memory
 * Size … Max Memory Used …` (~160, ~30 more on a cold start), each a log event. Estimated from the format,
 * not measured.
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 75 + 55 + 160 + 3 * LOG_EVENT_OVERHEAD_BYTES;

let logged = 0;

/** Bytes the counted loggers wrote since the last call (module init included, for the first one). */
export function takeLoggedBytes(): number {
  const bytes = logged;
  logged = 0;
  return bytes;
}

const METHODS = ['debug', 'info', 'log', 'warn', 'error', 'trace'] as const;
type Method = (typeof METHODS)[number];
type Print = (...data: unknown[]) => void;

/**
 * Counts every line a Powertools logger prints. The logger prints each log item as one JSON string through
 * its own `console` (a `Console` on stdout and stderr, or the global console in dev mode); that object is
 * replaced by one that counts the string's bytes and hands it on unchanged. The global console is never
 * touched. Costs one `Buffer.byteLength` per line (bench: `npm run bench -- metering`).
 *
 * The field is not public API: when a Powertools release renames it, nothing is counted and nothing breaks,
 * and the unit test of this function fails.
 */
export function countLoggedBytes(logger: object): boolean {
  const target = logger as { console?: Partial<Record<Method, Print>> };
  const inner = target.console;
  if (!inner || typeof inner.info !== 'function') return false;
  const counting: Partial<Record<Method, Print>> = {};
  for (const method of METHODS) {
    const print = inner[method];
    if (typeof print !== 'function') continue;
    counting[method] = (...data: unknown[]) => {
      const [line] = data;
      if (typeof line === 'string') logged += Buffer.byteLength(line) + LOG_EVENT_OVERHEAD_BYTES;
      print.apply(inner, data);
    };
  }
  target.console = counting;
  return true;
}
