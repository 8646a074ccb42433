"""Where inside a numba kernel the time goes: perf samples mapped onto its machine code.

Usage::

    NUMBA_CACHE_DIR=$(mktemp -d) PYTHONPATH=SRC perf record -e cpu-clock -o K.data \\
        python benchmarks/perf_kernel_hotspots.py run --repeats 60
    python benchmarks/perf_kernel_hotspots.py report K.data

``run`` times the stride-5 interior translation kernel (`correlations_direct`,
81 shifts, the 1024^2 benchmark image, one numba thread) `repeats` times,
then writes the address of `_box_correlations`' parallel body and its first
16 KiB of machine code next to the perf data (``kernel_code.bin``,
``kernel_start.txt``). The empty cache forces a compile, so that numba still
holds the code's address (a kernel loaded from the cache has none). ``report``
counts perf's samples per 64-byte block of that code and disassembles the
hottest blocks with objdump: numba's JIT code has no symbols for perf. Needs
perf (software event ``cpu-clock``: works in VMs without hardware counters)
and binutils.
"""

from __future__ import annotations

import argparse
import ctypes
import re
import subprocess
from collections import Counter
from pathlib import Path

CODE = Path("kernel_code.bin")
START = Path("kernel_start.txt")
SIZE = 0x4000


def run(repeats: int) -> None:
    import numba
    import numpy as np

    from napari_symseg.core.descriptors import translation
    from napari_symseg.core.params import Params
    from napari_symseg.core.samples import two_phase

    numba.set_num_threads(1)
    image = two_phase((1024, 1024), noise=0.1, seed=0).astype(np.float64)
    shifts = translation.grid_operations(
        Params(descriptor_name="local_correlation_map", stride=5)).values
    inner = np.arange(40, 1024 - 40, 5)
    for _ in range(repeats + 1):
        translation.correlations_direct(image, shifts, 20, 20, inner, inner)
    for cres in translation._box_correlations.overloads.values():
        library = cres.library
        for fn in library._final_module.functions:
            if not fn.is_declaration and "parfor_gufunc" in fn.name \
                    and not fn.name.startswith("__gufunc__"):
                start = library.get_pointer_to_function(fn.name)
                CODE.write_bytes(ctypes.string_at(start, SIZE))
                START.write_text(f"{start:x}\n")
                print(f"parallel body at {start:#x}")
                return
    raise SystemExit("no compiled parallel body: run with an empty NUMBA_CACHE_DIR")


def report(data: str, top: int) -> None:
    start = int(START.read_text(), 16)
    ips = subprocess.run(["perf", "script", "-i", data, "-F", "ip"], capture_output=True,
                         text=True, check=True).stdout.split()
    blocks = Counter((int(ip, 16) - start) // 64 * 64 for ip in ips
                     if start <= int(ip, 16) < start + SIZE)
    inside = sum(blocks.values())
    print(f"{len(ips)} samples, {inside} in the kernel's parallel body")
    asm = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", str(CODE)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    for offset, count in blocks.most_common(top):
        print(f"\n== block {offset:#x}: {count} samples ({100 * count / inside:.1f} %)")
        for line in asm:
            match = re.match(r"\s*([0-9a-f]+):", line)
            if match and offset <= int(match.group(1), 16) < offset + 64:
                print(line)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run").add_argument("--repeats", type=int, default=60)
    rep = sub.add_parser("report")
    rep.add_argument("data")
    rep.add_argument("--top", type=int, default=8)
    args = parser.parse_args(argv)
    if args.command == "run":
        run(args.repeats)
    else:
        report(args.data, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
