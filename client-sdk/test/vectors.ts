// Shapes of test-vectors/*.json and the deterministic plaintext generator shared by
// scripts/make-vectors.ts (writer) and the contract suites (readers).
import { readFileSync } from 'node:fs';

/** Plaintext in a vector: literal hex, or a generated pattern (keeps 64 KiB cases small on disk). */
export type PlaintextSpec = { hex: string } | { pattern: { length: number; seed: number } };

/** Ciphertext in a vector: literal hex, or length + BLAKE2b-512 of the bytes for large cases. */
export type SealedSpec = { hex: string } | { length: number; blake2b512: string };

/**
 * Deterministic bytes: `byte[i] = (i * 131 + seed * 17 + (i >>> 8)) & 0xff`. Not random, but no
 * short period, so a mis-indexed copy in an implementation shows up.
 *
 * @example
 * pattern(65536, 1).length; // 65536
 */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 131 + seed * 17 + (i >>> 8)) & 0xff;
  return out;
}

export interface AeadVectors {
  cases: {
    name: string;
    key: string;
    nonce: string;
    aad: string;
    plaintext: PlaintextSpec;
    sealed: SealedSpec;
  }[];
}
export interface StreamVectors {
  transferKey: string;
  transferId: string;
  subkey: string;
  chunks: { name: string; index: number; final: boolean; plaintext: PlaintextSpec; sealed: SealedSpec }[];
}
export interface ManifestVectors {
  transferKey: string;
  transferId: string;
  manifest: unknown;
  sealed: string;
  manifestDigest: string;
}
export interface Blake2bVectors {
  cases: { name: string; input: PlaintextSpec; blake2b512: string; blake2b256: string }[];
}
export interface KeyVectors {
  alice: {
    seed: string;
    userId: string;
    deviceId: string;
    x25519: string;
    ed25519: string;
    fingerprint: string;
  };
  bob: {
    seed: string;
    userId: string;
    deviceId: string;
    x25519: string;
    ed25519: string;
    fingerprint: string;
  };
  safetyNumber: string;
  seal: { transferId: string; transferKey: string; manifestDigest: string; sealed: string };
}

const DIR = new URL('../test-vectors/', import.meta.url);

/**
 * Read one committed vector file.
 *
 * @example
 * const v = readVectors<StreamVectors>('stream.json');
 */
export function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as T;
}

/** Directory URL of the vector files (for the generator). */
export const VECTOR_DIR = DIR;
