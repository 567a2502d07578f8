import { readFileSync } from 'node:fs';
import { arch, cpus, freemem, platform, release, totalmem } from 'node:os';

/** What the figures were measured on: every benchmark's JSON carries it, so numbers are never compared blind. */
export function machineInfo() {
  const list = cpus();
  let model = list[0]?.model ?? 'unknown';
  if (model === 'unknown' || model.trim() === '') {
    // Some ARM kernels leave the model empty in os.cpus(); /proc/cpuinfo still names the board.
    try {
      const info = readFileSync('/proc/cpuinfo', 'utf8');
      model = /^(?:model name|Model|Hardware)\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? model;
    } catch {
      // Not Linux: keep what os.cpus() said.
    }
  }
  return {
    cpuModel: model.trim(),
    cores: list.length,
    node: process.version,
    platform: `${platform()} ${release()}`,
    arch: arch(),
    memoryMB: Math.round(totalmem() / 1024 / 1024),
    freeMemoryMB: Math.round(freemem() / 1024 / 1024),
  };
}
