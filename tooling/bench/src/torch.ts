import { spawnSync } from 'node:child_process';

/** Debian's python3, which has python3-torch; the default python3 may be another one. */
const PYTHON = process.env.CONVKIT_BENCH_PYTHON ?? '/usr/bin/python3';

/** Why PyTorch cannot be used here, or undefined when `import torch` works. */
export function torchUnavailable(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found (install Debian's python3-torch)`;
  if (r.status !== 0) return `${PYTHON} cannot import torch (apt-get install python3-torch)`;
  return undefined;
}

/**
 * Runs a Python snippet that prints one JSON object on its last line, and returns that object.
 * The snippet runs with torch imported and set to `threads` threads.
 */
export function runTorch<T>(code: string, { threads = 2, timeoutMs = 600_000 } = {}): T {
  const prelude = `import json, time, torch\ntorch.set_num_threads(${threads})\n`;
  const r = spawnSync(PYTHON, ['-c', prelude + code], { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`PyTorch reference failed: ${r.stderr || r.error}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** Why PyTorch cannot run on CUDA here (no torch, or no GPU/driver), or undefined when it can. */
export function torchCudaUnavailable(): string | undefined {
  const why = torchUnavailable();
  if (why) return why;
  const r = spawnSync(PYTHON, ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)'], {
    encoding: 'utf8',
  });
  return r.status === 0
    ? undefined
    : 'torch.cuda.is_available() is False (no NVIDIA GPU, driver or CUDA build of torch)';
}

/**
 * Python lines that put a snippet on CUDA in full fp32 (TF32 off, as the reference
 * figures) and define `sync()`, which waits for the GPU before a clock is read.
 */
export const TORCH_CUDA_PRELUDE = `
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
dev = torch.device('cuda')
def sync(): torch.cuda.synchronize()
`;

/** Python lines that build VGG16's conv base with torch.nn (Keras's layout, random weights) as `features`, in eval mode. */
export const TORCH_VGG16_CONV_BASE = `
cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']
layers, cin = [], 3
for v in cfg:
    if v == 'M':
        layers.append(torch.nn.MaxPool2d(2, 2))
    else:
        layers += [torch.nn.Conv2d(cin, v, 3, padding=1), torch.nn.ReLU()]
        cin = v
features = torch.nn.Sequential(*layers).eval()
`;
