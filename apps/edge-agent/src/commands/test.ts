import { setTimeout as delay } from 'node:timers/promises';
import type { BoardFacade, BoardSample, BoardSettings, SensorSlotStatus } from '@opensensor/pipeline';
import type { Command } from 'commander';
import { CliError, type CliIo, EXIT, type TestBoardOptions } from '../io.js';
import { loadLenientConfig } from '../lenient-config.js';
import type { ConfigFlags } from '../load-config.js';

interface TestOptions {
  readings: string;
  interval: string;
  warmup: string;
  board?: string;
  json?: boolean;
}

type BoardKind = TestBoardOptions['board'];
const BOARDS: readonly BoardKind[] = ['enviroplus', 'sensehat', 'breakout'];
/** The Enviro+ sample also carries the CPU temperature used for compensation. */
type TestSample = BoardSample & { cpuTemperature?: number | null };

/** Reading columns shown in the table: [column, header, decimals]. */
type Shown = readonly (readonly [string, string, number])[];
const ENVIROPLUS_SHOWN: Shown = [
  ['temperature', '°C', 1],
  ['humidity', '%RH', 1],
  ['pressure', 'hPa', 1],
  ['oxidised', 'ox kΩ', 1],
  ['reducing', 'red kΩ', 1],
  ['nh3', 'nh3 kΩ', 1],
  ['lux', 'lux', 1],
  ['proximity', 'prox', 0],
  ['pm1', 'PM1', 0],
  ['pm25', 'PM2.5', 0],
  ['pm10', 'PM10', 0],
];

export function registerTest(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('test')
    .description('Detect the sensors, print their status and a few live readings')
    .option('-r, --readings <n>', 'live readings to take (0: only detect)', '6')
    .option('-i, --interval <seconds>', 'seconds between readings', '10')
    .option('-w, --warmup <seconds>', 'seconds to let the sensors settle before the first reading', '5')
    .option('--board <kind>', 'enviroplus, sensehat, breakout or auto (default OPENSENSOR_BOARD)')
    .option('--json', 'print one JSON document instead of tables')
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor test                          # status table, then 6 readings 10 s apart
  $ opensensor test -r 3 -i 2 -w 0
  $ opensensor test --readings 0 --json      # only detect, as JSON
  $ opensensor test --board sensehat

Temperature and humidity are compensated for CPU heat as the agent stores them (raw values in --json).
Works before \`opensensor setup\`. Exits 1 when no sensor answers.`,
    )
    .action(async (opts: TestOptions) => {
      const readings = count('--readings', opts.readings, 0, 10_000, true);
      const intervalS = count('--interval', opts.interval, 0, 3600, false);
      const warmupS = count('--warmup', opts.warmup, 0, 3600, false);
      const { config } = loadLenientConfig(io, program.opts<ConfigFlags>().envFile).loaded;
      const deps = io.deps ?? {};
      const warnings: string[] = [];
      const requested = (opts.board ?? config.board).toLowerCase();
      if (requested !== 'auto' && !(BOARDS as readonly string[]).includes(requested)) {
        throw new CliError(
          `--board: expected one of ${BOARDS.join(', ')} or auto, received ${JSON.stringify(opts.board)}`,
          EXIT.usage,
        );
      }
      const settings: BoardSettings = {
        pms5003Device: config.pms5003Device,
        compensation: config.tempCompensationEnabled ? config.tempCompensationFactor : false,
        // The test shows every reading; the agent's warm-up is for stored data.
        warmupReadings: 0,
        onWarning: (message) => {
          warnings.push(message);
          io.stderr(`warning: ${message}\n`);
        },
      };
      const { BoardError, openBoard } = await import('@opensensor/pipeline');
      const create = deps.createBoard;
      let opened: { kind: BoardKind; board: BoardFacade; sensors: SensorSlotStatus[] };
      try {
        // The agent's rule: a named board, or with auto the first whose signature chips answer.
        opened = await openBoard(requested as BoardKind | 'auto', {
          ...settings,
          ...(create ? { create: (kind: BoardKind) => create({ ...settings, board: kind }) } : {}),
        });
      } catch (err) {
        if (!(err instanceof BoardError)) throw err;
        if (opts.json) {
          io.stdout(
            `${JSON.stringify({ ok: false, board: requested, sensors: [], readings: [], errors: null, warnings, error: err.message }, null, 2)}\n`,
          );
        } else {
          io.stderr(`${err.message}\n`);
        }
        setExit(EXIT.failed);
        return;
      }
      const { kind, board, sensors } = opened;
      const shown = kind === 'enviroplus' ? ENVIROPLUS_SHOWN : await columnsOf(kind);
      const stop = new AbortController();
      const sleep = deps.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
      // Ctrl-C must still reach board.close(): it turns the gas heater off and releases the pins.
      const onSigint = () => stop.abort();
      process.once('SIGINT', onSigint);
      const samples: TestSample[] = [];
      try {
        if (!opts.json) printStatus(io, kind, sensors);
        const answering = sensors.filter((s) => s.state === 'ok').length;
        if (answering === 0) {
          if (!opts.json) {
            io.stderr(
              'No sensor answered. Check that the board is seated, I2C and the UART are enabled and this user is in the i2c, dialout and gpio groups (docs/deployment.md).\n',
            );
          }
        } else if (readings > 0) {
          if (!opts.json) io.stdout(`\nLive readings (${readings}, every ${intervalS} s, UTC):\n`);
          if (warmupS > 0) await sleep(warmupS * 1000, stop.signal);
          for (let i = 0; i < readings && !stop.signal.aborted; i++) {
            if (i > 0) await sleep(intervalS * 1000, stop.signal);
            const sample: TestSample = await board.read();
            samples.push(sample);
            if (!opts.json) printSample(io, shown, sample, i === 0);
          }
        }
        if (opts.json) {
          io.stdout(
            `${JSON.stringify(
              {
                ok: answering > 0,
                board: kind,
                sensors,
                readings: samples.map((s) => ({
                  timestamp: new Date(s.timestamp).toISOString(),
                  reading: s.reading,
                  sensors: s.sensors,
                  cpuTemperature: s.cpuTemperature ?? null,
                })),
                errors: samples.at(-1)?.errors ?? null,
                warnings,
              },
              null,
              2,
            )}\n`,
          );
        } else if (samples.length > 0) {
          const errors: Readonly<Record<string, number>> = samples.at(-1)?.errors ?? {};
          const failed = Object.entries(errors).filter(([, n]) => n > 0);
          io.stdout(
            failed.length === 0
              ? `\n${samples.length} reading${samples.length === 1 ? '' : 's'}, no failed sensor reads.\n`
              : `\n${samples.length} readings; failed reads: ${failed.map(([s, n]) => `${s} ${n}`).join(', ')}.\n`,
          );
        }
        if (answering === 0) setExit(EXIT.failed);
      } catch (err) {
        if (!(err instanceof Error && err.name === 'AbortError')) throw err;
        io.stderr('\nstopped\n');
      } finally {
        process.off('SIGINT', onSigint);
        await board.close();
      }
    });
}

