import { z } from 'zod';

/**
 * Identifiers on the wire and in the store: short, URL-safe strings.
 * Restricting the alphabet is what keeps an id from ever becoming a query operator
 * (`$gt`, objects) or a path segment (`..`, `/`).
 *
 * @example
 * Id.parse('u_3fK9x'); // ok
 * Id.safeParse({ $gt: '' }).success; // false
 */
export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 characters of A-Z a-z 0-9 _ -');
export type Id = z.infer<typeof Id>;

/** Usernames: lowercase, 3-32 characters, start with a letter. */
export const Username = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{2,31}$/, 'expected 3-32 characters: a-z first, then a-z 0-9 _ . -');
export type Username = z.infer<typeof Username>;

/** Display names are shown to other people: bounded, no control or bidi-override characters. */
export const DisplayName = z
  .string()
  .min(1)
  .max(64)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  .refine((s) => !/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(s), 'control or bidi characters');

/** A 32-byte public key, base64url without padding (43 characters). */
export const PublicKey32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected 32 bytes, base64url');
