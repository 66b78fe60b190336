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
            value = rng.standard_normal(shape).astype(dtype)
            weights.append((full, value))
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


def conv_config(name, filters, input_shape=None):
    c = {'name': name, 'trainable': True, 'dtype': 'float32', 'filters': filters, 'kernel_size': [3, 3],
         'strides': [1, 1], 'padding': 'valid', 'data_format': 'channels_last', 'dilation_rate': [1, 1],
         'groups': 1, 'activation': 'relu', 'use_bias': True,
         'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}},
         'bias_initializer': {'class_name': 'Zeros', 'config': {}},
         'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
         'kernel_constraint': None, 'bias_constraint': None}
    if input_shape:
        c['batch_input_shape'] = [None] + input_shape
    return {'class_name': 'Conv2D', 'config': c}


def pool_config(name):
    return {'class_name': 'MaxPooling2D', 'config': {'name': name, 'trainable': True, 'dtype': 'float32',
            'pool_size': [2, 2], 'padding': 'valid', 'strides': [2, 2], 'data_format': 'channels_last'}}


def dense_config(name, units, activation):
    return {'class_name': 'Dense', 'config': {'name': name, 'trainable': True, 'dtype': 'float32', 'units': units,
            'activation': activation, 'use_bias': True,
            'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}},
            'bias_initializer': {'class_name': 'Zeros', 'config': {}}, 'kernel_regularizer': None,
            'bias_regularizer': None, 'activity_regularizer': None, 'kernel_constraint': None,
            'bias_constraint': None}}


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

# 3. cats_and_dogs_small_2.h5: tf.keras model.save of the chapter's dropout convnet.
cats = [('conv2d_20', [('kernel', (3, 3, 3, 32)), ('bias', (32,))]), ('max_pooling2d_20', []),
        ('conv2d_21', [('kernel', (3, 3, 32, 64)), ('bias', (64,))]), ('max_pooling2d_21', []),
        ('conv2d_22', [('kernel', (3, 3, 64, 128)), ('bias', (128,))]), ('max_pooling2d_22', []),
        ('conv2d_23', [('kernel', (3, 3, 128, 128)), ('bias', (128,))]), ('max_pooling2d_23', []),
        ('flatten_5', []), ('dropout', []),
        ('dense_10', [('kernel', (6272, 512)), ('bias', (512,))]), ('dense_11', [('kernel', (512, 1)), ('bias', (1,))])]
cats_config = {'class_name': 'Sequential', 'config': {'name': 'sequential_5', 'layers': [
    {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 150, 150, 3], 'dtype': 'float32',
                                            'sparse': False, 'ragged': False, 'name': 'conv2d_20_input'}},
    conv_config('conv2d_20', 32, [150, 150, 3]), pool_config('max_pooling2d_20'),
    conv_config('conv2d_21', 64), pool_config('max_pooling2d_21'),
    conv_config('conv2d_22', 128), pool_config('max_pooling2d_22'),
    conv_config('conv2d_23', 128), pool_config('max_pooling2d_23'),
    {'class_name': 'Flatten', 'config': {'name': 'flatten_5', 'trainable': True, 'dtype': 'float32',
                                         'data_format': 'channels_last'}},
    {'class_name': 'Dropout', 'config': {'name': 'dropout', 'trainable': True, 'dtype': 'float32', 'rate': 0.5,
                                         'noise_shape': None, 'seed': None}},
    dense_config('dense_10', 512, 'relu'), dense_config('dense_11', 1, 'sigmoid')]}}
rec = Recorder('cats_and_dogs_small_2')
with h5py.File('%s/cats_and_dogs_small_2.h5' % OUT, 'w') as f:
    f.attrs['keras_version'] = b'2.4.0'
    f.attrs['backend'] = b'tensorflow'
    f.attrs['model_config'] = json.dumps(cats_config).encode('utf8')
    f.attrs['training_config'] = json.dumps({'loss': 'binary_crossentropy', 'metrics': ['acc']}).encode('utf8')
    mw = f.create_group('model_weights')
    write_weights_group(mw, rec, cats)
    mw.attrs['backend'] = b'tensorflow'
    mw.attrs['keras_version'] = b'2.4.0'
    opt = f.create_group('optimizer_weights')
    save_attributes(opt, 'weight_names', [b'RMSprop/iter:0'])
    opt.create_dataset('RMSprop/iter:0', data=np.int64(500))
rec.finish()

# 4. A conv base nested in a Sequential (model.save after Sequential([conv_base, Flatten, Dense, Dense])):
#    one 'vgg16' entry whose weight_names list every conv layer's weights, stored under
#    model_weights/vgg16/<conv layer>/<kernel|bias>:0.
base_layers, base_channels = vgg16_notop_layers(16)
nested_names = []
for lname, specs in base_layers:
    for short, shape in specs:
        nested_names.append(('%s/%s:0' % (lname, short), shape))
nested = [('vgg16', nested_names), ('flatten', []),
          ('dense', [('kernel', (4 * 4 * base_channels, 256)), ('bias', (256,))]),
          ('dense_1', [('kernel', (256, 1)), ('bias', (1,))])]
rec = Recorder('nested_vgg16')
with h5py.File('%s/nested_vgg16.h5' % OUT, 'w') as f:
    f.attrs['keras_version'] = b'2.4.0'
    f.attrs['backend'] = b'tensorflow'
    f.attrs['model_config'] = json.dumps({'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': []}})
    mw = f.create_group('model_weights')
    write_weights_group(mw, rec, nested, weight_name_style='full')
rec.finish()

# 5. Edge cases: chunked layer_names (too long for one object header), float64 / float16 /
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

# 6. An HDF5 file that is not a Keras file.
with h5py.File('%s/not_keras.h5' % OUT, 'w') as f:
    f.attrs['title'] = b'some data'
    f.create_dataset('images', data=np.zeros((2, 2), 'f4'))

# 7. A Keras file whose layer_names lists a layer that has no group, and one missing a dataset.
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
