"""Every Qt class of the plugin: the dock widget, its panels and plots."""
