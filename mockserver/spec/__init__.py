"""The spec stage: documents in, immutable `Api`s out (see `loader`)."""

from .loader import load_api, load_directory, placed_nits
from .model import Api, Nit, Operation, SpecError

__all__ = ["Api", "Nit", "Operation", "SpecError", "load_api", "load_directory", "placed_nits"]
