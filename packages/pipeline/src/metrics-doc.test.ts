import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metricsTableRows } from './metrics.js';

const DOC = new URL('../../../docs/metrics.md', import.meta.url);

describe('docs/metrics.md', () => {
  it('lists every metric of the station, with its type, labels and meaning, as the table defines them', () => {
    const doc = readFileSync(DOC, 'utf8');
    const rows = metricsTableRows();
    const missing = rows.filter((row) => !doc.includes(`${row}\n`));
    expect(missing, 'regenerate the table: print metricsTableRows() from packages/pipeline').toEqual([]);
  });
});
