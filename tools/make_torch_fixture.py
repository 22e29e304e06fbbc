#!/usr/bin/python3
"""Writes the PyTorch reference fixture of tests/unit/test_torch_fixture.cpp: a small
network with convolution (padding 1), BatchNorm, stReLU, average pooling, flatten and dense
layers, trained for a few steps so its weights and BatchNorm statistics are not the
initial ones, then in eval mode: its weights (`<out-dir>/torch_small.safetensors`) and five
inputs with PyTorch's logits (`<out-dir>/torch_small_io.safetensors`).

    python3 tools/make_torch_fixture.py --out-dir tests/fixtures
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from dualspike_torch import StReLU, save_state_dict, write_safetensors  # noqa: E402


def small_net():
    """dualspike: Sequential<Input<Shape<2, 8, 8>>, Conv2d<4, 3, 1, 1>, BatchNorm, StReLU<>,
    AvgPool2d<2>, Flatten, Dense<8>, StReLU<>, Dense<3>>."""
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), StReLU(), nn.AvgPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 8), StReLU(), nn.Linear(8, 3))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    # The data come from NumPy's generator, the same on every machine (the fixture made on
    # an AVX-512 machine with torch.randn did not regenerate on an AVX2 one: torch's CPU
    # kernels may pick other code paths per CPU), and a moderate learning rate keeps the 20
    # Adam steps from amplifying rounding differences of the convolution kernels.
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = small_net()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    x_train = torch.from_numpy((rng.standard_normal((64, 2, 8, 8)) * 1.5 + 0.3).astype(np.float32))
    y_train = torch.from_numpy(rng.integers(0, 3, 64))
    model.train()
    for _ in range(20):
        loss = nn.functional.cross_entropy(model(x_train), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    x = torch.from_numpy(rng.standard_normal((5, 2, 8, 8)).astype(np.float32))
    with torch.no_grad():
        logits = model(x)
    save_state_dict(model, os.path.join(a.out_dir, "torch_small.safetensors"))
    write_safetensors({"inputs": x.numpy(), "logits": logits.numpy()}, os.path.join(a.out_dir, "torch_small_io.safetensors"),
                      metadata={"torch": torch.__version__, "network": small_net.__doc__.split("\n")[0]})
    print(f"fixture written to {a.out_dir} (torch {torch.__version__}); logits:\n{logits.numpy()}")


if __name__ == "__main__":
    main()
