/** Stable codes of {@link TurnConfigError}; callers switch on these, not on messages. */
export type TurnConfigErrorCode =
  | 'missing_secret'
  | 'weak_secret'
  | 'placeholder_secret'
  | 'invalid_option'
  | 'unsafe_template';

/**
 * A coturn configuration was refused before anything was written. `option` names the offending
 * option; secrets never appear in the message.
 *
 * @example
 * try { renderCoturnConfig(opts) } catch (e) { if (e instanceof TurnConfigError && e.code === 'weak_secret') ... }
 */
export class TurnConfigError extends Error {
  constructor(
    readonly code: TurnConfigErrorCode,
    readonly option: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${option}: ${message}`, options);
    this.name = 'TurnConfigError';
  }

  static missingSecret(): TurnConfigError {
    return new TurnConfigError('missing_secret', 'secrets', 'at least one static auth secret is required');
  }
  static weakSecret(index: number, why: string): TurnConfigError {
    return new TurnConfigError('weak_secret', `secrets[${index}]`, why);
  }
  static placeholderSecret(index: number): TurnConfigError {
    return new TurnConfigError(
      'placeholder_secret',
      `secrets[${index}]`,
      'looks like a placeholder; generate one with `openssl rand -base64 48`',
    );
  }
  static invalid(option: string, why: string): TurnConfigError {
    return new TurnConfigError('invalid_option', option, why);
  }
}
