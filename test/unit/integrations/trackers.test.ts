import { describe, expect, it } from 'vitest';
import {
  any,
  asString,
  concat,
  contains,
  eq,
  evaluate,
  evaluateTemplate,
  exists,
  get,
  join,
  not,
  renderTemplate,
  startsWith,
  text,
  toJsonata,
  truncate,
} from '../../../functions/core/integrations/expression.ts';
import {
  createIssueCall,
  ISSUE_TITLE,
  issueLinkMapping,
  LINEAR_ISSUE_CREATE,
  linkBackBody,
  needsIssue,
  newlyTagged,
  parseTrackerTarget,
  type TrackerTarget,
} from '../../../functions/core/integrations/trackers.ts';

/** The ticket as `GET /v1/tickets/{number}` returns it (the fields the mappings read). */
const ticket = {
  number: 42,
  subject: 'Login fails with a 500',
  status: 'open',
  priority: 'high',
  type: 'incident',
  channel: 'email',
  tags: ['engineering', 'billing'],
  externalLinks: [] as { system: string; externalId: string | null }[],
};

/** The EventBridge event that started the run. */
const updated = (from: string[], to: string[]) => ({
  source: 'deskless',
  'detail-type': 'ticket.updated',
  detail: {
    type: 'ticket.updated',
    tenantId: 'acme',
    ticket: { number: 42 },
    data: { field: 'tags', from, to },
  },
});
const event = updated(['billing'], ['billing', 'engineering']);

const github: TrackerTarget = { kind: 'github', repository: 'acme/api' };
const jira: TrackerTarget = {
  kind: 'jira',
  jiraBaseUrl: 'https://acme.atlassian.net',
  projectKey: 'ENG',
  issueType: 'Bug',
};
const linear: TrackerTarget = { kind: 'linear', linearTeamId: '9cfb482a-81e3-4154-b5b9-2c805e70a02d' };

const description = [
  'Opened by Deskless for ticket #42 (tenant acme), tagged "engineering". The issue’s link is added to the ticket.',
  'Subject: Login fails with a 500',
  'Priority: high · type: incident · status: open · channel: email',
  'Tags: engineering, billing',
];

describe('the mapping expressions', () => {
  it('render as JSONata', () => {
    expect(toJsonata(concat('[#', asString(get('ticket', 'number')), '] ', get('ticket', 'subject')))).toBe(
      '("[#" & $string($ticket.number) & "] " & $ticket.subject)',
    );
    expect(toJsonata(get('issue', 'html_url'))).toBe('$issue.html_url');
    expect(toJsonata(get('event', 'detail-type'))).toBe('$event.`detail-type`');
    expect(toJsonata(contains(get('ticket', 'tags'), 'engineering'))).toBe('("engineering" in $ticket.tags)');
    expect(toJsonata(truncate(join(get('ticket', 'tags'), ', '), 10))).toBe(
      '$substring($join($ticket.tags, ", "), 0, 10)',
    );
    expect(
      toJsonata(any(get('ticket', 'externalLinks'), startsWith(get('item', 'externalId'), 'ENG-'))),
    ).toBe('($count($ticket.externalLinks[($substring($string(externalId), 0, 4) = "ENG-")]) > 0)');
    expect(toJsonata(not(exists(get('issue', 'key'))))).toBe('$not($exists($issue.key))');
    expect(toJsonata(text('say "hi"\n'))).toBe('"say \\"hi\\"\\n"');
  });

  it('evaluate with JSONata’s semantics for lists and missing values', () => {
    const scope = { ticket: { tags: ['a'], externalLinks: [{ system: 'github' }, { system: 'jira' }] } };
    // A path over a list maps it; a missing value is nothing, and nothing holds nothing.
    expect(evaluate(get('ticket', 'externalLinks', 'system'), scope)).toEqual(['github', 'jira']);
    expect(evaluate(get('ticket', 'nothing', 'here'), scope)).toBeUndefined();
    expect(evaluate(contains(get('ticket', 'tags'), 'a'), scope)).toBe(true);
    expect(evaluate(contains(get('ticket', 'missing'), 'a'), scope)).toBe(false);
    expect(evaluate(contains(text('a'), 'a'), scope)).toBe(true);
    expect(evaluate(concat('x', get('ticket', 'missing'), 'y'), scope)).toBe('xy');
    expect(evaluate(eq(get('ticket', 'missing'), get('ticket', 'other')), scope)).toBe(false);
    expect(evaluate(truncate(text('añb'), 2), scope)).toBe('añ');
    expect(evaluate(join(text('solo'), ', '), scope)).toBe('solo');
  });

  it('render templates: expressions become {% %} strings, literals stay literal', () => {
    expect(
      renderTemplate({
        title: ISSUE_TITLE,
        labels: ['support', 7, true, null],
        trick: '{% $states.context %}',
      }),
    ).toEqual({
      title: '{% $substring(("[Deskless #" & $string($ticket.number) & "] " & $ticket.subject), 0, 250) %}',
      labels: ['support', 7, true, null],
      trick: '{% "{% $states.context %}" %}',
    });
  });
});

