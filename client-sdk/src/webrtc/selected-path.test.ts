import { describe, expect, it } from 'vitest';
import { pathFromStats } from './selected-path.ts';

function report(entries: Record<string, unknown>[]): RTCStatsReport {
  return new Map(entries.map((e) => [String(e.id), e])) as unknown as RTCStatsReport;
}
const pair = { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R' };
const transport = { id: 'T', type: 'transport', selectedCandidatePairId: 'P' };

describe('pathFromStats', () => {
  it('is direct for host/srflx pairs and turn when either side relays', () => {
    const local = (candidateType: string) => ({ id: 'L', type: 'local-candidate', candidateType });
    const remote = (candidateType: string) => ({ id: 'R', type: 'remote-candidate', candidateType });
    expect(pathFromStats(report([transport, pair, local('host'), remote('srflx')]))).toBe('direct');
    expect(pathFromStats(report([transport, pair, local('relay'), remote('host')]))).toBe('turn');
    expect(pathFromStats(report([transport, pair, local('host'), remote('relay')]))).toBe('turn');
  });

  it('falls back to a nominated succeeded pair, and is undefined without one', () => {
    const nominated = { ...pair, nominated: true, state: 'succeeded' };
    const cands = [
      { id: 'L', type: 'local-candidate', candidateType: 'host' },
      { id: 'R', type: 'remote-candidate', candidateType: 'host' },
    ];
    expect(pathFromStats(report([nominated, ...cands]))).toBe('direct');
    expect(pathFromStats(report([pair, ...cands]))).toBeUndefined();
  });
});
