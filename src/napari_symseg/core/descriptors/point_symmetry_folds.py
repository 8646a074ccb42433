"""Reflection sums of a ring from its half-folded samples (the dense kernel's products).

A reflection across the axis at angle index ``c`` needs the ring sum
``C(c) = sum_j d_j d_{c-j}`` (indices mod ``n = n_t``). For even ``n``, with
``h = n / 2``, ``u_j = d_j + d_{j+h}`` and ``v_j = d_j - d_{j+h}``
(``j < h``; so ``v_{j+h} = -v_j``), expanding the products gives

- ``U(p) = sum_{j<h} u_j u_{(p-j) mod h} = C(p) + C(p+h)``,
- ``V(p) = sum_{j<h} s_j v_j v_{(p-j) mod h} = C(p) - C(p+h)``, with
  ``s_j = +1`` if ``(p - j) mod n < h`` else ``-1``,

so ``C(c) = (U(p) +- V(p)) / 2`` with ``p = c mod h`` (``+`` for ``c < h``).
``U`` and ``V`` pair their terms (``j`` and ``(p - j) mod h`` give the same
product, with the same sign), so each takes about ``h / 2`` products: the two
perpendicular axes ``p`` and ``p + h`` (the axes ``k`` and ``k + N/2`` of an
even number ``N`` of axes) cost ``n / 2`` products together instead of ``n``.
"""

from __future__ import annotations

import numpy as np

#: Weight of each of the four term ranges of a folded sum (pairs count twice;
#: the sign of `V`'s terms).
SEGMENT_FACTORS = np.array([2.0, -2.0, 1.0, -1.0])


def reflection_folds(sigma: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """The folded sums of reflection operations, or None.

    Parameters
    ----------
    sigma : ndarray, int64, shape (n_ops, n_t)
        Angle permutations (`polar_patch.ring_permutations`).

    Returns
    -------
    tuple of ndarray or None
        None unless `n_t` is even and every operation is a reflection
        (``sigma(j) = (c - j) mod n_t``). Otherwise ``first, second``
        (int64, (n_sums, h)): the factors of each term of each sum
        (``U(p)``, ``V(p)`` for each distinct ``p``) as rows of the folded
        samples ``[u; v]``; ``segments`` (int64, (n_sums, 5)): the terms of
        sum ``q`` weighted by ``SEGMENT_FACTORS[s]`` are
        ``segments[q, s] : segments[q, s + 1]``; ``sum_of`` (int64, (n_ops,)):
        the `U` sum of each operation (its `V` follows it); ``sign`` (float64,
        (n_ops,)): ``C = (U + sign V) / 2``.
    """
    n_ops, n_t = sigma.shape
    if n_ops == 0 or n_t % 2:
        return None
    h = n_t // 2
    j = np.arange(h)
    full = np.arange(n_t)
    centres = sigma[:, 0]
    if not np.array_equal(sigma, (centres[:, None] - full[None, :]) % n_t):
        return None
    folds = sorted({int(c) % h for c in centres}, key=[int(c) % h for c in centres].index)
    first = np.zeros((2 * len(folds), h), dtype=np.int64)
    second = np.zeros((2 * len(folds), h), dtype=np.int64)
    segments = np.zeros((2 * len(folds), 5), dtype=np.int64)
    for q, p in enumerate(folds):
        partner = (p - j) % h
        positive = (p - j) % n_t < h
        for offset, plus in ((0, np.ones(h, bool)), (h, positive)):
            groups = [(j < partner) & plus, (j < partner) & ~plus, (j == partner) & plus,
                      (j == partner) & ~plus]
            terms = np.concatenate([j[g] for g in groups])
            row = 2 * q + (offset > 0)
            first[row, : len(terms)] = offset + terms
            second[row, : len(terms)] = offset + partner[terms]
            segments[row] = np.concatenate([[0], np.cumsum([g.sum() for g in groups])])
    sum_of = np.array([2 * folds.index(int(c) % h) for c in centres], dtype=np.int64)
    sign = np.where(centres < h, 1.0, -1.0)
    return first, second, segments, sum_of, sign
