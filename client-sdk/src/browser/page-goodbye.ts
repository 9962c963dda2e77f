// A page that goes away (tab closed, reload, navigation) drops its peer connections without a
// word, and a Node peer that is sending at that moment can crash in @roamhq/wrtc (see
// PeerSession.close). Closing the page's sessions on `pagehide` says goodbye (BYE) first, so that
// peer stops sending and reports `peer_closed`. Best effort: the page may be gone before the BYE
// leaves, and then the peer sees the connection lost, as before.

/** What is closed on `pagehide`: a `PeerSession`, seen through the two members used here. */
export interface GoodbyeSession {
  close(): void;
  on(event: 'close', listener: () => void): () => void;
}

/** Where `pagehide` is listened for: the page's `window` (`globalThis`) by default; none in Node. */
export type PageEvents = Partial<Pick<EventTarget, 'addEventListener'>>;

/**
 * Returns `track(session)`: each tracked session still open when the page is hidden for good
 * (or put into the back/forward cache) is closed with a goodbye. One listener for all sessions;
 * a session leaves the set when it closes.
 *
 * @example
 * const track = goodbyeOnPageHide();
 * track(session); // closed, saying BYE, if the tab goes away while it is open
 */
export function goodbyeOnPageHide(page: PageEvents = globalThis): (s: GoodbyeSession) => void {
  const live = new Set<GoodbyeSession>();
  let listening = false;
  return (session) => {
    if (typeof page.addEventListener !== 'function') return; // not a page: Node
    if (!listening) {
      listening = true;
      page.addEventListener('pagehide', () => {
        for (const s of [...live]) s.close();
      });
    }
    live.add(session);
    session.on('close', () => live.delete(session));
  };
}
