/** Readers of /proc for a process's CPU time and memory (Linux). */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
export const CLK_TCK = 100;

/** User + system CPU seconds of `pid` (all its threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may hold spaces: state is field 3.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[11]); // field 14
  const stime = Number(rest[12]); // field 15
  return (utime + stime) / CLK_TCK;
}

/** A field of /proc/<pid>/status in KiB (`VmRSS`, `VmHWM`, ...). */
export function statusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return m ? Number(m[1]) : NaN;
}

/** Number of threads of `pid`. */
export function threads(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^Threads:\s+(\d+)/m.exec(status);
  return m ? Number(m[1]) : NaN;
}
