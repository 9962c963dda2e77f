// Regenerate client-sdk/test-vectors/*.json from fixed keys, ids and plaintexts.
//   node --import tsx client-sdk/scripts/make-vectors.ts
// Output is deterministic except keys.json's `seal.sealed` (crypto_box_seal is randomised by
// design); the generator cross-checks both AEAD backends before writing anything.
import { writeFileSync } from 'node:fs';
import { nodeAead } from '../src/crypto/aead-node.ts';
import { sodiumAead } from '../src/crypto/aead-sodium.ts';
import { bytesDeviceSecrets } from '../src/crypto/device-secrets.ts';
import { createBlake2bSodium } from '../src/crypto/hash.ts';
import { createBlake2b512Node } from '../src/crypto/hash-node.ts';
import { manifestDigest, sealTransferKey } from '../src/crypto/key-seal.ts';
import { fingerprint, generateDeviceIdentity, publicIdentity, safetyNumber } from '../src/crypto/keys.ts';
import { createManifest, encryptManifest } from '../src/crypto/manifest.ts';
import { loadSodium } from '../src/crypto/sodium.ts';
import { createStream, encryptChunk } from '../src/crypto/stream.ts';
import { fromHex, toHex, utf8 } from '../src/encoding.ts';
import {
  type AeadVectors,
  type Blake2bVectors,
  type KeyVectors,
  type ManifestVectors,
  type PlaintextSpec,
  pattern,
  type SealedSpec,
  type StreamVectors,
  VECTOR_DIR,
} from '../test/vectors.ts';

await loadSodium();

const bytesOf = (p: PlaintextSpec): Uint8Array =>
  'hex' in p ? fromHex(p.hex) : pattern(p.pattern.length, p.pattern.seed);
const b2 = (b: Uint8Array): string => toHex(createBlake2bSodium(64).update(b).digest());
const sealedSpec = (b: Uint8Array): SealedSpec =>
  b.length <= 1024 ? { hex: toHex(b) } : { length: b.length, blake2b512: b2(b) };
function same(a: Uint8Array, b: Uint8Array, what: string): void {
  if (toHex(a) !== toHex(b)) throw new Error(`node and sodium disagree on ${what}`);
}
function write(name: string, value: unknown): void {
  writeFileSync(new URL(name, VECTOR_DIR), `${JSON.stringify(value, null, 2)}\n`);
  process.stdout.write(`wrote test-vectors/${name}\n`);
}

// --- aead.json: RFC 8439 §2.8.2 anchors both backends to the standard, not just to each other.
const rfc = {
  name: 'rfc8439-2.8.2',
  key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
  nonce: '070000004041424344454647',
  aad: '50515253c0c1c2c3c4c5c6c7',
  plaintext: {
    hex: toHex(
      utf8(
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
      ),
    ),
  },
};
const aeadCases: Omit<AeadVectors['cases'][number], 'sealed'>[] = [
  rfc,
  {
    name: 'empty-plaintext-no-aad',
    key: '42'.repeat(32),
    nonce: '00'.repeat(12),
    aad: '',
    plaintext: { hex: '' },
  },
  {
    name: 'empty-plaintext-with-aad',
    key: '42'.repeat(32),
    nonce: '01'.repeat(12),
    aad: 'a0a1a2',
    plaintext: { hex: '' },
  },
  {
    name: '64KiB',
    key: '07'.repeat(32),
    nonce: 'ff'.repeat(12),
    aad: '',
    plaintext: { pattern: { length: 65536, seed: 1 } },
  },
];
const aead: AeadVectors = {
  cases: aeadCases.map((c) => {
    const args = [fromHex(c.key), fromHex(c.nonce), bytesOf(c.plaintext), fromHex(c.aad)] as const;
    const s = sodiumAead.seal(...args);
    same(nodeAead.seal(...args), s, c.name);
    return { ...c, sealed: sealedSpec(s) };
  }),
};
write('aead.json', aead);

