import type {
  BoardFacade,
  BoardSample,
  ColumnInfo,
  SensorReadResult,
  SensorSlotStatus,
} from '@opensensor/sensors-core';

/** What a simulated board shows of itself: the real board's names, with the chips it stands for. */
export interface SimulatedBoardSpec<S extends string, C extends string> {
  kind: string;
  sensors: readonly S[];
  /** Chip and address per sensor, as the real board reports them. */
  chips: Readonly<Record<S, readonly [chip: string, address: string]>>;
  columns: readonly C[];
  columnInfo: Readonly<Record<C, ColumnInfo>>;
  signature: readonly S[];
}

const OK: SensorReadResult = Object.freeze({ state: 'ok' });
const FAILED: SensorReadResult = Object.freeze({ state: 'error', error: 'simulated fault' });

/**
 * The board facade of a simulated board: every sensor answers at detection (detail `simulated`), a
 * reading is the model's values at `now()` with seeded faults, never in warm-up (a model has nothing
 * to settle). The sample object is reused by the next read: copy what you keep.
 */
export abstract class SimulatedBoard<S extends string, C extends string> implements BoardFacade<S, C> {
  readonly kind: string;
  readonly name: string;
  readonly sensors: readonly S[];
  readonly columns: readonly C[];
  readonly columnInfo: Readonly<Record<C, ColumnInfo>>;
  readonly signature: readonly S[];
  /** Failed reads per sensor (the seeded faults) since construction. */
  readonly errors: Record<S, number>;
  private readonly chips: SimulatedBoardSpec<S, C>['chips'];
  private readonly results: Record<S, SensorReadResult>;
  private readonly sample: { timestamp: number } & BoardSample<S, C>;

  constructor(
    spec: SimulatedBoardSpec<S, C>,
    protected readonly now: () => number,
    reading: Record<C, number | null>,
  ) {
    this.kind = spec.kind;
    this.name = `${spec.kind} (simulated)`;
    this.sensors = spec.sensors;
    this.columns = spec.columns;
    this.columnInfo = spec.columnInfo;
    this.signature = spec.signature;
    this.chips = spec.chips;
    this.errors = {} as Record<S, number>;
    this.results = {} as Record<S, SensorReadResult>;
    for (const s of spec.sensors) {
      this.errors[s] = 0;
      this.results[s] = OK;
    }
    this.sample = { timestamp: 0, reading, warmup: false, sensors: this.results, errors: this.errors };
  }

  async detect(): Promise<SensorSlotStatus<S>[]> {
    return this.status();
  }

  status(): SensorSlotStatus<S>[] {
    return this.sensors.map((sensor) => {
      const [chip, address] = this.chips[sensor];
      return { sensor, chip, address, state: 'ok', detail: 'simulated' };
    });
  }

  /** The sample for `now()`: reading, per-sensor results and error counts, in one reused object. */
  async read(): Promise<BoardSample<S, C>> {
    const sample = this.sample;
    for (const s of this.sensors) this.results[s] = OK;
    sample.timestamp = this.now();
    this.readAt(sample.timestamp);
    return sample;
  }

  /** The model's reading at `tMs` (the object {@link read} returns in its sample), with the seeded faults applied. */
  abstract readAt(tMs: number): Record<C, number | null>;

  async close(): Promise<void> {}

  /** Counts a seeded fault of `sensor` in this reading. */
  protected fail(sensor: S): void {
    this.errors[sensor]++;
    this.results[sensor] = FAILED;
  }
}
