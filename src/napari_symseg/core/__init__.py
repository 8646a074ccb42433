"""Compute core: pure numpy / numba / scikit-learn, no GUI imports."""
