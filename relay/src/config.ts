import { z } from 'zod';

/**
 * Relay configuration, read from environment variables and validated at start-up. A wrong value
 * names the variable and what was expected (`ConfigError`). Every variable the relay reads is
 * listed in `ENV` so docs and deployment checks can enumerate them.
 */
export const ENV = {
  HYPERSEND_ENV: 'development (default) or production (JWKS URL and issuer required)',
  RELAY_HOST: 'interface to listen on (default 127.0.0.1)',
  RELAY_PORT: 'TCP port (default 8090; 0 picks a free one)',
  RELAY_DATA_DIR: 'directory of uploaded bytes and the embedded store (default ./.hypersend-relay)',
  RELAY_JWKS_URL: "signaling's JWKS, e.g. https://signal.example/v1/jwks.json; required in production",
  RELAY_JWT_ISSUER: 'required token issuer, the signaling public URL (default: origin of RELAY_JWKS_URL)',
  RELAY_JWT_AUDIENCE: 'required token audience (default hypersend, as HYPERSEND_JWT_AUDIENCE)',
  RELAY_MAX_OBJECT_BYTES: 'largest object, bytes (default 68719476736 = 64 GiB)',
  RELAY_MAX_BYTES_PER_USER:
    'bytes one uploader may hold on the relay at once (default 137438953472 = 128 GiB)',
  RELAY_MAX_PENDING_PER_RECIPIENT: 'objects waiting for one recipient, uploading or complete (default 100)',
  RELAY_OBJECT_TTL: 'seconds an object lives after creation (default 604800 = 7 days)',
  RELAY_INCOMPLETE_TTL: 'seconds an unfinished upload lives after creation (default 86400 = 24 h)',
  RELAY_SWEEP_INTERVAL: 'seconds between sweeps of expired objects (default 300)',
  MONGODB_URI: 'MongoDB connection string for object metadata; when unset the embedded SQLite store is used',
  MONGODB_DB: 'MongoDB database name (default hypersend)',
  RELAY_S3_BUCKET: 'store bytes in this S3-compatible bucket instead of RELAY_DATA_DIR',
  RELAY_S3_ENDPOINT: 'S3 endpoint URL (MinIO, R2, ...); default AWS',
  RELAY_S3_REGION: 'S3 region (default us-east-1)',
  RELAY_S3_ACCESS_KEY_ID: 'S3 access key id (default: the AWS SDK credential chain)',
  RELAY_S3_SECRET_ACCESS_KEY: 'S3 secret access key',
  RELAY_ALLOWED_ORIGINS:
    'comma-separated browser Origins granted CORS (web app uploads and downloads); default HYPERSEND_ALLOWED_ORIGINS, else none',
  HYPERSEND_ALLOWED_ORIGINS: "signaling's allowed browser Origins, used when RELAY_ALLOWED_ORIGINS is unset",
  LOG_LEVEL: 'pino level: fatal, error, warn, info (default), debug, trace, silent',
} as const;
export type RelayEnvName = keyof typeof ENV;

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

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** `https://app.example.com,http://localhost:8070`: origins only (scheme, host, port), exact match. */
const origins = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== ''),
  )
  .pipe(
    z.array(
      z
        .string()
        .regex(
          /^https?:\/\/[^/?#\s]+$/u,
          'expected origins like https://app.example.com (no path or trailing slash)',
        ),
    ),
  );
const GiB = 1024 ** 3;

const EnvSchema = z.object({
  HYPERSEND_ENV: z.enum(['development', 'production']).default('development'),
  RELAY_HOST: z.string().min(1).default('127.0.0.1'),
  RELAY_PORT: int(0, 65535).default(8090),
  RELAY_DATA_DIR: z.string().min(1).default('./.hypersend-relay'),
  RELAY_JWKS_URL: z.url().optional(),
  RELAY_JWT_ISSUER: z.string().min(1).optional(),
  RELAY_JWT_AUDIENCE: z.string().min(1).default('hypersend'),
  // 64 GiB: a 40 GB file plus per-chunk AEAD overhead fits with room to spare.
  RELAY_MAX_OBJECT_BYTES: int(1, Number.MAX_SAFE_INTEGER).default(64 * GiB),
  RELAY_MAX_BYTES_PER_USER: int(1, Number.MAX_SAFE_INTEGER).default(128 * GiB),
  RELAY_MAX_PENDING_PER_RECIPIENT: int(1, 1_000_000).default(100),
  RELAY_OBJECT_TTL: int(1, 365 * 86400).default(7 * 86400),
  RELAY_INCOMPLETE_TTL: int(1, 365 * 86400).default(86400),
  RELAY_SWEEP_INTERVAL: int(1, 86400).default(300),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'expected mongodb:// or mongodb+srv://')
    .optional(),
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/)
    .default('hypersend'),
  RELAY_S3_BUCKET: z.string().min(1).optional(),
  RELAY_S3_ENDPOINT: z.url().optional(),
  RELAY_S3_REGION: z.string().min(1).default('us-east-1'),
  RELAY_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  RELAY_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  RELAY_ALLOWED_ORIGINS: origins.optional(),
  HYPERSEND_ALLOWED_ORIGINS: origins.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** S3-compatible object storage for the bytes (metadata stays in the relay store). */
export interface S3Settings {
  bucket: string;
  endpoint: string | undefined;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
}

export interface RelayConfig {
  mode: 'development' | 'production';
  host: string;
  port: number;
  dataDir: string;
  jwt: { jwksUrl: string; issuer: string; audience: string };
  limits: {
    maxObjectBytes: number;
    maxBytesPerUser: number;
    maxPendingPerRecipient: number;
    objectTtlMs: number;
    incompleteTtlMs: number;
  };
  sweepIntervalMs: number;
  mongo: { uri: string; db: string } | undefined;
  s3: S3Settings | undefined;
  /** Browser Origins granted CORS; empty: browsers cannot use the relay. */
  allowedOrigins: string[];
  logLevel: string;
}

/** Where a development relay finds a development signaling server started with defaults. */
const DEV_JWKS_URL = 'http://127.0.0.1:8080/v1/jwks.json';

/**
 * Parse and validate the environment. Throws `ConfigError` naming the first bad variable.
 *
 * @example
 * const config = loadRelayConfig({ RELAY_PORT: '0', RELAY_JWKS_URL: `${signalingUrl}/v1/jwks.json` });
 */
export function loadRelayConfig(env: Record<string, string | undefined>): RelayConfig {
  const relevant: Record<string, string> = {};
  for (const name of Object.keys(ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') relevant[name] = value;
  }
  const parsed = EnvSchema.safeParse(relevant);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(
      variable,
      `${issue?.message ?? 'invalid'} (${ENV[variable as RelayEnvName] ?? ''})`,
    );
  }
  const e = parsed.data;

  if (e.HYPERSEND_ENV === 'production') {
    // A guessed JWKS location or issuer would accept tokens from whoever answers there.
    if (!e.RELAY_JWKS_URL) throw new ConfigError('RELAY_JWKS_URL', 'required in production');
    if (!e.RELAY_JWT_ISSUER)
      throw new ConfigError('RELAY_JWT_ISSUER', 'required in production (the signaling public URL)');
  }
  const jwksUrl = e.RELAY_JWKS_URL ?? DEV_JWKS_URL;
  const hasKey = e.RELAY_S3_ACCESS_KEY_ID !== undefined;
  if (hasKey !== (e.RELAY_S3_SECRET_ACCESS_KEY !== undefined))
    throw new ConfigError(
      hasKey ? 'RELAY_S3_SECRET_ACCESS_KEY' : 'RELAY_S3_ACCESS_KEY_ID',
      'set both S3 credentials or neither',
    );
  if (e.RELAY_MAX_OBJECT_BYTES > e.RELAY_MAX_BYTES_PER_USER)
    throw new ConfigError('RELAY_MAX_BYTES_PER_USER', 'must be at least RELAY_MAX_OBJECT_BYTES');

  return {
    mode: e.HYPERSEND_ENV,
    host: e.RELAY_HOST,
    port: e.RELAY_PORT,
    dataDir: e.RELAY_DATA_DIR,
    jwt: {
      jwksUrl,
      issuer: e.RELAY_JWT_ISSUER ?? new URL(jwksUrl).origin,
      audience: e.RELAY_JWT_AUDIENCE,
    },
    limits: {
      maxObjectBytes: e.RELAY_MAX_OBJECT_BYTES,
      maxBytesPerUser: e.RELAY_MAX_BYTES_PER_USER,
      maxPendingPerRecipient: e.RELAY_MAX_PENDING_PER_RECIPIENT,
      objectTtlMs: e.RELAY_OBJECT_TTL * 1000,
      incompleteTtlMs: e.RELAY_INCOMPLETE_TTL * 1000,
    },
    sweepIntervalMs: e.RELAY_SWEEP_INTERVAL * 1000,
    mongo: e.MONGODB_URI ? { uri: e.MONGODB_URI, db: e.MONGODB_DB } : undefined,
    s3: e.RELAY_S3_BUCKET
      ? {
          bucket: e.RELAY_S3_BUCKET,
          endpoint: e.RELAY_S3_ENDPOINT,
          region: e.RELAY_S3_REGION,
          credentials:
            e.RELAY_S3_ACCESS_KEY_ID && e.RELAY_S3_SECRET_ACCESS_KEY
              ? { accessKeyId: e.RELAY_S3_ACCESS_KEY_ID, secretAccessKey: e.RELAY_S3_SECRET_ACCESS_KEY }
              : undefined,
        }
      : undefined,
    allowedOrigins: e.RELAY_ALLOWED_ORIGINS ?? e.HYPERSEND_ALLOWED_ORIGINS ?? [],
    logLevel: e.LOG_LEVEL,
  };
}
