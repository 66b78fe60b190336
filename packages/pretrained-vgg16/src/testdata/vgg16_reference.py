"""Reference side of the VGG16 tests: writes Keras-layout VGG16 weight files and runs PyTorch.

Run with Debian's python (h5py, numpy, torch): /usr/bin/python3 vgg16_reference.py COMMAND ...

  write OUT.h5 --variant top|notop [--input H W] [--classes N] [--seed S]
        [--style keras1|tf2] [--rename OLD=NEW] [--drop LAYER]
      Writes a weights file laid out as Keras's vgg16_weights_tf_dim_ordering_tf_kernels[_notop].h5
      (root attrs layer_names, backend, keras_version; one group per layer with a weight_names
      attr; Keras 1-era weight names 'block1_conv1_W_1:0' by default, as Keras's files have),
      with random He-scaled weights, and OUT.h5.json: per layer and weight its shape, sum, sum
      of squares and first and last values, to check that every weight lands where it should.

  forward WEIGHTS.h5 INPUT.f32 N H W OUT.f32
      Runs VGG16 built with torch.nn directly (conv 3x3 same + ReLU, 2x2 max pools, and fc1/fc2/
      predictions when the file has them) on NHWC float32 input, and writes NHWC float32 output;
      for a file without the classifier also OUT.f32.avg and OUT.f32.max (global pooling).
"""
import json
import sys

import h5py
import numpy as np

BLOCKS = [(1, 64, 2), (2, 128, 2), (3, 256, 3), (4, 512, 3), (5, 512, 3)]


def layer_specs(variant, h, w, classes):
    """[(layer name, [(short name, shape)])] in Keras's order, input_1 and pools included."""
    layers = [('input_1', [])]
    cin = 3
    for block, filters, convs in BLOCKS:
        for i in range(1, convs + 1):
            layers.append(('block%d_conv%d' % (block, i), [('kernel', (3, 3, cin, filters)), ('bias', (filters,))]))
            cin = filters
        layers.append(('block%d_pool' % block, []))
        h, w = h // 2, w // 2
    if variant == 'top':
        layers += [('flatten', []),
                   ('fc1', [('kernel', (h * w * 512, 4096)), ('bias', (4096,))]),
                   ('fc2', [('kernel', (4096, 4096)), ('bias', (4096,))]),
                   ('predictions', [('kernel', (4096, classes)), ('bias', (classes,))])]
    return layers


def arg(name, default=None, n=1):
    if name not in sys.argv:
        return default
    i = sys.argv.index(name)
    return sys.argv[i + 1] if n == 1 else sys.argv[i + 1:i + 1 + n]


def write(out):
    variant = arg('--variant')
    h, w = [int(v) for v in arg('--input', ['224', '224'], 2)]
    classes = int(arg('--classes', '1000'))
    style = arg('--style', 'keras1')
    rng = np.random.default_rng(int(arg('--seed', '1')))
    renames = dict(r.split('=') for i, r in enumerate(sys.argv) if sys.argv[i - 1] == '--rename')
    drops = {d for i, d in enumerate(sys.argv) if sys.argv[i - 1] == '--drop'}
    layers = [(renames.get(n, n), s) for n, s in layer_specs(variant, h, w, classes) if n not in drops]
    summary = []
    with h5py.File(out, 'w') as f:
        f.attrs['layer_names'] = [n.encode() for n, _ in layers]
        f.attrs['backend'] = b'tensorflow'
        f.attrs['keras_version'] = b'2.1.5'
        for name, specs in layers:
            g = f.create_group(name)
            names = []
            for short, shape in specs:
                full = ('%s_%s_1:0' % (name, {'kernel': 'W', 'bias': 'b'}[short]) if style == 'keras1'
                        else '%s/%s:0' % (name, short))
                fan_in = int(np.prod(shape[:-1])) if short == 'kernel' else 1
                scale = np.sqrt(2.0 / fan_in) if short == 'kernel' else 0.1
                value = (rng.standard_normal(shape, dtype=np.float32) * np.float32(scale)).astype('<f4')
                g.create_dataset(full, data=value)
                names.append(full)
                flat = value.ravel().astype(np.float64)
                summary.append({'layer': name, 'weight': short, 'shape': list(shape), 'sum': float(flat.sum()),
                                'sumsq': float((flat * flat).sum()), 'first': float(flat[0]), 'last': float(flat[-1])})
            g.attrs['weight_names'] = [n.encode() for n in names]
    with open(out + '.json', 'w') as f:
        json.dump(summary, f)


def forward(weights, inp, n, h, w, out):
    import torch
    torch.set_num_threads(2)
    f = h5py.File(weights, 'r')
    layer_names = [x.decode() if isinstance(x, bytes) else x for x in f.attrs['layer_names']]

    def params(name):
        g = f[name]
        return [np.asarray(g[x.decode() if isinstance(x, bytes) else x]) for x in g.attrs['weight_names']]

    mods = []
    cin = 3
    for block, filters, convs in BLOCKS:
        for i in range(1, convs + 1):
            kernel, bias = params('block%d_conv%d' % (block, i))
            conv = torch.nn.Conv2d(cin, filters, 3, padding=1)
            conv.weight.data = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())  # HWIO -> OIHW
            conv.bias.data = torch.from_numpy(bias)
            mods += [conv, torch.nn.ReLU()]
            cin = filters
        mods.append(torch.nn.MaxPool2d(2, 2))
    base = torch.nn.Sequential(*mods).eval()
    x = torch.from_numpy(np.fromfile(inp, dtype='<f4').reshape(n, h, w, 3)).permute(0, 3, 1, 2)
    with torch.no_grad():
        y = base(x)  # NCHW
        if 'fc1' in layer_names:
            y = y.permute(0, 2, 3, 1).reshape(n, -1)  # Keras flattens NHWC
            for name, act in (('fc1', 'relu'), ('fc2', 'relu'), ('predictions', 'softmax')):
                kernel, bias = params(name)
                y = y @ torch.from_numpy(kernel) + torch.from_numpy(bias)
                y = torch.relu(y) if act == 'relu' else torch.softmax(y, dim=1)
        else:
            y.mean(dim=(2, 3)).contiguous().numpy().astype('<f4').tofile(out + '.avg')
            y.amax(dim=(2, 3)).contiguous().numpy().astype('<f4').tofile(out + '.max')
            y = y.permute(0, 2, 3, 1)
    y.contiguous().numpy().astype('<f4').tofile(out)


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'write':
        write(sys.argv[2])
    elif cmd == 'forward':
        a = sys.argv[2:8]
        forward(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), a[5])
    else:
        sys.exit('unknown command %s' % cmd)