/** The real board facade `opensensor test` (and `opensensor doctor`) reads, loaded when first asked for. */
export async function realBoard(options: TestBoardOptions): Promise<BoardFacade> {
  const { createBoard } = await import('@opensensor/pipeline');
  return createBoard(options.board, options);
}

/** The columns of the Sense HAT and breakout lakes, with their units, for the readings table. */
async function columnsOf(kind: 'sensehat' | 'breakout'): Promise<Shown> {
  const info =
    kind === 'sensehat'
      ? (await import('@opensensor/sensors-sensehat')).SENSEHAT_COLUMN_INFO
      : (await import('@opensensor/sensors-breakout')).BREAKOUT_COLUMN_INFO;
  return Object.entries(info as Record<string, { unit: string }>).map(
    ([column, { unit }]) => [column, `${column} ${unit}`, /ppm|ppb/.test(unit) ? 0 : 2] as const,
  );
}

function count(flag: string, raw: string, min: number, max: number, integer: boolean): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new CliError(
      `${flag}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, received ${JSON.stringify(raw)}`,
      EXIT.usage,
    );
  }
  return n;
}

function printStatus(io: CliIo, kind: BoardKind, sensors: readonly SensorSlotStatus[]): void {
  const rows = [
    ['sensor', 'chip', 'address', 'state', 'detail'],
    ...sensors.map((s) => [s.sensor, s.chip, s.address, s.state, s.detail ?? '']),
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  io.stdout(`Sensors (${kind}):\n`);
  for (const r of rows) {
    io.stdout(
      `${`  ${r
        .slice(0, 4)
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')}  ${r[4]}`.trimEnd()}\n`,
    );
  }
}

function printSample(io: CliIo, shown: Shown, sample: TestSample, header: boolean): void {
  const cells = shown.map(([column, , decimals]) => {
    const v = sample.reading[column];
    return v === null || v === undefined ? '-' : v.toFixed(decimals);
  });
  // Fixed widths keep the rows aligned under the header printed with the first one.
  const widths = shown.map(([, head]) => Math.max(head.length, 7));
  if (header)
    io.stdout(
      `  ${'time'.padEnd(8)}  ${shown.map(([, head], i) => head.padStart(widths[i] ?? 0)).join('  ')}\n`,
    );
  const time = new Date(sample.timestamp).toISOString().slice(11, 19);
  io.stdout(`  ${time}  ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ')}\n`);
  for (const [sensor, result] of Object.entries(sample.sensors)) {
    if (result.state !== 'ok' && result.state !== 'absent' && result.state !== 'disabled') {
      io.stdout(`    ${sensor}: ${result.state}${result.error ? ` (${result.error})` : ''}\n`);
    }
  }
}
