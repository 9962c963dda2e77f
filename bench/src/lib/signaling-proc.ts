import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` times; 100 on every Linux this runs on. */
const CLK_TCK = 100;

/**
 * Resident set size of a process in bytes (`VmRSS` of `/proc/<pid>/status`), or NaN when the
 * process is gone or this is not Linux.
 */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds (user + system) a process has used so far, or NaN. Sampled before and after a
 * phase it tells how the two cores were shared between server and load generator.
 */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

/**
 * User and system (kernel) CPU seconds of a process so far, NaN when unknown. The system share
 * of a WebSocket server is mostly its socket syscalls: what no JavaScript change can remove.
 */
export function cpuTimes(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after the name.
    return { user: Number(fields[11]) / CLK_TCK, system: Number(fields[12]) / CLK_TCK };
  } catch {
    return { user: Number.NaN, system: Number.NaN };
  }
}

/**
 * CPU seconds all cores of the machine have been busy so far (`/proc/stat`, everything but idle
 * and iowait), or NaN. The benchmark subtracts its own processes to show how much other work
 * (on a shared machine) competed with it during a phase.
 */
export function machineBusySeconds(): number {
  const t = machineTimes();
  return t.busy + t.softirq + t.steal;
}

/**
 * The machine's CPU seconds so far (`/proc/stat`, all cores), split three ways: `busy` (user,
 * nice, system, irq), `softirq` (network receive processing among others: on loopback much of it
 * is the benchmark's own traffic, not charged to any process) and `steal` (time the hypervisor
 * gave this VM's CPUs to other guests). NaN each when unreadable.
 */
export function machineTimes(): { busy: number; softirq: number; steal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return {
      busy: (user + nice + system + irq) / CLK_TCK,
      softirq: softirq / CLK_TCK,
      steal: steal / CLK_TCK,
    };
  } catch {
    return { busy: Number.NaN, softirq: Number.NaN, steal: Number.NaN };
  }
}
