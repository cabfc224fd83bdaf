"""YOLOv4 with MobileNet V1/V2/V3 in PyTorch, written for LabelLoop's
benchmarks from the reference README's description (not copied from the
reference code). Module names give the reference's state-dict keys, so the
fixture's formula weights load by name and the network can be checked
against the fixture outputs before anything is timed."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn_act(inp, out, k, stride, groups=1, act=nn.ReLU6):
    return nn.Sequential(nn.Conv2d(inp, out, k, stride, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(out), act(inplace=True))


def conv_dw(inp, out, stride=1):
    return nn.Sequential(
        nn.Conv2d(inp, inp, 3, stride, 1, groups=inp, bias=False), nn.BatchNorm2d(inp), nn.ReLU6(inplace=True),
        nn.Conv2d(inp, out, 1, 1, 0, bias=False), nn.BatchNorm2d(out), nn.ReLU6(inplace=True))


class V1(nn.Module):
    def __init__(self):
        super().__init__()
        self.stage1 = nn.Sequential(conv_bn_act(3, 32, 3, 2), conv_dw(32, 64), conv_dw(64, 128, 2), conv_dw(128, 128),
                                    conv_dw(128, 256, 2), conv_dw(256, 256))
        self.stage2 = nn.Sequential(conv_dw(256, 512, 2), *[conv_dw(512, 512) for _ in range(5)])
        self.stage3 = nn.Sequential(conv_dw(512, 1024, 2), conv_dw(1024, 1024))
        self.fc = nn.Linear(1024, 1000)

    def taps(self, x):
        x2 = self.stage1(x)
        x1 = self.stage2(x2)
        return x2, x1, self.stage3(x1)


class IRv2(nn.Module):
    def __init__(self, inp, out, stride, t):
        super().__init__()
        hid = inp * t
        layers = [] if t == 1 else [conv_bn_act(inp, hid, 1, 1)]
        layers += [conv_bn_act(hid, hid, 3, stride, hid), nn.Conv2d(hid, out, 1, 1, 0, bias=False), nn.BatchNorm2d(out)]
        self.conv = nn.Sequential(*layers)
        self.res = stride == 1 and inp == out

    def forward(self, x):
        return x + self.conv(x) if self.res else self.conv(x)


class V2(nn.Module):
    def __init__(self):
        super().__init__()
        feats, inp = [conv_bn_act(3, 32, 3, 2)], 32
        for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
            for i in range(n):
                feats.append(IRv2(inp, c, s if i == 0 else 1, t))
                inp = c
        feats.append(conv_bn_act(320, 1280, 1, 1))
        self.features = nn.Sequential(*feats)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, 1000))

    def taps(self, x):
        x2 = self.features[:7](x)
        x1 = self.features[7:14](x2)
        return x2, x1, self.features[14:18](x1)


def make_div(v, d=8):
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n


class HSigmoid(nn.Module):
    def __init__(self, inplace=True):
        super().__init__()

    def forward(self, x):
        return F.relu6(x + 3) / 6


class HSwish(nn.Module):
    def __init__(self, inplace=True):
        super().__init__()

    def forward(self, x):
        return x * F.relu6(x + 3) / 6


class SE(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(nn.Linear(c, make_div(c // 4)), nn.ReLU(inplace=True), nn.Linear(make_div(c // 4), c), HSigmoid())

    def forward(self, x):
        b, c, _, _ = x.size()
        return x * self.fc(self.avg_pool(x).view(b, c)).view(b, c, 1, 1)


class IRv3(nn.Module):
    def __init__(self, inp, hid, out, k, s, se, hs):
        super().__init__()
        act = HSwish if hs else nn.ReLU
        self.res = s == 1 and inp == out
        if inp == hid:
            self.conv = nn.Sequential(nn.Conv2d(hid, hid, k, s, (k - 1) // 2, groups=hid, bias=False), nn.BatchNorm2d(hid), act(inplace=True),
                                      SE(hid) if se else nn.Identity(), nn.Conv2d(hid, out, 1, 1, 0, bias=False), nn.BatchNorm2d(out))
        else:
            self.conv = nn.Sequential(nn.Conv2d(inp, hid, 1, 1, 0, bias=False), nn.BatchNorm2d(hid), act(inplace=True),
                                      nn.Conv2d(hid, hid, k, s, (k - 1) // 2, groups=hid, bias=False), nn.BatchNorm2d(hid),
                                      SE(hid) if se else nn.Identity(), act(inplace=True),
                                      nn.Conv2d(hid, out, 1, 1, 0, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        return x + self.conv(x) if self.res else self.conv(x)


class V3(nn.Module):
    cfg = [(3, 1, 16, 0, 0, 1), (3, 4, 24, 0, 0, 2), (3, 3, 24, 0, 0, 1), (5, 3, 40, 1, 0, 2), (5, 3, 40, 1, 0, 1), (5, 3, 40, 1, 0, 1),
           (3, 6, 80, 0, 1, 2), (3, 2.5, 80, 0, 1, 1), (3, 2.3, 80, 0, 1, 1), (3, 2.3, 80, 0, 1, 1), (3, 6, 112, 1, 1, 1), (3, 6, 112, 1, 1, 1),
           (5, 6, 160, 1, 1, 2), (5, 6, 160, 1, 1, 1), (5, 6, 160, 1, 1, 1)]

    def __init__(self):
        super().__init__()
        feats, inp = [conv_bn_act(3, 16, 3, 2, act=HSwish)], 16
        for k, t, c, se, hs, s in self.cfg:
            feats.append(IRv3(inp, make_div(inp * t), c, k, s, se, hs))
            inp = c
        self.features = nn.Sequential(*feats)
        self.conv = nn.Sequential(nn.Conv2d(160, 960, 1, 1, 0, bias=False), nn.BatchNorm2d(960), HSwish())
        self.classifier = nn.Sequential(nn.Linear(960, 1280), HSwish(), nn.Dropout(0.2), nn.Linear(1280, 1000))

    def taps(self, x):
        x2 = self.features[:7](x)
        x1 = self.features[7:13](x2)
        return x2, x1, self.features[13:16](x1)


class Backbone(nn.Module):
    def __init__(self, name):
        super().__init__()
        self.model = {"mobilenetv1": V1, "mobilenetv2": V2, "mobilenetv3": V3}[name]()


class C2d(nn.Module):  # conv2d(in, out, k): .conv .bn + ReLU6
    def __init__(self, inp, out, k):
        super().__init__()
        self.conv = nn.Conv2d(inp, out, k, 1, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(out)

    def forward(self, x):
        return F.relu6(self.bn(self.conv(x)))


def stack(a, b, inp, n):
    return nn.Sequential(*[C2d(inp if i == 0 else b, a, 1) if i % 2 == 0 else conv_dw(a, b) for i in range(n)])


class Up(nn.Module):
    def __init__(self, inp, out):
        super().__init__()
        self.upsample = nn.Sequential(C2d(inp, out, 1), nn.Upsample(scale_factor=2, mode="nearest"))

    def forward(self, x):
        return self.upsample(x)


class SPP(nn.Module):
    def __init__(self):
        super().__init__()
        self.maxpools = nn.ModuleList([nn.MaxPool2d(k, 1, k // 2) for k in (5, 9, 13)])

    def forward(self, x):
        return torch.cat([p(x) for p in self.maxpools[::-1]] + [x], 1)


def head(a, b, inp):
    return nn.Sequential(conv_dw(inp, a), nn.Conv2d(a, b, 1))


class YoloBody(nn.Module):
    def __init__(self, backbone, nc):
        super().__init__()
        c2, c1, c0 = {"mobilenetv1": (256, 512, 1024), "mobilenetv2": (32, 96, 320), "mobilenetv3": (40, 112, 160)}[backbone]
        out = 3 * (5 + nc)
        self.backbone = Backbone(backbone)
        self.conv1 = stack(512, 1024, c0, 3)
        self.SPP = SPP()
        self.conv2 = stack(512, 1024, 2048, 3)
        self.upsample1 = Up(512, 256)
        self.conv_for_P4 = C2d(c1, 256, 1)
        self.make_five_conv1 = stack(256, 512, 512, 5)
        self.upsample2 = Up(256, 128)
        self.conv_for_P3 = C2d(c2, 128, 1)
        self.make_five_conv2 = stack(128, 256, 256, 5)
        self.yolo_head3 = head(256, out, 128)
        self.down_sample1 = conv_dw(128, 256, 2)
        self.make_five_conv3 = stack(256, 512, 512, 5)
        self.yolo_head2 = head(512, out, 256)
        self.down_sample2 = conv_dw(256, 512, 2)
        self.make_five_conv4 = stack(512, 1024, 1024, 5)
        self.yolo_head1 = head(1024, out, 512)

    def forward(self, x):
        x2, x1, x0 = self.backbone.model.taps(x)
        p5 = self.conv2(self.SPP(self.conv1(x0)))
        p4 = self.make_five_conv1(torch.cat([self.conv_for_P4(x1), self.upsample1(p5)], 1))
        p3 = self.make_five_conv2(torch.cat([self.conv_for_P3(x2), self.upsample2(p4)], 1))
        p4 = self.make_five_conv3(torch.cat([self.down_sample1(p3), p4], 1))
        p5 = self.make_five_conv4(torch.cat([self.down_sample2(p4), p5], 1))
        return self.yolo_head1(p5), self.yolo_head2(p4), self.yolo_head3(p3)


def fixture_weights(net):
    """The reference README's formula, over the state dict in order."""
    sd, k = net.state_dict(), 0
    for name, t in sd.items():
        if name.endswith("num_batches_tracked"):
            continue
        n = t.numel()
        s = torch.sin(0.618034 * torch.arange(n, dtype=torch.float64) + 1.2345 * k)
        if name.endswith("running_var"):
            v = 1 + 0.25 * s.abs()
        elif name.endswith("running_mean"):
            v = 0.1 * s
        elif t.dim() == 1 and name.endswith("weight"):
            v = 1 + 0.1 * s
        elif t.dim() == 1:
            v = 0.05 * s
        else:
            v = math.sqrt(3 / (n / t.shape[0])) * s
        t.copy_(v.reshape(t.shape).float())
        k += 1
    return net
