import {
  HEALTH_SCHEMA,
  rowsFromRecords,
  SENSOR_SCHEMA,
  windowOf,
  writeWindowFile,
} from '@opensensor/parquet-hive-writer';

/**
 * A small bronze lake with known faults, for tests of the lake jobs (ours and users'): one Enviro+
 * station, a reading every `intervalMs`, 15-minute files as a station writes them, a health record a
 * minute, and the faults a real station shows, each at a time the test chooses.
 */
export interface SyntheticBronzeOptions {
  /** The readings lake; health goes to `<root>-health`. */
  root: string;
  station: string;
  from: number;
  to: number;
  intervalMs?: number;
  /** One reading whose temperature jumps by `delta` °C against both neighbours. */
  spike?: { at: number; delta: number };
  /** Temperature stuck at one value over a period. */
  stuck?: { from: number; to: number; value: number };
  /** The PMS5003 dead-sensor signature: pm1 = pm25 = pm10 = `value` over a period. */
  deadPms?: { from: number; to: number; value: number };
  /** No readings at all over a period (the station was off). */
  gap?: { from: number; to: number };
  /** The health stream says the clock was not synchronised over a period. */
  unsynced?: { from: number; to: number };
  /** PM2.5 over a period, to exercise the AQI (µg/m³); otherwise a clean-air baseline. */
  pm25?: (t: number) => number;
  /** First journal sequence number (for the files' footers). */
  firstSeq?: number;
  /**
   * The station's configured name and place in its health records (health schema v2), fixed or as a
   * function of the time (a station renamed or moved); absent: null, as a station that sets none.
   */
  place?: SyntheticPlace | ((t: number) => SyntheticPlace);
}

export interface SyntheticPlace {
  name: string | null;
  latitude: number | null;
  longitude: number | null;
}

const HOUR = 3_600_000;

/** The readings of the synthetic station at `t` (before faults): smooth daily cycles, never flat. */
export function syntheticReading(
  t: number,
  o: Pick<SyntheticBronzeOptions, 'pm25'> = {},
): Record<string, number> {
  const day = (2 * Math.PI * (t % 86_400_000)) / 86_400_000;
  const wobble = Math.sin(t / 7_000) * 0.03 + Math.sin(t / 13_000) * 0.02;
  const temperature = 18 + 4 * Math.sin(day - 2) + wobble;
  const humidity = 55 - 10 * Math.sin(day - 2) + wobble * 10;
  const pm25 = o.pm25 ? o.pm25(t) : 6 + 2 * Math.sin(day) + Math.abs(wobble) * 20;
  return {
    temperature,
    raw_temperature: temperature + 3,
    pressure: 1013 + 2 * Math.sin(day / 2) + wobble,
    humidity,
    raw_humidity: humidity - 8,
    oxidised: 20 + 5 * Math.sin(day) + wobble * 10,
    reducing: 300 + 40 * Math.sin(day) + wobble * 100,
    nh3: 80 + 10 * Math.sin(day) + wobble * 20,
    lux: Math.max(0, 800 * Math.sin(day - Math.PI / 2)),
    proximity: 2 + Math.round(Math.abs(wobble) * 100),
    pm1: pm25 * 0.6,
    pm25,
    pm10: pm25 * 1.4,
    particles_03um: 900 + Math.round(pm25 * 40),
    particles_05um: 300 + Math.round(pm25 * 12),
    particles_10um: 60 + Math.round(pm25 * 3),
    particles_25um: 8 + Math.round(pm25 * 0.5),
    particles_50um: 2,
    particles_100um: 1,
  };
}

const within = (t: number, p?: { from: number; to: number }) => p !== undefined && t >= p.from && t < p.to;

function placeAt(place: SyntheticBronzeOptions['place'], t: number): Record<string, unknown> {
  const p = typeof place === 'function' ? place(t) : place;
  return p ? { station_name: p.name, latitude: p.latitude, longitude: p.longitude } : {};
}

