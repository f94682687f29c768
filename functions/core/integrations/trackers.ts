import type { ExternalSystem } from '../model.ts';
import { AWS_URL_POLICY, checkOutboundUrl } from '../net/public-address.ts';
import {
  and,
  any,
  asString,
  concat,
  contains,
  type Expr,
  eq,
  exists,
  get,
  join,
  not,
  or,
  startsWith,
  type Template,
  truncate,
} from './expression.ts';

/**
 * Engineering-tracker integrations: "a ticket tagged for engineering gets an issue in the tracker, and the
 * issue's URL comes back on the ticket". This module holds what is particular to each tracker: where its
 * create-issue API is, the body it takes, and where the new issue's URL is in its answer. The state machine
 * that runs it (lib/integrations.ts) renders these mappings to JSONata; unit tests evaluate the same ones.
 */

export const TRACKER_KINDS = ['github', 'jira', 'linear'] as const;
export type TrackerKind = (typeof TRACKER_KINDS)[number] & ExternalSystem;

export interface GithubTarget {
  readonly kind: 'github';
  /** `owner/repo`. */
  readonly repository: string;
}

export interface JiraTarget {
  readonly kind: 'jira';
  /** `https://acme.atlassian.net` (no trailing slash). */
  readonly jiraBaseUrl: string;
  readonly projectKey: string;
  readonly issueType: string;
}

export interface LinearTarget {
  readonly kind: 'linear';
  /** The team's UUID (Linear: Settings → Teams → the team → copy its id, or `teams { nodes { id } }`). */
  readonly linearTeamId: string;
}

export type TrackerTarget = GithubTarget | JiraTarget | LinearTarget;

/** An HTTP call of the state machine: `apiRoot` bounds what its role may call (`states:HTTPEndpoint`). */
export interface TrackerCall {
  readonly method: 'GET' | 'POST';
  readonly apiRoot: string;
  /** Appended to `apiRoot` after a `/`. */
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Template;
}

/** How the new issue is read from the tracker's answer (the `issue` source). */
export interface IssueLinkMapping {
  /** True when the answer holds an issue: a tracker may answer 200 with errors (GraphQL). */
  readonly created: Expr;
  readonly url: Expr;
  readonly externalId: Expr;
  readonly title: Expr;
}

/** Issue titles are cut here: within what GitHub (256), Jira (255) and Linear accept. */
export const MAX_ISSUE_TITLE_CHARS = 250;

const ticketNumber = asString(get('ticket', 'number'));

/** `[Deskless #42] Login fails with a 500`. */
export const ISSUE_TITLE: Expr = truncate(
  concat('[Deskless #', ticketNumber, '] ', get('ticket', 'subject')),
  MAX_ISSUE_TITLE_CHARS,
);

/**
 * The issue's text, one paragraph per entry. The ticket's conversation stays in Deskless (it is the customer's):
 * the issue says which ticket it is for and what state that ticket is in.
 */
export function issueParagraphs(tag: string): Expr[] {
  return [
    concat(
      'Opened by Deskless for ticket #',
      ticketNumber,
      ' (tenant ',
      get('event', 'detail', 'tenantId'),
      `), tagged "${tag}". The issue’s link is added to the ticket.`,
    ),
    concat('Subject: ', get('ticket', 'subject')),
    concat(
      'Priority: ',
      get('ticket', 'priority'),
      ' · type: ',
      get('ticket', 'type'),
      ' · status: ',
      get('ticket', 'status'),
      ' · channel: ',
      get('ticket', 'channel'),
    ),
    concat('Tags: ', join(get('ticket', 'tags'), ', ')),
  ];
}

/** Markdown (GitHub, Linear): paragraphs separated by a blank line. */
function markdown(tag: string): Expr {
  const paragraphs = issueParagraphs(tag);
  return concat(...paragraphs.flatMap((paragraph, i) => (i === 0 ? [paragraph] : ['\n\n', paragraph])));
}

/** Linear's GraphQL mutation; `$input` is a GraphQL variable, not a JSONata one (the string is literal). */
export const LINEAR_ISSUE_CREATE =
  'mutation DesklessIssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id identifier url title } } }';

export const GITHUB_API = 'https://api.github.com';
export const LINEAR_API = 'https://api.linear.app';

