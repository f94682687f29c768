import type { Caller } from '../caller.ts';
import type { InboundChannel } from '../channels/channel.ts';
import {
  type ChannelInput,
  type ChannelPatch,
  newChannel,
  patchChannel,
  rotateSecret,
} from '../channels/manage.ts';
import type { ChatIntake } from '../chat/ports.ts';
import { ConcurrentModificationError, DomainError, notFound } from '../errors.ts';
import type { ChannelCrypto, ChannelStore, Clock, GroupStore, Ids, SenderRateLimiter } from '../ports.ts';
import {
  type ChannelIntakeDeps,
  makeGetWebForm,
  makeReceiveChannelMessage,
  makeReceiveWebhook,
  makeSubmitWebForm,
} from './channel-intake.ts';

/** Inbound channels a tenant declares: webhook, Twilio SMS, chat and web form (core/channels). */

export interface ChannelDeps {
  readonly channels: ChannelStore;
  readonly groups: GroupStore;
  readonly channelCrypto: ChannelCrypto;
  readonly clock: Clock;
  readonly ids: Ids;
}

/** Attempts at a read-modify-write of a channel before a concurrent writer wins and the caller gets 409. */
const MAX_ATTEMPTS = 4;

async function assertGroup(
  deps: Pick<ChannelDeps, 'groups'>,
  tenantId: string,
  group: string | null | undefined,
) {
  if (!group) return;
  if ((await deps.groups.missing(tenantId, [group])).length > 0) {
    throw new DomainError('validation', `group ${group} does not exist`, [
      { path: 'group', message: `${group} does not exist` },
    ]);
  }
}

/** A channel and the secret to give its sender, which is shown only here and on rotation. */
export interface ChannelWithSecret {
  readonly channel: InboundChannel;
  readonly secret: string;
}

export function makeCreateChannel(deps: ChannelDeps) {
  return async function createChannel(caller: Caller, input: ChannelInput): Promise<ChannelWithSecret> {
    await assertGroup(deps, caller.tenantId, input.group);
    const secret = deps.channelCrypto.newSecret();
    const channel = newChannel(caller.tenantId, `ch_${deps.ids.next()}`, input, secret, deps.clock.now());
    await deps.channels.create(channel);
    return { channel, secret };
  };
}

export function makeListChannels(deps: Pick<ChannelDeps, 'channels'>) {
  return (caller: Caller) => deps.channels.list(caller.tenantId);
}

export function makeGetChannel(deps: Pick<ChannelDeps, 'channels'>) {
  return async function getChannel(caller: Caller, id: string): Promise<InboundChannel> {
    const channel = await deps.channels.get(caller.tenantId, id);
    if (!channel) throw notFound(`channel ${id}`);
    return channel;
  };
}

/** Read, change, save guarded by version; a lost race is read again and retried. */
async function changeChannel(
  deps: ChannelDeps,
  caller: Caller,
  id: string,
  change: (channel: InboundChannel, now: string) => InboundChannel,
): Promise<InboundChannel> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const channel = await deps.channels.get(caller.tenantId, id);
    if (!channel) throw notFound(`channel ${id}`);
    const next = change(channel, deps.clock.now());
    if (next === channel) return channel;
    try {
      await deps.channels.save(next, channel.version);
      return next;
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError)) throw error;
    }
  }
  throw new DomainError('conflict', `channel ${id} is being changed by others right now; retry`);
}

export function makeUpdateChannel(deps: ChannelDeps) {
  return async function updateChannel(caller: Caller, id: string, patch: ChannelPatch) {
    await assertGroup(deps, caller.tenantId, patch.group);
    return changeChannel(deps, caller, id, (channel, now) => patchChannel(channel, patch, now));
  };
}

export function makeRotateChannelSecret(deps: ChannelDeps) {
  return async function rotateChannelSecret(caller: Caller, id: string): Promise<ChannelWithSecret> {
    const secret = deps.channelCrypto.newSecret();
    const channel = await changeChannel(deps, caller, id, (current, now) =>
      rotateSecret(current, secret, now),
    );
    return { channel, secret };
  };
}

export function makeDeleteChannel(deps: Pick<ChannelDeps, 'channels'>) {
  return async function deleteChannel(caller: Caller, id: string): Promise<void> {
    if (!(await deps.channels.delete(caller.tenantId, id))) throw notFound(`channel ${id}`);
  };
}

/** Every channel use case: administration, and what the public channel routes call. */
export function makeChannelUseCases(
  deps: ChannelDeps & ChannelIntakeDeps & { rateLimiter: SenderRateLimiter; chat?: ChatIntake | undefined },
) {
  const receive = makeReceiveChannelMessage(deps);
  return {
    createChannel: makeCreateChannel(deps),
    listChannels: makeListChannels(deps),
    getChannel: makeGetChannel(deps),
    updateChannel: makeUpdateChannel(deps),
    rotateChannelSecret: makeRotateChannelSecret(deps),
    deleteChannel: makeDeleteChannel(deps),
    /** For other channel adapters (SMS): one message, threaded and de-duplicated. */
    receiveChannelMessage: receive,
    receiveWebhook: makeReceiveWebhook({ ...deps, receive }),
    submitWebForm: makeSubmitWebForm({ ...deps, receive }),
    getWebForm: makeGetWebForm(deps),
  };
}
