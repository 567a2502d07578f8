import { type Gpio, type GpioLine, GpioUnavailableError, type GpioValue } from '../gpio.js';

/** Records what drivers do with GPIO. `unavailable: true` behaves like a machine without GPIO access. */
export class FakeGpio implements Gpio {
  /** Current value of every claimed pin. */
  readonly values = new Map<number, GpioValue>();
  /** Every value written, in order. */
  readonly history: Array<[pin: number, value: GpioValue]> = [];
  readonly released = new Set<number>();
  private readonly unavailable: boolean;

  constructor(options: { unavailable?: boolean } = {}) {
    this.unavailable = options.unavailable ?? false;
  }

  async output(pin: number, initial: GpioValue): Promise<GpioLine> {
    if (this.unavailable) throw new GpioUnavailableError(`fake GPIO: no access to GPIO${pin}`);
    if (this.values.has(pin) && !this.released.has(pin)) throw new Error(`GPIO${pin} is already claimed`);
    this.released.delete(pin);
    const set = (value: GpioValue) => {
      this.values.set(pin, value);
      this.history.push([pin, value]);
    };
    set(initial);
    return {
      write: async (value) => {
        if (this.released.has(pin)) throw new Error(`GPIO${pin} was released`);
        set(value);
      },
      release: async () => {
        this.released.add(pin);
      },
    };
  }
}
