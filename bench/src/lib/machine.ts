import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, release, totalmem, version } from 'node:os';

/** The machine a run was measured on, as RESULTS.md and latest.json describe it. */
export interface MachineDescription {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  kernel: string;
  node: string;
  /** 1-minute load average when the run started and ended: how shared the machine was. */
  loadAvgStart: number;
  loadAvgEnd?: number;
  freeRamGiBStart: number;
}

/** Describe this machine now (load average at the start of the run). */
export function describeMachine(): MachineDescription {
  const gib = (b: number) => Math.round((b / 1024 ** 3) * 10) / 10;
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    ramGiB: gib(totalmem()),
    kernel: `${release()} (${version()})`,
    node: process.version,
    loadAvgStart: loadavg()[0] ?? Number.NaN,
    freeRamGiBStart: gib(freemem()),
  };
}

/** The commit measured and whether the working tree differed from it (a shared tree often does). */
export function gitState(cwd: string): { commit: string; dirty: boolean } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
  try {
    return {
      commit: git('rev-parse', 'HEAD'),
      dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}