describe('GitHub', () => {
  const call = createIssueCall(github, 'engineering');

  it('creates an issue with POST /repos/{owner}/{repo}/issues', () => {
    expect(call).toMatchObject({
      method: 'POST',
      apiRoot: 'https://api.github.com/repos/acme/api',
      endpoint: 'issues',
      headers: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
    });
    expect(evaluateTemplate(call.body, { ticket, event })).toEqual({
      title: '[Deskless #42] Login fails with a 500',
      body: description.join('\n\n'),
    });
  });

  it('links back the html_url, with owner/repo#number as the id', () => {
    const issue = { number: 17, html_url: 'https://github.com/acme/api/issues/17', title: 'x' };
    expect(evaluate(issueLinkMapping(github).created, { issue })).toBe(true);
    expect(evaluateTemplate(linkBackBody(github), { ticket, event, issue })).toEqual({
      url: 'https://github.com/acme/api/issues/17',
      title: 'x',
      system: 'github',
      externalId: 'acme/api#17',
    });
    expect(evaluate(issueLinkMapping(github).created, { issue: { message: 'Not Found' } })).toBe(false);
  });
});

describe('Jira', () => {
  const call = createIssueCall(jira, 'engineering');

  it('creates an issue with POST /rest/api/3/issue, the description in Atlassian Document Format', () => {
    expect(call).toMatchObject({
      method: 'POST',
      apiRoot: 'https://acme.atlassian.net/rest/api/3',
      endpoint: 'issue',
    });
    expect(evaluateTemplate(call.body, { ticket, event })).toEqual({
      fields: {
        project: { key: 'ENG' },
        issuetype: { name: 'Bug' },
        summary: '[Deskless #42] Login fails with a 500',
        description: {
          type: 'doc',
          version: 1,
          content: description.map((line) => ({
            type: 'paragraph',
            content: [{ type: 'text', text: line }],
          })),
        },
      },
    });
  });

  it('cuts long subjects to a title Jira accepts', () => {
    const long = { ...ticket, subject: 'é'.repeat(255) };
    const body = evaluateTemplate(call.body, { ticket: long, event }) as { fields: { summary: string } };
    expect([...body.fields.summary]).toHaveLength(250);
    expect(body.fields.summary.startsWith('[Deskless #42] ééé')).toBe(true);
  });

  it('links back /browse/{key}: the answer only has the REST URL', () => {
    const issue = { id: '10001', key: 'ENG-7', self: 'https://acme.atlassian.net/rest/api/3/issue/10001' };
    expect(evaluateTemplate(linkBackBody(jira), { ticket, event, issue })).toEqual({
      url: 'https://acme.atlassian.net/browse/ENG-7',
      title: '[Deskless #42] Login fails with a 500',
      system: 'jira',
      externalId: 'ENG-7',
    });
  });
});

describe('Linear', () => {
  const call = createIssueCall(linear, 'engineering');

  it('creates an issue with the GraphQL issueCreate mutation', () => {
    expect(call).toMatchObject({ method: 'POST', apiRoot: 'https://api.linear.app', endpoint: 'graphql' });
    expect(evaluateTemplate(call.body, { ticket, event })).toEqual({
      query: LINEAR_ISSUE_CREATE,
      variables: {
        input: {
          teamId: '9cfb482a-81e3-4154-b5b9-2c805e70a02d',
          title: '[Deskless #42] Login fails with a 500',
          description: description.join('\n\n'),
        },
      },
    });
    // The mutation's `$input` is GraphQL's: the string is not an expression, so it goes out as it is.
    expect((renderTemplate(call.body) as { query: string }).query).toBe(LINEAR_ISSUE_CREATE);
  });

  it('links back the issue’s url and identifier, and sees a GraphQL error as no issue', () => {
    const issue = {
      data: {
        issueCreate: {
          success: true,
          issue: { id: 'u', identifier: 'ENG-12', url: 'https://linear.app/acme/issue/ENG-12/x', title: 't' },
        },
      },
    };
    expect(evaluate(issueLinkMapping(linear).created, { issue })).toBe(true);
    expect(evaluateTemplate(linkBackBody(linear), { ticket, event, issue })).toEqual({
      url: 'https://linear.app/acme/issue/ENG-12/x',
      title: 't',
      system: 'linear',
      externalId: 'ENG-12',
    });
    const failed = { data: null, errors: [{ message: 'Entity not found: Team' }] };
    expect(evaluate(issueLinkMapping(linear).created, { issue: failed })).toBe(false);
  });
});

