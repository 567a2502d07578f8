import { describeError } from './errors.js';
import { type ClosableI2cBus, type I2cBus, openI2cBus } from './i2c.js';
import type { SensorSlot, SensorSlotStatus, SlotDriver } from './sensor-slot.js';

/** The slots of a board facade, one per sensor name. */
export type SlotMap<S extends string> = Readonly<Record<S, SensorSlot<S, SlotDriver>>>;

export interface SensorSlotsOptions<S extends string> {
  /** Set up one sensor at a time instead of all at once. */
  sequential?: boolean;
  /** The board's bus, opened by {@link SensorSlots.setUp} when a sensor on it is enabled. */
  bus?: BoardBus<unknown>;
  /** The sensors on that bus; default all. */
  busSensors?: readonly S[];
}

/**
 * The sensors of a board facade as a group: their statuses and error counts in a fixed order, and
 * (re-)initialisation of all or only the absent ones, one after another or concurrently.
 */
export class SensorSlots<S extends string> {
  constructor(
    readonly sensors: readonly S[],
    readonly slots: SlotMap<S>,
    private readonly options: SensorSlotsOptions<S> = {},
  ) {}

  /** A copy of every sensor's status, in `sensors` order. */
  status(): SensorSlotStatus<S>[] {
    return this.sensors.map((s) => ({ ...this.slots[s].status }));
  }

  /** Failed reads per sensor so far. */
  errors(): Record<S, number> {
    const errors = {} as Record<S, number>;
    for (const s of this.sensors) errors[s] = this.slots[s].errors;
    return errors;
  }

  /** True when any of `among` (default: all) is not disabled. */
  anyEnabled(among: readonly S[] = this.sensors): boolean {
    return among.some((s) => this.slots[s].status.state !== 'disabled');
  }

  /**
   * Opens the bus if it is not open yet and a sensor on it is enabled (or says why it cannot), then
   * sets up every sensor (`all`) or only those that did not answer so far (`absent`).
   */
  async setUp(which: 'all' | 'absent'): Promise<void> {
    const bus = this.options.bus;
    await bus?.openIfNeeded(this.anyEnabled(this.options.busSensors));
    await this.init(which, bus?.error);
  }

  /** Sets up every sensor (`all`) or only those that did not answer so far (`absent`). */
  async init(which: 'all' | 'absent', noBusReason?: string): Promise<void> {
    const due = this.sensors.filter((s) => which === 'all' || this.slots[s].status.state === 'absent');
    if (this.options.sequential) {
      for (const s of due) await this.slots[s].init(noBusReason);
    } else {
      await Promise.all(due.map((s) => this.slots[s].init(noBusReason)));
    }
  }
}

export interface BoardBusOptions<B> {
  /** A bus passed in by the caller; it is never closed here. */
  bus?: B | undefined;
  /** Otherwise `/dev/i2c-<busNumber>` is opened, default 1. */
  busNumber?: number | undefined;
  /** Checks an opened bus before use; throw (after closing it) to refuse it. Default: any bus. */
  adopt?: (bus: ClosableI2cBus) => Promise<B & ClosableI2cBus>;
}

/**
 * The I2C bus of a board facade: the one passed in, or one it opens on first need (and closes).
 * When opening fails the reason is kept for the `absent` detail of every I2C sensor, and the next
 * {@link openIfNeeded} tries again.
 */
export class BoardBus<B = I2cBus> {
  bus: B | undefined;
  /** Why the bus could not be opened, until it opens. */
  error: string | undefined;
  private owned: ClosableI2cBus | undefined;

  constructor(private readonly options: BoardBusOptions<B> = {}) {
    this.bus = options.bus;
  }

  async openIfNeeded(needed: boolean): Promise<void> {
    if (this.bus || !needed) return;
    try {
      const opened = await openI2cBus(this.options.busNumber ?? 1);
      const bus = this.options.adopt ? await this.options.adopt(opened) : (opened as B & ClosableI2cBus);
      this.owned = bus;
      this.bus = bus;
      this.error = undefined;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  /** Closes the bus if this opened it (a bus passed in stays open); rejects when closing fails. */
  async close(): Promise<void> {
    const bus = this.owned;
    this.owned = undefined;
    if (bus) await bus.close();
  }
}
