"""The voice-sidecar speech-to-text worker (DESIGN.md §3): `python -m voice_worker`."""

__version__ = "0.1.0"
