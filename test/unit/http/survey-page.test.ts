import { beforeEach, describe, expect, it } from 'vitest';
import { signSurveyToken } from '../../../functions/core/surveys.ts';
import { makeApi } from '../../../functions/http/api.ts';
import { escapeHtml } from '../../../functions/http/html-page.ts';
import {
  surveyAlreadyAnsweredPage,
  surveyFormPage,
  surveyProblemPage,
} from '../../../functions/http/survey-page.ts';
import { apiEvent, type EventOptions } from '../../support/api-event.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const HOSTILE = `<script>alert("x")</script> & 'quotes' <img src=x onerror=alert(1)>`;

describe('survey page rendering', () => {
  it('escapes everything that comes from a ticket', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = surveyFormPage({ token: 's1.acme.1.99.abc', ticket: 1, subject: HOSTILE, comment: HOSTILE });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
    const answered = surveyAlreadyAnsweredPage({ ticket: 1, subject: HOSTILE, score: 4, effort: null });
    expect(answered).not.toContain('<script>');
    expect(surveyProblemPage(HOSTILE, HOSTILE)).not.toMatch(/<script>|<img/);
  });

  it('is a self-contained form: no script, no external asset, posting back to its own link', () => {
    const html = surveyFormPage({ token: 's1.acme.1.99.abc', ticket: 1, subject: 'Printer', score: 4 });
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i);
    expect(html).toContain('<form method="post" action="./s1.acme.1.99.abc">');
    // Score 4 chosen (from the mail's link), one score required; the effort scale 1–7 and a comment box.
    expect(html.match(/name="score" value="\d"[^>]*/g)).toEqual([
      'name="score" value="1" required',
      'name="score" value="2" required',
      'name="score" value="3" required',
      'name="score" value="4" checked required',
      'name="score" value="5" required',
    ]);
    expect(html.match(/name="effort" value="\d"/g)).toHaveLength(7);
    expect(html).toContain('How easy was it to get your issue resolved?');
    expect(html).toContain('<textarea id="comment" name="comment" maxlength="2000">');
  });
});

describe('survey routes', () => {
  let ports: ReturnType<typeof memoryPorts>;
  let api: ReturnType<typeof makeApi>;
  let token: string;
  const logger = { error: () => {}, warn: () => {} };
  const admin = { tenantId: 'acme', role: 'admin' };

  async function call(method: string, path: string, options: EventOptions = {}) {
    const result = await api(apiEvent(method, path, options));
    return {
      status: result.statusCode!,
      headers: (result.headers ?? {}) as Record<string, string>,
      body: String(result.body ?? ''),
    };
  }

  const form = (fields: Record<string, string>) => ({
    rawBody: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

  beforeEach(async () => {
    ports = memoryPorts();
    api = makeApi(ports, logger, '0.0.0-test');
    const created = await call('POST', '/v1/tickets', {
      auth: admin,
      body: { subject: HOSTILE, comment: { body: 'Help' }, requester: { email: 'ann@example.com' } },
    });
    expect(created.status).toBe(201);
    await call('PATCH', '/v1/tickets/1', { auth: admin, body: { status: 'solved' } });
    const link = await call('GET', '/v1/tickets/1/survey-link', { auth: admin });
    token = JSON.parse(link.body).token;
  });

  it('GET shows the form with the score from the link, escaped, and records nothing', async () => {
    const page = await call('GET', `/v1/surveys/${token}?score=2`);
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('name="score" value="2" checked');
    expect(page.body).not.toContain('<script>');
    // A scanner following all five links, and a bogus score: still nothing recorded.
    for (const score of ['1', '2', '3', '4', '5', 'x', '99']) {
      expect((await call('GET', `/v1/surveys/${token}?score=${score}`)).status).toBe(200);
    }
    expect(ports.reports.surveys.size).toBe(0);
    expect(ports.reports.counters.size).toBe(0);
  });

  it('POST of the form records the answer with effort and comment, and thanks in HTML', async () => {
    const sent = await call(
      'POST',
      `/v1/surveys/${token}`,
      form({ score: '4', effort: '6', comment: ' Kind <b>people</b> ' }),
    );
    expect(sent.status).toBe(201);
    expect(sent.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(sent.body).toContain('Thank you');
    expect([...ports.reports.surveys.values()]).toEqual([
      expect.objectContaining({ ticket: 1, score: 4, effort: 6, comment: 'Kind <b>people</b>' }),
    ]);
    // Answered: the page says so, a second form gets 409 "already answered", JSON keeps its 409 problem.
    const again = await call('GET', `/v1/surveys/${token}?score=1`);
    expect(again.status).toBe(200);
    expect(again.body).toContain('already answered');
    expect(again.body).not.toContain('<form');
    const twice = await call('POST', `/v1/surveys/${token}`, form({ score: '1' }));
    expect(twice.status).toBe(409);
    expect(twice.body).toContain('already answered');
    const json = await call('POST', `/v1/surveys/${token}`, { body: { score: 1 } });
    expect(json.status).toBe(409);
    expect(json.headers['content-type']).toBe('application/problem+json');
  });

  it('shows the form again, saying what to fix, when the form lacks a score or has a bad effort', async () => {
    const missing = await call('POST', `/v1/surveys/${token}`, form({ effort: '3', comment: 'hm' }));
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('Please choose a score from 1 to 5.');
    expect(missing.body).toContain('name="effort" value="3" checked');
    expect(missing.body).toContain('>hm</textarea>');
    const effort = await call('POST', `/v1/surveys/${token}`, form({ score: '5', effort: '9' }));
    expect(effort.status).toBe(400);
    expect(effort.body).toContain('The effort answer goes from 1 to 7.');
    expect(ports.reports.surveys.size).toBe(0);
  });

  it('JSON clients keep getting JSON, with the effort', async () => {
    const answered = await call('POST', `/v1/surveys/${token}`, { body: { score: 5, effort: 7 } });
    expect(answered.status).toBe(201);
    expect(JSON.parse(answered.body)).toMatchObject({ ticket: 1, score: 5, effort: 7, comment: null });
    const bad = await call('POST', `/v1/surveys/${token}`, { body: { score: 5, effort: 8 } });
    expect(bad.status).toBe(400);
  });

  it('answers unusable links with clear 4xx pages', async () => {
    const malformed = await call('GET', '/v1/surveys/not-a-token');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toContain('This is not a survey link');
    const forged = await call('GET', `/v1/surveys/${token.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`);
    expect(forged.status).toBe(404);
    expect(forged.body).toContain('No such survey');
    const expired = await signSurveyToken(ports.tokens, {
      tenantId: 'acme',
      ticket: 1,
      expiresAt: new Date(Date.parse(ports.clock.now()) - 1000).toISOString(),
    });
    const old = await call('GET', `/v1/surveys/${expired}`);
    expect(old.status).toBe(400);
    expect(old.body).toContain('This survey link has expired');
    const postExpired = await call('POST', `/v1/surveys/${expired}`, form({ score: '5' }));
    expect(postExpired.status).toBe(400);
    const gone = await signSurveyToken(ports.tokens, {
      tenantId: 'acme',
      ticket: 99,
      expiresAt: '2027-01-01T00:00:00.000Z',
    });
    expect((await call('GET', `/v1/surveys/${gone}`)).status).toBe(404);
    for (const page of [malformed, forged, old])
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ports.reports.surveys.size).toBe(0);
  });
});
