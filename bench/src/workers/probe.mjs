// Preloaded with `node --import` into a process whose exit the benchmark cannot observe from inside
// (`opensensor --help`): writes its peak RSS and CPU to the file named by OPENSENSOR_BENCH_PROBE at exit.
import { writeFileSync } from 'node:fs';

const out = process.env.OPENSENSOR_BENCH_PROBE;
if (out) {
  process.on('exit', () => {
    const ru = process.resourceUsage();
    writeFileSync(
      out,
      JSON.stringify({
        peakRssMB: ru.maxRSS / 1024,
        cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000,
        uptimeMs: performance.now(),
      }),
    );
  });
}
