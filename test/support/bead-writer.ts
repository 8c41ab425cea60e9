// A writer process for concurrency tests: updates one bead N times through the real store.
import { BeadStore } from '../../src/beads/store.js';

const [dir, id, countText, who] = process.argv.slice(2);
const count = Number(countText);
const store = new BeadStore({ dir: dir!, actor: who ?? `pid-${process.pid}` });
for (let i = 0; i < count; i++) {
  await store.update(id!, (b) => {
    b.labels = [`${who}-${i}`];
    // Large descriptions make torn writes likely if writes were not atomic.
    b.description = `${who} update ${i}\n${'x'.repeat(20_000 + (i % 7) * 1000)}`;
    return { note: `${who} #${i}` };
  });
  process.stdout.write(`${i}\n`);
}
