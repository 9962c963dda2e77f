import { z } from 'zod';

/**
 * Signaling configuration, read from environment variables and validated at start-up.
 * A wrong value names the variable and what was expected (`ConfigError`). Every variable the
 * server reads is listed in `ENV` so docs, `.env.example` and the compose tests can check it.
 */
export const ENV = {
  HYPERSEND_ENV: 'development (default: ephemeral keys allowed) or production (secrets required)',
  HOST: 'interface to listen on (default 127.0.0.1)',
  PORT: 'TCP port (default 8080; 0 picks a free one)',
  HYPERSEND_PUBLIC_URL: 'external base URL, used as the JWT issuer (default http://HOST:PORT)',
  HYPERSEND_JWT_PRIVATE_KEY: 'Ed25519 private key, PKCS#8 PEM; required in production',
  HYPERSEND_JWT_KEY_ID: 'kid of the signing key (default: its JWK thumbprint)',
  HYPERSEND_JWT_PREVIOUS_PUBLIC_KEYS: 'JSON array of Ed25519 public JWKs still published during key rotation',
  HYPERSEND_JWT_AUDIENCE: 'audience of issued access tokens (default hypersend)',
  HYPERSEND_ACCESS_TOKEN_TTL: 'access token lifetime, seconds, 60-900 (default 900)',
  HYPERSEND_REFRESH_TOKEN_TTL: 'refresh token lifetime, seconds (default 2592000 = 30 days)',
  HYPERSEND_EXTERNAL_JWKS_URL: 'accept tokens from an external identity provider: its JWKS URL',
  HYPERSEND_EXTERNAL_PUBLIC_KEY: 'or its public key (PEM, SPKI)',
  HYPERSEND_EXTERNAL_ALGORITHMS:
    'comma-separated algorithms allowed for external tokens (default EdDSA,ES256,RS256)',
  HYPERSEND_EXTERNAL_ISSUER: 'required issuer of external tokens',
  HYPERSEND_EXTERNAL_AUDIENCE: 'required audience of external tokens',
  MONGODB_URI: 'MongoDB connection string; when unset the embedded SQLite store is used',
  MONGODB_DB: 'MongoDB database name (default hypersend)',
  HYPERSEND_DATA_DIR: 'directory of the embedded store (default ./.hypersend-data)',
  HYPERSEND_ALLOWED_ORIGINS:
    'comma-separated Origins allowed to open /v1/ws (browsers); non-browser clients send none',
  HYPERSEND_TRUST_PROXY:
    'true to take the client IP from X-Forwarded-For (only behind your own reverse proxy)',
  HYPERSEND_MAX_CONNECTIONS_PER_USER: 'WebSocket connections per user (default 20)',
  HYPERSEND_MAX_CONNECTIONS_PER_IP: 'WebSocket connections per IP (default 200)',
  HYPERSEND_WS_RATE: 'WebSocket messages per second per connection, sustained (default 50)',
  HYPERSEND_WS_BURST: 'WebSocket message burst per connection (default 200)',
  HYPERSEND_WS_IDLE_TIMEOUT:
    'seconds without traffic before a WebSocket peer is pinged, then dropped (8-960, default 60)',
  HYPERSEND_WS_MAX_BACKPRESSURE: 'bytes queued for one slow WebSocket before it is closed (default 1048576)',
  HYPERSEND_LOGIN_RATE_PER_ACCOUNT: 'failed logins per account per 15 minutes (default 10)',
  HYPERSEND_LOGIN_RATE_PER_IP: 'login attempts per IP per 15 minutes (default 100)',
  HYPERSEND_PASSWORD_HASH: 'argon2id cost: interactive (default) or moderate',
  HYPERSEND_TURN_SECRETS:
    'coturn static-auth-secrets, comma-separated, newest first (32+ characters each); enables /v1/turn/credentials',
  HYPERSEND_TURN_URIS:
    'comma-separated stun:/turn:/turns: URIs handed to clients (at least one turn: or turns:)',
  HYPERSEND_TURN_TTL: 'TURN credential lifetime, seconds, 60-86400 (default 3600)',
  HYPERSEND_TURN_MINTS_PER_MINUTE: 'TURN credentials one user may mint per minute (default 10)',
  HYPERSEND_RELAY_URL:
    'base URL of the store-and-forward relay, advertised to clients at GET /v1/config (default: none)',
  HYPERSEND_CHAT_RETENTION:
    'chat messages older than this many seconds are removed (60-3153600000; default: kept forever)',
  HYPERSEND_CHAT_SEND_RATE: 'chat messages per second per user, sustained; burst is 6x (default 5)',
  LOG_LEVEL: 'pino level: fatal, error, warn, info (default), debug, trace, silent',
} as const;
export type EnvName = keyof typeof ENV;

