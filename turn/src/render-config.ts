import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { TurnConfigError } from './errors.ts';

/** Options of one coturn configuration. Only `realm` and `secrets` have no default. */
export interface CoturnConfigOptions {
  /** Authentication realm, usually the TURN host name. */
  realm: string;
  /**
   * TURN REST shared secrets, newest first; one normally, two during a rollover (see README).
   * Each at least 32 characters of printable ASCII, never a placeholder.
   */
  secrets: readonly string[];
  /** Addresses to listen on. Default `['0.0.0.0']`; use specific addresses where you can. */
  listeningIps?: readonly string[];
  /** STUN/TURN port for UDP and TCP. Default 3478. */
  listeningPort?: number;
  /** Public address, or `public/private` when behind 1:1 NAT (coturn `external-ip`). */
  externalIps?: readonly string[];
  /** Local addresses relayed traffic leaves from (coturn `relay-ip`). Default: coturn picks. */
  relayIps?: readonly string[];
  /** Relay port range, inclusive. Default 49152-65535 (RFC 8656). */
  minPort?: number;
  maxPort?: number;
  /** TLS listener for `turns:` URIs. Without it TLS and DTLS listeners are off. */
  tls?: { certFile: string; keyFile: string; port?: number };
  /** Concurrent allocations per user (12), in total (1200), bytes/s per session (12.5 MB/s). */
  quotas?: { userQuota?: number; totalQuota?: number; maxBps?: number };
  /** Log file path; default `stdout` (containers, systemd). */
  logFile?: string;
  /** PID file path; omitted means coturn's default. */
  pidFile?: string;
  /** coturn's SQLite user database; the REST scheme needs none, but coturn opens one anyway. */
  userDbFile?: string;
  /** More peer ranges to deny (`ip` or `first-last`), e.g. the operator's own public prefix. */
  extraDeniedPeerIps?: readonly string[];
  /** `test` appends the loopback-allowing overlay. Default `production`. Never deploy `test`. */
  profile?: 'production' | 'test';
}

