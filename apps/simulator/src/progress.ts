/** A one-line progress bar on a TTY (stderr); nothing otherwise. */
export function progressBar(enabled: boolean, write: (s: string) => void = (s) => process.stderr.write(s)) {
  let last = -1;
  return {
    update(fraction: number, label: string) {
      if (!enabled) return;
      const pct = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(pct).padStart(3)}% ${label}`);
    },
    done() {
      if (enabled && last >= 0) write('\n');
    },
  };
}