// --- stream.json
const transferKey = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const transferId = 't_vector-0001';
const ctxS = createStream(sodiumAead, transferKey, transferId);
const ctxN = createStream(nodeAead, transferKey, transferId);
const chunkCases: Omit<StreamVectors['chunks'][number], 'sealed'>[] = [
  { name: 'first', index: 0, final: false, plaintext: { hex: toHex(utf8('chunk zero')) } },
  { name: 'empty-middle', index: 1, final: false, plaintext: { hex: '' } },
  { name: 'final', index: 2, final: true, plaintext: { hex: toHex(utf8('the end')) } },
  { name: 'empty-transfer', index: 0, final: true, plaintext: { hex: '' } },
  { name: 'large-index', index: 2 ** 40 + 5, final: false, plaintext: { hex: '00'.repeat(16) } },
  { name: 'max-index', index: Number.MAX_SAFE_INTEGER, final: true, plaintext: { hex: 'ff' } },
  { name: '64KiB', index: 3, final: false, plaintext: { pattern: { length: 65536, seed: 2 } } },
  { name: '64KiB-final', index: 4, final: true, plaintext: { pattern: { length: 65536, seed: 3 } } },
];
const stream: StreamVectors = {
  transferKey: toHex(transferKey),
  transferId,
  subkey: toHex(ctxS.key),
  chunks: chunkCases.map((c) => {
    const s = encryptChunk(ctxS, c.index, c.final, bytesOf(c.plaintext));
    same(encryptChunk(ctxN, c.index, c.final, bytesOf(c.plaintext)), s, c.name);
    return { ...c, sealed: sealedSpec(s) };
  }),
};
write('stream.json', stream);

// --- manifest.json
const manifest = createManifest({
  transferId,
  chunkSize: 65536,
  files: [
    {
      path: 'photos/2024/beach.jpg',
      size: 100000,
      mtime: 1718000000000,
      mode: 0o644,
      blake2b: b2(pattern(100000, 4)),
    },
    { path: 'notes/readme é.txt', size: 7, mtime: 1718000001000, blake2b: b2(utf8('the end')) },
    { path: 'empty', size: 0, mtime: 0, blake2b: b2(new Uint8Array(0)) },
  ],
});
const encManifest = encryptManifest(ctxS, manifest);
same(encryptManifest(ctxN, manifest), encManifest, 'manifest');
const manifestVectors: ManifestVectors = {
  transferKey: toHex(transferKey),
  transferId,
  manifest,
  sealed: toHex(encManifest),
  manifestDigest: toHex(manifestDigest(encManifest)),
};
write('manifest.json', manifestVectors);

// --- blake2b.json
const hashCases: Omit<Blake2bVectors['cases'][number], 'blake2b512' | 'blake2b256'>[] = [
  { name: 'empty', input: { hex: '' } },
  { name: 'abc', input: { hex: toHex(utf8('abc')) } },
  { name: '1MiB+3', input: { pattern: { length: 1048579, seed: 5 } } },
];
const blake: Blake2bVectors = {
  cases: hashCases.map((c) => {
    const input = bytesOf(c.input);
    const s = createBlake2bSodium(64).update(input).digest();
    same(createBlake2b512Node().update(input).digest(), s, `blake2b ${c.name}`);
    return { ...c, blake2b512: toHex(s), blake2b256: toHex(createBlake2bSodium(32).update(input).digest()) };
  }),
};
write('blake2b.json', blake);

// --- keys.json
const party = (seedByte: string, userId: string, deviceId: string) => {
  const seed = seedByte.repeat(32);
  const id = generateDeviceIdentity(fromHex(seed));
  const pub = publicIdentity(id);
  const keys = { x25519: id.x25519.publicKey, ed25519: id.ed25519.publicKey };
  return { id, keys, v: { seed, userId, deviceId, ...pub, fingerprint: fingerprint(keys, userId) } };
};
const alice = party('a1', 'u_alice', 'd_laptop');
const bob = party('b0', 'u_bob', 'd_phone');
const sealKey = fromHex('5a'.repeat(32));
const sealDigest = fromHex(manifestVectors.manifestDigest);
const sealed = await sealTransferKey({
  transferKey: sealKey,
  transferId,
  manifestDigest: sealDigest,
  sender: { userId: 'u_alice', deviceId: 'd_laptop', secrets: bytesDeviceSecrets(alice.id) },
  recipient: { userId: 'u_bob', deviceId: 'd_phone', x25519PublicKey: bob.id.x25519.publicKey },
});
const keys: KeyVectors = {
  alice: alice.v,
  bob: bob.v,
  safetyNumber: safetyNumber({ keys: alice.keys, id: 'u_alice' }, { keys: bob.keys, id: 'u_bob' }),
  seal: { transferId, transferKey: toHex(sealKey), manifestDigest: toHex(sealDigest), sealed: toHex(sealed) },
};
write('keys.json', keys);
