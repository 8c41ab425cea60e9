// Preload (`node --import`) for whole-process benches: at exit, writes this process's CPU time (user + system,
// all threads, in microseconds) to the file named by $GTH_BENCH_CPU, since Node cannot read a child's rusage.
import { writeFileSync } from 'node:fs';

const file = process.env.GTH_BENCH_CPU;
if (file) {
  process.on('exit', () => {
    const u = process.cpuUsage();
    writeFileSync(file, String(u.user + u.system));
  });
}
