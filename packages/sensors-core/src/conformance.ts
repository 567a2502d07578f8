import assert from 'node:assert/strict';
import type { BoardFacade, BoardSample } from './board-facade.js';
import type { SensorReadState, SensorSlotStatus } from './sensor-slot.js';

const SLOT_STATES: ReadonlySet<string> = new Set(['ok', 'absent', 'error', 'disabled']);
const READ_STATES: ReadonlySet<SensorReadState> = new Set([
  'ok',
  'absent',
  'error',
  'timeout',
  'busy',
  'disabled',
]);

export interface BoardConformanceOptions {
  /** A fresh board for each case; each case closes the board it opened. */
  open: () => BoardFacade | Promise<BoardFacade>;
  /** Readings taken by the reading case, default 3. */
  readings?: number;
  /**
   * The board is really there: its signature answers and a reading has values. Default true; false
   * for a board on an empty bus, whose sensors must then be reported absent and its columns null.
   */
  present?: boolean;
}

/** One check of {@link boardConformance}: a name for the test runner and a function that throws when it fails. */
export interface ConformanceCase {
  name: string;
  run: () => Promise<void>;
}

async function withBoard(
  open: BoardConformanceOptions['open'],
  use: (board: BoardFacade) => Promise<void>,
): Promise<void> {
  const board = await open();
  try {
    await use(board);
  } finally {
    await board.close();
  }
}

function checkStatuses(board: BoardFacade, statuses: readonly SensorSlotStatus[]): void {
  assert.deepEqual(
    statuses.map((s) => s.sensor),
    [...board.sensors],
    'one status per sensor, in the order of `sensors`',
  );
  for (const s of statuses) {
    assert.ok(s.chip.length > 0, `${s.sensor}: chip is named`);
    assert.ok(s.address.length > 0, `${s.sensor}: address is given`);
    assert.ok(SLOT_STATES.has(s.state), `${s.sensor}: state ${s.state} is one of ${[...SLOT_STATES]}`);
    if (s.detail !== undefined) assert.equal(typeof s.detail, 'string');
  }
}

function checkSample(board: BoardFacade, sample: BoardSample, present: boolean): void {
  assert.ok(Number.isFinite(sample.timestamp), 'timestamp is ms since the epoch');
  assert.equal(typeof sample.warmup, 'boolean', 'warmup is a boolean');
  assert.deepEqual(
    Object.keys(sample.reading).sort(),
    [...board.columns].sort(),
    'reading has exactly the columns',
  );
  for (const column of board.columns) {
    const v = sample.reading[column];
    assert.ok(v === null || Number.isFinite(v), `${column} is a finite number or null, got ${String(v)}`);
  }
  assert.deepEqual(Object.keys(sample.sensors).sort(), [...board.sensors].sort(), 'a result per sensor');
  for (const [sensor, result] of Object.entries(sample.sensors)) {
    assert.ok(READ_STATES.has(result.state), `${sensor}: read state ${result.state} is known`);
    if (!present) assert.notEqual(result.state, 'ok', `${sensor} read ok on a board that is not there`);
  }
  assert.deepEqual(Object.keys(sample.errors).sort(), [...board.sensors].sort(), 'an error count per sensor');
  for (const [sensor, n] of Object.entries(sample.errors)) {
    assert.ok(Number.isInteger(n) && n >= 0, `${sensor}: error count ${n} is a whole number ≥ 0`);
  }
  if (!present) {
    for (const column of board.columns)
      assert.equal(sample.reading[column], null, `${column} on an absent board`);
  }
}

/**
 * The checks every board facade passes, real, fake or simulated: run them with your test runner,
 * e.g. `for (const c of boardConformance({ open })) it(c.name, c.run)`. With `present: true` (the
 * default) the board must be there: its signature answers and readings have values.
 */
export function boardConformance(options: BoardConformanceOptions): ConformanceCase[] {
  const { open } = options;
  const present = options.present ?? true;
  const readings = options.readings ?? 3;
  return [
    {
      name: 'describes itself: kind, name, sensors, signature among them, columns with unit and meaning',
      run: () =>
        withBoard(open, async (board) => {
          assert.match(board.kind, /^[a-z0-9_-]+$/, 'kind is a lower-case word');
          assert.ok(board.name.includes(board.kind), 'the name contains the kind');
          assert.ok(board.sensors.length > 0, 'at least one sensor');
          assert.equal(new Set(board.sensors).size, board.sensors.length, 'sensor names are unique');
          assert.ok(board.signature.length > 0, 'a signature to be found by');
          for (const s of board.signature)
            assert.ok(board.sensors.includes(s), `signature sensor ${s} is a sensor`);
          assert.ok(board.columns.length > 0, 'at least one column');
          assert.equal(new Set(board.columns).size, board.columns.length, 'column names are unique');
          assert.ok(!board.columns.includes('timestamp'), 'timestamp is not a measurement column');
          for (const c of board.columns) {
            assert.match(c, /^[a-z][a-z0-9_]*$/, `${c} is snake_case`);
            const info = board.columnInfo[c];
            assert.ok(info && info.unit.length > 0, `${c} has a unit`);
            assert.ok(info.description.length > 0, `${c} has a description`);
          }
          assert.deepEqual(
            Object.keys(board.columnInfo).sort(),
            [...board.columns].sort(),
            'column info for the columns only',
          );
        }),
    },
    {
      name: 'detect() reports every sensor once with chip, address and state; again the same; status() agrees',
      run: () =>
        withBoard(open, async (board) => {
          const first = await board.detect();
          checkStatuses(board, first);
          assert.deepEqual(await board.detect(), first, 'detect() runs once');
          checkStatuses(board, board.status());
          assert.deepEqual(
            board.status().map((s) => [s.sensor, s.state]),
            first.map((s) => [s.sensor, s.state]),
          );
          const found = first.some((s) => s.state === 'ok' && board.signature.includes(s.sensor));
          assert.equal(
            found,
            present,
            present ? 'a signature sensor answers' : 'no signature sensor answers',
          );
        }),
    },
    {
      name: `read() gives samples with every column, a result and an error count per sensor (${readings} readings)`,
      run: () =>
        withBoard(open, async (board) => {
          let previous: Readonly<Record<string, number>> | undefined;
          let values = 0;
          for (let i = 0; i < readings; i++) {
            const sample = await board.read();
            checkSample(board, sample, present);
            for (const column of board.columns) if (sample.reading[column] !== null) values++;
            if (previous) {
              for (const s of board.sensors) {
                assert.ok((sample.errors[s] ?? 0) >= (previous[s] ?? 0), `${s}: error count never goes down`);
              }
            }
            previous = { ...sample.errors };
          }
          if (present) assert.ok(values > 0, 'the sensors that answer give values');
        }),
    },
    {
      name: 'close() after reading resolves, and a second close() too',
      run: async () => {
        const board = await open();
        await board.read();
        await board.close();
        await board.close();
      },
    },
  ];
}
