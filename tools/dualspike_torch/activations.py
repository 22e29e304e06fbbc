"""The paper's threshold activations (eqs. 7, 21, 22) as torch modules. Each has no
parameters, so it takes a state_dict index without a tensor, as in dualspike."""
import torch
from torch import nn


class _Clip(nn.Module):
    """Base of the clipping activations: a threshold Vth > 0, no parameters."""

    def __init__(self, v_threshold: float = 1.0):
        super().__init__()
        if not v_threshold > 0:
            raise ValueError(f"{type(self).__name__}.v_threshold = {v_threshold}, expected a finite value > 0")
        self.v_threshold = float(v_threshold)


class StReLU(_Clip):
    """Symmetric-threshold ReLU (eq. 7): clip(x, -Vth, Vth); gradient 1 inside, 0 outside."""

    def forward(self, x):
        return torch.clamp(x, -self.v_threshold, self.v_threshold)


class TReLU(_Clip):
    """Threshold ReLU (eq. 22): clip(x, 0, Vth)."""

    def forward(self, x):
        return torch.clamp(x, 0.0, self.v_threshold)


class AtLeakyReLU(nn.Module):
    """Asymmetric-threshold LeakyReLU (eq. 21): Vth above Vth, x on [0, Vth), alpha x on
    (-Vth/alpha^2, 0), -Vth/alpha below (dualspike's AtLeakyReLU, default alpha 0.1)."""

    def __init__(self, alpha: float = 0.1, v_threshold: float = 1.0):
        super().__init__()
        if not alpha > 0 or not v_threshold > 0:
            raise ValueError(f"AtLeakyReLU: alpha = {alpha}, v_threshold = {v_threshold}, expected finite values > 0")
        self.alpha = float(alpha)
        self.v_threshold = float(v_threshold)

    def forward(self, x):
        leaky = torch.where(x >= 0, x, self.alpha * x)
        return torch.clamp(leaky, -self.v_threshold / self.alpha, self.v_threshold)


ACTIVATIONS = {"strelu": StReLU, "trelu": TReLU, "atleakyrelu": AtLeakyReLU, "relu": nn.ReLU}
