import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/**
 * The benchmark plays an external identity provider: the server trusts its Ed25519 key
 * (`HYPERSEND_EXTERNAL_PUBLIC_KEY`), so ten thousand users need no argon2id registration, yet every
 * connection still presents a token the server verifies in full. Tokens are signed with
 * node:crypto directly (a compact EdDSA JWT is three base64url parts), which keeps the bench free
 * of a direct dependency on `jose` and mints 10k tokens in well under a second.
 */
export interface BenchIssuer {
  issuer: string;
  audience: string;
  /** SPKI PEM for the server. */
  publicKeyPem: string;
  /** PKCS#8 PEM, handed to the load-generator workers so each mints its own slice. */
  privateKeyPem: string;
}

export const BENCH_ISSUER = 'https://issuer.bench.hypersend.invalid';
export const BENCH_AUDIENCE = 'hypersend-bench';
/** Long enough for any bounded run; the server closes sockets when tokens expire (4002). */
const TOKEN_TTL_S = 3 * 3600;

/** A fresh key pair for one run. */
export function createBenchIssuer(): BenchIssuer {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    issuer: BENCH_ISSUER,
    audience: BENCH_AUDIENCE,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Subject and preferred username of benchmark user `i`; the server derives the user id from both. */
export function benchSubject(i: number): string {
  return `bench-${i}`;
}
export function benchUsername(i: number): string {
  return `bench${i}`;
}

/**
 * Returns a minting function bound to the issuer's private key.
 *
 * @example
 * const mint = tokenMinter(issuer);
 * const jwt = mint(7); // sub bench-7, preferred_username bench7
 */
export function tokenMinter(issuer: BenchIssuer): (i: number) => string {
  const key: KeyObject = createPrivateKey(issuer.privateKeyPem);
  const header = b64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT' }));
  return (i) => {
    const iat = Math.floor(Date.now() / 1000);
    const payload = b64url(
      JSON.stringify({
        iss: issuer.issuer,
        aud: issuer.audience,
        sub: benchSubject(i),
        preferred_username: benchUsername(i),
        iat,
        exp: iat + TOKEN_TTL_S,
        jti: `bench-${i}-${iat}`,
      }),
    );
    const input = `${header}.${payload}`;
    return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
  };
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
