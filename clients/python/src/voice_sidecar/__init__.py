"""voice_sidecar: the Python client of the voice-sidecar daemon and the supervisor contract.

- SidecarClient / AsyncSidecarClient: every /v1 endpoint over TCP or a Unix socket.
- EventStream / AsyncEventStream: typed events that survive a dropped connection.
- ContractConfig.from_env(): the seed's JARVIS_VOICE_SIDECAR_* variables.
- SidecarContract: phase2(), phase3(), shutdown() of a supervisor (supervisor.py runs them).
"""
from __future__ import annotations

from .aclient import AsyncSidecarClient
from .api import AUDIO_TYPE
from .client import SidecarClient
from .config import ConfigError, ContractConfig
from .contract import (BACKEND_MINIMAL, EXIT_CONFIG, EXIT_INTERNAL, EXIT_OK, EXIT_REQUIRED_FAILED,
                       Outcome, PhaseResult, SidecarContract)
from .endpoint import Endpoint
from .errors import (BadRequest, Conflict, Forbidden, GatewayTimeout, NotFound, ServiceUnavailable,
                     SidecarError, SidecarHTTPError, SidecarTimeout, SidecarUnavailable,
                     Unauthorized, UnsupportedMediaType)
from .events import (BufferLevel, Event, FinalText, Lagged, NoSpeech, PartialText, Ready,
                     RecordingStarted, RecordingStopped, SpeechBoundary, SttError, WorkerError,
                     WorkerState)
from .metrics import MetricFamily, Metrics, Sample
from .models import Gate, Health, Pressure, Recording, Status, WorkerInfo
from .process import SidecarProcess, SpawnError
from .stream import AsyncEventStream, EventStream

__version__ = "0.1.0"

__all__ = [
    "AUDIO_TYPE", "AsyncEventStream", "AsyncSidecarClient", "BACKEND_MINIMAL", "BadRequest",
    "BufferLevel", "ConfigError", "Conflict", "ContractConfig", "EXIT_CONFIG", "EXIT_INTERNAL",
    "EXIT_OK", "EXIT_REQUIRED_FAILED", "Endpoint", "Event", "EventStream", "FinalText",
    "Forbidden", "Gate", "GatewayTimeout", "Health", "Lagged", "MetricFamily", "Metrics",
    "NoSpeech", "NotFound", "Outcome", "PartialText", "PhaseResult", "Pressure", "Ready",
    "Recording", "RecordingStarted", "RecordingStopped", "Sample", "ServiceUnavailable",
    "SidecarClient", "SidecarContract", "SidecarError", "SidecarHTTPError", "SidecarProcess",
    "SidecarTimeout", "SidecarUnavailable", "SpawnError", "SpeechBoundary", "Status", "SttError",
    "Unauthorized", "UnsupportedMediaType", "WorkerError", "WorkerInfo", "WorkerState",
]
