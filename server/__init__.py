"""Seamline server package.

``create_app`` is imported lazily so that pure modules below this package
(``server.aql`` most of all) can be imported without pulling in Flask.
"""

__version__ = "0.1.0"


def create_app(config=None):
    """Build the Flask application. See :func:`server.app.build_app`."""
    from server.app import build_app

    return build_app(config)
