// Regenerates docs/configuration.md from the settings table in @opensensor/config (built first).
import { writeFileSync } from 'node:fs';
import { renderConfigurationDoc } from '../packages/config/dist/index.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationDoc());
console.log('docs/configuration.md written');
