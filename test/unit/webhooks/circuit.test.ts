import { describe, expect, it } from 'vitest';
import {
  admit,
  afterFailure,
  afterSuccess,
  CIRCUIT_BASE_COOLDOWN_SECONDS,
  CIRCUIT_FAILURE_THRESHOLD,
  CIRCUIT_MAX_COOLDOWN_SECONDS,
  type Circuit,
  CLOSED_CIRCUIT,
  DEFERRAL_JITTER,
  PROBE_LEASE_SECONDS,
  PROBE_WAIT_SECONDS,
  spreadDeferral,
  startProbe,
} from '../../../functions/core/webhooks/circuit.ts';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function failTimes(circuit: Circuit, times: number, now = at(0)): Circuit {
  let current = circuit;
  for (let i = 0; i < times; i++) current = afterFailure(current, now);
  return current;
}

describe('circuit breaker', () => {
  it('stays closed, counting, below the threshold; a success resets the count', () => {
    const failing = failTimes(CLOSED_CIRCUIT, CIRCUIT_FAILURE_THRESHOLD - 1);
    expect(failing).toMatchObject({ state: 'closed', consecutiveFailures: CIRCUIT_FAILURE_THRESHOLD - 1 });
    expect(admit(failing, at(0))).toEqual({ kind: 'send' });
    expect(afterSuccess(failing)).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    // Not consecutive: a success in between starts the count again.
    expect(failTimes(afterSuccess(failing), CIRCUIT_FAILURE_THRESHOLD - 1).state).toBe('closed');
  });

  it('opens at the threshold for the base cooldown, deferring deliveries until it is over', () => {
    const open = failTimes(CLOSED_CIRCUIT, CIRCUIT_FAILURE_THRESHOLD);
    expect(open).toMatchObject({
      state: 'open',
      consecutiveFailures: CIRCUIT_FAILURE_THRESHOLD,
      openedAt: at(0),
      openUntil: at(CIRCUIT_BASE_COOLDOWN_SECONDS),
      cooldownSeconds: CIRCUIT_BASE_COOLDOWN_SECONDS,
    });
    expect(admit(open, at(0))).toEqual({ kind: 'defer', seconds: CIRCUIT_BASE_COOLDOWN_SECONDS });
    expect(admit(open, at(45.5))).toEqual({ kind: 'defer', seconds: 15 });
    expect(admit(open, at(CIRCUIT_BASE_COOLDOWN_SECONDS))).toEqual({ kind: 'probe' });
  });

  it('lets one probe through after the cooldown (half-open); others wait for it', () => {
    const open = failTimes(CLOSED_CIRCUIT, CIRCUIT_FAILURE_THRESHOLD);
    const probing = startProbe(open, at(60));
    expect(probing).toMatchObject({ state: 'half_open', probeStartedAt: at(60) });
    expect(admit(probing, at(61))).toEqual({ kind: 'defer', seconds: PROBE_WAIT_SECONDS });
    // A probe whose worker died holds the circuit no longer than its lease.
    expect(admit(probing, at(60 + PROBE_LEASE_SECONDS + 1))).toEqual({ kind: 'probe' });
  });

  it('closes when the probe succeeds', () => {
    const probing = startProbe(failTimes(CLOSED_CIRCUIT, CIRCUIT_FAILURE_THRESHOLD), at(60));
    expect(afterSuccess(probing)).toEqual({ ...CLOSED_CIRCUIT, revision: probing.revision });
    expect(admit(afterSuccess(probing), at(61))).toEqual({ kind: 'send' });
  });

  it('opens again for twice as long when the probe fails, up to the cap', () => {
    let circuit = failTimes(CLOSED_CIRCUIT, CIRCUIT_FAILURE_THRESHOLD);
    const cooldowns: number[] = [circuit.cooldownSeconds];
    let now = 0;
    for (let probe = 0; probe < 8; probe++) {
      now += circuit.cooldownSeconds;
      circuit = afterFailure(startProbe(circuit, at(now)), at(now + 1));
      now += 1;
      expect(circuit.state).toBe('open');
      expect(circuit.openUntil).toBe(at(now + circuit.cooldownSeconds));
      cooldowns.push(circuit.cooldownSeconds);
    }
    expect(cooldowns).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    expect(Math.max(...cooldowns)).toBe(CIRCUIT_MAX_COOLDOWN_SECONDS);
  });

  it('counts a late failure while open without moving the cooldown', () => {
    const open = failTimes(CLOSED_CIRCUIT, CIRCUIT_FAILURE_THRESHOLD);
    const later = afterFailure(open, at(10));
    expect(later).toMatchObject({
      state: 'open',
      consecutiveFailures: CIRCUIT_FAILURE_THRESHOLD + 1,
      openUntil: open.openUntil,
    });
  });

  it('scales cooldowns and waits for local runs, never below one second', () => {
    const open = failTimes(CLOSED_CIRCUIT, CIRCUIT_FAILURE_THRESHOLD);
    const scaled = afterFailure(failTimes(CLOSED_CIRCUIT, CIRCUIT_FAILURE_THRESHOLD - 1), at(0), 0.1);
    expect(scaled.openUntil).toBe(at(6));
    expect(scaled.cooldownSeconds).toBe(CIRCUIT_BASE_COOLDOWN_SECONDS);
    expect(admit(scaled, at(5.9), 0.1)).toEqual({ kind: 'defer', seconds: 1 });
    expect(admit(startProbe(open, at(60)), at(60), 0.01)).toEqual({ kind: 'defer', seconds: 1 });
  });

  it('spreads deferrals over +0–30 % of their wait, whole seconds from 1 to 900', () => {
    expect(DEFERRAL_JITTER).toBe(0.3);
    expect(spreadDeferral(60, 0)).toBe(60);
    expect(spreadDeferral(60, 0.5)).toBe(69);
    expect(spreadDeferral(60, 0.999)).toBe(78);
    expect(spreadDeferral(600, 0.99)).toBe(779);
    // SQS's longest delay caps it; a deferral is never shorter than a second.
    expect(spreadDeferral(900, 0.5)).toBe(900);
    expect(spreadDeferral(800, 0.9)).toBe(900);
    expect(spreadDeferral(0.2, 0)).toBe(1);
    // Deliveries held back by one opening come back over a stretch of time, not at the same second.
    const waits = Array.from({ length: 10 }, (_, i) => spreadDeferral(100, i / 10));
    expect(new Set(waits).size).toBe(10);
    expect(Math.min(...waits)).toBe(100);
    expect(Math.max(...waits)).toBe(127);
  });
});
