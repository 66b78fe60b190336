"""Writes HDF5 files in the layouts Keras produces, with h5py, for convkit's reader tests.

Usage: /usr/bin/python3 keras_h5_fixtures.py OUT_DIR [--full-vgg16]

For every file NAME.h5 it also writes NAME.expected.json (layer order, weight names, shapes)
and NAME.expected.bin (every weight value as little-endian float32, in that order), so the test
can check every value the reader returns.

The attribute writer mirrors Keras 2's save_attributes_to_hdf5_group: lists of byte strings,
an empty list stored as h5py stores [] (an empty float64 array), and lists bigger than one
HDF5 object header (64512 bytes) split into NAME0, NAME1, ...
"""
import json
import sys

import h5py
import numpy as np

HDF5_OBJECT_HEADER_LIMIT = 64512
OUT = sys.argv[1]
FULL_VGG16 = '--full-vgg16' in sys.argv
rng = np.random.default_rng(20240501)


def save_attributes(group, name, data):
    data_npy = np.asarray(data)
    num_chunks = 1
    chunked = np.array_split(data_npy, num_chunks)
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunked):
        num_chunks += 1
        chunked = np.array_split(data_npy, num_chunks)
    if num_chunks > 1:
        for i, chunk in enumerate(chunked):
            group.attrs['%s%d' % (name, i)] = chunk
    else:
        group.attrs[name] = data


class Recorder:
    def __init__(self, name):
        self.name = name
        self.layers = []
        self.values = []

    def layer(self, layer_name, weights):
        self.layers.append({'layerName': layer_name,
                            'weights': [{'name': n, 'shape': list(v.shape)} for n, v in weights]})
        for _, v in weights:
            self.values.append(np.asarray(v, dtype='<f4').ravel())

    def finish(self):
        with open('%s/%s.expected.json' % (OUT, self.name), 'w') as f:
            json.dump(self.layers, f)
        flat = np.concatenate(self.values) if self.values else np.zeros(0, '<f4')
        flat.astype('<f4').tofile('%s/%s.expected.bin' % (OUT, self.name))


def write_weights_group(f, rec, layers, weight_name_style='tf2', dtype='f4', sort_groups=True):
    """Keras's save_weights_to_hdf5_group. layers: [(layer_name, [(short_name, shape)])]."""
    save_attributes(f, 'layer_names', [n.encode('utf8') for n, _ in layers])
    order = sorted(layers, key=lambda l: l[0]) if sort_groups else layers
    stored = {}
    for layer_name, specs in order:
        g = f.create_group(layer_name)
        weights = []
        for short, shape in specs:
            if weight_name_style == 'tf2':
                full = '%s/%s:0' % (layer_name, short)
            elif weight_name_style == 'keras1':
                full = '%s_%s_1:0' % (layer_name, {'kernel': 'W', 'bias': 'b'}[short])
            else:
                full = short  # already a full name (nested models)
            weights.append((full, random_weight(shape, short, dtype)))
        save_attributes(g, 'weight_names', [n.encode('utf8') for n, _ in weights])
        for name, value in weights:
            d = g.create_dataset(name, value.shape, dtype=value.dtype)
            if not value.shape:
                d[()] = value
            else:
                d[:] = value
        stored[layer_name] = weights
    for layer_name, _ in layers:
        rec.layer(layer_name, stored[layer_name])
    return stored


def random_weight(shape, short, dtype='f4'):
    """He-scaled kernels and small biases, so activations stay O(1) through a deep stack."""
    fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    std = np.sqrt(2.0 / fan_in) if short == 'kernel' and len(shape) > 1 else 0.1
    return (rng.standard_normal(shape) * std).astype(dtype)


VGG_BLOCKS = [(1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512)]


def vgg16_notop_layers(scale):
    """VGG16's conv base layer list; scale divides the filter counts (1 = the real model)."""
    layers = [('input_1', [])]
    channels = 3
    for block, convs, filters in VGG_BLOCKS:
        filters //= scale
        for i in range(1, convs + 1):
            layers.append(('block%d_conv%d' % (block, i), [('kernel', (3, 3, channels, filters)), ('bias', (filters,))]))
            channels = filters
        layers.append(('block%d_pool' % block, []))
    return layers, channels