const TEMPLATE_DIR = new URL('../templates/', import.meta.url);
const MIN_SECRET_LENGTH = 32;
// Secrets that are obviously not random: documentation examples, unfilled variables.
const PLACEHOLDER =
  /change[-_ .]?me|changeit|placeholder|example|secret|password|replace|your[-_]|todo|fixme|xxxx|\$\{|\{\{|<[^>]*>|^(.)\1+$/i;
// One token of printable ASCII: no spaces, no newlines, so no value can inject a config line.
const TOKEN = /^[\x21-\x7e]+$/;

/**
 * Render the production coturn configuration (plus the test overlay when `profile: 'test'`).
 * Throws {@link TurnConfigError} for a missing, short, low-variety or placeholder secret and for
 * any malformed option, before anything reaches disk.
 *
 * @example
 * const conf = renderCoturnConfig({
 *   realm: 'turn.example.com',
 *   secrets: [process.env.TURN_SECRET ?? ''],
 *   listeningIps: ['203.0.113.7'],
 *   tls: { certFile: '/etc/ssl/turn.pem', keyFile: '/etc/ssl/turn.key' },
 * });
 * writeFileSync('/etc/turnserver.conf', conf, { mode: 0o600 });
 */
export function renderCoturnConfig(options: CoturnConfigOptions): string {
  validateSecrets(options.secrets);
  const realm = options.realm;
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(realm))
    throw TurnConfigError.invalid('realm', 'expected a host-name-like realm');
  const listeningIps = options.listeningIps ?? ['0.0.0.0'];
  if (listeningIps.length === 0) throw TurnConfigError.invalid('listeningIps', 'at least one address');
  listeningIps.forEach((ip, i) => {
    ipOnly(`listeningIps[${i}]`, ip);
  });
  (options.relayIps ?? []).forEach((ip, i) => {
    ipOnly(`relayIps[${i}]`, ip);
  });
  (options.externalIps ?? []).forEach((value, i) => {
    const [pub = '', priv, ...rest] = value.split('/');
    ipOnly(`externalIps[${i}]`, pub);
    if (priv !== undefined) ipOnly(`externalIps[${i}]`, priv);
    if (rest.length) throw TurnConfigError.invalid(`externalIps[${i}]`, 'expected public or public/private');
  });
  const listeningPort = port('listeningPort', options.listeningPort ?? 3478);
  const minPort = port('minPort', options.minPort ?? 49152);
  const maxPort = port('maxPort', options.maxPort ?? 65535);
  if (minPort > maxPort) throw TurnConfigError.invalid('minPort', 'must not exceed maxPort');
  if (listeningPort >= minPort && listeningPort <= maxPort)
    throw TurnConfigError.invalid('listeningPort', 'must lie outside the relay port range');
  const quotas = {
    userQuota: count('quotas.userQuota', options.quotas?.userQuota ?? 12),
    totalQuota: count('quotas.totalQuota', options.quotas?.totalQuota ?? 1200),
    maxBps: count('quotas.maxBps', options.quotas?.maxBps ?? 12_500_000),
  };
  (options.extraDeniedPeerIps ?? []).forEach((range, i) => {
    const parts = range.split('-');
    if (parts.length > 2 || parts.some((p) => !isIP(p)))
      throw TurnConfigError.invalid(
        `extraDeniedPeerIps[${i}]`,
        'expected ip or first-last (coturn has no CIDR)',
      );
  });

  let tls = 'no-tls\nno-dtls';
  if (options.tls) {
    const tlsPort = port('tls.port', options.tls.port ?? 5349);
    if (tlsPort === listeningPort)
      throw TurnConfigError.invalid('tls.port', 'must differ from listeningPort');
    tls = [
      `tls-listening-port=${tlsPort}`,
      `cert=${path('tls.certFile', options.tls.certFile)}`,
      `pkey=${path('tls.keyFile', options.tls.keyFile)}`,
      // TLS 1.2+ only, forward-secret AEAD suites; DTLS is for non-WebRTC clients and stays off.
      'no-tlsv1',
      'no-tlsv1_1',
      'no-dtls',
      'cipher-list="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"',
    ].join('\n');
  }

  const log = options.logFile
    ? `log-file=${path('logFile', options.logFile)}\nsimple-log\nno-stdout-log`
    : 'log-file=stdout';
  const values: Record<string, string> = {
    listening_ips: listeningIps.map((ip) => `listening-ip=${ip}`).join('\n'),
    listening_port: String(listeningPort),
    tls,
    relay_ips: (options.relayIps ?? []).map((ip) => `relay-ip=${ip}`).join('\n'),
    external_ips: (options.externalIps ?? []).map((ip) => `external-ip=${ip}`).join('\n'),
    min_port: String(minPort),
    max_port: String(maxPort),
    static_auth_secrets: options.secrets.map((s) => `static-auth-secret=${s}`).join('\n'),
    realm,
    user_quota: String(quotas.userQuota),
    total_quota: String(quotas.totalQuota),
    max_bps: String(quotas.maxBps),
    extra_denied_peer_ips: (options.extraDeniedPeerIps ?? []).map((r) => `denied-peer-ip=${r}`).join('\n'),
    log,
    pid_file: options.pidFile ? `pidfile=${path('pidFile', options.pidFile)}` : '',
    userdb: options.userDbFile ? `userdb=${path('userDbFile', options.userDbFile)}` : '',
  };
  const production = fill(readTemplate('turnserver.conf.tmpl'), values);
  // Belt and braces: whatever happens to the template, production never opens peers.
  if (/^\s*(allowed-peer-ip|allow-loopback-peers)\b/m.test(production))
    throw new TurnConfigError('unsafe_template', 'template', 'production template must not allow peers');
  if (options.profile === 'test') return `${production}\n${readTemplate('test-overlay.conf.tmpl')}`;
  return production;
}

function readTemplate(name: string): string {
  return readFileSync(new URL(name, TEMPLATE_DIR), 'utf8');
}

function fill(template: string, values: Record<string, string>): string {
  const out = template.replace(/\{\{(\w+)\}\}/g, (match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new TurnConfigError('unsafe_template', 'template', `unknown ${match}`);
    return value;
  });
  return out.replace(/\n{3,}/g, '\n\n');
}

function validateSecrets(secrets: readonly string[] | undefined): void {
  if (!secrets || secrets.length === 0) throw TurnConfigError.missingSecret();
  if (secrets.length > 2)
    throw TurnConfigError.invalid(
      'secrets',
      'at most two: the current one and, during a rollover, the old one',
    );
  secrets.forEach((secret, i) => {
    if (typeof secret !== 'string' || secret.trim() === '') throw TurnConfigError.missingSecret();
    if (!TOKEN.test(secret)) throw TurnConfigError.weakSecret(i, 'printable ASCII without spaces only');
    if (PLACEHOLDER.test(secret)) throw TurnConfigError.placeholderSecret(i);
    if (secret.length < MIN_SECRET_LENGTH)
      throw TurnConfigError.weakSecret(i, `at least ${MIN_SECRET_LENGTH} characters`);
    if (new Set(secret).size < 10) throw TurnConfigError.weakSecret(i, 'too few distinct characters');
  });
  if (new Set(secrets).size !== secrets.length) throw TurnConfigError.invalid('secrets', 'duplicate secret');
}

function ipOnly(option: string, ip: string): void {
  if (!isIP(ip)) throw TurnConfigError.invalid(option, `not an IP address: ${JSON.stringify(ip)}`);
}

function port(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw TurnConfigError.invalid(option, 'expected a port 1-65535');
  return value;
}

function count(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw TurnConfigError.invalid(option, 'expected an integer >= 0');
  return value;
}

function path(option: string, value: string): string {
  if (!TOKEN.test(value)) throw TurnConfigError.invalid(option, 'expected a path without spaces');
  return value;
}
