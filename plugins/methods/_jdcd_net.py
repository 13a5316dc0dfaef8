"""The GroupNorm CNN of joint deep cross-domain learning (paper 000, section 4) and its losses.

Network (paper: "four convolutional layers with 64, 128, 256 and 512 3×3
filters and stride 1 ... activated using leaky rectified linear units before
being normalized by Group Normalization ... four fully-connected layers with
hidden units of dimensionality 512, 128, 32 and 6 ... LReLU after each fully-
connected layer"; "Group Normalization and Dropout (0.5) ... in all
convolutional layers"):

    block_k = Dropout(0.5) ∘ MaxPool(2×2) ∘ GroupNorm ∘ LeakyReLU ∘ Conv3×3/1(pad 1)
    f(x)    = LReLU(FC32(LReLU(FC128(LReLU(FC512(flatten(block_4 ∘ … ∘ block_1(x))))))))
    logits  = head(f(x)),   head: 32 → C (linear)

Choices the paper leaves open, made here:

* **pooling**: 2×2 max pooling after every block (VGG style; the paper calls
  its network "VGG-16" but lists no pooling).  Without any pooling the flatten
  of a 64×64×512 map into FC512 would hold 1.07e9 weights; with it the map is
  4×4×512 = 8192 and FC512 holds 4.2e6.
* **GroupNorm groups**: 32 (Wu & He's default) but at least 4 channels per
  group: G = min(32, channels / 4) (16, 32, 32, 32 at width 1.0; 4, 8, 16, 32
  at width 0.25), so that narrow layers are not normalised over 1-2 channels.
* padding 1 (spatial size kept by the convolution); LeakyReLU slope 0.01.
* no LeakyReLU on the classifier's output (logits go to the softmax);
  f(x), the 32-d output of the last hidden FC layer, is the feature the
  contrastive loss of eq. 2 compares (DeepID2's verification signal sits on
  the same layer); eq. 2 has no parameters of its own, so θ_match is empty.
* weights: He (Kaiming) normal initialisation for the convolutions ("variance
  scaling"), PyTorch defaults for the FC layers.
* ``width`` multiplies every convolution's channel count (1.0 = the paper).
"""

from __future__ import annotations

import math

import torch
from torch import nn

CONV_CHANNELS = (64, 128, 256, 512)
FC_WIDTHS = (512, 128, 32)
#: trainable groups of layers a chain stage may name
LAYER_GROUPS = {
    "all": ("conv", "fc", "head"),
    "conv": ("conv",),
    "fc": ("fc", "head"),
    "head": ("head",),
}


def groups_for(channels: int, preferred: int = 32, min_per_group: int = 4) -> int:
    """min(32, channels / 4), rounded to a divisor of ``channels``."""
    return math.gcd(max(1, min(preferred, channels // min_per_group)), channels)


class JDCDNet(nn.Module):
    """Conv feature extractor θ_e (``conv`` + ``fc``) and one or more classifier heads."""

    def __init__(self, n_classes: int, in_channels: int = 3, size: int = 64, width: float = 1.0,
                 dropout: float = 0.5, slope: float = 0.01):
        super().__init__()
        channels = [max(1, int(round(c * width))) for c in CONV_CHANNELS]
        layers: list[nn.Module] = []
        n_in, side = in_channels, size
        for c in channels:
            conv = nn.Conv2d(n_in, c, kernel_size=3, stride=1, padding=1)
            nn.init.kaiming_normal_(conv.weight, a=slope, nonlinearity="leaky_relu")
            nn.init.zeros_(conv.bias)
            layers += [conv, nn.LeakyReLU(slope), nn.GroupNorm(groups_for(c), c)]
            if side >= 2:
                layers.append(nn.MaxPool2d(2))
                side //= 2
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            n_in = c
        self.conv = nn.Sequential(*layers)
        fc: list[nn.Module] = [nn.Flatten()]
        n_in = channels[-1] * side * side
        for w in FC_WIDTHS:
            fc += [nn.Linear(n_in, w), nn.LeakyReLU(slope)]
            n_in = w
        self.fc = nn.Sequential(*fc)
        self.head = nn.Linear(n_in, n_classes)
        #: the joint stage's second classifier (None outside it)
        self.head2: nn.Linear | None = None
        self.channels = tuple(channels)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """f = Conv(x, θ_e): (B, 32) from (B, 3, H, W)."""
        return self.fc(self.conv(x))

    def forward(self, x: torch.Tensor, head: int = 1) -> torch.Tensor:
        f = self.features(x)
        return self.head(f) if head == 1 else self.head2(f)

    def add_second_head(self) -> None:
        """θ_class2, initialised as a copy of the transferred classifier θ_class."""
        self.head2 = nn.Linear(self.head.in_features, self.head.out_features)
        self.head2.load_state_dict(self.head.state_dict())

    def group_parameters(self, group: str) -> list[nn.Parameter]:
        names = LAYER_GROUPS[group]
        params = []
        for name in names:
            params += list(getattr(self, name).parameters())
            if name == "head" and self.head2 is not None:
                params += list(self.head2.parameters())
        return params


def contrastive_pairs(f_i: torch.Tensor, y_i: torch.Tensor, f_j: torch.Tensor, y_j: torch.Tensor,
                      margin: float) -> torch.Tensor:
    """Eq. 2 averaged over all K_i × K_j cross-corpus pairs of two mini-batches.

    ``y_ij = 1`` (same emotion): ½‖f_i − f_j‖²;  ``y_ij = 0``: ½·max(0, m − ‖f_i − f_j‖)².
    """
    diff = f_i[:, None, :] - f_j[None, :, :]
    sq = (diff * diff).sum(dim=2)
    # the gradient of the norm at 0 is undefined; clamp keeps it finite for identical features
    dist = torch.sqrt(sq.clamp_min(1e-12))
    same = (y_i[:, None] == y_j[None, :]).to(f_i.dtype)
    per_pair = 0.5 * same * sq + 0.5 * (1 - same) * torch.clamp(margin - dist, min=0) ** 2
    return per_pair.mean()
