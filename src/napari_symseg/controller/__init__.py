"""Qt-free state of the napari plugin.

Imports napari's model (layers, utils) but never Qt, qtpy or magicgui: the
Qt classes in `napari_symseg._qt` hold these objects and only build fields
and wire signals to them (napari-animation's model/widget split).

- `session`: `Session`, the controller the dock widget holds: the chosen
  image, runs as jobs (`start_run`), Suggest (`start_suggest`), Export.
- `runs`, `series`: a run as a `Job`: a generator a thread worker iterates
  (the core's progress, then the layer data, then the hint) and handlers
  for the GUI thread (progress, layers one at a time, the hint, the end).
- `results`: one `ResultSet` per source layer (last full run of the image,
  of each frame, of all frames; the preview; hints; remembered parameters;
  the result layers), kept by a `ResultStore` that follows renames and
  forgets removed layers; `visibility`: the chosen image's result layers
  shown, the other images' hidden (and shown again when chosen).
- `layers`, `sources`: result layer specifications and placement (above
  the source), which layers may be segmented.
- `text`, `fields`: labels, lengths and summaries; which fields are shown
  and which are in the *Advanced* section.
- `hints`, `warmup`, `probe`, `layer_io`: the number-of-patterns hint and
  suggested sizes, JIT warm-up, the probe's geometry, layers to and from
  files.
"""

from ..io.labels import LABEL_OFFSET  # noqa: F401 (one definition, with the file convention)

#: Key of the package's entry in a layer's ``metadata``.
METADATA_KEY = "napari_symseg"
