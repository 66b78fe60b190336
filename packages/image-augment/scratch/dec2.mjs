import fs from 'node:fs';
import sharp from '../../image-io/node_modules/sharp/dist/index.mjs';
const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).jpeg().toBuffer();
const b = fs.readFileSync('/tmp/aug/data/cats/cat.5.jpg');
const reps = 300;
async function t(label, fn) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  const c = process.cpuUsage(c0);
  console.log(label.padEnd(36), 'cpu ms', ((c.user + c.system) / 1000 / reps).toFixed(3), 'wall ms', ((performance.now() - t0) / reps).toFixed(3));
}
for (let k = 0; k < 2; k++) {
  await t('tiny jpeg raw', () => sharp(tiny).raw().toBuffer());
  await t('cat.5 raw', () => sharp(b).raw().toBuffer());
  await t('cat.5 raw, cache(false)', () => { sharp.cache(false); return sharp(b).raw().toBuffer(); });
  sharp.cache(true);
  await t('cat.5 metadata', () => sharp(b).metadata());
  await t('cat.5 to raw via toColourspace(b-w)', () => sharp(b).toColourspace('b-w').raw().toBuffer());
}
