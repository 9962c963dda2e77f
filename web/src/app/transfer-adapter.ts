// The seam between the app and the browser SDK's transfer implementation (sources from File,
// sinks to OPFS / File System Access): everything platform-specific about sending and receiving
// files is here, so views stay the same when the SDK's browser pieces change.
import type { HypersendClient } from '@hypersend/client';
import { AppError } from './runtime-config.ts';
import type { Offer, TransferHandle } from './transfers-view.ts';

/** A received file the user can save: its (sanitized) name and an object URL of its bytes. */
export interface AcceptedFile {
  name: string;
  url: string;
}

/** An accepted offer: the running transfer and, once it is done, the files to save. */
export interface AcceptedOffer {
  transfer: TransferHandle;
  files: () => AcceptedFile[];
}

/**
 * Accept `offer` into browser storage.
 *
 * @example
 * const { transfer } = acceptOffer(offer);
 */
export function acceptOffer(offer: Offer): AcceptedOffer {
  void offer;
  throw unsupported('receiving files');
}

/**
 * Send `files` (from a file picker or a drop) to `username`.
 *
 * @example
 * transfers.track(sendFiles(client, 'bob', [...input.files]), 'to bob');
 */
export function sendFiles(client: HypersendClient, username: string, files: readonly File[]): TransferHandle {
  void client;
  void username;
  void files;
  throw unsupported('sending files');
}

function unsupported(what: string): AppError {
  return new AppError('unsupported', `${what} is not available in this browser build yet`);
}
