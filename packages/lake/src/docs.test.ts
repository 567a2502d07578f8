import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { qcRulesMarkdown } from './qc.js';

describe('docs/lake.md', () => {
  it('lists the QC thresholds exactly as the code has them', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/lake.md', import.meta.url)), 'utf8');
    const m = /<!-- qc-rules:start -->\n([\s\S]*?)\n<!-- qc-rules:end -->/.exec(doc);
    expect(m, 'docs/lake.md needs the qc-rules markers').not.toBeNull();
    expect(m?.[1]).toBe(qcRulesMarkdown());
  });
});
