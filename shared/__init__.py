"""IceSurf API domain code, shared by the function folders (imported as ``shared``)."""

__version__ = "0.1.0"