/** A configuration value is missing or malformed. `variable` names it. */
export class ConfigError extends Error {
  readonly code = 'config';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

const EnvSchema = z.object({
  HYPERSEND_ENV: z.enum(['development', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(8080),
  HYPERSEND_PUBLIC_URL: z.url().optional(),
  HYPERSEND_JWT_PRIVATE_KEY: z
    .string()
    .includes('PRIVATE KEY', { message: 'expected a PKCS#8 PEM' })
    .optional(),
  HYPERSEND_JWT_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  HYPERSEND_JWT_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
  HYPERSEND_JWT_AUDIENCE: z.string().min(1).default('hypersend'),
  HYPERSEND_ACCESS_TOKEN_TTL: int(60, 900).default(900),
  HYPERSEND_REFRESH_TOKEN_TTL: int(3600, 365 * 86400).default(30 * 86400),
  HYPERSEND_EXTERNAL_JWKS_URL: z.url().optional(),
  HYPERSEND_EXTERNAL_PUBLIC_KEY: z
    .string()
    .includes('PUBLIC KEY', { message: 'expected an SPKI PEM' })
    .optional(),
  HYPERSEND_EXTERNAL_ALGORITHMS: list.default(['EdDSA', 'ES256', 'RS256']),
  HYPERSEND_EXTERNAL_ISSUER: z.string().min(1).optional(),
  HYPERSEND_EXTERNAL_AUDIENCE: z.string().min(1).optional(),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'expected mongodb:// or mongodb+srv://')
    .optional(),
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/)
    .default('hypersend'),
  HYPERSEND_DATA_DIR: z.string().min(1).default('./.hypersend-data'),
  HYPERSEND_ALLOWED_ORIGINS: list.default([]),
  HYPERSEND_TRUST_PROXY: bool.default(false),
  HYPERSEND_MAX_CONNECTIONS_PER_USER: int(1, 10_000).default(20),
  HYPERSEND_MAX_CONNECTIONS_PER_IP: int(1, 1_000_000).default(200),
  HYPERSEND_WS_RATE: int(1, 100_000).default(50),
  HYPERSEND_WS_BURST: int(1, 1_000_000).default(200),
  HYPERSEND_WS_IDLE_TIMEOUT: int(8, 960).default(60),
  HYPERSEND_WS_MAX_BACKPRESSURE: int(64 * 1024, 64 * 1024 * 1024).default(1024 * 1024),
  HYPERSEND_LOGIN_RATE_PER_ACCOUNT: int(1, 10_000).default(10),
  HYPERSEND_LOGIN_RATE_PER_IP: int(1, 1_000_000).default(100),
  HYPERSEND_PASSWORD_HASH: z.enum(['interactive', 'moderate']).default('interactive'),
  HYPERSEND_TURN_SECRETS: list.optional(),
  HYPERSEND_TURN_URIS: list.optional(),
  HYPERSEND_TURN_TTL: int(60, 86400).default(3600),
  HYPERSEND_TURN_MINTS_PER_MINUTE: int(1, 1000).default(10),
  HYPERSEND_RELAY_URL: z.url().optional(),
  HYPERSEND_CHAT_RETENTION: int(60, 3_153_600_000).optional(),
  HYPERSEND_CHAT_SEND_RATE: int(1, 100_000).default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SignalingConfig = {
  mode: 'development' | 'production';
  host: string;
  port: number;
  publicUrl: string | undefined;
  jwt: {
    privateKeyPem: string | undefined;
    keyId: string | undefined;
    previousPublicJwks: unknown[];
    audience: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  external:
    | {
        jwksUrl: string | undefined;
        publicKeyPem: string | undefined;
        algorithms: string[];
        issuer: string;
        audience: string;
      }
    | undefined;
  mongo: { uri: string; db: string } | undefined;
  dataDir: string;
  allowedOrigins: string[];
  trustProxy: boolean;
  limits: {
    connectionsPerUser: number;
    connectionsPerIp: number;
    wsRatePerSecond: number;
    wsBurst: number;
    wsIdleTimeoutSeconds: number;
    wsMaxBackpressureBytes: number;
    loginFailuresPerAccount: number;
    loginAttemptsPerIp: number;
  };
  passwordHashCost: 'interactive' | 'moderate';
  /** TURN credential issuing; undefined when no TURN secret is configured. */
  turn: { secrets: string[]; uris: string[]; ttlSeconds: number; mintsPerMinute: number } | undefined;
  /** Store-and-forward relay base URL advertised to clients; undefined when none. */
  relayUrl: string | undefined;
  /** Chat messages older than this are removed; null keeps them. */
  chatRetentionMs: number | null;
  /** Chat sends per second per user (sustained; the burst is six times that). */
  chatSendRate: number;
  logLevel: string;
};

/**
 * Parse and validate the environment. Throws `ConfigError` naming the first bad variable.
 *
 * @example
 * const config = loadConfig(process.env);
 */
export function loadConfig(env: Record<string, string | undefined>): SignalingConfig {
  const relevant: Record<string, string> = {};
  for (const name of Object.keys(ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') relevant[name] = value;
  }
  const parsed = EnvSchema.safeParse(relevant);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(variable, `${issue?.message ?? 'invalid'} (${ENV[variable as EnvName] ?? ''})`);
  }
  const e = parsed.data;

  let previousPublicJwks: unknown[] = [];
  if (e.HYPERSEND_JWT_PREVIOUS_PUBLIC_KEYS) {
    try {
      const value: unknown = JSON.parse(e.HYPERSEND_JWT_PREVIOUS_PUBLIC_KEYS);
      if (!Array.isArray(value)) throw new Error('not an array');
      previousPublicJwks = value;
    } catch {
      throw new ConfigError('HYPERSEND_JWT_PREVIOUS_PUBLIC_KEYS', 'expected a JSON array of public JWKs');
    }
  }

  const wantsExternal = e.HYPERSEND_EXTERNAL_JWKS_URL ?? e.HYPERSEND_EXTERNAL_PUBLIC_KEY;
  if (wantsExternal && !e.HYPERSEND_EXTERNAL_ISSUER)
    throw new ConfigError('HYPERSEND_EXTERNAL_ISSUER', 'required when external tokens are accepted');
  if (wantsExternal && !e.HYPERSEND_EXTERNAL_AUDIENCE)
    throw new ConfigError('HYPERSEND_EXTERNAL_AUDIENCE', 'required when external tokens are accepted');
  if (e.HYPERSEND_EXTERNAL_ALGORITHMS.some((a) => a === 'none' || a.startsWith('HS')))
    throw new ConfigError('HYPERSEND_EXTERNAL_ALGORITHMS', 'only asymmetric algorithms are accepted');

  const turnSecrets = e.HYPERSEND_TURN_SECRETS ?? [];
  const turnUris = e.HYPERSEND_TURN_URIS ?? [];
  if (turnSecrets.length > 0 && turnUris.length === 0)
    throw new ConfigError('HYPERSEND_TURN_URIS', 'required when HYPERSEND_TURN_SECRETS is set');
  if (turnUris.length > 0 && turnSecrets.length === 0)
    throw new ConfigError('HYPERSEND_TURN_SECRETS', 'required when HYPERSEND_TURN_URIS is set');

  if (e.HYPERSEND_ENV === 'production') {
    if (!e.HYPERSEND_JWT_PRIVATE_KEY)
      throw new ConfigError(
        'HYPERSEND_JWT_PRIVATE_KEY',
        'required in production (generate one with `npm run keygen -w signaling`)',
      );
    if (!e.HYPERSEND_PUBLIC_URL)
      throw new ConfigError('HYPERSEND_PUBLIC_URL', 'required in production (it is the token issuer)');
  }

  return {
    mode: e.HYPERSEND_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.HYPERSEND_PUBLIC_URL,
    jwt: {
      privateKeyPem: e.HYPERSEND_JWT_PRIVATE_KEY,
      keyId: e.HYPERSEND_JWT_KEY_ID,
      previousPublicJwks,
      audience: e.HYPERSEND_JWT_AUDIENCE,
      accessTtlSeconds: e.HYPERSEND_ACCESS_TOKEN_TTL,
      refreshTtlSeconds: e.HYPERSEND_REFRESH_TOKEN_TTL,
    },
    external: wantsExternal
      ? {
          jwksUrl: e.HYPERSEND_EXTERNAL_JWKS_URL,
          publicKeyPem: e.HYPERSEND_EXTERNAL_PUBLIC_KEY,
          algorithms: e.HYPERSEND_EXTERNAL_ALGORITHMS,
          issuer: e.HYPERSEND_EXTERNAL_ISSUER!,
          audience: e.HYPERSEND_EXTERNAL_AUDIENCE!,
        }
      : undefined,
    mongo: e.MONGODB_URI ? { uri: e.MONGODB_URI, db: e.MONGODB_DB } : undefined,
    dataDir: e.HYPERSEND_DATA_DIR,
    allowedOrigins: e.HYPERSEND_ALLOWED_ORIGINS,
    trustProxy: e.HYPERSEND_TRUST_PROXY,
    limits: {
      connectionsPerUser: e.HYPERSEND_MAX_CONNECTIONS_PER_USER,
      connectionsPerIp: e.HYPERSEND_MAX_CONNECTIONS_PER_IP,
      wsRatePerSecond: e.HYPERSEND_WS_RATE,
      wsBurst: e.HYPERSEND_WS_BURST,
      wsIdleTimeoutSeconds: e.HYPERSEND_WS_IDLE_TIMEOUT,
      wsMaxBackpressureBytes: e.HYPERSEND_WS_MAX_BACKPRESSURE,
      loginFailuresPerAccount: e.HYPERSEND_LOGIN_RATE_PER_ACCOUNT,
      loginAttemptsPerIp: e.HYPERSEND_LOGIN_RATE_PER_IP,
    },
    passwordHashCost: e.HYPERSEND_PASSWORD_HASH,
    turn:
      turnSecrets.length > 0
        ? {
            secrets: turnSecrets,
            uris: turnUris,
            ttlSeconds: e.HYPERSEND_TURN_TTL,
            mintsPerMinute: e.HYPERSEND_TURN_MINTS_PER_MINUTE,
          }
        : undefined,
    relayUrl: e.HYPERSEND_RELAY_URL?.replace(/\/+$/, ''),
    chatRetentionMs: e.HYPERSEND_CHAT_RETENTION === undefined ? null : e.HYPERSEND_CHAT_RETENTION * 1000,
    chatSendRate: e.HYPERSEND_CHAT_SEND_RATE,
    logLevel: e.LOG_LEVEL,
  };
}
