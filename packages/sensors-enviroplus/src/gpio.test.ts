import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpioGuard, GpioUnavailableError, LibgpiodGpio } from './gpio.js';
import { FakeGpio } from './testing.js';

/** Writes stand-ins for the libgpiod tools that log their arguments and hold the line until killed. */
async function fakeTools(version: string, options: { failSet?: boolean } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'opensensor-gpio-'));
  const log = join(dir, 'log');
  const gpioset = join(dir, 'gpioset');
  await writeFile(
    gpioset,
    `#!/bin/sh
if [ "$1" = "--version" ]; then echo "gpioset (libgpiod) ${version}"; exit 0; fi
${options.failSet ? 'echo "gpioset: unable to request lines: Permission denied" >&2; exit 1' : ''}
echo "hold $*" >> "${log}"
trap 'echo "release $*" >> "${log}"; exit 0' TERM
while :; do sleep 0.02; done
`,
  );
  const gpiofind = join(dir, 'gpiofind');
  await writeFile(gpiofind, `#!/bin/sh\necho "gpiochip0 \${1#GPIO}"\n`);
  await chmod(gpioset, 0o755);
  await chmod(gpiofind, 0o755);
  const lines = async () => (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
  return { gpioset, gpiofind, lines };
}

describe('LibgpiodGpio (real child processes, stand-in tools)', () => {
  it('holds a line by name with libgpiod v2 and restarts gpioset to change it', async () => {
    const tools = await fakeTools('v2.1.3');
    const gpio = new LibgpiodGpio({ gpiosetPath: tools.gpioset, settleMs: 50 });
    const line = await gpio.output(24, 1);
    await line.write(1); // unchanged: no restart
    await line.write(0);
    await line.release();
    expect(await tools.lines()).toEqual([
      'hold --consumer opensensor GPIO24=1',
      'release --consumer opensensor GPIO24=1',
      'hold --consumer opensensor GPIO24=0',
      'release --consumer opensensor GPIO24=0',
    ]);
  });

  it('finds chip and offset with gpiofind for libgpiod v1', async () => {
    const tools = await fakeTools('v1.6.3');
    const gpio = new LibgpiodGpio({ gpiosetPath: tools.gpioset, gpiofindPath: tools.gpiofind, settleMs: 50 });
    const line = await gpio.output(22, 1);
    await line.release();
    expect(await tools.lines()).toEqual([
      'hold --mode=signal gpiochip0 22=1',
      'release --mode=signal gpiochip0 22=1',
    ]);
  });

  it('reports gpioset failing to claim the line with its own message', async () => {
    const tools = await fakeTools('v2.1.3', { failSet: true });
    const gpio = new LibgpiodGpio({ gpiosetPath: tools.gpioset, settleMs: 2000 });
    const error = await gpio.output(24, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpioUnavailableError);
    expect((error as Error).message).toMatch(
      /cannot drive GPIO24: gpioset: unable to request lines: Permission denied/,
    );
  });

  it('reports missing tools as GpioUnavailableError with the install hint', async () => {
    const gpio = new LibgpiodGpio({ gpiosetPath: '/nonexistent/gpioset' });
    await expect(gpio.output(24, 1)).rejects.toThrow(/apt install gpiod.*gpio group/);
  });
});

describe('GpioGuard', () => {
  it('warns once when GPIO is unavailable and then stops trying', async () => {
    const warnings: string[] = [];
    const guard = new GpioGuard(new FakeGpio({ unavailable: true }), (m) => warnings.push(m));
    expect(await guard.output(24, 1, 'heater')).toBeNull();
    expect(await guard.output(22, 1, 'enable')).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /GPIO24 \(heater\) not driven: fake GPIO: no access to GPIO24\. Further GPIO use is skipped/,
    );
  });

  it('without a Gpio does nothing and stays quiet', async () => {
    const warnings: string[] = [];
    expect(await new GpioGuard(undefined, (m) => warnings.push(m)).output(24, 1, 'heater')).toBeNull();
    expect(warnings).toEqual([]);
  });
});
