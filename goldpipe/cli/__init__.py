"""The ``goldpipe`` command line: local runs, rendering, cluster runs, the controller; the top layer."""
