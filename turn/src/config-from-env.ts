import { TurnConfigError } from './errors.ts';
import type { CoturnConfigOptions } from './render-config.ts';

/**
 * Every variable `render-main.ts` reads to render coturn's configuration in a container (the
 * docker-compose `coturn-config` service). The compose tests check the stack against this list.
 */
export const TURN_ENV = {
  HYPERSEND_TURN_SECRETS:
    'static-auth-secrets, comma-separated, newest first (the same value signaling gets); required',
  TURN_REALM: 'authentication realm, usually the TURN host name (turn.example.com); required',
  TURN_LISTENING_IPS: 'comma-separated addresses to listen on (default 0.0.0.0)',
  TURN_LISTENING_PORT: 'STUN/TURN port, UDP and TCP (default 3478)',
  TURN_EXTERNAL_IPS: 'public address, or public/private behind 1:1 NAT (cloud VMs); comma-separated',
  TURN_RELAY_IPS: 'comma-separated local addresses relayed traffic leaves from (default: coturn picks)',
  TURN_MIN_PORT: 'first relay port (default 49152)',
  TURN_MAX_PORT: 'last relay port (default 65535)',
  TURN_TLS_CERT_FILE: 'certificate chain (PEM) for turns: on TURN_TLS_PORT; unset = no TLS listener',
  TURN_TLS_KEY_FILE: 'private key (PEM) of TURN_TLS_CERT_FILE',
  TURN_TLS_PORT: 'TLS port for turns: (default 5349)',
  TURN_EXTRA_DENIED_PEER_IPS: 'more peer ranges to deny, comma-separated ip or first-last (your own prefix)',
  TURN_USER_QUOTA: 'concurrent allocations per user (default 12)',
  TURN_TOTAL_QUOTA: 'concurrent allocations in total (default 1200)',
  TURN_MAX_BPS: 'bytes per second per session (default 12500000)',
  TURN_STATE_DIR: "writable directory for coturn's pid file and its (unused) user DB (default /tmp)",
} as const;
export type TurnEnvName = keyof typeof TURN_ENV;

type Env = Record<string, string | undefined>;

const list = (env: Env, name: TurnEnvName): string[] | undefined => {
  const items = (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
};

const int = (env: Env, name: TurnEnvName): number | undefined => {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,12}$/.test(raw)) throw TurnConfigError.invalid(name, 'expected a non-negative integer');
  return Number(raw);
};

const required = (env: Env, name: TurnEnvName): string => {
  const value = env[name]?.trim();
  if (!value) throw TurnConfigError.invalid(name, 'required');
  return value;
};

/** Drop undefined members: the renderer's options are optional, never `undefined`-valued. */
function compact<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/**
 * Map the container environment onto {@link CoturnConfigOptions} (always the production profile).
 * Values are checked again, more strictly, by `renderCoturnConfig`.
 *
 * @example
 * const conf = renderCoturnConfig(coturnOptionsFromEnv(process.env));
 * @throws TurnConfigError naming the variable (never its value) when one is missing or malformed.
 */
export function coturnOptionsFromEnv(env: Env): CoturnConfigOptions {
  const secrets = list(env, 'HYPERSEND_TURN_SECRETS');
  if (!secrets) throw TurnConfigError.missingSecret();
  const cert = env.TURN_TLS_CERT_FILE?.trim();
  const key = env.TURN_TLS_KEY_FILE?.trim();
  if (Boolean(cert) !== Boolean(key))
    throw TurnConfigError.invalid(
      cert ? 'TURN_TLS_KEY_FILE' : 'TURN_TLS_CERT_FILE',
      'set both TLS files or neither',
    );
  const stateDir = env.TURN_STATE_DIR?.trim() || '/tmp';
  const quotas = {
    userQuota: int(env, 'TURN_USER_QUOTA'),
    totalQuota: int(env, 'TURN_TOTAL_QUOTA'),
    maxBps: int(env, 'TURN_MAX_BPS'),
  };
  return compact({
    realm: required(env, 'TURN_REALM'),
    secrets,
    listeningIps: list(env, 'TURN_LISTENING_IPS'),
    listeningPort: int(env, 'TURN_LISTENING_PORT'),
    externalIps: list(env, 'TURN_EXTERNAL_IPS'),
    relayIps: list(env, 'TURN_RELAY_IPS'),
    minPort: int(env, 'TURN_MIN_PORT'),
    maxPort: int(env, 'TURN_MAX_PORT'),
    tls:
      cert && key
        ? { certFile: cert, keyFile: key, ...compact({ port: int(env, 'TURN_TLS_PORT') }) }
        : undefined,
    quotas: compact(quotas),
    extraDeniedPeerIps: list(env, 'TURN_EXTRA_DENIED_PEER_IPS'),
    pidFile: `${stateDir}/turnserver.pid`,
    userDbFile: `${stateDir}/turndb`,
    profile: 'production' as const,
  }) as CoturnConfigOptions;
}
