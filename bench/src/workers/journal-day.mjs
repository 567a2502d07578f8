// Leaves an agent's journal as a day of running would: `node journal-day.mjs <journal dir> clean|killed`.
// A day of readings at 5 s (17,280 records of 20 values) and a health record a minute, every consumer of
// the agent's defaults ('parquet', 'health') committed past them. `clean`: the journal is closed, as by a
// stop; `killed`: the process ends without closing it, as a kill or a power cut leaves it (everything
// written is synced first, so only the close is missing).
import { Journal } from '@opensensor/buffer';
import { collectHealth, encodeHealth, encodeReading } from '@opensensor/pipeline';

const [dir, end] = process.argv.slice(2);
if (!dir || (end !== 'clean' && end !== 'killed')) {
  console.error('usage: node journal-day.mjs <journal dir> clean|killed');
  process.exit(2);
}
const DAY = 86_400_000;
const t0 = Math.floor(Date.now() / DAY) * DAY - DAY;
const values = Array.from({ length: 20 }, (_, i) => 10 + i / 3);
// This machine's health values, as the agent collects them (their size is what matters here).
const health = await collectHealth({ dataDir: dir, clockSynced: true });
const records = [];
for (let i = 0; i < 17_280; i++) {
  const meta = { timestamp: t0 + i * 5000, monotonic: i * 5000, bootTag: 0, unsynced: false };
  records.push(encodeReading(values, meta));
  if (i % 12 === 11) records.push(encodeHealth(health, meta));
}
const journal = await Journal.open({ dir, consumers: ['parquet', 'health'] });
const { lastSeq } = await journal.appendBatch(records);
await journal.sync();
await journal.commit('parquet', lastSeq);
await journal.commit('health', lastSeq);
if (end === 'clean') await journal.close();
else process.exit(0);
