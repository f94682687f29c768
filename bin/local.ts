/**
 * `npm start`: runs Deskless locally (see local/runtime.ts) until Ctrl-C or SIGTERM, then stops every emulator,
 * the JVM of DynamoDB Local included, before exiting.
 *
 * Environment: PORT (API port, default 3000, 0 = any free one), SMTP_PORT (SES inbound, default 2525, 0 = any
 * free one), DESKLESS_DATA_DIR (default `.deskless`), DESKLESS_CLOCK_SPEED (passed to the handlers),
 * DESKLESS_LOCAL_LOG (debug | info | warn | error | silent), TWILIO_API_BASE_URL (where SMS replies go; default a
 * local Twilio stand-in), DESKLESS_LOCAL_SECRET_<NAME> (a channel secret such as a Twilio auth token, in place of
 * Secrets Manager; see functions/adapters/channel-secrets.ts).
 */
import { displayPath, type LocalRuntime, startLocalRuntime } from '../local/runtime.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let runtime: LocalRuntime | undefined;
let stopRequested = false;

async function shutdown(): Promise<void> {
  if (stopRequested) {
    // A second Ctrl-C: stop waiting. process.exit still runs the exit hook that kills the JVM.
    process.exit(130);
  }
  stopRequested = true;
  // During startup: stopped as soon as startLocalRuntime returns (the JVM is in its own process group, so the
  // terminal's Ctrl-C does not reach it; Node's default handling would leave it running).
  if (!runtime) return;
  try {
    await runtime.stop();
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

try {
  runtime = await startLocalRuntime();
} catch (error) {
  // Everything started so far has been stopped by startLocalRuntime itself.
  const { code, port } = error as NodeJS.ErrnoException & { port?: number };
  const variable = port !== undefined && port === Number(process.env.SMTP_PORT) ? 'SMTP_PORT' : 'PORT';
  console.error(
    code === 'EADDRINUSE'
      ? `Deskless could not start: port ${port ?? (process.env.PORT || 3000)} is in use (set ${variable}, 0 for any free port)`
      : error,
  );
  process.exit(1);
}

if (stopRequested) {
  stopRequested = false;
  await shutdown();
} else {
  console.log(
    `Deskless API ${runtime.apiUrl} · docs ${runtime.apiUrl}/docs · SMTP port ${runtime.smtpPort} for ${runtime.supportAddress} · sent mail ${runtime.outboxUrl} · sent SMS ${runtime.twilioUrl}/messages · keys in ${displayPath(runtime.statePath)} · ready`,
  );
}
