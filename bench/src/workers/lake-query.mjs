// One question asked of bronze and of gold in one DuckDB (in-process, `@duckdb/node-api`): the hourly
// means of a month for every station. Timed with the rows fetched into JavaScript, as a caller gets
// them; then both answers are compared (rows, readings per hour, means) outside the timing.
import { DuckDBInstance } from '@duckdb/node-api';
import { emitResult, msSince, workerParams } from '../lib/worker.mjs';

const p = workerParams();
const literal = (s) => `'${String(s).replaceAll("'", "''")}'`;
const month = String(p.month).padStart(2, '0');

/** Bronze: every raw file of the month, grouped by station and hour. */
const bronzeSql = `SELECT station, date_trunc('hour', timestamp) AS hour, avg(temperature) AS temperature,
    avg(pm25) AS pm25, count(*) AS readings
  FROM read_parquet(${literal(`${p.bronze}/**/*.parquet`)}, hive_partitioning = true)
  WHERE year = ${Number(p.year)} AND month = '${month}'
  GROUP BY ALL`;

/** Gold: the same figures, already computed per station and hour. */
const goldSql = `SELECT station, hour, temperature_mean AS temperature, pm25_mean AS pm25, readings
  FROM read_parquet(${literal(`${p.lakehouse}/gold/hourly/**/*.parquet`)}, hive_partitioning = true)
  WHERE year = ${Number(p.year)} AND month = '${month}'`;

const instance = await DuckDBInstance.create(':memory:', p.threads ? { threads: String(p.threads) } : {});
const connection = await instance.connect();
// Hours are UTC whatever the machine's time zone (gold's hours are UTC).
await connection.run("SET TimeZone = 'UTC'");

async function timed(sql) {
  const t0 = process.hrtime.bigint();
  const reader = await connection.runAndReadAll(sql);
  const rows = reader.getRows();
  return { ms: msSince(t0), rows: rows.length };
}

for (let i = 0; i < p.warmup; i++) {
  await timed(bronzeSql);
  await timed(goldSql);
}
const bronzeMs = [];
const goldMs = [];
let bronzeRows = 0;
let goldRows = 0;
// Alternated, so that a busy moment on the machine falls on both.
for (let i = 0; i < p.reps; i++) {
  const b = await timed(bronzeSql);
  const g = await timed(goldSql);
  bronzeMs.push(b.ms);
  goldMs.push(g.ms);
  bronzeRows = b.rows;
  goldRows = g.rows;
}

// The two answers side by side, hour by hour.
const [cmp] = (
  await connection.runAndReadAll(`WITH b AS (${bronzeSql}), g AS (${goldSql})
    SELECT count(*) FILTER (WHERE g.station IS NULL)::INTEGER AS only_bronze,
      count(*) FILTER (WHERE b.station IS NULL)::INTEGER AS only_gold,
      count(*) FILTER (WHERE b.station IS NOT NULL AND g.station IS NOT NULL)::INTEGER AS matched,
      count(*) FILTER (WHERE b.readings <> g.readings)::INTEGER AS readings_differ,
      coalesce(max(abs(b.temperature - g.temperature)), 0)::DOUBLE AS max_temperature_diff,
      coalesce(max(abs(b.pm25 - g.pm25)), 0)::DOUBLE AS max_pm25_diff,
      count(*) FILTER (WHERE (b.temperature IS NULL) <> (g.temperature IS NULL)
        OR (b.pm25 IS NULL) <> (g.pm25 IS NULL))::INTEGER AS null_differ
    FROM b FULL OUTER JOIN g ON b.station = g.station AND b.hour = g.hour`)
).getRowObjectsJS();
connection.closeSync();
instance.closeSync();

emitResult({
  bronzeMs,
  goldMs,
  bronzeRows,
  goldRows,
  onlyBronze: cmp.only_bronze,
  onlyGold: cmp.only_gold,
  matched: cmp.matched,
  readingsDiffer: cmp.readings_differ,
  nullDiffer: cmp.null_differ,
  maxTemperatureDiff: cmp.max_temperature_diff,
  maxPm25Diff: cmp.max_pm25_diff,
  sql: { bronze: bronzeSql, gold: goldSql },
});
