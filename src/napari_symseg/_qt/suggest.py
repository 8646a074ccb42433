"""*Suggest sizes from the image*: the lattice estimate in a worker, the fields filled.

`suggest_params` takes 0.3-0.9 s on 1024²-4096² images: too long for the
GUI thread. The fields it changes are set all at once (a live preview runs
once afterwards) and the sizes are remembered for this image; the status
line names the lattice found. A failure (e.g. an image without a lattice)
is one notification and leaves the fields as they were.
"""

from __future__ import annotations

from ..core.params import Params
from ..errors import SymsegError
from .runner import start_worker


def start_suggestion(widget):
    """Suggest sizes for the widget's chosen image; return the worker (None on bad input).

    Parameters
    ----------
    widget : SymsegWidget
        Its fields, status line, Suggest button and controller.
    """
    from napari.utils.notifications import show_error

    if widget.busy("suggest"):
        return None
    follow = widget.fields["reference_frames"].value.strip() == ""
    try:
        job = widget.controller.start_suggest(  # the family too, unless chosen by hand
            widget.params(), follow_slider=follow, pick_family=not widget.descriptor_by_hand)
    except SymsegError as err:
        widget.fail(f"cannot suggest sizes: {err}")
        return None

    def suggested(params: Params) -> None:
        widget.status.value = job.suggested(params)
        widget.set_fields(job.changed)
        widget.descriptor_by_hand = False

    def lattice(found) -> None:
        text = job.lattice(found)
        if text is not None:
            widget.status.value = text

    def failed(err: Exception) -> None:
        show_error(f"Symmetry segmentation: cannot suggest sizes from this image: {err}")
        widget.status.value = f"no sizes suggested: {err}"

    def finished() -> None:
        widget.suggest_worker = None
        widget.activity.stop("suggest")

    # Run would take the sizes the suggestion is about to change: the activity disables it
    widget.activity.start("suggest")
    widget.status.value = "suggesting sizes…"
    return start_worker(job.steps, alive=widget.alive, yielded=suggested, returned=lattice,
                        errored=failed, finished=finished)
