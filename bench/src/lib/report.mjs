import { machineInfo } from './machine.mjs';

const machine = machineInfo();

/**
 * One JSON object per benchmark case on stdout (a line each, so `pnpm -s bench > results.jsonl` is a
 * data file) and, when stderr is a terminal, a readable row per figure.
 */
export function createReporter({
  stdout = process.stdout,
  stderr = process.stderr,
  table = stderr.isTTY,
} = {}) {
  const results = [];
  return {
    results,
    machine,
    emit(result) {
      const full = { name: result.name, params: result.params, figures: result.figures, ...result, machine };
      results.push(full);
      stdout.write(`${JSON.stringify(full)}\n`);
      if (table) stderr.write(formatResult(full));
    },
    note(text) {
      if (table) stderr.write(`${text}\n`);
    },
  };
}

const fmt = (v) =>
  typeof v !== 'number' ? String(v) : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en') : String(v);

/** `name (params)` then one line per figure: median, [min – max], unit, n. */
export function formatResult(r) {
  const params = Object.entries(r.params ?? {})
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' ');
  const lines = [`\n${r.name}  ${params}`];
  if (r.skipped) lines.push(`  skipped: ${r.skipped}`);
  for (const [field, f] of Object.entries(r.figures ?? {})) {
    const spread = f.n > 1 ? `  [${fmt(f.min)} – ${fmt(f.max)}]` : '';
    lines.push(`  ${field.padEnd(30)} ${fmt(f.median).padStart(12)} ${f.unit.padEnd(10)}${spread}  n=${f.n}`);
  }
  for (const [field, value] of Object.entries(r.reference ?? {})) {
    lines.push(`  reference ${field.padEnd(20)} ${fmt(value)}`);
  }
  return `${lines.join('\n')}\n`;
}
