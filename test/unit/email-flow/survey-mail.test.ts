import { beforeEach, describe, expect, it } from 'vitest';
import { hmacSigner } from '../../../functions/adapters/reply-signer.ts';
import type { Caller } from '../../../functions/core/caller.ts';
import type { OutboundMail } from '../../../functions/core/email/outbound.ts';
import { SURVEY_TTL_DAYS, verifySurveyToken } from '../../../functions/core/surveys.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { makeSendEmail } from '../../../functions/core/use-cases/send-email.ts';
import { MemoryMessageStore, memoryPorts } from '../../support/in-memory-ports.ts';

const channel: Caller = {
  tenantId: 'acme',
  role: 'channel',
  keyId: 'email',
  actor: { type: 'system', id: 'email' },
};
const agent: Caller = { tenantId: 'acme', role: 'agent', keyId: 'k', actor: { type: 'agent', id: 'agt_1' } };
const API = 'https://api.desk.example/';

let ports: ReturnType<typeof memoryPorts>;
let sent: OutboundMail[];
let publicApiUrl: string | null;
let send: ReturnType<typeof makeSendEmail>;
let uc: ReturnType<typeof makeUseCases>;

beforeEach(() => {
  ports = memoryPorts();
  sent = [];
  publicApiUrl = API;
  uc = makeUseCases(ports);
  send = makeSendEmail({
    ...ports,
    messages: new MemoryMessageStore(ports.tickets),
    settings: ports.emailSettings,
    signer: hmacSigner('secret'),
    mailer: {
      async send(mail) {
        sent.push(mail);
        return { messageIds: [mail.messageId] };
      },
    },
    surveys: {
      enabled: async (tenantId) => (await ports.lifecycleSettings.get(tenantId)).csatSurveys,
      answered: async (tenantId, ticket) => (await ports.reports.survey(tenantId, ticket)) !== null,
      tokens: ports.tokens,
      publicApiUrl: () => publicApiUrl,
    },
  });
});

/** An email ticket from Ann (in-1), acknowledged, answered by an agent (both mails sent): the thread so far. */
async function emailTicket(requester: { email?: string; phone?: string } = { email: 'ann@example.com' }) {
  const { ticket } = await uc.createTicket(
    channel,
    {
      subject: 'Order missing',
      comment: {
        body: 'Where is it?',
        email: {
          messageId: `in-${Math.random()}@example.com`,
          from: 'ann@example.com',
          to: ['support@acme.test'],
          cc: [],
          subject: 'Order missing',
          text: 'Where is it?',
          html: null,
          rawKey: null,
          automated: null,
        },
      },
      requester: { ...requester, name: 'Ann' },
      participants: ['bo@example.com'],
      mailbox: 'support@acme.test',
    },
    { channel: 'email' },
  );
  const reply = await uc.addComment(agent, ticket.number, { body: 'It ships today.' });
  await send('acme', ticket.number, reply.comment.id, 1);
  return ticket.number;
}

/** Solves the ticket and returns the id of its status change event. */
async function solve(number: number) {
  await uc.updateTicket(agent, number, { status: 'solved' });
  return ports.tickets.events
    .filter((e) => e.ticketNumber === number && e.data.type === 'status_changed')
    .at(-1)!;
}

