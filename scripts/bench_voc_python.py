"""Baseline for `make bench`: the reference's way of reading VOC XML
(voc_annotation.py: xml.etree per file, then name/difficult/bndbox of each
object), timed in-process over every XML file in a folder. Prints the best
of N runs in seconds as JSON."""
import json, os, sys, time
import xml.etree.ElementTree as ET

def parse_all(folder):
    boxes = 0
    for name in os.listdir(folder):
        if not name.endswith(".xml"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            root = ET.parse(f).getroot()
        for obj in root.iter("object"):
            difficult = obj.find("difficult")
            difficult = 0 if difficult is None else int(difficult.text)
            cls = obj.find("name").text
            b = obj.find("bndbox")
            box = (int(float(b.find("xmin").text)), int(float(b.find("ymin").text)),
                   int(float(b.find("xmax").text)), int(float(b.find("ymax").text)))
            boxes += 1
    return boxes

folder, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
best, boxes = float("inf"), 0
for _ in range(runs):
    t = time.perf_counter()
    boxes = parse_all(folder)
    best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "boxes": boxes}))
