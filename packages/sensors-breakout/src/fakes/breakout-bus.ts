import { FakeIcp10125, FakeScd4x, FakeSgp30 } from './fake-chips.js';
import { createFakeTime, FakeCommandI2cBus, type FakeTime } from './fake-command-bus.js';

export interface FakeBreakoutOptions {
  scd4x?: boolean;
  sgp30?: boolean;
  icp10125?: boolean;
  /** Shared time for the chips; pass its `clock` and `sleep` to the driver or facade. */
  time?: FakeTime;
}

export interface FakeBreakout {
  bus: FakeCommandI2cBus;
  time: FakeTime;
  scd4x: FakeScd4x | undefined;
  sgp30: FakeSgp30 | undefined;
  icp10125: FakeIcp10125 | undefined;
}

/** A bus with the SCD4x (0x62), SGP30 (0x58) and ICP-10125 (0x63) answering with the reference values. */
export function createFakeBreakoutBus(options: FakeBreakoutOptions = {}): FakeBreakout {
  const time = options.time ?? createFakeTime();
  const bus = new FakeCommandI2cBus();
  const scd4x = (options.scd4x ?? true) ? bus.attach(0x62, new FakeScd4x(time.clock)) : undefined;
  const sgp30 = (options.sgp30 ?? true) ? bus.attach(0x58, new FakeSgp30(time.clock)) : undefined;
  const icp10125 = (options.icp10125 ?? true) ? bus.attach(0x63, new FakeIcp10125(time.clock)) : undefined;
  return { bus, time, scd4x, sgp30, icp10125 };
}
