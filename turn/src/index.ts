/**
 * `@hypersend/turn`: coturn configuration, a launcher for development and tests, TURN REST
 * credentials, and a minimal TURN client for probing coturn.
 *
 * @example
 * import { mintTurnCredentials, startCoturn } from '@hypersend/turn';
 * const turn = await startCoturn({ secrets: [secret] });
 * const creds = mintTurnCredentials({ secret, user: 'alice', ttlSeconds: 600, uris: [turn.url] });
 * await turn.stop();
 */
export {
  type MintTurnCredentialsOptions,
  mintTurnCredentials,
  type TurnCredentials,
  turnRestPassword,
} from './credentials.ts';
export { TurnConfigError, type TurnConfigErrorCode } from './errors.ts';
export {
  type CoturnInstance,
  CoturnStartError,
  type StartCoturnOptions,
  startCoturn,
} from './launch-coturn.ts';
export { type CoturnConfigOptions, renderCoturnConfig } from './render-config.ts';
export { longTermKey, type StunAddress, type StunMessage } from './stun-message.ts';
export {
  type AllocateOptions,
  type TurnAnswer,
  TurnClient,
  type TurnClientOptions,
  TurnTimeoutError,
} from './turn-client.ts';
