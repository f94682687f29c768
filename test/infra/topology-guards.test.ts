import { App, Stack } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it, vi } from 'vitest';
import type { QueueDefinition } from '../../functions/topology.ts';
import { SubscriberQueue } from '../../lib/subscriber-queue.ts';

/** A consumer (dispatcher, 30 s timeout) slower than its queue's visibility timeout. */
const TOO_SHORT = vi.hoisted(
  (): QueueDefinition => ({
    name: 'hasty',
    description: 'Visibility timeout shorter than its consumer',
    events: ['ticket.created'],
    consumer: 'dispatcher',
    visibilityTimeoutSeconds: 10,
    maxReceiveCount: 3,
  }),
);

vi.mock(import('../../functions/topology.ts'), async (importOriginal) => ({
  ...(await importOriginal()),
  queues: [TOO_SHORT],
}));

const { synthDeskless } = await import('./synth.ts');

/** Mistakes in topology.ts fail `cdk synth` with a message naming the queue, not a failed deployment. */
describe('topology guards', () => {
  it('rejects a queue whose visibility timeout is shorter than its consumer timeout', () => {
    expect(() => synthDeskless()).toThrow(/queue "hasty": visibility timeout 10s is shorter/);
  });

  it('rejects a queue that subscribes to no event', () => {
    const stack = new Stack(new App(), 'Test');
    expect(
      () =>
        new SubscriberQueue(stack, 'Idle', {
          definition: { ...TOO_SHORT, name: 'idle', events: [] },
          bus: new EventBus(stack, 'Bus'),
          source: 'deskless',
          alarmTopic: new Topic(stack, 'Topic'),
        }),
    ).toThrow(/queue "idle" subscribes to no events/);
  });
});
