"""The stop flag as the numba kernels read it (`core.progress.stop_flag`).

A plain ``stop[0]`` in a kernel's loop is read once: the compiler sees no
write to it in the loop and hoists the load out (measured: a kernel went on
for its whole length after the flag was set). `flag_set` reads it with an
atomic (monotonic) load, which the compiler keeps where it is: one byte
read per job or grid row, so a flag set from another thread is seen by the
next one.
"""

from __future__ import annotations

from numba import types
from numba.extending import intrinsic


@intrinsic
def flag_set(typingctx, flag):  # pragma: no cover - compiled
    """``flag[0] != 0`` for a uint8 array `flag`, read anew on every call (in a kernel)."""
    if not (isinstance(flag, types.Array) and flag.dtype == types.uint8):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        value = builder.load_atomic(array.data, "monotonic", 1)
        return builder.icmp_unsigned("!=", value, value.type(0))

    return types.boolean(flag), codegen
