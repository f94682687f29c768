import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import { dimensionsOf } from '../../../functions/core/reporting/counters.ts';
import { metricsReport } from '../../../functions/core/reporting/metrics.ts';
import { type SurveyAnswer, surveyAnswerOf, surveyCounters } from '../../../functions/core/surveys.ts';
import { applyPatch, openTicket } from '../../../functions/core/tickets.ts';
import { makeGetReportMetrics } from '../../../functions/core/use-cases/reports.ts';
import {
  makeAnswerSurvey,
  makeGetSurvey,
  makeGetSurveyLink,
} from '../../../functions/core/use-cases/surveys.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const answer = (effort: number | null, score = 4): SurveyAnswer => ({
  tenantId: 'acme',
  ticket: 1,
  score,
  effort,
  comment: null,
  at: '2026-03-02T10:00:00.000Z',
  group: 'billing',
  channel: 'email',
  assignee: 'agt_1',
});

describe('customer effort counters', () => {
  it('count an effort answer once per dimension, under its value; no effort, no CES counter', () => {
    const dims = dimensionsOf({ group: 'billing', channel: 'email', assignee: 'agt_1' });
    const cells = surveyCounters(answer(6)).entries();
    const ces = cells.filter(({ cell }) => cell.counter.startsWith('ces.'));
    expect(ces.map(({ cell }) => [cell.dimension, cell.counter])).toEqual(dims.map((d) => [d, 'ces.6']));
    expect(ces.every(({ cell, quantity }) => quantity === 1 && cell.day === '2026-03-02')).toBe(true);
    expect(
      surveyCounters(answer(null))
        .entries()
        .some(({ cell }) => cell.counter.startsWith('ces.')),
    ).toBe(false);
  });

  it('report responses, the mean effort and the share of easy answers (5–7)', () => {
    const byDay = new Map<string, Record<string, number>>([
      ['2026-03-01', { 'ces.7': 2, 'ces.5': 1, 'ces.1': 1 }],
      ['2026-03-02', { 'ces.3': 1, 'csat.responses': 6 }],
    ]);
    // (7 + 7 + 5 + 1 + 3) / 5 = 4.6; easy: 7, 7, 5 → 3 of 5.
    expect(metricsReport('2026-03-01', '2026-03-02', byDay).ces).toEqual({
      responses: 5,
      average: 4.6,
      easyShare: 0.6,
    });
    expect(metricsReport('2026-03-01', '2026-03-01', new Map()).ces).toEqual({
      responses: 0,
      average: null,
      easyShare: null,
    });
    // Rounded: averages to 2 decimals, shares to 3.
    expect(metricsReport('d', 'd', new Map([['d', { 'ces.1': 1, 'ces.2': 1, 'ces.5': 1 }]])).ces).toEqual({
      responses: 3,
      average: 2.67,
      easyShare: 0.333,
    });
  });

  it('read answers stored before the effort question as without effort', () => {
    const { effort: _effort, ...old } = answer(5);
    expect(surveyAnswerOf({ ...old, entity: 'survey', pk: 'x', sk: 'y' })).toEqual(answer(null));
  });
});

describe('survey answers with effort', () => {
  let ports: ReturnType<typeof memoryPorts>;
  const agent: Caller = {
    tenantId: 'acme',
    role: 'agent',
    keyId: 'k',
    actor: { type: 'agent', id: 'agt_bo' },
  };
  let token: string;

  beforeEach(async () => {
    ports = memoryPorts();
    const opened = openTicket(
      {
        tenantId: 'acme',
        number: 1,
        subject: 'Help <now>',
        comment: { body: 'Please', public: true },
        requester: { id: 'cus_ann', email: 'ann@example.com', phone: null, name: null },
        channel: 'email',
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
    const solved = applyPatch(opened.ticket, { status: 'solved' }, agent.actor, ports.clock.now(), ports.ids);
    await ports.tickets.save(solved, opened.ticket.version);
    token = (await makeGetSurveyLink(ports)(agent, 1)).token;
  });

  it('reads the survey for its page without recording anything', async () => {
    const view = makeGetSurvey(ports);
    for (let i = 0; i < 3; i++) {
      expect(await view(token)).toMatchObject({ ticket: 1, subject: 'Help <now>', answer: null });
    }
    expect(ports.reports.surveys.size).toBe(0);
    expect(ports.reports.counters.size).toBe(0);
    await makeAnswerSurvey(ports)(token, { score: 2, effort: 6 });
    expect((await view(token)).answer).toMatchObject({ score: 2, effort: 6 });
  });

  it('stores the effort with the answer and reports it as CES', async () => {
    const recorded = await makeAnswerSurvey(ports)(token, { score: 5, effort: 7, comment: 'Smooth' });
    expect(recorded).toMatchObject({ score: 5, effort: 7, comment: 'Smooth' });
    const day = ports.clock.now().slice(0, 10);
    const report = await makeGetReportMetrics(ports)(agent, { from: day, to: day, group: 'billing' });
    expect(report.csat).toEqual({ responses: 1, score: 100 });
    expect(report.ces).toEqual({ responses: 1, average: 7, easyShare: 1 });
  });

  it('refuses an effort or a score out of range, recording nothing', async () => {
    const answerSurvey = makeAnswerSurvey(ports);
    for (const input of [
      { score: 4, effort: 8 },
      { score: 4, effort: 0 },
      { score: 4, effort: 2.5 },
      { score: 6 },
    ]) {
      await expect(answerSurvey(token, input)).rejects.toMatchObject({ code: 'validation' });
    }
    expect(ports.reports.surveys.size).toBe(0);
    expect(await answerSurvey(token, { score: 4 })).toMatchObject({ effort: null });
  });
});
