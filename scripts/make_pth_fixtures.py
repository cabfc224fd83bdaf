"""Writes training/testdata/*.pth, small state dicts saved by PyTorch
itself (Debian's python3-torch 1.13.1) for the import-pth tests:
  tv_part.pth   torchvision-style MobileNetV2 names (no prefix): the first
                conv and BatchNorm with values 0.001·i, and one tensor no
                detector has
  head20.pth    a DataParallel-style ("module.") head made for 20 classes
usage: /usr/bin/python3 scripts/make_pth_fixtures.py"""
import collections
import torch


def ramp(*shape):
    n = 1
    for s in shape:
        n *= s
    return (torch.arange(n, dtype=torch.float32) * 0.001).reshape(shape)


tv = collections.OrderedDict()
tv["features.0.0.weight"] = ramp(32, 3, 3, 3)
tv["features.0.1.weight"] = ramp(32) + 1
tv["features.0.1.bias"] = ramp(32)
tv["features.0.1.running_mean"] = ramp(32)
tv["features.0.1.running_var"] = ramp(32) + 1
tv["features.0.1.num_batches_tracked"] = torch.tensor(7)
tv["extra.weight"] = ramp(2)
torch.save(tv, "training/testdata/tv_part.pth")

head = collections.OrderedDict()
head["module.yolo_head3.1.weight"] = ramp(75, 256, 1, 1)
head["module.yolo_head3.1.bias"] = ramp(75)
torch.save(head, "training/testdata/head20.pth")
