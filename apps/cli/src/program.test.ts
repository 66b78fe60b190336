import { describe, expect, it } from 'vitest';
import { convkit } from './testing/cli';

const run = (...args: string[]) => convkit(args);

describe('convkit (the built binary)', () => {
  it('prints help and its version', async () => {
    const help = await run('--help');
    expect(help.status).toBe(0);
    for (const command of [
      'tour',
      'dataset',
      'doctor',
      'split',
      'augment-preview',
      'train',
      'evaluate',
      'predict',
      'features',
      'fine-tune',
      'activations',
      'filters',
      'gradcam',
      'vgg16',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect((await run('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('doctor prints a table in which cpu and wasm start', async () => {
    const r = await run('doctor');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^cpu\s+yes\s+yes/m);
    expect(r.stdout).toMatch(/^wasm\s+yes\s+yes\s+\S+\s+simd=/m);
  });

  it('doctor --json is machine-readable', async () => {
    const report = JSON.parse((await run('doctor', '--json')).stdout);
    expect(report.backends.map((b: { name: string }) => b.name)).toEqual([
      'cuda',
      'node',
      'webgpu',
      'webgl',
      'wasm',
      'cpu',
    ]);
  });

  it('doctor --backend cuda without the package exits 2 with one line naming it', async () => {
    const r = await run('doctor', '--backend', 'cuda');
    expect(r.status).toBe(2);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('convkit:')),
    ).toHaveLength(1);
    expect(r.stderr).toContain('npm install @tensorflow/tfjs-node-gpu');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--debug shows the stack', async () => {
    const r = await run('--debug', 'doctor', '--backend', 'node');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('an unknown backend name exits 2 and lists the valid ones', async () => {
    const r = await run('doctor', '--backend', 'gpu');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Valid names: auto, cuda, node, webgpu, webgl, wasm, cpu');
  });

  it('an unknown command exits 2', async () => {
    expect((await run('nope')).status).toBe(2);
  });
});
