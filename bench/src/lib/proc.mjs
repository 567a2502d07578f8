import { readFileSync } from 'node:fs';

/**
 * Whole-process figures of the current process: CPU user+sys (ms), peak RSS (MB) and, on Linux,
 * the bytes it passed to write(2) (`wchar`) and the write calls (`syscw`) from /proc/self/io.
 */
export function selfUsage() {
  const ru = process.resourceUsage();
  return {
    cpuUserMs: ru.userCPUTime / 1000,
    cpuSysMs: ru.systemCPUTime / 1000,
    cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000,
    peakRssMB: ru.maxRSS / 1024,
    ...procIo('self'),
  };
}

/** `/proc/<pid>/io` write counters; empty where the file does not exist (not Linux). */
export function procIo(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { writeBytes: field('wchar'), writeCalls: field('syscw'), blockWriteBytes: field('write_bytes') };
  } catch {
    return {};
  }
}

/** Current and peak RSS (MB) and CPU time (ms) of another process, from /proc; null when it is gone. */
export function procSample(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s*(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return {
      rssMB: kb('VmRSS') / 1024,
      peakRssMB: kb('VmHWM') / 1024,
      cpuMs: (ticks * 1000) / clockTicks(),
      ...procIo(pid),
    };
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every Linux Node runs on; getconf is not worth a child process. */
function clockTicks() {
  return 100;
}
