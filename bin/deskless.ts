/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy --all`. Synthesises offline, without credentials.
 *
 * Context options (`-c key=value` or cdk.json):
 * - `deskless:stage`       name of the deployment (`prod`, `staging`, `dev-alice`); prefixes both stack names
 *                          (`Deskless-<stage>-Stateful`, `Deskless-<stage>-Stateless`), so stages can share
 *                          an account. Lowercase letters, digits and hyphens. Default `prod`.
 * - `deskless:alarmEmail`  optional; subscribes this address to the alarm topic (confirm the email AWS sends).
 *                          Without it, alarms still fire and anyone can subscribe to the topic later.
 * - `deskless:costCentre`  value of the `deskless:cost-centre` tag on every resource, for cost allocation
 *                          reports. Default: the stage.
 * - `deskless:mailDomains` optional; comma-separated domains and addresses SES receives mail for
 *                          (`support.example.com,help@example.org`). Creates the SES receipt rule set
 *                          (`deskless-<stage>-inbound`) and makes it the active one. Without it there is no rule
 *                          set and the email intake receives nothing. See docs/email-setup.md.
 * - `deskless:replaceActiveRuleSet`  `true` to let the deployment replace a receipt rule set someone else made
 *                          active in the account and region (only one can be active, so that set stops
 *                          receiving). Default `false`: the deployment fails and names the active set.
 * - `deskless:budgetMonthlyUsd`  optional; a monthly AWS Budgets cost budget (`Deskless-<stage>`) in US dollars
 *                          over the costs tagged `deskless:stage=<stage>` (activate that cost allocation tag in
 *                          the Billing console). Notifies the alarm topic at 80 % and 100 % of the actual cost
 *                          and when the forecast exceeds 100 %. Without it there is no budget.
 * - `deskless:bedrockModelId`, `deskless:bedrockTimeoutMs`  optional; triage classifies with that Bedrock model
 *                          (the built-in classifier decides when it fails or times out, default 4000 ms).
 * - `deskless:priceOverrides`  optional; JSON of price-table fields (region, negotiated rates) the cost report
 *                          prices usage with, validated here.
 * - `deskless:integrations`, `deskless:integrationsApiKeySecretArn`  optional; a JSON list of engineering-tracker
 *                          integrations (GitHub, Jira, Linear: an issue for tickets that gain a tag, its link back on
 *                          the ticket) and the secret holding the Deskless channel key they link back with. Validated
 *                          here; see docs/events.md.
 */
import { App } from 'aws-cdk-lib';
import { addDeskless } from '../lib/deskless-app.ts';

const app = new App();
addDeskless(app);
app.synth();
