// Child process for crash.test.ts: appends in a loop and prints each acknowledged seq, until the
// test kills it with SIGKILL. stdout to a pipe is synchronous on Linux, so a printed line means the
// append had been acknowledged before the kill.
import { pathToFileURL } from 'node:url';

const [modulePath, dir, policy] = process.argv.slice(2);
const { Journal } = await import(pathToFileURL(modulePath).href);

const fsync = policy === 'interval' ? { interval: 20 } : policy;
const journal = await Journal.open({ dir, fsync, segmentBytes: 4096, consumers: ['parquet'] });

function payloadFor(n) {
  const bytes = new Uint8Array(16 + (n % 23));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (n * 31 + i * 7) & 0xff;
  return bytes;
}

let n = journal.stats().lastSeq;
let committed = 0;
process.stdout.write('ready\n');
for (;;) {
  // Bursts of concurrent appends exercise the shared fsync of 'always'.
  const burst = [];
  for (let i = 0; i < 4; i++) burst.push(journal.append(payloadFor(++n)));
  const seqs = await Promise.all(burst);
  process.stdout.write(`${seqs.map((s) => `A ${s}`).join('\n')}\n`);
  const readable = journal.readableSeq;
  if (readable - committed >= 50) {
    await journal.commit('parquet', readable);
    committed = readable;
    process.stdout.write(`C ${readable}\n`);
  }
}
