import { beforeEach, describe, expect, it } from 'vitest';
import { hmacTokenSigner } from '../../../functions/adapters/token-signer.ts';
import type { Caller } from '../../../functions/core/caller.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import {
  SURVEY_TTL_DAYS,
  SurveyLinkError,
  signSurveyToken,
  verifySurveyToken,
} from '../../../functions/core/surveys.ts';
import { applyPatch, openTicket } from '../../../functions/core/tickets.ts';
import { makeGetReportMetrics } from '../../../functions/core/use-cases/reports.ts';
import { makeAnswerSurvey, makeGetSurveyLink } from '../../../functions/core/use-cases/surveys.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const signer = hmacTokenSigner('a-test-secret');
const claim = { tenantId: 'acme', ticket: 42, expiresAt: '2026-04-01T09:00:00.000Z' };

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SurveyLinkError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('survey tokens', () => {
  it('verify what they were signed with until they expire', async () => {
    const token = await signSurveyToken(signer, claim);
    expect(token).toMatch(/^s1\.acme\.42\.\d+\.[0-9a-f]{32}$/);
    expect(await verifySurveyToken(signer, token, '2026-03-02T09:00:00.000Z')).toEqual(claim);
    expect(await reason(verifySurveyToken(signer, token, '2026-04-01T09:00:00.000Z'))).toBe('expired');
  });

  it('refuse any change of tenant, ticket, expiry or signature, and another secret', async () => {
    const token = await signSurveyToken(signer, claim);
    const [, tenant, ticket, expires, signature] = token.split('.') as [
      string,
      string,
      string,
      string,
      string,
    ];
    const now = '2026-03-02T09:00:00.000Z';
    const flipped = signature.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    for (const forged of [
      ['s1', 'other', ticket, expires, signature],
      ['s1', tenant, '43', expires, signature],
      ['s1', tenant, ticket, String(Number(expires) + 86_400 * 365), signature],
      ['s1', tenant, ticket, expires, flipped],
    ]) {
      expect(await reason(verifySurveyToken(signer, forged.join('.'), now))).toBe('tampered');
    }
    expect(await reason(verifySurveyToken(hmacTokenSigner('another-secret'), token, now))).toBe('tampered');
    for (const malformed of ['', 'hello', token.toUpperCase(), `${token}.x`, token.slice(0, -1)]) {
      expect(await reason(verifySurveyToken(signer, malformed, now))).toBe('malformed');
    }
  });
});

describe('survey use cases', () => {
  let ports: ReturnType<typeof memoryPorts>;
  const caller: Caller = {
    tenantId: 'acme',
    role: 'agent',
    keyId: 'key_1',
    actor: { type: 'agent', id: 'agt_bo' },
  };

  beforeEach(async () => {
    ports = memoryPorts();
    const opened = openTicket(
      {
        tenantId: 'acme',
        number: 1,
        subject: 'Help',
        comment: { body: 'Please', public: true },
        requester: { id: 'cus_ann', email: 'ann@example.com', phone: null, name: null },
        channel: 'chat',
        group: 'billing',
      },
      { type: 'customer', id: 'cus_ann' },
      ports.clock.now(),
      ports.ids,
    );
    await ports.tickets.create({
      change: opened,
      requester: { ref: opened.ticket.requester, organization: null, write: false },
    });
  });

  async function solve() {
    const ticket = (await ports.tickets.get('acme', 1))!;
    const solved = applyPatch(ticket, { status: 'solved' }, caller.actor, ports.clock.now(), ports.ids);
    await ports.tickets.save(solved, ticket.version);
  }

  it('gives a link only for a solved ticket of the caller’s tenant', async () => {
    const link = makeGetSurveyLink(ports);
    await expect(link(caller, 1)).rejects.toMatchObject({ code: 'conflict' });
    await expect(link(caller, 2)).rejects.toMatchObject({ code: 'not_found' });
    await solve();
    const made = await link(caller, 1);
    expect(made.ticket).toBe(1);
    expect(Date.parse(made.expiresAt) - Date.parse(ports.clock.now())).toBe(SURVEY_TTL_DAYS * 86_400_000);
    expect(await verifySurveyToken(ports.tokens, made.token, ports.clock.now())).toMatchObject({
      tenantId: 'acme',
      ticket: 1,
    });
  });

  it('records one answer per ticket and counts it in the CSAT of its day, group and channel', async () => {
    await solve();
    const { token } = await makeGetSurveyLink(ports)(caller, 1);
    const answer = makeAnswerSurvey(ports);
    const recorded = await answer(token, { score: 5, comment: '  Quick and kind  ' });
    expect(recorded).toMatchObject({ ticket: 1, score: 5, comment: 'Quick and kind', group: 'billing' });
    // A second answer, even a different one, from the same or a fresh link: 409.
    await expect(answer(token, { score: 1 })).rejects.toMatchObject({ code: 'conflict' });
    const again = await makeGetSurveyLink(ports)(caller, 1);
    await expect(answer(again.token, { score: 2 })).rejects.toBeInstanceOf(DomainError);

    const report = makeGetReportMetrics(ports);
    const day = ports.clock.now().slice(0, 10);
    expect((await report(caller, { from: day, to: day })).csat).toEqual({ responses: 1, score: 100 });
    expect(
      (await report(caller, { from: day, to: day, channel: 'chat', group: 'billing' })).csat.responses,
    ).toBe(1);
    expect((await report(caller, { from: day, to: day, channel: 'email' })).csat.responses).toBe(0);
  });

  it('refuses an expired link, and a link whose ticket is gone', async () => {
    await solve();
    const { token, expiresAt } = await makeGetSurveyLink(ports)(caller, 1);
    ports.clock.advance(Date.parse(expiresAt) - Date.parse(ports.clock.now()));
    await expect(makeAnswerSurvey(ports)(token, { score: 4 })).rejects.toMatchObject({ reason: 'expired' });
    const gone = await signSurveyToken(ports.tokens, {
      tenantId: 'acme',
      ticket: 99,
      expiresAt: '2027-01-01T00:00:00.000Z',
    });
    await expect(makeAnswerSurvey(ports)(gone, { score: 4 })).rejects.toMatchObject({ code: 'not_found' });
  });
});
