// Types of what test-page.ts puts on `window`, for page.evaluate callbacks.

/** Result of `hsTest.start`; `fingerprint` is the 30-digit one of the device keys bound to the user id. */
export interface StartedClient {
  userId: string;
  deviceId: string;
  fingerprint: string;
}

/** `window` of the test page (the SDK bundle is loosely typed here: the tests check behaviour). */
export interface TestWindow {
  // biome-ignore lint/suspicious/noExplicitAny: the bundle's exports, typed by the SDK itself
  hs: any;
  hsTest: {
    // biome-ignore lint/suspicious/noExplicitAny: the HypersendClient instance
    client: any;
    start(o: {
      serverUrl: string;
      username: string;
      password: string;
      register: boolean;
      profile?: string;
    }): Promise<StartedClient>;
    randomFile(name: string, size: number): Promise<{ file: File; sha256: string }>;
    sha256Of(file: Blob): Promise<string>;
    // biome-ignore lint/suspicious/noExplicitAny: an IncomingTransfer
    waitOffer(timeoutMs: number): Promise<any>;
    /** Chat messages and receipts seen by this page, in arrival order. */
    messages: Array<{ conversation: string; seq: number; kind: string; text?: string; outgoing: boolean }>;
    receipts: Array<{ conversation: string; user: string; delivered: number; read: number }>;
    /** Poll `check` every 50 ms until it returns something truthy (bounded by `timeoutMs`). */
    until<T>(what: string, check: (t: TestWindow['hsTest']) => T | undefined, timeoutMs: number): Promise<T>;
  };
}

export const PASSWORD = 'correct horse battery';