/** Writes the synthetic lake; returns the bronze files written (readings and health). */
export async function writeSyntheticBronze(
  o: SyntheticBronzeOptions,
): Promise<{ readings: number; files: string[] }> {
  const interval = o.intervalMs ?? 5000;
  const windows = new Map<number, Record<string, unknown>[]>();
  const health = new Map<number, Record<string, unknown>[]>();
  let readings = 0;
  for (let t = o.from; t < o.to; t += interval) {
    if (within(t, o.gap)) continue;
    const r: Record<string, unknown> = { timestamp: t, ...syntheticReading(t, o) };
    if (o.spike && t === o.spike.at) r.temperature = (r.temperature as number) + o.spike.delta;
    if (within(t, o.stuck)) r.temperature = o.stuck?.value;
    if (within(t, o.deadPms)) r.pm1 = r.pm25 = r.pm10 = o.deadPms?.value;
    const w = windowOf(t, 900).start;
    (windows.get(w) ?? windows.set(w, []).get(w))?.push(r);
    readings++;
    if (t % 60_000 === 0) {
      (health.get(w) ?? health.set(w, []).get(w))?.push({
        timestamp: t,
        cpu_temp_c: 48 + 5 * Math.sin(t / HOUR),
        disk_free_gb: 20 - (t - o.from) / (1000 * HOUR),
        clock_synced: !within(t, o.unsynced),
        ntp_offset_ms: within(t, o.unsynced) ? null : 3,
        ...placeAt(o.place, t),
      });
    }
  }
  const files: string[] = [];
  let seq = o.firstSeq ?? 1;
  for (const [stream, byWindow] of [
    ['data', windows],
    ['health', health],
  ] as const) {
    for (const [start, rows] of [...byWindow].sort((a, b) => a[0] - b[0])) {
      const schema = stream === 'data' ? SENSOR_SCHEMA : HEALTH_SCHEMA;
      const res = await writeWindowFile({
        root: stream === 'data' ? o.root : `${o.root}-health`,
        station: o.station,
        schema,
        window: windowOf(start, 900),
        rows: rowsFromRecords(schema, rows),
        firstSeq: seq,
        lastSeq: seq + rows.length - 1,
        prefix: stream,
        compression: 'snappy',
      });
      seq += rows.length;
      files.push(res.path);
    }
  }
  return { readings, files };
}

/**
 * Walks SQL text outside string literals ('…'), quoted identifiers ("…") and `--` comments, calling
 * `visit` with each character and its parenthesis depth; throws on an unterminated literal or
 * identifier and on unbalanced parentheses. The text without comments is returned.
 */
function scanSql(sql: string, visit: (ch: string, i: number, depth: number) => void): string {
  let depth = 0;
  let out = '';
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i] as string;
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end - 1;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j++;
          else break;
        }
      }
      if (j >= sql.length) throw new Error(`unterminated ${ch} at offset ${i}`);
      out += sql.slice(i, j + 1);
      i = j;
      continue;
    }
    // A parenthesis is visited at the depth inside it.
    if (ch === '(') depth++;
    if (ch === ')' && depth === 0) throw new Error(`unbalanced ) at offset ${i}`);
    visit(ch, out.length, depth);
    if (ch === ')') depth--;
    out += ch;
  }
  if (depth !== 0) throw new Error(`${depth} unclosed (`);
  return out;
}

/**
 * The statements of a SQL script, without comments, split on the semicolons outside parentheses,
 * literals and quoted identifiers. Throws when parentheses, literals or quoted identifiers do not
 * balance. For tests of generated SQL that cannot be run where the tests run (e.g. Snowflake's).
 */
export function sqlStatements(script: string): string[] {
  const cuts: number[] = [];
  const text = scanSql(script, (ch, i, depth) => {
    if (ch === ';' && depth === 0) cuts.push(i);
  });
  const statements: string[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    const s = text.slice(from, cut).trim();
    if (s) statements.push(s);
    from = cut + 1;
  }
  return statements;
}

const WORD = /[A-Za-z0-9_$]/;
const NAME = /("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)$/;

/**
 * The output columns of a query (or of `CREATE … AS <query>`): the aliases of its last top-level
 * SELECT list, or the column an item names (`d.station` → `station`). Quoted names are unquoted and
 * kept as written; unquoted ones as written too, or folded as the engine does (`fold: 'upper'` for
 * Snowflake). `*` throws (the columns are not in the text).
 */
export function selectColumns(sql: string, options: { fold?: 'upper' } = {}): string[] {
  const top: { word: string; at: number }[] = [];
  const commas: number[] = [];
  let word = '';
  let wordAt = 0;
  const text = scanSql(`${sql} `, (ch, i, depth) => {
    if (WORD.test(ch)) {
      if (!word) wordAt = i;
      word += ch;
      return;
    }
    if (word && depth === 0) top.push({ word: word.toUpperCase(), at: wordAt });
    word = '';
    if (ch === ',' && depth === 0) commas.push(i);
  });
  const selects = top.filter((t) => t.word === 'SELECT');
  const select = selects[selects.length - 1];
  if (!select) throw new Error('no top-level SELECT');
  const start = select.at + 'SELECT'.length;
  const from = top.find((t) => t.word === 'FROM' && t.at > start);
  const end = from ? from.at : text.length;
  const bounds = [start, ...commas.filter((c) => c > start && c < end), end];
  return bounds.slice(0, -1).map((b, k) => {
    const item = text.slice(b === start ? b : b + 1, bounds[k + 1]).trim();
    if (item === '*' || item.endsWith('.*')) throw new Error('SELECT * has no column names in the text');
    const alias = /\bAS\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)$/i.exec(item)?.[1];
    const name = alias ?? NAME.exec(item)?.[1];
    if (!name) throw new Error(`no name for the select item ${JSON.stringify(item)}`);
    if (name.startsWith('"')) return name.slice(1, -1).replaceAll('""', '"');
    return options.fold === 'upper' ? name.toUpperCase() : name;
  });
}
