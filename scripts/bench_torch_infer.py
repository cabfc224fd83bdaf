"""Baseline for `make bench`: one image through PyTorch eager on the CPU,
the way the reference's predict does it (PIL decode, bicubic letterbox on
grey 128, forward, sigmoid decode, per-class NMS), with the same weights as
the Go side (the fixture formula, or a checkpoint LabelLoop trained, read
from its safetensors file). Prints median milliseconds as JSON.
usage: bench_torch_infer.py IMAGE SIZE THREADS RUNS [WEIGHTS.safetensors NUM_CLASSES]"""
import json, sys, time
import numpy as np
import torch
from PIL import Image
sys.path.insert(0, "scripts")
from torch_yolo import YoloBody, fixture_weights

img_path, size, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)


def load_safetensors(path):
    """The safetensors format: an 8-byte header length, a JSON header,
    then raw little-endian tensors (torch 1.13 has no reader of its own)."""
    data = open(path, "rb").read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    sd = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        dt = {"F32": np.float32, "I64": np.int64}[h["dtype"]]
        sd[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype=dt).reshape(h["shape"]).copy())
    return sd


nc = 20
if len(sys.argv) > 6:
    nc = int(sys.argv[6])
    net = YoloBody("mobilenetv2", nc)
    net.load_state_dict(load_safetensors(sys.argv[5]))
    net = net.eval()
else:
    net = fixture_weights(YoloBody("mobilenetv2", 20)).eval()
anchors = torch.tensor([[12, 16], [19, 36], [40, 28], [36, 75], [76, 55], [72, 146], [142, 110], [192, 243], [459, 401]], dtype=torch.float32)
mask = [[6, 7, 8], [3, 4, 5], [0, 1, 2]]
conf, nms_iou = 0.5, 0.3


def pre(path):
    im = Image.open(path).convert("RGB")
    iw, ih = im.size
    s = min(size / iw, size / ih)
    nw, nh = int(iw * s), int(ih * s)
    canvas = Image.new("RGB", (size, size), (128, 128, 128))
    canvas.paste(im.resize((nw, nh), Image.BICUBIC), ((size - nw) // 2, (size - nh) // 2))
    x = np.transpose(np.array(canvas, dtype=np.float32) / 255.0, (2, 0, 1))[None]
    return torch.from_numpy(x)


def nms(boxes, scores, iou):
    order = scores.argsort(descending=True)
    keep = []
    while order.numel() > 0:
        i = order[0]
        keep.append(int(i))
        if order.numel() == 1:
            break
        rest = boxes[order[1:]]
        b = boxes[i]
        iw = (torch.min(rest[:, 2], b[2]) - torch.max(rest[:, 0], b[0])).clamp(min=0)
        ih = (torch.min(rest[:, 3], b[3]) - torch.max(rest[:, 1], b[1])).clamp(min=0)
        inter = iw * ih
        union = (rest[:, 2] - rest[:, 0]) * (rest[:, 3] - rest[:, 1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        order = order[1:][inter / union <= iou]
    return keep


def post(outs):
    cand = []
    for k, o in enumerate(outs):
        _, _, h, w = o.shape
        stride = size / w
        p = o.view(3, 5 + nc, h, w).permute(0, 2, 3, 1)
        gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        an = anchors[mask[k]].view(3, 1, 1, 2)
        cx = (torch.sigmoid(p[..., 0]) + gx) * stride
        cy = (torch.sigmoid(p[..., 1]) + gy) * stride
        bw = torch.exp(p[..., 2]) * an[..., 0]
        bh = torch.exp(p[..., 3]) * an[..., 1]
        cls_conf, cls = torch.sigmoid(p[..., 5:]).max(-1)
        score = torch.sigmoid(p[..., 4]) * cls_conf
        m = score >= conf
        cand.append(torch.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2, score, cls.float()], -1)[m])
    c = torch.cat(cand)
    out = []
    for k in c[:, 5].unique():
        d = c[c[:, 5] == k]
        out.append(d[nms(d[:, :4], d[:, 4], nms_iou)])
    return out


times = {"pre": [], "net": [], "post": []}
with torch.no_grad():
    for r in range(runs + 2):
        t0 = time.perf_counter()
        x = pre(img_path)
        t1 = time.perf_counter()
        outs = net(x)
        t2 = time.perf_counter()
        post(outs)
        t3 = time.perf_counter()
        if r >= 2:  # the first runs of a fresh process are slow
            times["pre"].append(t1 - t0)
            times["net"].append(t2 - t1)
            times["post"].append(t3 - t2)
med = {k: 1000 * float(np.median(v)) for k, v in times.items()}
med["total"] = 1000 * float(np.median([a + b + c for a, b, c in zip(times["pre"], times["net"], times["post"])]))
print(json.dumps(med))
