"""Job planning of the translation kernel (`translation._box_correlations`), pure Python.

The interior kernel computes the scores of every shift on the strided grid.
Its work is cut into jobs (one shift, or a pair (t, -t) served by one pass:
`pair_jobs`), the jobs grouped by the row component of their shift so that a
group reads each pair of image rows once (`job_groups`), and the groups shared
among the threads by their cost (`share_lanes`).
"""

from __future__ import annotations

import numpy as np


def pair_jobs(shifts, step_r, step_c, n_rows, n_cols) -> np.ndarray:
    """Plan the kernel's work: one job per shift, or per pair (t, -t).

    rho_{-t}(p) = rho_t(p - t). When t is a multiple of the grid spacing,
    p - t is a grid point too, so rho_t on the grid extended by -t also gives
    rho_{-t}: one pass serves both shifts. Each job is
    ``(k, k_neg, a_lo, a_hi, b_lo, b_hi)``: compute shift ``k`` for grid
    indices ``a_lo <= a < a_hi``, ``b_lo <= b < b_hi`` (may leave the grid),
    store those inside the grid as feature k and, if ``k_neg >= 0``, store
    each value at grid point ``(a + m/step_r, b + n/step_c)`` as feature k_neg.
    """
    index = {(int(m), int(n)): k for k, (m, n) in enumerate(shifts)}
    done = set()
    jobs = []
    for k, (m, n) in enumerate(shifts):
        m, n = int(m), int(n)
        if k in done:
            continue
        done.add(k)
        k_neg = index.get((-m, -n), -1)
        if k_neg in done or k_neg == k or m % step_r or n % step_c:
            k_neg = -1
        if k_neg < 0:
            jobs.append((k, -1, 0, n_rows, 0, n_cols))
            continue
        done.add(k_neg)
        ms, ns = m // step_r, n // step_c
        jobs.append(
            (k, k_neg, min(0, -ms), n_rows + max(0, -ms), min(0, -ns), n_cols + max(0, -ns))
        )
    return np.array(jobs, dtype=np.int64).reshape(-1, 6)


def job_groups(shifts, jobs, n_threads) -> tuple[np.ndarray, np.ndarray]:
    """Group the kernel's jobs by the row component m of their shift.

    The jobs of one group read the same pair of image rows (i, i + m) for
    every product row i, so the kernel walks the rows once per group and
    serves every job of the group from the two rows while they are in the
    cache, instead of streaming the image once per job. Groups hold at most
    about ``len(jobs) / (4 * n_threads)`` jobs (at least one), so that every
    thread gets several. Returns ``order`` (job indices, grouped) and
    ``bounds`` (group g is ``order[bounds[g]:bounds[g + 1]]``).
    """
    size = max(1, -(-len(jobs) // (4 * max(1, n_threads))))
    order, bounds = [], [0]
    rows_m = shifts[jobs[:, 0], 0] if len(jobs) else np.zeros(0, np.int64)
    for m in np.unique(rows_m):
        members = np.flatnonzero(rows_m == m)
        for part in np.array_split(members, -(-len(members) // size)):
            order.extend(int(q) for q in part)
            bounds.append(len(order))
    return np.array(order, dtype=np.int64), np.array(bounds, dtype=np.int64)


def share_lanes(jobs, order, bounds, n_lanes, step_c, hy) -> tuple:
    """Share the kernel's job groups among `n_lanes` threads by their cost.

    A job costs about the product rows × columns of its column sums
    (``(a_hi - a_lo) * ((b_hi - b_lo - 1) * step_c + hy)``), a group the sum
    of its jobs plus twice its largest job (streaming the image rows: groups
    of 5 and 4 jobs took 5.5-6.2 and 4.7-5.1 ms alone, 1024², 81 shifts,
    stride 5). The groups go, the costliest first, to the lane with the least
    work so far (longest processing time first), so that no thread waits
    long for the other at the end of the parallel region: there, numba's
    static split of the 9 groups in their order gave one thread 28 ms of
    work and the other 21; this gives ~27 and ~22. Returns
    ``order`` and ``bounds`` with the groups reordered lane by lane, and
    ``lanes``: lane l runs groups ``lanes[l]`` to ``lanes[l + 1] - 1``.
    """
    n_groups = len(bounds) - 1
    cost = np.zeros(n_groups)
    for g in range(n_groups):
        part = jobs[order[bounds[g]:bounds[g + 1]]]
        each = (part[:, 3] - part[:, 2]) * ((part[:, 5] - part[:, 4] - 1) * step_c + hy)
        cost[g] = each.sum() + 2 * each.max()
    n_lanes = max(1, min(n_lanes, n_groups))
    load = np.zeros(n_lanes)
    members = [[] for _ in range(n_lanes)]
    for g in np.argsort(-cost, kind="stable"):
        lane = int(np.argmin(load))
        members[lane].append(int(g))
        load[lane] += cost[g]
    new_order, new_bounds, lanes = [], [0], [0]
    for groups in members:
        for g in sorted(groups):
            new_order.extend(int(q) for q in order[bounds[g]:bounds[g + 1]])
            new_bounds.append(len(new_order))
        lanes.append(len(new_bounds) - 1)
    return (np.array(new_order, dtype=np.int64), np.array(new_bounds, dtype=np.int64),
            np.array(lanes, dtype=np.int64))
