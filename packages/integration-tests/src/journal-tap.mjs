// A witness of a journal, run as its own process beside the station: it hard-links every segment file
// the moment it appears, so the segment's records stay readable after the journal deletes it (the
// link keeps the inode, and appends to the segment show through it). The soak test reads the links
// at the end for an account of every record the station journaled that does not come from the lake.
// It also samples the journal's disk use (the sum of its segment files) and prints each new peak.
//
// node journal-tap.mjs <journal dir> <tap dir>; SIGTERM: one last look, then {"done":true,...}.
import { linkSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [journalDir, tapDir] = process.argv.slice(2);
if (!journalDir || !tapDir) {
  process.stderr.write('usage: journal-tap.mjs <journal dir> <tap dir>\n');
  process.exit(2);
}
const SEGMENT = /^\d{16}\.seg$/;
const linked = new Set();
let peak = 0;
let looks = 0;

function look() {
  looks++;
  let names;
  try {
    names = readdirSync(journalDir);
  } catch {
    return; // not created yet
  }
  let bytes = 0;
  for (const name of names) {
    if (!SEGMENT.test(name)) continue;
    const path = join(journalDir, name);
    if (!linked.has(name)) {
      try {
        linkSync(path, join(tapDir, name));
        linked.add(name);
      } catch (err) {
        if (err.code === 'EEXIST') linked.add(name);
        else if (err.code !== 'ENOENT') throw err;
      }
    }
    try {
      bytes += statSync(path).size;
    } catch {
      // deleted since the listing
    }
  }
  // The sizes are read one after the other, not at one instant: the journal may delete its oldest
  // segment and then append to the newest between two of them (it makes room before it writes), and
  // the sum would count the deleted segment and the new record together, more than was ever on disk.
  // A look during which a listed segment went away is not a measurement.
  // A real overshoot would last until the journal's next append, through many looks that see no
  // deletion, so none is missed this way.
  let still;
  try {
    still = new Set(readdirSync(journalDir));
  } catch {
    return;
  }
  if (names.some((name) => SEGMENT.test(name) && !still.has(name))) return;
  if (bytes > peak) {
    peak = bytes;
    process.stdout.write(`${JSON.stringify({ peak })}\n`);
  }
}

const timer = setInterval(look, 4);
process.on('SIGTERM', () => {
  clearInterval(timer);
  look();
  process.stdout.write(`${JSON.stringify({ done: true, peak, linked: linked.size, looks })}\n`);
  process.exit(0);
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
