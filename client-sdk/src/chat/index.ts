// Chat: end-to-end encrypted conversations (`client.chat`). See chat-api.ts.
export { ChatApi, type ChatDeps } from './chat-api.ts';
export {
  CHAT_BODY_VERSION,
  type ChatBody,
  openChatBody,
  type RecipientDevice,
  sealChatBody,
} from './chat-crypto.ts';
export type {
  ChatEvents,
  ChatMessageView,
  ConversationInfo,
  ConversationKind,
  ConversationMember,
  FileOfferSummary,
  HistoryPageView,
  SentMessage,
  SystemEvent,
} from './chat-types.ts';
export { OrderedInbox } from './ordered-inbox.ts';
