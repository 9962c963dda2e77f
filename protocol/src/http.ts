import { z } from 'zod';
import { DisplayName, Id, PublicKey32, Username } from './ids.ts';

/**
 * HTTP API bodies (JSON, all routes under `/v1`). Requests are validated by the server with
 * these schemas; responses are typed by them so the SDK and server cannot drift apart.
 */

/** Passwords: 8-256 characters; length is what matters, not composition rules (NIST SP 800-63B). */
export const Password = z.string().min(8).max(256);

export const RegisterRequest = z
  .object({ username: Username, password: Password, displayName: DisplayName.optional() })
  .strict();
export type RegisterRequest = z.infer<typeof RegisterRequest>;
export const RegisterResponse = z.object({ userId: Id, username: Username });
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const LoginRequest = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) })
  .strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

/** Answer to login and refresh. `expiresIn` is the access token lifetime in seconds. */
export const TokenResponse = z.object({
  userId: Id,
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int().positive(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

export const RefreshRequest = z.object({ refreshToken: z.string().min(16).max(256) }).strict();
export type RefreshRequest = z.infer<typeof RefreshRequest>;
export const LogoutRequest = RefreshRequest;

/** Single-use, short-lived credential for browsers to open `/v1/ws` (they cannot set headers). */
export const WsTicketResponse = z.object({ ticket: z.string(), expiresIn: z.number().int().positive() });
export type WsTicketResponse = z.infer<typeof WsTicketResponse>;

/** Register (or re-register) a device. The client picks the id; new keys on an existing id are a key change. */
export const DeviceRegistration = z
  .object({ deviceId: Id, name: z.string().min(1).max(64), x25519: PublicKey32, ed25519: PublicKey32 })
  .strict();
export type DeviceRegistration = z.infer<typeof DeviceRegistration>;

export const DeviceInfo = z.object({
  deviceId: Id,
  name: z.string(),
  x25519: PublicKey32,
  ed25519: PublicKey32,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;
export const DeviceList = z.object({ userId: Id, devices: z.array(DeviceInfo) });
export type DeviceList = z.infer<typeof DeviceList>;

export const ContactState = z.enum(['requested', 'incoming', 'accepted', 'blocked']);
export type ContactState = z.infer<typeof ContactState>;
export const ContactInfo = z.object({
  userId: Id,
  username: Username,
  displayName: z.string(),
  state: ContactState,
  since: z.string(),
});
export type ContactInfo = z.infer<typeof ContactInfo>;
export const ContactList = z.object({ contacts: z.array(ContactInfo) });
export type ContactList = z.infer<typeof ContactList>;

/** Ask someone to be a contact. Always answered 202 so existence of the username is not revealed. */
export const ContactRequest = z.object({ username: Username }).strict();
export type ContactRequest = z.infer<typeof ContactRequest>;

export const UserInfo = z.object({ userId: Id, username: Username, displayName: z.string() });
export type UserInfo = z.infer<typeof UserInfo>;
