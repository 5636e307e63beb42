"""The tools a team would pick otherwise, on the data benches/matching.rs wrote
(MELDPUNT_BENCH_OUT): datasketch's MinHashLSH on the same texts and queries, and the
reference PDQ (C++, through the pdqhash package) on the same 12-megapixel JPEG, decode
included (Pillow). Run by scripts/bench-matching.sh; kept out of meldpunt itself."""

import sys
import time
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH
from PIL import Image
import pdqhash

out = Path(sys.argv[1])
texts = (out / "texts.txt").read_text().split("\n")
queries = (out / "queries.txt").read_text().split("\n")


def minhash(text):
    t = " ".join(text.lower().split())
    m = MinHash(num_perm=128)
    m.update_batch(t[i : i + 5].encode() for i in range(max(1, len(t) - 4)))
    return m


started = time.perf_counter()
lsh = MinHashLSH(threshold=0.7, num_perm=128)
for i, t in enumerate(texts):
    lsh.insert(str(i), minhash(t))
print(f"datasketch: {len(texts)} texts indexed in {time.perf_counter() - started:.1f} s")
started = time.perf_counter()
found = sum(len(lsh.query(minhash(q))) for q in queries)
per = (time.perf_counter() - started) * 1e6 / len(queries)
print(f"datasketch: print + query among {len(texts)}: {per:.1f} µs per query ({found} candidates)")

runs = []
for _ in range(10):
    started = time.perf_counter()
    image = np.asarray(Image.open(out / "photo-12mp.jpg").convert("RGB"))
    pdqhash.compute(image)
    runs.append((time.perf_counter() - started) * 1e6)
runs.sort()
print(
    "pdqhash (reference C++): PDQ of the 12-megapixel JPEG, decode included: "
    f"p50 {runs[5]:.1f} µs, p95 {runs[9]:.1f} µs ({len(runs)} runs)"
)
