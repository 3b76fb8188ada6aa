// Samples per-CPU and per-process CPU time from /proc, to tell which side of a bench was saturated.
import { readFileSync } from 'node:fs';

/** Linux reports /proc times in USER_HZ ticks, which is 100 on every mainstream architecture. */
const MS_PER_TICK = 10;

export interface CpuSnapshot {
  atMs: number;
  /** Per CPU: ticks in total, idle (idle + iowait), stolen by the hypervisor, and in interrupts (irq + softirq). */
  cores: { total: number; idle: number; steal: number; irq: number }[];
  /** Per pid: user and system ticks, absent when the process was gone. */
  processes: Map<number, { user: number; system: number }>;
}

export interface CpuUsage {
  wallMs: number;
  /**
   * Per CPU, in percent of the wall time. `irqPct` (irq + softirq) is busy time no process is
   * charged for; on loopback it is mostly TCP/UDP receive work for data sent from that CPU.
   */
  cores: { busyPct: number; stealPct: number; irqPct: number }[];
  /** Per pid, in percent of one CPU over the wall time. */
  processes: Record<number, number>;
  /**
   * Per pid, the same split into user and system (kernel) time, in ms. On loopback a proxy's
   * system time is mostly copying and waking peers, which moves with the other core's idle state;
   * its user time is its own code, so the two tell apart "our code got slower" from "the kernel did".
   */
  processTimes: Record<number, { userMs: number; systemMs: number }>;
}

/** Reads /proc/stat and /proc/<pid>/stat for `pids`; empty on systems without /proc. */
export function sampleCpu(pids: readonly number[]): CpuSnapshot {
  const processes = new Map<number, { user: number; system: number }>();
  for (const pid of pids) {
    const ticks = processTicks(pid);
    if (ticks !== undefined) processes.set(pid, ticks);
  }
  return { atMs: performance.now(), cores: coreTicks(), processes };
}

/** Usage between two snapshots of the same pids. */
export function usageBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const wallMs = after.atMs - before.atMs;
  const cores = after.cores.map((a, i) => {
    const b = before.cores[i] ?? { total: 0, idle: 0, steal: 0, irq: 0 };
    const total = a.total - b.total;
    return total <= 0
      ? { busyPct: 0, stealPct: 0, irqPct: 0 }
      : { busyPct: (100 * (total - (a.idle - b.idle))) / total, stealPct: (100 * (a.steal - b.steal)) / total, irqPct: (100 * (a.irq - b.irq)) / total };
  });
  const processes: Record<number, number> = {};
  const processTimes: Record<number, { userMs: number; systemMs: number }> = {};
  for (const [pid, ticks] of after.processes) {
    const start = before.processes.get(pid);
    if (start === undefined || wallMs <= 0) continue;
    const userMs = (ticks.user - start.user) * MS_PER_TICK;
    const systemMs = (ticks.system - start.system) * MS_PER_TICK;
    processes[pid] = (100 * (userMs + systemMs)) / wallMs;
    processTimes[pid] = { userMs, systemMs };
  }
  return { wallMs, cores, processes, processTimes };
}

function coreTicks(): CpuSnapshot['cores'] {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((line) => /^cpu\d+ /.test(line))
      .map((line) => {
        // user nice system idle iowait irq softirq steal guest guest_nice (guest is already in user)
        const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
        return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal, irq: irq + softirq };
      });
  } catch {
    return [];
  }
}

function processTicks(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after ")" start at 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]), system: Number(fields[12]) }; // utime (14), stime (15)
  } catch {
    return undefined;
  }
}
