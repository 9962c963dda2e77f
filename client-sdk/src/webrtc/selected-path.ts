import type { PeerPath } from './webrtc-types.ts';

type Stat = Record<string, unknown>;

/**
 * The selected candidate pair's path from a `getStats()` report: `'turn'` when either end is a
 * relay candidate, else `'direct'`; `undefined` while no pair is selected.
 *
 * Looks first at the spec's `transport.selectedCandidatePairId`, then at the older
 * `candidate-pair.selected` flag, then at a nominated succeeded pair (implementations differ).
 *
 * @example
 * const path = pathFromStats(await pc.getStats()); // 'direct' on loopback
 */
export function pathFromStats(report: RTCStatsReport): PeerPath | undefined {
  const byId = new Map<string, Stat>();
  report.forEach((value: unknown, key: string) => {
    if (typeof value === 'object' && value !== null) byId.set(key, value as Stat);
  });
  const pair = selectedPair(byId);
  if (!pair) return undefined;
  const local = byId.get(String(pair.localCandidateId));
  const remote = byId.get(String(pair.remoteCandidateId));
  if (!local || !remote) return undefined;
  return local.candidateType === 'relay' || remote.candidateType === 'relay' ? 'turn' : 'direct';
}

function selectedPair(byId: Map<string, Stat>): Stat | undefined {
  for (const s of byId.values()) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      const pair = byId.get(s.selectedCandidatePairId);
      if (pair) return pair;
    }
  }
  let nominated: Stat | undefined;
  for (const s of byId.values()) {
    if (s.type !== 'candidate-pair') continue;
    if (s.selected === true) return s;
    if (s.nominated === true && s.state === 'succeeded') nominated ??= s;
  }
  return nominated;
}
