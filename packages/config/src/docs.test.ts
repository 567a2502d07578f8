import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderConfigurationDoc } from './docs.js';
import { SETTING_KEYS, settings } from './settings.js';

const docPath = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));

describe('docs/configuration.md', () => {
  it('is generated from the current schema (run `pnpm docs:config` when this fails)', () => {
    expect(readFileSync(docPath, 'utf8')).toBe(renderConfigurationDoc());
  });

  it('documents every setting', () => {
    const doc = renderConfigurationDoc();
    for (const key of SETTING_KEYS) expect(doc).toContain(`\`${settings[key].env}\``);
  });
});
