"""Qt-free state of the napari plugin.

Which results belong to which image layer, runs as generators that a Qt
thread worker drives, the specifications of the layers a run adds, the
probe. Imports napari's model (layers, utils) but never Qt, qtpy or
magicgui: the Qt classes in `napari_symseg._qt` hold these objects and only
wire signals to them.
"""

#: Key of the package's entry in a layer's ``metadata``.
METADATA_KEY = "napari_symseg"
#: A Labels layer shows pattern i as label i + 1 (napari draws 0 as transparent).
LABEL_OFFSET = 1
