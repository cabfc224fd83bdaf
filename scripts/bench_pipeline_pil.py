"""The seed's image pipeline in Debian's python3-pil, for the pipeline bench.

Usage: bench_pipeline_pil.py SIZE LETTERBOX(0|1) REPEATS OUTDIR IMAGE...

For each image it writes OUTDIR/<basename>.f32, the network input the seed
builds (3xSIZExSIZE float32, little-endian, RGB/255), and prints one line
"<basename> <median seconds of open+convert+resize>". The code is the seed's
(utils.cvtColor, utils.resize_image, preprocess_input), unchanged.
"""
import os
import sys
import time

import numpy as np
from PIL import Image


def cvtColor(image):
    if len(np.shape(image)) == 3 and np.shape(image)[2] == 3:
        return image
    return image.convert('RGB')


def resize_image(image, size, letterbox_image):
    iw, ih = image.size
    w, h = size
    if letterbox_image:
        scale = min(w / iw, h / ih)
        nw = int(iw * scale)
        nh = int(ih * scale)
        image = image.resize((nw, nh), Image.BICUBIC)
        new_image = Image.new('RGB', size, (128, 128, 128))
        new_image.paste(image, ((w - nw) // 2, (h - nh) // 2))
    else:
        new_image = image.resize((w, h), Image.BICUBIC)
    return new_image


def preprocess_input(image):
    image /= 255.0
    return image


def main():
    size, letterbox, repeats, out = int(sys.argv[1]), sys.argv[2] == '1', int(sys.argv[3]), sys.argv[4]
    Image.MAX_IMAGE_PIXELS = None  # the panorama is under PIL's limit anyway
    for path in sys.argv[5:]:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            image = cvtColor(Image.open(path))
            data = resize_image(image, (size, size), letterbox)
            x = np.transpose(preprocess_input(np.array(data, dtype='float32')), (2, 0, 1))
            times.append(time.perf_counter() - t0)
        x.astype('<f4').tofile(os.path.join(out, os.path.basename(path) + '.f32'))
        times.sort()
        print(os.path.basename(path), times[len(times) // 2])


if __name__ == '__main__':
    main()
