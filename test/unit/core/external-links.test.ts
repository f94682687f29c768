import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../functions/core/errors.ts';
import {
  addExternalLink,
  MAX_EXTERNAL_LINKS,
  normalizeLinkUrl,
  systemOfUrl,
} from '../../../functions/core/external-links.ts';
import { applyPatch, openTicket } from '../../../functions/core/tickets.ts';
import { sequentialIds } from '../../support/in-memory-ports.ts';

const now = '2026-03-02T09:00:00.000Z';
const later = '2026-03-02T10:00:00.000Z';
const integration = { type: 'system', id: 'key_tracker' } as const;
const agent = { type: 'agent', id: 'agt_1' } as const;

function ticket() {
  return openTicket(
    {
      tenantId: 'acme',
      number: 7,
      subject: 'Login fails',
      comment: { body: 'It says 500', public: true },
      requester: { id: 'cus_1', email: 'a@example.com', phone: null, name: null },
      channel: 'api',
      tags: ['engineering'],
    },
    agent,
    now,
    sequentialIds(),
  ).ticket;
}

describe('addExternalLink', () => {
  it('adds the link as an external_link_added event, with one version step', () => {
    const before = ticket();
    const { change, link, added } = addExternalLink(
      before,
      { url: 'https://github.com/acme/api/issues/17', title: 'Login fails', externalId: 'acme/api#17' },
      integration,
      later,
      sequentialIds(),
    );
    expect(added).toBe(true);
    expect(link).toEqual({
      url: 'https://github.com/acme/api/issues/17',
      title: 'Login fails',
      system: 'github',
      externalId: 'acme/api#17',
      addedAt: later,
      addedBy: integration,
    });
    expect(change.ticket.externalLinks).toEqual([link]);
    expect(change.ticket.version).toBe(before.version + 1);
    expect(change.ticket.updatedAt).toBe(later);
    expect(change.events).toHaveLength(1);
    expect(change.events[0]!.actor).toEqual(integration);
    expect(change.events[0]!.data).toEqual({
      type: 'external_link_added',
      url: 'https://github.com/acme/api/issues/17',
      title: 'Login fails',
      system: 'github',
      externalId: 'acme/api#17',
    });
    expect(change.events[0]!.ticket.version).toBe(before.version + 1);
  });

  it('is idempotent by URL: the same address, spelled differently, is the same link', () => {
    const first = addExternalLink(
      ticket(),
      { url: 'https://linear.app/acme/issue/ENG-42' },
      agent,
      now,
      sequentialIds(),
    );
    const again = addExternalLink(
      first.change.ticket,
      { url: 'https://LINEAR.app:443/acme/issue/ENG-42', title: 'another title' },
      integration,
      later,
      sequentialIds(),
    );
    expect(again.added).toBe(false);
    expect(again.change.events).toEqual([]);
    expect(again.change.ticket).toBe(first.change.ticket);
    expect(again.link).toEqual(first.link);
    expect(again.link.title).toBeNull();
  });

  it('guesses the system from the host unless told, and keeps blanks out', () => {
    const jira = addExternalLink(
      ticket(),
      { url: 'https://acme.atlassian.net/browse/ENG-1', title: '  ', externalId: ' ENG-1 ' },
      agent,
      now,
      sequentialIds(),
    );
    expect(jira.link).toMatchObject({ system: 'jira', title: null, externalId: 'ENG-1' });
    const told = addExternalLink(
      ticket(),
      { url: 'https://tracker.example.com/i/1', system: 'jira' },
      agent,
      now,
      sequentialIds(),
    );
    expect(told.link.system).toBe('jira');
    expect(systemOfUrl('https://status.example.com/incident/3')).toBe('other');
    expect(systemOfUrl('https://github.com/acme/api/issues/1')).toBe('github');
    expect(systemOfUrl('https://linear.app/acme/issue/ENG-42/title')).toBe('linear');
  });

  it('refuses anything but a public https URL', () => {
    for (const [url, reason] of [
      ['http://github.com/acme/api/issues/1', 'must use https'],
      ['https://user:secret@example.com/x', 'must not carry credentials'],
      ['https://127.0.0.1/x', 'must not point at a loopback address'],
      ['https://10.0.0.8/x', 'must not point at a private, link-local or reserved address'],
      [
        'https://169.254.169.254/latest/meta-data',
        'must not point at a private, link-local or reserved address',
      ],
      ['https://intranet/x', 'must name a public host (a fully qualified domain name)'],
      ['javascript:alert(1)', 'must use https'],
      ['not a url', 'is not an absolute URL'],
    ] as const) {
      expect(normalizeLinkUrl(url)).toEqual({ ok: false, reason });
      let error: unknown;
      try {
        addExternalLink(ticket(), { url }, agent, now, sequentialIds());
      } catch (caught) {
        error = caught;
      }
      expect(error, url).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('validation');
      expect((error as DomainError).fieldErrors).toEqual([{ path: 'url', message: reason }]);
    }
    expect(normalizeLinkUrl(`https://example.com/${'a'.repeat(2048)}`).ok).toBe(false);
  });

  it(`holds at most ${MAX_EXTERNAL_LINKS} links, but a known URL still answers`, () => {
    let current = ticket();
    const ids = sequentialIds();
    for (let i = 0; i < MAX_EXTERNAL_LINKS; i++) {
      current = addExternalLink(current, { url: `https://example.com/issue/${i}` }, agent, now, ids).change
        .ticket;
    }
    expect(current.externalLinks).toHaveLength(MAX_EXTERNAL_LINKS);
    expect(() => addExternalLink(current, { url: 'https://example.com/issue/x' }, agent, now, ids)).toThrow(
      /has 20 external links already/,
    );
    expect(addExternalLink(current, { url: 'https://example.com/issue/3' }, agent, now, ids).added).toBe(
      false,
    );
  });

  it('links a closed ticket too, without reopening it', () => {
    const ids = sequentialIds();
    const solved = applyPatch(ticket(), { status: 'solved' }, agent, now, ids).ticket;
    const closed = applyPatch(solved, { status: 'closed' }, agent, now, ids).ticket;
    const { change } = addExternalLink(
      closed,
      { url: 'https://github.com/acme/api/issues/9' },
      integration,
      later,
      ids,
    );
    expect(change.ticket.status).toBe('closed');
    expect(change.ticket.externalLinks).toHaveLength(1);
  });
});
