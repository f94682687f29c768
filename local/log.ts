/**
 * The local runtime's own log lines (emulators starting, pollers retrying, handler crashes). They go to stderr so
 * stdout stays for the one "ready" line of `npm start` and the handlers' own structured logs.
 */

export interface LocalLog {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function consoleLog(options: { level?: LogLevel; prefix?: string } = {}): LocalLog {
  const threshold = rank[options.level ?? 'info'];
  const prefix = options.prefix ?? 'deskless-local';
  const write =
    (level: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
      if (rank[level] < threshold) return;
      const detail =
        fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields, errorReplacer)}` : '';
      process.stderr.write(`[${prefix}] ${level.toUpperCase()} ${message}${detail}\n`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLog: LocalLog = { debug() {}, info() {}, warn() {}, error() {} };

/** Errors have no enumerable fields; without this they would log as `{}`. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/** Level from `DESKLESS_LOCAL_LOG` (debug, info, warn, error, silent); `fallback` when unset or unknown. */
export function logLevelFromEnv(fallback: LogLevel): LogLevel {
  const value = process.env.DESKLESS_LOCAL_LOG;
  return value && value in rank ? (value as LogLevel) : fallback;
}
