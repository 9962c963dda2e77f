/**
 * Print a new Ed25519 signing key for HYPERSEND_JWT_PRIVATE_KEY (PKCS#8 PEM) on stdout, and on
 * stderr the public JWK to add to HYPERSEND_JWT_PREVIOUS_PUBLIC_KEYS when this key is rotated out.
 *
 * @example
 * npm run -s keygen -w signaling > jwt-key.pem   # -s: keep npm's banner out of the PEM
 */
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const jwk = publicKey.export({ format: 'jwk' }) as JWK;
const kid = await calculateJwkThumbprint(jwk);
process.stdout.write(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
console.error(`# public JWK (kid ${kid}), for HYPERSEND_JWT_PREVIOUS_PUBLIC_KEYS after rotation:`);
console.error(JSON.stringify({ ...jwk, kid, alg: 'EdDSA', use: 'sig' }));
