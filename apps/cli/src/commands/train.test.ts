import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeIdx } from '@convkit/layers';
import { loadModel } from '@convkit/layers/node';
import { initBackend } from '@convkit/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convkit, convkitAsync, errorLines, makeTrainedModel, pngSize, tempDir } from '../testing/cli';

const tmp = tempDir();
let fx: { data: string; run: string; model: string };
beforeAll(async () => {
  fx = await makeTrainedModel(tmp.dir);
}, 120_000);
afterAll(tmp.cleanup);

const small = [
  '--target-size',
  '48',
  '--width',
  '0.25',
  '--batch-size',
  '8',
  '--backend',
  'wasm',
  '--seed',
  '2',
];

/** How many steps the optimizer saved in a checkpoint folder had taken. */
async function optimizerSteps(dir: string): Promise<number> {
  await initBackend('cpu');
  const model = await loadModel(dir);
  const steps = model.optimizer?.iterations ?? 0;
  model.dispose();
  return steps;
}

describe('convkit train', () => {
  it('writes the model, the best model, the checkpoint, history, plots and classes', async () => {
    expect(readdirSync(fx.run).sort()).toEqual([
      'accuracy.png',
      'best',
      'checkpoint',
      'classes.json',
      'history.json',
      'loss.png',
      'model',
    ]);
    expect(JSON.parse(readFileSync(join(fx.run, 'classes.json'), 'utf8'))).toEqual(['cat', 'dog']);
    expect(Object.keys(JSON.parse(readFileSync(join(fx.run, 'history.json'), 'utf8')))).toEqual([
      'loss',
      'acc',
      'val_loss',
      'val_acc',
    ]);
    expect(pngSize(join(fx.run, 'accuracy.png'))).toEqual({ width: 640, height: 420 });
    expect(existsSync(join(fx.run, 'best', 'model.json'))).toBe(true);
    expect(existsSync(join(fx.run, 'checkpoint', 'training-state.json'))).toBe(true);
  });

  it('--augment --dropout with --tensorboard writes Keras-style event files per epoch', async () => {
    const out = join(tmp.dir, 'aug');
    const tb = join(tmp.dir, 'tb');
    const r = await convkit([
      'train',
      fx.data,
      ...small,
      '--epochs',
      '2',
      '--augment',
      '--dropout',
      '0.5',
      '--tensorboard',
      tb,
      '--out',
      out,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.epochs).toBe(2);
    expect(result.history.val_acc).toHaveLength(2);
    for (const run of ['train', 'validation']) {
      const files = readdirSync(join(tb, run));
      expect(files).toHaveLength(1);
      // file_version record + 2 epochs x (loss, acc), each framed with 16 bytes.
      const bytes = readFileSync(join(tb, run, files[0]));
      let records = 0;
      for (let pos = 0; pos < bytes.length; records++) pos += 16 + Number(bytes.readBigUInt64LE(pos));
      expect(records).toBe(1 + 2 * 2);
    }
    // The JSON went to stdout alone; logs to stderr.
    expect(r.stderr).toContain('epoch 2/2');
  });

  it('Ctrl-C saves a checkpoint and exits 130; --resume continues with the same history', async () => {
    const out = join(tmp.dir, 'interrupted');
    const child = convkitAsync(['train', fx.data, ...small, '--epochs', '200', '--out', out]);
    let stdout = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (/epoch 2\/200 \(/.test(stdout) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    expect(code).toBe(130);
    const state = JSON.parse(readFileSync(join(out, 'checkpoint', 'training-state.json'), 'utf8'));
    expect(state.interrupted).toBe(true);
    expect(state.epochsDone).toBeGreaterThanOrEqual(2);
    expect(state.history.loss).toHaveLength(state.epochsDone);
    const done = state.epochsDone;
    const stepsBefore = await optimizerSteps(join(out, 'checkpoint'));
    expect(stepsBefore).toBeGreaterThan(0);
    const r = await convkit([
      'train',
      fx.data,
      ...small,
      '--epochs',
      String(done + 1),
      '--out',
      out,
      '--resume',
      '--json',
    ]);
    expect(r.status, r.stderr + stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.epochs).toBe(done + 1);
    expect(result.history.loss.slice(0, done)).toEqual(state.history.loss);
    expect(result.history.loss).toHaveLength(done + 1);
    // The optimizer went on from its saved state (RMSprop's averages, step count), not from zero.
    expect(await optimizerSteps(join(out, 'checkpoint'))).toBeGreaterThan(stepsBefore);
  });

  it('trains the mnist preset on IDX files', async () => {
    const dir = join(tmp.dir, 'idx');
    mkdirSync(dir, { recursive: true });
    const n = 64;
    const images = new Uint8Array(n * 28 * 28).map((_, i) => (i * 37) % 256);
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    for (const prefix of ['train', 't10k']) {
      writeFileSync(
        join(dir, `${prefix}-images-idx3-ubyte`),
        encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: images }),
      );
      writeFileSync(
        join(dir, `${prefix}-labels-idx1-ubyte`),
        encodeIdx({ dtype: 'uint8', shape: [n], data: labels }),
      );
    }
    const out = join(tmp.dir, 'mnist');
    const r = await convkit([
      'train',
      dir,
      '--epochs',
      '1',
      '--validation-split',
      '0.25',
      '--out',
      out,
      '--backend',
      'wasm',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(Object.keys(result.history)).toEqual(['loss', 'acc', 'val_loss', 'val_acc']);
    expect(r.stderr).toContain('93,322 parameters');
    const e = await convkit(['evaluate', join(out, 'model'), dir, '--json', '--backend', 'wasm']);
    expect(e.status, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).samples).toBe(n);
  });

  it('user errors exit 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['train', join(tmp.dir, 'nope')], /does not exist/],
      [['train', fx.data, '--preset', 'vgg'], /Unknown model preset 'vgg'. Valid presets: mnist, cats-dogs/],
      [['train', fx.data, '--epochs', '0'], /--epochs must be a positive integer/],
      [['train', fx.data, '--target-size', '32'], /at least 46x46/],
      [['train', fx.data, '--out', fx.run], /already exists and is not empty/],
      [['train', fx.data, '--out', join(tmp.dir, 'fresh'), '--resume'], /no checkpoint/],
      [
        [
          'train',
          fx.data,
          '--model',
          join(fx.run, 'model'),
          '--target-size',
          '50',
          '--out',
          join(tmp.dir, 'm2'),
        ],
        /takes 48x48x3 images.*--target-size 48x48/,
      ],
      [
        ['train', fx.data, '--model', join(tmp.dir, 'missing.json'), '--out', join(tmp.dir, 'm3')],
        /does not exist/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await convkit([...args, '--backend', 'wasm']);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(errorLines(r.stderr)).toEqual([expect.stringMatching(message)]);
    }
  });
});