describe('one issue per ticket', () => {
  it('runs on the tag being added, not on every later change of the tags', () => {
    const created = { detail: { type: 'ticket.created', data: { tags: ['engineering'] } } };
    expect(evaluate(newlyTagged('engineering'), { event: created })).toBe(true);
    expect(evaluate(newlyTagged('engineering'), { event: updated([], ['engineering']) })).toBe(true);
    expect(
      evaluate(newlyTagged('engineering'), { event: updated(['engineering'], ['engineering', 'x']) }),
    ).toBe(false);
    expect(toJsonata(newlyTagged('engineering'))).toBe(
      '(($event.detail.type = "ticket.created") or $not(("engineering" in $event.detail.data.from)))',
    );
  });

  it('opens no issue when the ticket lost the tag or already links to an issue of the same target', () => {
    const scope = (tags: string[], externalLinks: { system: string; externalId: string | null }[]) => ({
      ticket: { ...ticket, tags, externalLinks },
    });
    expect(evaluate(needsIssue(github, 'engineering'), scope(['engineering'], []))).toBe(true);
    expect(evaluate(needsIssue(github, 'engineering'), scope(['billing'], []))).toBe(false);
    const linked = [{ system: 'github', externalId: 'acme/api#3' }];
    expect(evaluate(needsIssue(github, 'engineering'), scope(['engineering'], linked))).toBe(false);
    // Another repository's issue, or a Jira issue, is no issue of this target.
    const elsewhere = [
      { system: 'github', externalId: 'acme/web#3' },
      { system: 'jira', externalId: 'ENG-1' },
    ];
    expect(evaluate(needsIssue(github, 'engineering'), scope(['engineering'], elsewhere))).toBe(true);
    expect(evaluate(needsIssue(jira, 'engineering'), scope(['engineering'], elsewhere))).toBe(false);
    expect(evaluate(needsIssue(linear, 'engineering'), scope(['engineering'], elsewhere))).toBe(true);
    // A link added by hand has no id: it is nobody's issue, and reading it is no error.
    expect(
      evaluate(
        needsIssue(jira, 'engineering'),
        scope(['engineering'], [{ system: 'jira', externalId: null }]),
      ),
    ).toBe(true);
    expect(toJsonata(needsIssue(jira, 'engineering'))).toBe(
      '(("engineering" in $ticket.tags) and $not(($count($ticket.externalLinks[((system = "jira") and ($substring($string(externalId), 0, 4) = "ENG-"))]) > 0)))',
    );
  });
});

describe('target configuration', () => {
  it('accepts and normalises each kind', () => {
    expect(parseTrackerTarget('github', { repository: 'acme/api.v2' })).toEqual({
      target: { kind: 'github', repository: 'acme/api.v2' },
      errors: [],
    });
    expect(
      parseTrackerTarget('jira', { jiraBaseUrl: 'https://ACME.atlassian.net/', projectKey: 'ENG' }),
    ).toEqual({
      target: {
        kind: 'jira',
        jiraBaseUrl: 'https://acme.atlassian.net',
        projectKey: 'ENG',
        issueType: 'Task',
      },
      errors: [],
    });
    expect(
      parseTrackerTarget('linear', { linearTeamId: '9CFB482A-81E3-4154-B5B9-2C805E70A02D' }).target,
    ).toEqual(linear);
  });

  it('names every problem', () => {
    expect(parseTrackerTarget('github', {}).errors).toEqual(['repository is required ("owner/repo")']);
    expect(parseTrackerTarget('github', { repository: 'acme' }).errors).toEqual([
      'repository must be "owner/repo", got "acme"',
    ]);
    expect(parseTrackerTarget('github', { repository: 'acme/..' }).errors).toHaveLength(1);
    expect(
      parseTrackerTarget('jira', { jiraBaseUrl: 'http://jira.acme.com', projectKey: 'eng' }).errors,
    ).toEqual([
      'jiraBaseUrl must use https, got "http://jira.acme.com"',
      'projectKey must be a Jira project key (upper-case, e.g. "ENG"), got "eng"',
    ]);
    expect(parseTrackerTarget('jira', { jiraBaseUrl: 'https://10.0.0.2', projectKey: 'ENG' }).errors).toEqual(
      ['jiraBaseUrl must not point at a private, link-local or reserved address, got "https://10.0.0.2"'],
    );
    expect(parseTrackerTarget('linear', { linearTeamId: 42 }).errors).toEqual([
      'linearTeamId must be a non-empty string, got 42',
    ]);
    expect(parseTrackerTarget('linear', { linearTeamId: 'ENG' }).errors).toEqual([
      `linearTeamId must be the team's UUID, got "ENG"`,
    ]);
  });
});
