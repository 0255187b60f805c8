"""R's default random numbers, to draw cross-validation folds exactly as ``cv.glmnet`` does.

EWP calls ``set.seed(90035)`` before every ``cv.glmnet``, which draws its folds with
``sample(rep(seq(nfolds), length = N))``. R (>= 3.6) seeds its Mersenne Twister by
scrambling the seed with a linear congruential generator, and ``sample`` draws indices by
rejection sampling from 16-bit chunks of uniforms. Reproducing that here makes the folds, and
so the chosen lambda of every fit, the same as in EWP's published runs.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

_MASK32 = 0xFFFFFFFF
_TO_UNIT = 2.3283064365386963e-10  # 2^-32, R's MT_genrand scaling


class RRandom:
    """R's ``Mersenne-Twister`` generator after ``set.seed(seed)``."""

    def __init__(self, seed: int) -> None:
        s = seed & _MASK32
        for _ in range(50):
            s = (69069 * s + 1) & _MASK32
        key = np.empty(625, dtype=np.uint32)
        for j in range(625):
            s = (69069 * s + 1) & _MASK32
            key[j] = s
        self._bits = np.random.MT19937(0)
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key[1:], "pos": 624}}

    def unif_rand(self) -> float:
        """R's ``unif_rand()``: a uniform in (0, 1)."""
        x = float(self._bits.random_raw()) * _TO_UNIT
        if x <= 0.0:
            return 0.5 * _TO_UNIT
        return 1.0 - 0.5 * _TO_UNIT if 1.0 - x <= 0.0 else x

    def unif_index(self, dn: int) -> int:
        """R's ``R_unif_index(dn)`` (rejection sampling): uniform on ``0 .. dn-1``."""
        if dn <= 0:
            return 0
        bits = math.ceil(math.log2(dn))
        while True:
            v = 0
            for _ in range(0, bits + 1, 16):
                v = 65536 * v + math.floor(self.unif_rand() * 65536)
            value = v & ((1 << bits) - 1)
            if value < dn:
                return value

    def permutation(self, n: int) -> npt.NDArray[np.intp]:
        """R's ``sample.int(n)`` as 0-based indices."""
        if n > 1 << 15:
            return self._permutation_general(n)
        return self._permutation_small(n)

    def _permutation_general(self, n: int) -> npt.NDArray[np.intp]:
        pool = list(range(n))
        out = np.empty(n, dtype=np.intp)
        for i in range(n):
            j = self.unif_index(n - i)
            out[i] = pool[j]
            pool[j] = pool[n - i - 1]
        return out

    def _permutation_small(self, n: int) -> npt.NDArray[np.intp]:
        """Fast path for n <= 2^15: one 32-bit draw per attempt, ``floor(u * 65536)`` being
        its upper 16 bits, so raw draws can be taken in bulk."""
        pool = list(range(n))
        out = [0] * n
        raws = iter(self._bits.random_raw(2 * n + 64).tolist())
        for i in range(n):
            dn = n - i
            mask = (1 << math.ceil(math.log2(dn))) - 1 if dn > 1 else 0
            while True:
                raw = next(raws, None)
                if raw is None:
                    raws = iter(self._bits.random_raw(n + 64).tolist())
                    raw = next(raws)
                j = (raw >> 16) & mask
                if j < dn:
                    break
            out[i] = pool[j]
            pool[j] = pool[dn - 1]
        return np.asarray(out, dtype=np.intp)


def cv_folds(n: int, nfolds: int = 10, seed: int = 90035) -> npt.NDArray[np.intp]:
    """Fold ids 1..nfolds of ``set.seed(seed); sample(rep(seq(nfolds), length = n))``."""
    base = np.arange(n) % nfolds + 1
    return np.asarray(base[RRandom(seed).permutation(n)])