# 1. vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5: Keras 1-era names ('block1_conv1_W_1:0'),
#    layer groups written in model order, no backend/keras_version attributes.
rec = Recorder('vgg16_notop')
layers, _ = vgg16_notop_layers(1 if FULL_VGG16 else 8)
with h5py.File('%s/vgg16_notop.h5' % OUT, 'w') as f:
    write_weights_group(f, rec, layers, weight_name_style='keras1', sort_groups=False)
rec.finish()

# 2. tf.keras save_weights of the chapter's MNIST convnet (groups created in sorted order).
mnist = [('conv2d', [('kernel', (3, 3, 1, 32)), ('bias', (32,))]), ('max_pooling2d', []),
         ('conv2d_1', [('kernel', (3, 3, 32, 64)), ('bias', (64,))]), ('max_pooling2d_1', []),
         ('conv2d_2', [('kernel', (3, 3, 64, 64)), ('bias', (64,))]), ('flatten', []),
         ('dense', [('kernel', (576, 64)), ('bias', (64,))]), ('dense_1', [('kernel', (64, 10)), ('bias', (10,))])]
rec = Recorder('mnist_weights')
with h5py.File('%s/mnist_weights.h5' % OUT, 'w') as f:
    write_weights_group(f, rec, mnist)
    f.attrs['backend'] = b'tensorflow'
    f.attrs['keras_version'] = b'2.4.0'
rec.finish()

# 3-5. Full models (the model.save layout: model_config + model_weights), each with a reference
#      output computed by PyTorch (float64) from the same weights on a fixed input, written as
#      NAME.input.bin / NAME.output.bin (float32) and NAME.reference.json (their shapes).
INIT = {'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}},
        'bias_initializer': {'class_name': 'Zeros', 'config': {}}, 'kernel_regularizer': None,
        'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None, 'bias_constraint': None}


def conv(name, filters, act='relu', padding='valid', trainable=True):
    return {'kind': 'conv', 'name': name, 'filters': filters, 'act': act, 'padding': padding, 'trainable': trainable}


def pool(name, trainable=True):
    return {'kind': 'pool', 'name': name, 'trainable': trainable}


def dense(name, units, act):
    return {'kind': 'dense', 'name': name, 'units': units, 'act': act, 'trainable': True}


def layer_config(layer, tf2=True):
    base = {'name': layer['name'], 'trainable': layer['trainable'], 'dtype': 'float32'}
    k = layer['kind']
    if k == 'conv':
        c = dict(base, filters=layer['filters'], kernel_size=[3, 3], strides=[1, 1], padding=layer['padding'],
                 data_format='channels_last', dilation_rate=[1, 1], activation=layer['act'], use_bias=True, **INIT)
        if tf2:
            c['groups'] = 1
        return {'class_name': 'Conv2D', 'config': c}
    if k == 'pool':
        return {'class_name': 'MaxPooling2D', 'config': dict(base, pool_size=[2, 2], padding='valid', strides=[2, 2],
                                                              data_format='channels_last')}
    if k == 'flatten':
        return {'class_name': 'Flatten', 'config': dict(base, data_format='channels_last')}
    if k == 'dropout':
        return {'class_name': 'Dropout', 'config': dict(base, rate=layer['rate'], noise_shape=None, seed=None)}
    if k == 'dense':
        return {'class_name': 'Dense', 'config': dict(base, units=layer['units'], activation=layer['act'],
                                                      use_bias=True, **INIT)}
    if k == 'model':
        return functional_config(layer)
    raise ValueError(k)


def functional_config(model):
    """tf.keras's get_config of a linear functional model (as VGG16's conv base is)."""
    inp = model['input_name']
    layers = [{'class_name': 'InputLayer', 'config': {'batch_input_shape': [None] + model['input_shape'],
               'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': inp}, 'name': inp, 'inbound_nodes': []}]
    prev = inp
    for l in model['layers']:
        entry = layer_config(l)
        entry['name'] = l['name']
        entry['inbound_nodes'] = [[[prev, 0, 0, {}]]]
        layers.append(entry)
        prev = l['name']
    return {'class_name': 'Functional', 'config': {'name': model['name'], 'layers': layers,
            'input_layers': [[inp, 0, 0]], 'output_layers': [[prev, 0, 0]]}}


def sequential_config(name, layers, input_shape, style):
    if style == 'keras2.0':  # Keras 2.0.x: a bare list, batch_input_shape on the first layer
        entries = [layer_config(l, tf2=False) for l in layers]
        entries[0]['config']['batch_input_shape'] = [None] + input_shape
        return {'class_name': 'Sequential', 'config': entries}
    entries = [layer_config(l) for l in layers]
    if layers[0]['kind'] != 'model':
        entries[0]['config']['batch_input_shape'] = [None] + input_shape
        entries.insert(0, {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None] + input_shape,
                           'dtype': 'float32', 'sparse': False, 'ragged': False, 'name': layers[0]['name'] + '_input'}})
    return {'class_name': 'Sequential', 'config': {'name': name, 'layers': entries}}


