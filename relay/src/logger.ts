import { type Logger, pino } from 'pino';

/** Credentials must never reach a log line. */
const REDACT_PATHS = ['authorization', '*.authorization', 'req.headers.authorization', 'token', '*.token'];

/**
 * JSON logger for the relay, credentials redacted.
 *
 * @example
 * const log = createRelayLogger('info'); log.child({ component: 'sweeper' }).info('swept');
 */
export function createRelayLogger(level: string): Logger {
  return pino({ level, base: { service: 'relay' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