/** The create-issue request of the target's tracker. */
export function createIssueCall(target: TrackerTarget, tag: string): TrackerCall {
  switch (target.kind) {
    case 'github':
      // POST /repos/{owner}/{repo}/issues; https://docs.github.com/rest/issues/issues#create-an-issue
      return {
        method: 'POST',
        apiRoot: `${GITHUB_API}/repos/${target.repository}`,
        endpoint: 'issues',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/vnd.github+json',
          'X-GitHub-Api-Version': '2022-11-28',
        },
        body: { title: ISSUE_TITLE, body: markdown(tag) },
      };
    case 'jira':
      // POST /rest/api/3/issue, the description in Atlassian Document Format.
      return {
        method: 'POST',
        apiRoot: `${target.jiraBaseUrl}/rest/api/3`,
        endpoint: 'issue',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: {
          fields: {
            project: { key: target.projectKey },
            issuetype: { name: target.issueType },
            summary: ISSUE_TITLE,
            description: {
              type: 'doc',
              version: 1,
              content: issueParagraphs(tag).map((paragraph) => ({
                type: 'paragraph',
                content: [{ type: 'text', text: paragraph }],
              })),
            },
          },
        },
      };
    case 'linear':
      // The GraphQL API's issueCreate mutation.
      return {
        method: 'POST',
        apiRoot: LINEAR_API,
        endpoint: 'graphql',
        headers: { 'Content-Type': 'application/json' },
        body: {
          query: LINEAR_ISSUE_CREATE,
          variables: {
            input: { teamId: target.linearTeamId, title: ISSUE_TITLE, description: markdown(tag) },
          },
        },
      };
  }
}

/** Where the new issue's URL, id and title are in the tracker's answer. */
export function issueLinkMapping(target: TrackerTarget): IssueLinkMapping {
  switch (target.kind) {
    case 'github':
      return {
        created: exists(get('issue', 'html_url')),
        url: get('issue', 'html_url'),
        externalId: concat(`${target.repository}#`, asString(get('issue', 'number'))),
        title: get('issue', 'title'),
      };
    case 'jira':
      // The answer is `{ id, key, self }`, `self` being the REST URL: people open /browse/{key}.
      return {
        created: exists(get('issue', 'key')),
        url: concat(`${target.jiraBaseUrl}/browse/`, get('issue', 'key')),
        externalId: get('issue', 'key'),
        title: ISSUE_TITLE,
      };
    case 'linear': {
      const issue = ['data', 'issueCreate', 'issue'];
      return {
        // A GraphQL error is a 200 with `errors` and no issue: only an issue with a URL counts.
        created: exists(get('issue', ...issue, 'url')),
        url: get('issue', ...issue, 'url'),
        externalId: get('issue', ...issue, 'identifier'),
        title: get('issue', ...issue, 'title'),
      };
    }
  }
}

/** The body of Deskless's own `POST /v1/tickets/{number}/links` once the issue exists. */
export function linkBackBody(target: TrackerTarget): Template {
  const mapping = issueLinkMapping(target);
  return { url: mapping.url, title: mapping.title, system: target.kind, externalId: mapping.externalId };
}

/**
 * Whether the rule's event is the tag being added: a `ticket.created` event matched on its tags, or a
 * `ticket.updated` of the tags whose `from` did not have it yet. (EventBridge patterns cannot say "this list
 * does not contain", so the rule matches on `to` and this check, the state machine's first, does the rest.)
 */
export function newlyTagged(tag: string): Expr {
  return or(
    eq(get('event', 'detail', 'type'), 'ticket.created'),
    not(contains(get('event', 'detail', 'data', 'from'), tag)),
  );
}

/** How an issue of this target is recognised among the ticket's external links. */
export function linkPrefix(target: TrackerTarget): {
  readonly system: TrackerKind;
  readonly externalId?: string;
} {
  switch (target.kind) {
    case 'github':
      return { system: 'github', externalId: `${target.repository}#` };
    case 'jira':
      return { system: 'jira', externalId: `${target.projectKey}-` };
    case 'linear':
      // Linear's identifiers start with the team's key, which the configuration does not name.
      return { system: 'linear' };
  }
}

/**
 * Whether the ticket (as just read from the API) still needs an issue: it still has the tag, and it has no
 * link to an issue of this target yet (the same project or repository; for Linear, any Linear issue). This is
 * what keeps a second run for the same ticket (the tag removed and added again, a redelivered event) from
 * opening a second issue once the first one's link is on the ticket.
 */
