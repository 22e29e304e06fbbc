"""Train one of the paper's networks in PyTorch and export it for dualspike.

    python3 -m dualspike_torch.train --net net5narrow --data-dir data/cifar10 --epochs 30 \\
        --out out/net5narrow_torch.safetensors [--device cuda]

(run from tools/, or with PYTHONPATH=tools). Adam with a cosine schedule to 0, batch 128,
pixels as scripts/setup.sh installs them; CIFAR-10 adds the paper's augmentation (4-pixel
zero padding + random crop, horizontal flip, cutout 16 by default, --cutout). The output is a safetensors file
with dualspike's state_dict names: `ds::load_safetensors(net, path)`, or the examples'
`--weights-in`.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

from .data import CIFAR10_MEAN, CIFAR10_STD, load
from .networks import NETWORKS, build
from .activations import ACTIVATIONS
from .safetensors_io import save_state_dict


def augment_cifar(x, gen, cutout=16):
    """Pad 4 + random 32x32 crop, flip with p = 0.5, cutout (a cutout x cutout square
    centred at a random pixel, clipped at the border, set to 0 = the normalized mean;
    0 = none), per image, on a [B, 3, 32, 32] tensor."""
    b = x.shape[0]
    # Padding takes the normalized value of a black pixel, as dualspike's
    # AugmentOptions::cifar10() does (= padding before normalizing).
    fill = torch.from_numpy(-CIFAR10_MEAN / CIFAR10_STD)
    padded = fill[None, :, None, None].expand(b, 3, 40, 40).clone()
    padded[:, :, 4:36, 4:36] = x
    out = torch.empty_like(x)
    dy = torch.randint(0, 9, (b,), generator=gen)
    dx = torch.randint(0, 9, (b,), generator=gen)
    flip = torch.rand(b, generator=gen) < 0.5
    cy = torch.randint(0, 32, (b,), generator=gen)
    cx = torch.randint(0, 32, (b,), generator=gen)
    for i in range(b):
        img = padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32]
        if flip[i]:
            img = img.flip(-1)
        img = img.clone()
        if cutout > 0:
            h = cutout // 2
            y0, x0 = max(0, int(cy[i]) - h), max(0, int(cx[i]) - h)
            img[:, y0:int(cy[i]) + cutout - h, x0:int(cx[i]) + cutout - h] = 0.0
        out[i] = img
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--net", required=True, choices=sorted(NETWORKS))
    ap.add_argument("--activation", default="strelu", choices=sorted(ACTIVATIONS))
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--train-limit", type=int, default=0, help="use only the first N training images (0 = all)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--no-augment", action="store_true", help="CIFAR-10: train without augmentation")
    ap.add_argument("--cutout", type=int, default=16, help="CIFAR-10: cutout square side in pixels (0 = none)")
    ap.add_argument("--out", required=True, help="safetensors file to write (dualspike state_dict names)")
    a = ap.parse_args(argv)
    for name, v, lo in (("--epochs", a.epochs, 1), ("--batch-size", a.batch_size, 1), ("--train-limit", a.train_limit, 0),
                         ("--cutout", a.cutout, 0)):
        if v < lo:
            ap.error(f"{name} = {v}, expected >= {lo}")
    if not (a.lr > 0 and math.isfinite(a.lr)):
        ap.error(f"--lr = {a.lr}, expected a finite value > 0")
    open(a.out + ".tmp", "wb").close()  # fail now, not after training, if --out cannot be written
    os.remove(a.out + ".tmp")

    torch.manual_seed(a.seed)
    kind = NETWORKS[a.net][1]
    x_train, y_train = load(kind, a.data_dir, "train")
    x_test, y_test = load(kind, a.data_dir, "test")
    if a.train_limit > 0:
        x_train, y_train = x_train[:a.train_limit], y_train[:a.train_limit]
    flat = a.net in ("net1", "net3")
    if flat:
        x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    dev = torch.device(a.device)
    model = build(a.net, a.activation).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    steps_per_epoch = math.ceil(len(x_train) / a.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=a.epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(a.seed)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    for epoch in range(1, a.epochs + 1):
        model.train()
        t0, total, correct, loss_sum = time.time(), 0, 0, 0.0
        perm = torch.randperm(len(xt), generator=gen)
        for s in range(steps_per_epoch):
            idx = perm[s * a.batch_size:(s + 1) * a.batch_size]
            xb = xt[idx]
            if kind == "cifar10" and not a.no_augment:
                xb = augment_cifar(xb, gen, a.cutout)
            xb, yb = xb.to(dev), yt[idx].to(dev)
            out = model(xb)
            loss = nn.functional.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
            total += len(idx)
        print(f"epoch {epoch}/{a.epochs}: loss {loss_sum / total:.4f}, train accuracy {100 * correct / total:.2f}%, "
              f"{time.time() - t0:.0f} s", flush=True)
    model.eval()
    with torch.no_grad():
        correct = 0
        for s in range(0, len(x_test), 1000):
            xb = torch.from_numpy(x_test[s:s + 1000]).to(dev)
            correct += (model(xb).argmax(1).cpu().numpy() == y_test[s:s + 1000]).sum()
    print(f"ANN test accuracy: {100 * correct / len(x_test):.2f}%")
    save_state_dict(model.cpu(), a.out)
    print(f"weights written to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