def make_weights(layers, shape):
    """Random weights for each layer given the input shape (h, w, c); returns the output shape."""
    for l in layers:
        k = l['kind']
        if k == 'conv':
            l['weights'] = [('kernel', random_weight((3, 3, shape[-1], l['filters']), 'kernel')),
                            ('bias', random_weight((l['filters'],), 'bias'))]
            shape = (shape[0] - 2, shape[1] - 2, l['filters']) if l['padding'] == 'valid' else shape[:2] + (l['filters'],)
        elif k == 'pool':
            shape = (shape[0] // 2, shape[1] // 2, shape[2])
        elif k == 'flatten':
            shape = (int(np.prod(shape)),)
        elif k == 'dense':
            l['weights'] = [('kernel', random_weight((shape[0], l['units']), 'kernel')),
                            ('bias', random_weight((l['units'],), 'bias'))]
            shape = (l['units'],)
        elif k == 'model':
            shape = make_weights(l['layers'], shape)
    return shape


def stored_weights(layer):
    """(full name, value) pairs as Keras stores a layer: for a nested model, every inner weight,
    trainable ones first (Keras's _legacy_weights: trainable_weights + non_trainable_weights)."""
    if layer['kind'] != 'model':
        return [('%s/%s:0' % (layer['name'], short), v) for short, v in layer.get('weights', [])]
    inner = [(l['trainable'], stored_weights(l)) for l in layer['layers']]
    return [w for t, ws in inner if t for w in ws] + [w for t, ws in inner if not t for w in ws]


def write_model_file(name, model_name, layers, input_shape, style='tf2', keras_version='2.4.0', config_override=None,
                     drop_layer=None):
    make_weights(layers, tuple(input_shape))
    config = config_override or sequential_config(model_name, layers, input_shape, style)
    rec = Recorder(name)
    with h5py.File('%s/%s.h5' % (OUT, name), 'w') as f:
        f.attrs['keras_version'] = keras_version.encode('utf8')
        f.attrs['backend'] = b'tensorflow'
        f.attrs['model_config'] = json.dumps(config).encode('utf8')
        f.attrs['training_config'] = json.dumps({'loss': 'binary_crossentropy', 'metrics': ['acc']}).encode('utf8')
        mw = f.create_group('model_weights')
        kept = [l for l in layers if l['name'] != drop_layer]
        save_attributes(mw, 'layer_names', [l['name'].encode('utf8') for l in kept])
        mw.attrs['backend'] = b'tensorflow'
        mw.attrs['keras_version'] = keras_version.encode('utf8')
        for l in sorted(kept, key=lambda l: l['name']):
            g = mw.create_group(l['name'])
            weights = stored_weights(l)
            save_attributes(g, 'weight_names', [n.encode('utf8') for n, _ in weights])
            for n, v in weights:
                g.create_dataset(n, data=v)
        for l in kept:
            rec.layer(l['name'], stored_weights(l))
        opt = f.create_group('optimizer_weights')
        save_attributes(opt, 'weight_names', [b'RMSprop/iter:0'])
        opt.create_dataset('RMSprop/iter:0', data=np.int64(500))
    rec.finish()


def torch_forward(layers, x):
    import torch
    import torch.nn.functional as F
    act = {'relu': torch.relu, 'sigmoid': torch.sigmoid, 'linear': lambda t: t,
           'softmax': lambda t: torch.softmax(t, -1)}

    def run(layers, t):
        for l in layers:
            k = l['kind']
            if k == 'conv':
                w = dict(l['weights'])
                kernel = torch.from_numpy(w['kernel'].astype('f8')).permute(3, 2, 0, 1)
                t = act[l['act']](F.conv2d(t, kernel, torch.from_numpy(w['bias'].astype('f8')),
                                           padding=0 if l['padding'] == 'valid' else 'same'))
            elif k == 'pool':
                t = F.max_pool2d(t, 2)
            elif k == 'flatten':
                t = t.permute(0, 2, 3, 1).reshape(t.shape[0], -1)  # Keras flattens NHWC
            elif k == 'dense':
                w = dict(l['weights'])
                t = act[l['act']](t @ torch.from_numpy(w['kernel'].astype('f8')) + torch.from_numpy(w['bias'].astype('f8')))
            elif k == 'model':
                t = run(l['layers'], t)
        return t

    with torch.no_grad():
        out = run(layers, torch.from_numpy(x.astype('f8')).permute(0, 3, 1, 2))
        return (out.permute(0, 2, 3, 1) if out.dim() == 4 else out).numpy()  # back to Keras's NHWC


def write_reference(name, layers, input_shape, batch=2):
    x = rng.uniform(0, 1, (batch,) + tuple(input_shape)).astype('f4')
    y = torch_forward(layers, x).astype('f4')
    x.tofile('%s/%s.input.bin' % (OUT, name))
    y.tofile('%s/%s.output.bin' % (OUT, name))
    with open('%s/%s.reference.json' % (OUT, name), 'w') as f:
        json.dump({'input': list(x.shape), 'output': list(y.shape)}, f)


def cats_layers(frozen=False):
    return [conv('conv2d_20', 32), pool('max_pooling2d_20'), conv('conv2d_21', 64), pool('max_pooling2d_21'),
            conv('conv2d_22', 128), pool('max_pooling2d_22'), conv('conv2d_23', 128), pool('max_pooling2d_23'),
            {'kind': 'flatten', 'name': 'flatten_5', 'trainable': True},
            {'kind': 'dropout', 'name': 'dropout', 'rate': 0.5, 'trainable': True},
            dense('dense_10', 512, 'relu'), dense('dense_11', 1, 'sigmoid')]


# 3. cats_and_dogs_small_2.h5: tf.keras model.save of the chapter's dropout convnet (3,453,121 params).
cats = cats_layers()
write_model_file('cats_and_dogs_small_2', 'sequential_5', cats, [150, 150, 3])
write_reference('cats_and_dogs_small_2', cats, [150, 150, 3], batch=1)


# 4. A VGG16-style conv base (filters / 16, 64x64 input) nested in a Sequential, fine-tuned: blocks
#    1-4 frozen, so the 'vgg16' group lists block5's (trainable) weights first.
def vgg_base(scale=16, trainable_from='block5_conv1'):
    layers, trainable = [], False
    for block, convs, filters in VGG_BLOCKS:
        for i in range(1, convs + 1):
            name = 'block%d_conv%d' % (block, i)
            trainable = trainable or name == trainable_from
            layers.append(conv(name, filters // scale, padding='same', trainable=trainable))
        layers.append(pool('block%d_pool' % block, trainable=trainable))
    return {'kind': 'model', 'name': 'vgg16', 'input_name': 'input_1', 'input_shape': [64, 64, 3],
            'layers': layers, 'trainable': True}


nested = [vgg_base(), {'kind': 'flatten', 'name': 'flatten', 'trainable': True},
          dense('dense', 64, 'relu'), dense('dense_1', 1, 'sigmoid')]
write_model_file('nested_vgg16', 'sequential', nested, [64, 64, 3])
write_reference('nested_vgg16', nested, [64, 64, 3])

# 5. Keras 2.0.x (the book's era): the Sequential config is a bare list of layers.
old = [conv('conv2d_1', 8), pool('max_pooling2d_1'), {'kind': 'flatten', 'name': 'flatten_1', 'trainable': True},
       dense('dense_1', 4, 'softmax')]
write_model_file('keras20_model', None, old, [12, 12, 1], style='keras2.0', keras_version='2.0.8')
write_reference('keras20_model', old, [12, 12, 1])

# 5b. A functional model at the top (VGG16(include_top=False).save('x.h5')): model.layers, and so
#     layer_names, include the InputLayer, whose group has no weights.
fbase = vgg_base(trainable_from='block1_conv1')
functional = [{'kind': 'input', 'name': 'input_1', 'trainable': True}] + fbase['layers']
write_model_file('functional_vgg16', None, functional, [64, 64, 3], config_override=functional_config(fbase))
write_reference('functional_vgg16', functional, [64, 64, 3])

# Broken model files: a layer missing from model_weights, and a kernel of the wrong shape.
small = [conv('conv2d', 4), pool('max_pooling2d'), {'kind': 'flatten', 'name': 'flatten', 'trainable': True},
         dense('dense', 3, 'softmax')]
write_model_file('missing_dense', 'sequential', small, [10, 10, 3], drop_layer='dense')
wrong = [conv('conv2d', 4), pool('max_pooling2d'), {'kind': 'flatten', 'name': 'flatten', 'trainable': True},
         dense('dense', 3, 'softmax')]
wrong_config = sequential_config('sequential', wrong, [10, 10, 3], 'tf2')
wrong_config['config']['layers'][1]['config']['filters'] = 5  # the config says 5 filters, the weights have 4
write_model_file('wrong_shape', 'sequential', wrong, [10, 10, 3], config_override=wrong_config)

# 6. Edge cases: chunked layer_names (too long for one object header), float64 / float16 /
#    big-endian / scalar datasets, a variable-length str model_config (old Keras wrote str).
many = [(('layer_%04d_' % i) + 'x' * 190, [('bias', (2,))] if i % 50 == 0 else []) for i in range(400)]
rec = Recorder('chunked')
with h5py.File('%s/chunked.h5' % OUT, 'w') as f:
    write_weights_group(f, rec, many)
rec.finish()
assert 'layer_names0' in h5py.File('%s/chunked.h5' % OUT, 'r').attrs, 'expected chunked layer_names'

rec = Recorder('dtypes')
with h5py.File('%s/dtypes.h5' % OUT, 'w') as f:
    f.attrs['model_config'] = json.dumps({'class_name': 'Sequential'})  # a Python str: variable-length UTF-8
    f.attrs['layer_names'] = [b'd64', b'd16', b'be', b'scalar']
    entries = {'d64': np.float64, 'd16': np.float16, 'be': '>f4', 'scalar': np.float32}
    for lname, dt in entries.items():
        g = f.create_group(lname)
        shape = () if lname == 'scalar' else (3, 5)
        value = (rng.standard_normal(shape) * 100).astype(dt)
        g.attrs['weight_names'] = [('%s/w:0' % lname).encode()]
        g.create_dataset('%s/w:0' % lname, data=value)
        rec.layer(lname, [('%s/w:0' % lname, value)])
rec.finish()

# 7. An HDF5 file that is not a Keras file.
with h5py.File('%s/not_keras.h5' % OUT, 'w') as f:
    f.attrs['title'] = b'some data'
    f.create_dataset('images', data=np.zeros((2, 2), 'f4'))

# 8. A Keras file whose layer_names lists a layer that has no group, and one missing a dataset.
with h5py.File('%s/missing_layer.h5' % OUT, 'w') as f:
    f.attrs['layer_names'] = [b'conv2d', b'dense']
    g = f.create_group('conv2d')
    g.attrs['weight_names'] = []
with h5py.File('%s/missing_weight.h5' % OUT, 'w') as f:
    f.attrs['layer_names'] = [b'dense']
    g = f.create_group('dense')
    g.attrs['weight_names'] = [b'dense/kernel:0', b'dense/bias:0']
    g.create_dataset('dense/kernel:0', data=np.ones((2, 2), 'f4'))
print('ok')
