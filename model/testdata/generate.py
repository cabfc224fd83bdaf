"""Regenerates model/testdata: the reference fixture (fixture/) and the
state-dict key lists (keys_*.tsv), from the formulas of the reference README
(/work/shared/reference/README.md, "The fixture's weights are defined by a
formula") run through scripts/torch_yolo.py, the same network in PyTorch.

    /usr/bin/python3 model/testdata/generate.py OUT_DIR     (Debian's python3-torch, make bench-deps)

The committed files are the reference's own; see README.md beside this
script for how close a regeneration comes to them.
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "scripts"))
from torch_yolo import YoloBody, fixture_weights  # noqa: E402

BACKBONES = ["mobilenetv1", "mobilenetv2", "mobilenetv3"]
SIZE, CLASSES = 416, 20


def fixture_input(size):
    """x[0,c,h,w] = 0.5 + 0.5*sin(0.01*(h*size + w) + c), float64 then float32
    (torch's sin: numpy's differs in the last bit of 18 of the 519,168 values)."""
    h = torch.arange(size, dtype=torch.float64).view(size, 1)
    w = torch.arange(size, dtype=torch.float64).view(1, size)
    x = torch.stack([0.5 + 0.5 * torch.sin(0.01 * (h * size + w) + c) for c in range(3)])
    return x[None].float().numpy().astype("<f4")


def key_line(name, t):
    shape = "x".join(str(d) for d in t.shape)
    return f"{name}\t{shape}\t{t.dtype}\n"


def main(out):
    fix = os.path.join(out, "fixture")
    os.makedirs(fix, exist_ok=True)
    x = fixture_input(SIZE)
    x.tofile(os.path.join(fix, f"input_1x3x{SIZE}x{SIZE}.f32"))
    expected = {}
    for bb in BACKBONES:
        net = fixture_weights(YoloBody(bb, CLASSES)).eval()
        with open(os.path.join(out, f"keys_{bb}.tsv"), "w") as f:
            for name, t in net.state_dict().items():
                f.write(key_line(name, t))
        with torch.no_grad():
            outs = net(torch.from_numpy(x))
        expected[bb] = []
        for k, o in enumerate(outs):
            a = o.numpy().astype("<f4")
            name = f"{bb}_out{k}_" + "x".join(str(d) for d in a.shape) + ".f32"
            a.tofile(os.path.join(fix, name))
            expected[bb].append({"file": name, "shape": list(a.shape), "mean": float(a.mean()), "std": float(a.std()),
                                 "min": float(a.min()), "max": float(a.max()),
                                 "sha256": hashlib.sha256(a.tobytes()).hexdigest()})
    with open(os.path.join(fix, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
