/**
 * A circuit breaker per subscription endpoint. Retries alone would keep hammering an endpoint that is down with
 * every delivery's whole retry schedule; the breaker counts consecutive failed attempts and, past a threshold,
 * stops sending for a cooldown. Deliveries that come due meanwhile are deferred (re-queued, not counted as
 * attempts; each wait spread by DEFERRAL_JITTER, so they do not all wake when the cooldown ends). After the
 * cooldown one delivery goes as a probe (half-open): its success closes the circuit, its failure opens it again
 * for twice as long, up to a cap. A deferred delivery comes back at least every 15 minutes (SQS's longest delay)
 * and fails after MAX_DEFERRAL_MS (delivery.ts).
 *
 *   closed ──N consecutive failures──► open ──cooldown over──► half_open (one probe in flight)
 *     ▲                                 ▲                            │
 *     └──────────── probe succeeds ─────┼────────────────────────────┤
 *                                       └── probe fails (cooldown ×2, capped) ┘
 *
 * Pure: the use case reads the state, applies these functions and writes the result guarded by `revision`.
 */

export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export type CircuitStateName = (typeof CIRCUIT_STATES)[number];

/** Consecutive failed attempts that open the circuit. */
export const CIRCUIT_FAILURE_THRESHOLD = 5;
/** The first cooldown; each failed probe doubles it. */
export const CIRCUIT_BASE_COOLDOWN_SECONDS = 60;
/** A receiver down for hours is probed once an hour. */
export const CIRCUIT_MAX_COOLDOWN_SECONDS = 60 * 60;
/**
 * How long a probe may be in flight before another delivery may probe instead: longer than the delivery
 * worker's timeout, so a probe whose worker died does not hold the circuit half-open forever.
 */
export const PROBE_LEASE_SECONDS = 60;
/** How long deliveries wait while a probe is in flight (it decides within a few seconds). */
export const PROBE_WAIT_SECONDS = 30;

export interface Circuit {
  readonly state: CircuitStateName;
  /** Failed attempts since the last success. */
  readonly consecutiveFailures: number;
  /** When the circuit last opened. */
  readonly openedAt: string | null;
  /** Until when nothing is sent (open); null when closed. */
  readonly openUntil: string | null;
  /** The cooldown of the current opening (unscaled seconds); 0 while closed. */
  readonly cooldownSeconds: number;
  /** When the probe in flight went out (half-open). */
  readonly probeStartedAt: string | null;
  /** Write guard: 0 until the circuit was first stored. */
  readonly revision: number;
}

export const CLOSED_CIRCUIT: Circuit = {
  state: 'closed',
  consecutiveFailures: 0,
  openedAt: null,
  openUntil: null,
  cooldownSeconds: 0,
  probeStartedAt: null,
  revision: 0,
};

/** What a delivery that comes due may do: go, go as the probe, or wait this many seconds. */
export type Admission =
  | { readonly kind: 'send' }
  | { readonly kind: 'probe' }
  | { readonly kind: 'defer'; readonly seconds: number };

const plus = (now: string, seconds: number): string =>
  new Date(Date.parse(now) + seconds * 1000).toISOString();
const secondsUntil = (now: string, then: string): number => (Date.parse(then) - Date.parse(now)) / 1000;
/** Waits go through SQS DelaySeconds: whole seconds, 1 to 900. */
const wait = (seconds: number): number => Math.min(900, Math.max(1, Math.ceil(seconds)));

/** A deferral's wait is lengthened by 0 to this share of it, at random. */
export const DEFERRAL_JITTER = 0.3;

/**
 * The wait of a deferral, spread by `random` in [0, 1) over +0–DEFERRAL_JITTER of it (still 1 to 900 s): the
 * deliveries that piled up behind an open circuit come back over a stretch of time, not all at `openUntil`.
 */
export function spreadDeferral(seconds: number, random: number): number {
  return wait(seconds * (1 + DEFERRAL_JITTER * Math.min(Math.max(random, 0), 1)));
}

/**
 * `scale` shortens the waits (the local runtime's `DESKLESS_WEBHOOK_BACKOFF_SCALE`; 1 in AWS), not the probe's
 * lease: that one must outlast a request.
 */
export function admit(circuit: Circuit, now: string, scale = 1): Admission {
  switch (circuit.state) {
    case 'closed':
      return { kind: 'send' };
    case 'open':
      if (circuit.openUntil !== null && circuit.openUntil > now) {
        return { kind: 'defer', seconds: wait(secondsUntil(now, circuit.openUntil)) };
      }
      return { kind: 'probe' };
    case 'half_open': {
      const started = circuit.probeStartedAt;
      if (started !== null && secondsUntil(now, plus(started, PROBE_LEASE_SECONDS)) > 0) {
        return { kind: 'defer', seconds: wait(PROBE_WAIT_SECONDS * scale) };
      }
      // The probe's worker died: this delivery probes instead.
      return { kind: 'probe' };
    }
  }
}

/** The circuit with this delivery's probe in flight. */
export function startProbe(circuit: Circuit, now: string): Circuit {
  return { ...circuit, state: 'half_open', probeStartedAt: now };
}

/** A 2xx: the endpoint works, whatever the state was. */
export function afterSuccess(circuit: Circuit): Circuit {
  return { ...CLOSED_CIRCUIT, revision: circuit.revision };
}

/** A failed attempt (error, timeout or non-2xx answer). */
export function afterFailure(circuit: Circuit, now: string, scale = 1): Circuit {
  const consecutiveFailures = circuit.consecutiveFailures + 1;
  const open = (cooldownSeconds: number): Circuit => ({
    state: 'open',
    consecutiveFailures,
    openedAt: now,
    openUntil: plus(now, cooldownSeconds * scale),
    cooldownSeconds,
    probeStartedAt: null,
    revision: circuit.revision,
  });
  switch (circuit.state) {
    case 'closed':
      return consecutiveFailures >= CIRCUIT_FAILURE_THRESHOLD
        ? open(CIRCUIT_BASE_COOLDOWN_SECONDS)
        : { ...circuit, consecutiveFailures };
    case 'half_open':
      // The probe failed: open again, for longer.
      return open(
        Math.min(
          CIRCUIT_MAX_COOLDOWN_SECONDS,
          Math.max(CIRCUIT_BASE_COOLDOWN_SECONDS, circuit.cooldownSeconds * 2),
        ),
      );
    case 'open':
      // An attempt that went out before the circuit opened: counted, the cooldown stays.
      return { ...circuit, consecutiveFailures };
  }
}
