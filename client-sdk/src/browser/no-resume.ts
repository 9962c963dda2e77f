// Browser replacement of transfer/sender-state.ts and transfers/resume-index.ts (package.json
// "browser" map). A browser sender has no stateDir: a File cannot be re-opened after a reload, so
// an interrupted browser send starts over as a new transfer. These are never reached with a
// stateDir; if they are, they say so instead of touching a file system that is not there.
import { HypersendError } from '../errors.ts';

const unsupported = (): never => {
  throw new HypersendError('unsupported', 'sender resume records need a file system (Node only)');
};

// Node-only sender records (transfer/sender-state.ts).
export const senderRecordPath = unsupported;
export const saveSenderRecord = unsupported;
export const loadSenderRecord = unsupported;
export async function deleteSenderRecord(): Promise<void> {}

/** Resume keys are file paths in Node; a browser File has none. */
export function inputKey(): string[] {
  return [];
}
export async function findResumable(): Promise<undefined> {
  return undefined;
}
export async function rememberResumable(): Promise<void> {}
export async function forgetResumable(): Promise<void> {}

/**
 * Relay upload records (transfers/relay-state.ts): like sender records, Node only. A browser's
 * relay upload still resumes within the page (RelayFallback keeps its location in memory and the
 * channel asks the relay's offset with a tus HEAD); after a reload it starts a new upload.
 */
export async function loadRelayState(): Promise<undefined> {
  return undefined;
}
export const saveRelayState = unsupported;
export async function deleteRelayState(): Promise<void> {}
