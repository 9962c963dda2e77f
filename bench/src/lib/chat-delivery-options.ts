// Command-line options of the chat delivery benchmark, with the --tiny (smoke test) defaults.

import { flagReader } from './bench-options.ts';

/** Knobs of the chat delivery benchmark (`bench/src/chat-delivery.ts`), from the command line. */
export interface ChatDeliveryOptions {
  tiny: boolean;
  pairs: number;
  messages: number;
  durationS: number;
  window: number;
  sendRate: number;
  /** After the last send, how long to wait for outstanding deliveries. */
  drainS: number;
}

/**
 * Parse `--tiny --pairs= --messages= --duration= --window= --send-rate= --drain=`; unknown
 * arguments and non-positive numbers throw, so a typo never runs a different benchmark.
 *
 * @example
 * const o = chatDeliveryOptions(['--tiny']); // 1 pair, 40 messages, window 4
 */
export function chatDeliveryOptions(argv = process.argv.slice(2)): ChatDeliveryOptions {
  const { positiveInt: num } = flagReader(argv);
  const known = ['tiny', 'pairs', 'messages', 'duration', 'window', 'send-rate', 'drain'];
  for (const a of argv)
    if (!known.some((k) => a === `--${k}` || a.startsWith(`--${k}=`)))
      throw new Error(`unknown argument ${a}`);
  const tiny = argv.includes('--tiny');
  const sendRate = num('send-rate', 100_000);
  // The config schema's range (signaling/src/config.ts): fail here rather than in the server.
  if (sendRate > 100_000) throw new Error('--send-rate must be at most 100000');
  return {
    tiny,
    pairs: num('pairs', tiny ? 1 : 4),
    messages: num('messages', tiny ? 40 : 2_000),
    // --tiny is bounded by count; the time bound only catches a stalled run on a loaded machine.
    durationS: num('duration', tiny ? 20 : 10),
    window: num('window', tiny ? 4 : 16),
    sendRate,
    drainS: num('drain', 30),
  };
}
