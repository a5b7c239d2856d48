"""Speech-to-text engines behind one interface (base.Engine): faster-whisper and moonshine for
speech, echo and stall for tests; the catalog says which models are installed and where, and
`python -m voice_worker.models install` builds the optional ones (docs/MODELS.md)."""

from .base import DecodeOptions, Engine, ModelLoadError, Transcript, UnservableRequest, Word
from .loading import load_engine

__all__ = ["DecodeOptions", "Engine", "ModelLoadError", "Transcript", "UnservableRequest", "Word",
           "load_engine"]