describe('the satisfaction survey mailed on solve', () => {
  it('goes once per solve to the requester, threaded like a reply, with a link per score', async () => {
    const number = await emailTicket();
    const reply = sent.at(-1)!;
    const solved = await solve(number);
    expect(await send('acme', number, solved.id, 1)).toMatchObject({ outcome: 'sent' });
    const survey = sent.at(-1)!;
    expect(survey).toMatchObject({
      kind: 'survey',
      from: 'support@acme.test',
      replyTo: reply.replyTo,
      to: ['ann@example.com'],
      cc: [],
      subject: 'Re: [#1] Order missing',
      inReplyTo: reply.messageId,
      autoSubmitted: true,
      messageId: `${solved.id.toLowerCase()}.1@acme.test`,
    });
    expect(survey.references.at(-1)).toBe(reply.messageId);
    expect(survey.text).toContain('How did we do?');
    const links = [...survey.text.matchAll(/https:\/\/api\.desk\.example\/v1\/surveys\/(\S+)\?score=(\d)/g)];
    expect(links.map((m) => m[2])).toEqual(['1', '2', '3', '4', '5']);
    const token = links[0]![1]!;
    expect(new Set(links.map((m) => m[1]))).toEqual(new Set([token]));
    const claim = await verifySurveyToken(ports.tokens, token, ports.clock.now());
    expect(claim).toMatchObject({ tenantId: 'acme', ticket: number });
    expect(Date.parse(claim.expiresAt) - Date.parse(solved.at)).toBeLessThanOrEqual(
      SURVEY_TTL_DAYS * 86_400_000,
    );
    expect(ports.tickets.events.at(-1)!.data).toMatchObject({
      type: 'email_sent',
      kind: 'survey',
      forEvent: solved.id,
    });

    // The same event again (a redelivery): not sent twice. Reopened and solved again: one more survey.
    const count = sent.length;
    expect(await send('acme', number, solved.id, 2)).toEqual({ outcome: 'already_sent' });
    expect(sent).toHaveLength(count);
    await uc.updateTicket(agent, number, { status: 'open' });
    const second = await solve(number);
    expect(await send('acme', number, second.id, 1)).toMatchObject({ outcome: 'sent' });
    expect(sent.filter((m) => m.kind === 'survey')).toHaveLength(2);
  });

  it('is not sent for spam, a requester without an address, a tenant that turned it off, or without a URL', async () => {
    const skipped = async (number: number, reason: RegExp) => {
      const solved = await solve(number);
      expect(await send('acme', number, solved.id, 1)).toMatchObject({
        outcome: 'skipped',
        reason: expect.stringMatching(reason),
      });
    };
    const spam = await emailTicket();
    await uc.updateTicket(agent, spam, { spam: true });
    await skipped(spam, /spam/);

    await skipped(await emailTicket({ phone: '+14155550123' }), /no email address/);

    publicApiUrl = null;
    await skipped(await emailTicket(), /public API URL/);
    publicApiUrl = API;

    await ports.lifecycleSettings.put('acme', {
      ...(await ports.lifecycleSettings.get('acme')),
      csatSurveys: false,
    });
    await skipped(await emailTicket(), /off for this tenant/);
    expect(sent.filter((m) => m.kind === 'survey')).toEqual([]);
  });

  it('is not sent when the ticket was rated already, or was reopened before the mail went out', async () => {
    const rated = await emailTicket();
    const first = await solve(rated);
    const { token } = await uc.getSurveyLink(agent, rated);
    await uc.answerSurvey(token, { score: 5 });
    expect(await send('acme', rated, first.id, 1)).toMatchObject({
      reason: expect.stringMatching(/rated already/),
    });

    const reopened = await emailTicket();
    const solvedThen = await solve(reopened);
    await uc.updateTicket(agent, reopened, { status: 'open' });
    expect(await send('acme', reopened, solvedThen.id, 1)).toMatchObject({
      reason: expect.stringMatching(/open again/),
    });
    expect(sent.filter((m) => m.kind === 'survey')).toEqual([]);
  });

  it('is not sent for tickets that are not email conversations, nor for other status changes', async () => {
    const { ticket } = await uc.createTicket(agent, {
      subject: 'By API',
      comment: { body: 'x' },
      requester: { email: 'cy@example.com' },
    });
    const solved = await solve(ticket.number);
    expect(await send('acme', ticket.number, solved.id, 1)).toMatchObject({
      reason: expect.stringMatching(/not an email/),
    });
    const number = await emailTicket();
    await uc.updateTicket(agent, number, { status: 'pending' });
    const pending = ports.tickets.events.filter((e) => e.data.type === 'status_changed').at(-1)!;
    expect(await send('acme', number, pending.id, 1)).toMatchObject({ reason: 'not a solve' });
  });
});
