// A complete, valid .env for the deploy tests: .env.example with every empty value filled in with
// freshly generated secrets and the given public URLs. Nothing here is ever written to disk.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ENV_EXAMPLE_FILE, parseDotEnv } from './compose-model.ts';

/** Variable names whose values are secrets: compose must require them and .env.example leave them empty. */
export const SECRET_NAME = /(PASSWORD|SECRETS?|PRIVATE_KEY|SECRET_ACCESS_KEY)$/;

/** Public URLs of the stack; loopback ones in the run test. */
export interface DeployUrls {
  signaling: string;
  relay: string;
  web: string;
  /** `HYPERSEND_TURN_URIS` value. */
  turnUris: string;
}

export const EXAMPLE_URLS: DeployUrls = {
  signaling: 'https://signal.example.org',
  relay: 'https://relay.example.org',
  web: 'https://app.example.org',
  turnUris: 'turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349?transport=tcp',
};

/** .env.example as a map, values exactly as written. */
export function exampleEnv(): Map<string, string> {
  return parseDotEnv(readFileSync(ENV_EXAMPLE_FILE, 'utf8'));
}

/**
 * .env.example with generated secrets and the given URLs: what an operator's .env looks like.
 *
 * @example
 * const env = filledEnv(EXAMPLE_URLS);
 * const compose = loadCompose(readRepoFile('docker-compose.yml'), env);
 */
export function filledEnv(urls: DeployUrls): Record<string, string> {
  const env = Object.fromEntries(exampleEnv());
  const hex = () => randomBytes(32).toString('hex');
  const jwtKey = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return {
    ...env,
    HYPERSEND_PUBLIC_URL: urls.signaling,
    HYPERSEND_RELAY_PUBLIC_URL: urls.relay,
    HYPERSEND_WEB_URL: urls.web,
    HYPERSEND_TURN_URIS: urls.turnUris,
    HYPERSEND_JWT_PRIVATE_KEY: jwtKey,
    // Hex, as scripts/selfhost-env.sh: base64 could spell a word the coturn renderer refuses.
    HYPERSEND_TURN_SECRETS: hex(),
    TURN_REALM: new URL(urls.signaling).hostname,
    MONGO_ROOT_PASSWORD: hex(),
    MONGO_APP_PASSWORD: hex(),
  };
}
