import { describe, expect, it } from 'vitest';
import { alarmCount, deploymentFootprint } from '../../functions/core/cost/footprint.ts';
import { resourcesOf, synthDeskless } from './synth.ts';

/**
 * The fixed part of the bill counts what the stacks deploy. This synthesises them (without bundling, as the
 * infra tests do) and counts the billed-by-the-month resources in the templates, so an alarm, secret or key
 * added in lib/ without the cost model knowing fails here.
 */
describe('the deployment footprint matches the synthesised stacks', () => {
  const count = (context: Record<string, unknown>) => {
    const stacks = synthDeskless({ context });
    const resources = [stacks.statefulTemplate, stacks.statelessTemplate].flatMap((t) =>
      Object.values(resourcesOf(t)),
    );
    const of = (type: string) => resources.filter((r) => r.Type === type);
    return {
      alarms: of('AWS::CloudWatch::Alarm').length,
      secrets: of('AWS::SecretsManager::Secret').length,
      kmsKeys: of('AWS::KMS::Key').length,
      schedules: of('AWS::Scheduler::Schedule').length,
      // Queue mappings; the stream mapping (the outbox) is the one with a starting position.
      polledQueues: of('AWS::Lambda::EventSourceMapping').filter(
        (r) => r.Properties.StartingPosition === undefined,
      ).length,
    };
  };

  it.each([
    ['without mail domains', {}],
    ['receiving mail', { 'deskless:mailDomains': 'example.com' }],
  ])(
    '%s',
    (_name, context) => {
      const footprint = deploymentFootprint();
      expect(count(context)).toEqual({
        alarms: alarmCount(footprint),
        secrets: footprint.secrets,
        kmsKeys: footprint.kmsKeys,
        schedules: footprint.schedules,
        polledQueues: footprint.polledQueues,
      });
    },
    120_000,
  );
});