export function needsIssue(target: TrackerTarget, tag: string): Expr {
  const prefix = linkPrefix(target);
  const sameTarget = prefix.externalId
    ? and(eq(get('item', 'system'), prefix.system), startsWith(get('item', 'externalId'), prefix.externalId))
    : eq(get('item', 'system'), prefix.system);
  return and(contains(get('ticket', 'tags'), tag), not(any(get('ticket', 'externalLinks'), sameTarget)));
}

// ---- configuration of a target (validated at synth) ----

const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
const JIRA_PROJECT_KEY = /^[A-Z][A-Z0-9_]{0,254}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The fields each kind takes besides the common ones, for error messages and unknown-field checks. */
export const TARGET_FIELDS: Readonly<Record<TrackerKind, readonly string[]>> = {
  github: ['repository'],
  jira: ['jiraBaseUrl', 'projectKey', 'issueType'],
  linear: ['linearTeamId'],
};

const DEFAULT_JIRA_ISSUE_TYPE = 'Task';

/**
 * The tracker target of one configuration entry, or the problems with it (each naming the field). `entry` is
 * the parsed JSON of the entry; the common fields (kind, tenant, tag, secrets) are checked by the caller.
 */
export function parseTrackerTarget(
  kind: TrackerKind,
  entry: Readonly<Record<string, unknown>>,
): { target: TrackerTarget; errors: [] } | { target: null; errors: string[] } {
  const errors: string[] = [];
  const str = (field: string): string | undefined => {
    const value = entry[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      errors.push(`${field} must be a non-empty string, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value.trim();
  };
  const required = (field: string, what: string): string | undefined => {
    const value = str(field);
    if (value === undefined && entry[field] === undefined) errors.push(`${field} is required (${what})`);
    return value;
  };
  switch (kind) {
    case 'github': {
      const repository = required('repository', '"owner/repo"');
      if (repository !== undefined && !GITHUB_REPOSITORY.test(repository)) {
        errors.push(`repository must be "owner/repo", got ${JSON.stringify(repository)}`);
      }
      return errors.length > 0
        ? { target: null, errors }
        : { target: { kind, repository: repository! }, errors: [] };
    }
    case 'jira': {
      const base = required('jiraBaseUrl', 'e.g. "https://acme.atlassian.net"');
      let jiraBaseUrl: string | undefined;
      if (base !== undefined) {
        const check = checkOutboundUrl(base, AWS_URL_POLICY);
        if (!check.ok) errors.push(`jiraBaseUrl ${check.reason}, got ${JSON.stringify(base)}`);
        else if (check.url.search || check.url.hash) {
          errors.push(`jiraBaseUrl must have no query or fragment, got ${JSON.stringify(base)}`);
        } else jiraBaseUrl = `${check.url.origin}${check.url.pathname.replace(/\/+$/, '')}`;
      }
      const projectKey = required('projectKey', 'the Jira project key, e.g. "ENG"');
      if (projectKey !== undefined && !JIRA_PROJECT_KEY.test(projectKey)) {
        errors.push(
          `projectKey must be a Jira project key (upper-case, e.g. "ENG"), got ${JSON.stringify(projectKey)}`,
        );
      }
      const issueType = str('issueType') ?? DEFAULT_JIRA_ISSUE_TYPE;
      if (issueType.length > 60) errors.push(`issueType must be at most 60 characters`);
      return errors.length > 0
        ? { target: null, errors }
        : { target: { kind, jiraBaseUrl: jiraBaseUrl!, projectKey: projectKey!, issueType }, errors: [] };
    }
    case 'linear': {
      const linearTeamId = required('linearTeamId', "the team's UUID");
      if (linearTeamId !== undefined && !UUID.test(linearTeamId)) {
        errors.push(`linearTeamId must be the team's UUID, got ${JSON.stringify(linearTeamId)}`);
      }
      return errors.length > 0
        ? { target: null, errors }
        : { target: { kind, linearTeamId: linearTeamId!.toLowerCase() }, errors: [] };
    }
  }
}

/** A short, stable description of the target, for construct ids and descriptions: `github acme/api`. */
export function describeTarget(target: TrackerTarget): string {
  switch (target.kind) {
    case 'github':
      return `github ${target.repository}`;
    case 'jira':
      return `jira ${target.projectKey} at ${new URL(target.jiraBaseUrl).host}`;
    case 'linear':
      return `linear team ${target.linearTeamId}`;
  }
}
