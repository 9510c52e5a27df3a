"""deltak's JupyterLab extension (prebuilt): renderers for deltak's MIME types."""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    """Where JupyterLab finds the prebuilt extension."""
    return [{"src": "labextension", "dest": "deltak-jupyterlab"}]
