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

vi.mock(import('../../functions/topology.ts'), async (importOriginal) => {
  const original = await importOriginal();
  // Plain queues stay: functions send to them (`sendsTo`), and a sender without its queue fails synth.
  const plain = original.queues.filter((queue) => !queue.events && !queue.topic);
  return { ...original, queues: [TOO_SHORT, ...plain] };
});

const { synthDeskless } = await import('./synth.ts');

/** Mistakes in topology.ts fail `cdk synth` with a message naming the queue, not a failed deployment. */
describe('topology guards', () => {
  it('rejects a queue whose visibility timeout is shorter than its consumer timeout', () => {
    expect(() => synthDeskless()).toThrow(/queue "hasty": visibility timeout 10s is shorter/);
  });

  function subscriberQueue(definition: QueueDefinition) {
    const stack = new Stack(new App(), 'Test');
    return new SubscriberQueue(stack, 'Queue', {
      definition,
      bus: new EventBus(stack, 'Bus'),
      source: 'deskless',
      topics: new Map([['inbound-mail', new Topic(stack, 'Inbound')]]),
      alarmTopic: new Topic(stack, 'Alarms'),
    });
  }

  it('rejects a queue that subscribes to no event', () => {
    expect(() => subscriberQueue({ ...TOO_SHORT, name: 'idle', events: [] })).toThrow(
      /queue "idle" subscribes to no events/,
    );
    // Neither events nor a topic is a plain queue, fed by the functions that send to it (sweeper.test.ts).
  });

  it('rejects a queue with both events and a topic', () => {
    expect(() => subscriberQueue({ ...TOO_SHORT, name: 'both', topic: 'inbound-mail' })).toThrow(
      /queue "both" has both events and a topic/,
    );
  });

  it('rejects a queue that subscribes to a topic the stateful stack does not build', () => {
    expect(() =>
      subscriberQueue({ ...TOO_SHORT, name: 'lost', events: undefined, topic: 'outbound-mail' }),
    ).toThrow(/queue "lost" subscribes to topic "outbound-mail", which is not one of inbound-mail/);
  });
});
