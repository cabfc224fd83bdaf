"""Baseline for `make bench`: forward + backward + Adam step of the same
network in PyTorch eager on the CPU (Debian's 1.13.1), batch N at SIZE, on
the sum of the three heads (so the network's cost is compared, not two
losses). Prints the median ms per iteration as JSON.
usage: bench_torch_train.py BACKBONE SIZE BATCH THREADS ITERS"""
import json, sys, time
import torch
sys.path.insert(0, "scripts")
from torch_yolo import YoloBody

bb, size, batch, threads, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(0)
net = YoloBody(bb, 20).train()
opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.937, 0.999))
x = torch.rand(batch, 3, size, size)
times = []
for i in range(iters + 2):
    t = time.perf_counter()
    opt.zero_grad()
    outs = net(x)
    loss = sum(o.mean() for o in outs)
    loss.backward()
    opt.step()
    if i >= 2:
        times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"ms": 1000 * times[len(times) // 2]}))
