"""The paper's networks (Table 1) with dualspike's layer order (include/dualspike/networks.hpp),
so `model.state_dict()` names ("0.weight", "1.running_mean", ...) are the ones
`ds::load_safetensors` expects. Pooling is average pooling; every VGG convolution is 3x3 with
padding 1, followed by BatchNorm2d and the activation."""
from torch import nn

from .activations import ACTIVATIONS


def _act(name):
    return ACTIVATIONS[name]()


def net1(act="strelu"):
    """784-1200-1200-10 (dualspike::nets::Net1Of)."""
    return nn.Sequential(nn.Linear(784, 1200), _act(act), nn.Linear(1200, 1200), _act(act), nn.Linear(1200, 10))


def net2(act="strelu"):
    """12c5-p2-64c5-p2-10 on 1x28x28 (Net2Of)."""
    return nn.Sequential(nn.Conv2d(1, 12, 5), _act(act), nn.AvgPool2d(2), nn.Conv2d(12, 64, 5), _act(act),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(64 * 4 * 4, 10))


def net3(act="strelu"):
    """6400-10 (Net3Of)."""
    return nn.Sequential(nn.Linear(784, 6400), _act(act), nn.Linear(6400, 10))


def net4(act="strelu"):
    """32c5-p2-64c5-p2-1024-10 on 1x28x28 (Net4Of)."""
    return nn.Sequential(nn.Conv2d(1, 32, 5), _act(act), nn.AvgPool2d(2), nn.Conv2d(32, 64, 5), _act(act),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(64 * 4 * 4, 1024), _act(act), nn.Linear(1024, 10))


def _vgg_block(cin, cout, act):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), _act(act)]


def net5_width(w, act="strelu"):
    """Wc3-Wc3-p2-2Wc3-2Wc3-p2-4Wc3-4Wc3-p2-8W-10 on 3x32x32 (Net5Width<W>)."""
    layers, cin = [], 3
    for cout in (w, w, None, 2 * w, 2 * w, None, 4 * w, 4 * w, None):
        if cout is None:
            layers.append(nn.AvgPool2d(2))
        else:
            layers += _vgg_block(cin, cout, act)
            cin = cout
    layers += [nn.Flatten(), nn.Linear(4 * w * 4 * 4, 8 * w), _act(act), nn.Linear(8 * w, 10)]
    return nn.Sequential(*layers)


def vgg16(act="strelu"):
    """VGG16 / Net6: 13 conv blocks (64-64-p-128-128-p-256x3-p-512x3-p-512x3-p), 512-512-10."""
    layers, cin = [], 3
    for cout in (64, 64, None, 128, 128, None, 256, 256, 256, None, 512, 512, 512, None, 512, 512, 512, None):
        if cout is None:
            layers.append(nn.AvgPool2d(2))
        else:
            layers += _vgg_block(cin, cout, act)
            cin = cout
    layers += [nn.Flatten(), nn.Linear(512, 512), _act(act), nn.Linear(512, 10)]
    return nn.Sequential(*layers)


NETWORKS = {
    "net1": (net1, "mnist"),
    "net2": (net2, "mnist"),
    "net3": (net3, "fashion-mnist"),
    "net4": (net4, "fashion-mnist"),
    "net5": (lambda act="strelu": net5_width(128, act), "cifar10"),
    "net5narrow": (lambda act="strelu": net5_width(32, act), "cifar10"),
    "vgg16": (vgg16, "cifar10"),
}


def build(name, act="strelu"):
    """The network `name` (a key of NETWORKS) with hidden activation `act`."""
    if name not in NETWORKS:
        raise ValueError(f"network '{name}', expected one of {sorted(NETWORKS)}")
    if act not in ACTIVATIONS:
        raise ValueError(f"activation '{act}', expected one of {sorted(ACTIVATIONS)}")
    return NETWORKS[name][0](act)
