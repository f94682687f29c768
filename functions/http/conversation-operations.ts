import {
  ConversationActionBody,
  ConversationListQuery,
  ConversationMessagesQuery,
  ConversationParam,
  ConversationReplyBody,
} from '../contracts/api.ts';
import type { Conversation } from '../core/chat/conversation.ts';
import type { UseCases } from '../core/use-cases/index.ts';
import type { Operation } from './operations.ts';
import { pageJson, withoutTenant } from './represent.ts';
import { bodyText, HttpProblem, json } from './request.ts';

/** A conversation as the API shows it: without the tenant, which the caller's key names already. */
const conversationJson = (conversation: Conversation) => withoutTenant(conversation);

const ID = /^cv_[A-Za-z0-9]{1,64}$/;

function conversationId(segment: string): string {
  if (!ID.test(segment)) throw new HttpProblem('not-found', `conversation ${segment} does not exist`);
  return segment;
}

/** The agent API of chat conversations (core/use-cases/conversations.ts). */
export function makeConversationOperations(useCases: UseCases): Record<string, Operation> {
  return {
    listConversations: async (request) => {
      const { status, limit, cursor } = request.query(ConversationListQuery);
      const page = await useCases.listConversations(request.tenant(), status, { limit, cursor });
      return json(200, pageJson(page, conversationJson));
    },

    getConversation: async (request) => {
      const { id } = request.params(ConversationParam);
      const { limit, cursor } = request.query(ConversationMessagesQuery);
      const { conversation, messages, nextCursor } = await useCases.getConversation(
        request.tenant(),
        conversationId(id),
        { limit, cursor },
      );
      return json(
        200,
        { conversation: conversationJson(conversation), messages, nextCursor },
        {
          etag: `"${conversation.version}"`,
        },
      );
    },

    replyToConversation: async (request) => {
      const { id } = request.params(ConversationParam);
      const { text } = request.json(ConversationReplyBody);
      const { conversation, message } = await useCases.replyToConversation(
        request.tenant(),
        conversationId(id),
        text,
      );
      return json(
        201,
        { conversation: conversationJson(conversation), message },
        {
          location: `/v1/conversations/${conversation.id}`,
          etag: `"${conversation.version}"`,
        },
      );
    },

    conversationAction: async (request) => {
      // The route is `POST /v1/conversations/{id}`; the actions are `<id>:resolve` and `<id>:escalate`.
      const { id: segment } = request.params(ConversationParam);
      const match = /^([^:]+):(resolve|escalate)$/.exec(segment);
      if (!match) {
        throw new HttpProblem(
          'not-found',
          `POST /v1/conversations/${segment} is no action; use POST /v1/conversations/{id}:resolve or :escalate`,
        );
      }
      const id = conversationId(match[1]!);
      // The body is optional: `:resolve` takes none, `:escalate` an optional reason.
      const raw = bodyText(request.event);
      const { reason } = raw === undefined || raw.trim() === '' ? {} : request.json(ConversationActionBody);
      if (match[2] === 'resolve') {
        const conversation = await useCases.resolveConversation(request.tenant(), id);
        return json(
          200,
          { conversation: conversationJson(conversation), ticket: null },
          {
            etag: `"${conversation.version}"`,
          },
        );
      }
      const { conversation, ticket, already } = await useCases.escalateConversation(
        request.tenant(),
        id,
        reason,
      );
      return json(
        already ? 200 : 201,
        { conversation: conversationJson(conversation), ticket: withoutTenant(ticket) },
        {
          location: `/v1/tickets/${ticket.number}`,
        },
      );
    },
  };
}
