import { type Logger, pino } from 'pino';

/** Paths pino replaces with `[redacted]`: credentials must never reach a log line. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'ticket',
  '*.ticket',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["sec-websocket-protocol"]',
  'headers["sec-websocket-protocol"]',
];

/**
 * JSON logger with credentials redacted. Components take `log.child({ component })`.
 *
 * @example
 * const log = createLogger('info'); log.child({ component: 'ws' }).info({ user }, 'connected');
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'signaling' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
