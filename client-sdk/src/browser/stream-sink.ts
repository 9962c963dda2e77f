// Browser replacement of transfer/stream-sink.ts (package.json "browser" map): receiving a
// stream of unknown length is not offered in browsers (the sink needs a known size to choose
// between disk and the capped memory fallback). Files are.
import { HypersendError } from '../errors.ts';

/** Same name and `open` as Node's StreamSink, so the shared receiver code is unchanged. */
export const StreamSink = {
  /** @throws HypersendError `unsupported`, always, before any byte. */
  async open(): Promise<never> {
    throw new HypersendError('unsupported', 'browsers receive files, not streams of unknown length');
  },
};
