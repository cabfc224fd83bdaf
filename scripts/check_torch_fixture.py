"""Checks scripts/torch_yolo.py against the reference fixture."""
import sys
import numpy as np
import torch
sys.path.insert(0, "scripts")
from torch_yolo import YoloBody, fixture_weights

fix = "model/testdata/fixture/"
x = torch.from_numpy(np.fromfile(fix + "input_1x3x416x416.f32", dtype="<f4").reshape(1, 3, 416, 416))
for bb in ["mobilenetv1", "mobilenetv2", "mobilenetv3"]:
    net = fixture_weights(YoloBody(bb, 20)).eval()
    with torch.no_grad():
        outs = net(x)
    errs = []
    for k, (o, s) in enumerate(zip(outs, (13, 26, 52))):
        ref = np.fromfile(fix + f"{bb}_out{k}_1x75x{s}x{s}.f32", dtype="<f4").reshape(1, 75, s, s)
        errs.append(float(np.abs(o.numpy() - ref).max()))
    print(bb, "max abs error", max(errs))
    assert max(errs) < 1e-4
