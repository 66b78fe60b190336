import fs from 'node:fs';
import sharp from '../../image-io/node_modules/sharp/dist/index.mjs';
const b = fs.readFileSync('/tmp/aug/data/cats/cat.5.jpg');
const m = await sharp(b).metadata(); console.log(m.width, m.height, m.chromaSubsampling, m.isProgressive);
const reps = 300;
for (const conc of [1, 1, 4]) {
  sharp.concurrency(conc === 4 ? 1 : conc);
  const c0 = process.cpuUsage(); const t0 = performance.now();
  let i = 0; const worker = async () => { while (i++ < reps) await sharp(b, { sequentialRead: true }).raw().toBuffer(); };
  await Promise.all(Array.from({ length: conc }, worker));
  const c = process.cpuUsage(c0);
  console.log('sharp conc', conc, 'cpu ms', ((c.user + c.system) / 1000 / reps).toFixed(2), 'wall ms', ((performance.now() - t0) / reps).toFixed(2));
}
