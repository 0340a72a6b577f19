"""Methodology reports: the steps behind the notebooks, the ``maturasi run`` runner, and rendering."""
