"""Baseline for `make bench`: forward + backward + Adam step of the same
network in PyTorch eager on the CPU (Debian's 1.13.1), batch N at SIZE, on
the sum of the three heads (so the network's cost is compared, not two
losses). Driven in lock step with our side: after two warm-up steps it
prints "ready", then runs one step per "go" line on stdin and prints its
milliseconds.
usage: bench_torch_train.py BACKBONE SIZE BATCH THREADS"""
import sys, time
import torch
sys.path.insert(0, "scripts")
from torch_yolo import YoloBody

bb, size, batch, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
net = YoloBody(bb, 20).train()
opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.937, 0.999))
x = torch.rand(batch, 3, size, size)


def step():
    t = time.perf_counter()
    opt.zero_grad()
    outs = net(x)
    loss = sum(o.mean() for o in outs)
    loss.backward()
    opt.step()
    return 1000 * (time.perf_counter() - t)


step(), step()
print("ready", flush=True)
for line in sys.stdin:
    print("%.3f" % step(), flush=True)
