"""PyTorch side of dualspike: the paper's activations and networks with dualspike's layer
order and state_dict names, training, and safetensors export/import written from the spec.

Train here (a GPU helps for the CIFAR-10 networks), export, then convert and run the SNN in
C++ (`ds::load_safetensors(net, path)`, `ds::to_snn(net)`). See tools/README.md.
"""
from .activations import StReLU, TReLU, AtLeakyReLU
from .networks import NETWORKS, build
from .safetensors_io import save_state_dict, load_state_dict_file, read_safetensors, write_safetensors

__all__ = ["StReLU", "TReLU", "AtLeakyReLU", "NETWORKS", "build", "save_state_dict", "load_state_dict_file",
           "read_safetensors", "write_safetensors"]
