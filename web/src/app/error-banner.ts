// One place where failures reach the user: the stable code first (what support and docs refer to),
// then the message. The banner is a live region, so screen readers announce it.
import { HypersendError } from '@hypersend/client/browser';
import { AppError } from './runtime-config.ts';

/** A failure as shown: stable code plus human message. */
export interface ShownError {
  code: string;
  message: string;
}

/**
 * Reduce anything thrown to a code and a message. SDK and app errors keep their code; anything
 * else is `unexpected`.
 *
 * @example
 * describeError(new HypersendError('conflict', 'username taken')); // { code: 'conflict', ... }
 */
export function describeError(err: unknown): ShownError {
  if (HypersendError.is(err) || err instanceof AppError) return { code: err.code, message: err.message };
  return { code: 'unexpected', message: err instanceof Error ? err.message : String(err) };
}

/** The page's error banner (`#error`). */
export class ErrorBanner {
  constructor(private readonly node: HTMLElement) {}

  /**
   * Show `err` with its code until the next `show` or `clear`.
   *
   * @example
   * try { await client.login(u, p); } catch (err) { banner.show(err); }
   */
  show(err: unknown, context?: string): void {
    const { code, message } = describeError(err);
    this.node.dataset.code = code;
    this.node.textContent = `${context ? `${context}: ` : ''}${message} [${code}]`;
    this.node.hidden = false;
  }

  /** Hide the banner. */
  clear(): void {
    this.node.hidden = true;
    this.node.textContent = '';
    delete this.node.dataset.code;
  }
}
