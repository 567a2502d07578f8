#!/usr/bin/env node
// Prints the table of a saved run: `node bench/src/table.mjs results.jsonl` (or from stdin).
import { readFileSync } from 'node:fs';
import { formatResult } from './lib/report.mjs';

const text = readFileSync(process.argv[2] ?? 0, 'utf8');
for (const line of text.split('\n')) {
  if (!line.startsWith('{')) continue;
  const r = JSON.parse(line);
  process.stdout.write(r.error ? `\n${r.name}: error: ${r.error}\n` : formatResult(r));
}
