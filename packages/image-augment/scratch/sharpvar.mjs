import fs from 'node:fs';
import sharp from '../../image-io/node_modules/sharp/dist/index.mjs';
const files = fs.readdirSync('/tmp/aug/data/cats').slice(0, 150).map(f => fs.readFileSync('/tmp/aug/data/cats/' + f));
const cpu = async (label, fn) => { const c0 = process.cpuUsage(); const t0 = performance.now(); for (const b of files) await fn(b); const c = process.cpuUsage(c0); console.log(label.padEnd(40), ((c.user + c.system) / 1000 / files.length).toFixed(2), 'cpu ms/img', ((performance.now()-t0)/files.length).toFixed(2), 'wall'); };
for (let rep = 0; rep < 2; rep++) {
await cpu('default raw', (b) => sharp(b).raw().toBuffer());
await cpu('seq + failOn warning', (b) => sharp(b, { sequentialRead: true, failOn: 'warning' }).raw().toBuffer());
await cpu('seq + failOn none', (b) => sharp(b, { sequentialRead: true, failOn: 'none' }).raw().toBuffer());
await cpu('toUint8Array', (b) => sharp(b, { sequentialRead: true }).raw().toUint8Array());
await cpu('metadata only', (b) => sharp(b).metadata());
await cpu('shrink-on-load 1/2 (resize 50%)', async (b) => { const m = await sharp(b).metadata(); return sharp(b).resize(Math.round(m.width/2), Math.round(m.height/2), { kernel: 'nearest' }).raw().toBuffer(); });
}
