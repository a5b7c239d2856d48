"""ContractConfig.from_env: exactly the seed's ten variables, errors that name the variable."""
from __future__ import annotations

import pytest

from voice_sidecar import ConfigError, ContractConfig

P = "JARVIS_VOICE_SIDECAR_"


def test_defaults_are_the_legacy_path() -> None:
    c = ContractConfig.from_env({})
    assert (c.enabled, c.required, c.manage_worker, c.command) == (False, False, True, ())
    assert (c.transport, c.base_url, c.socket) == ("http", "http://127.0.0.1:9860", None)
    assert (c.start_timeout, c.health_timeout, c.control_timeout) == (15.0, 2.5, 20.0)


def test_every_variable_is_read() -> None:
    c = ContractConfig.from_env({
        P + "ENABLED": "yes", P + "REQUIRED": "ON", P + "MANAGE_WORKER": "0",
        P + "COMMAND": """/opt/vs/voice-sidecar serve --set 'worker.command=["a b", "c"]' --log-level "debug" """,
        P + "TRANSPORT": "unix", P + "SOCKET": "/run/vs/sock", P + "BASE_URL": "http://localhost",
        P + "START_TIMEOUT": "7.5", P + "HEALTH_TIMEOUT": "1", P + "CONTROL_TIMEOUT": "30s",
    })
    assert (c.enabled, c.required, c.manage_worker) == (True, True, False)
    assert c.command == ("/opt/vs/voice-sidecar", "serve", "--set", 'worker.command=["a b", "c"]',
                         "--log-level", "debug")
    assert (c.transport, c.socket, c.base_url) == ("unix", "/run/vs/sock", "http://localhost")
    assert (c.start_timeout, c.health_timeout, c.control_timeout) == (7.5, 1.0, 30.0)
    assert c.endpoint().socket_path == "/run/vs/sock"
    assert c.sidecar_env() == {P + "TRANSPORT": "unix", P + "SOCKET": "/run/vs/sock"}


def test_empty_means_unset_and_unix_defaults_to_a_loopback_host() -> None:
    c = ContractConfig.from_env({P + "ENABLED": "", P + "TRANSPORT": "UNIX", P + "SOCKET": "/s"})
    assert c.enabled is False and c.base_url == "http://localhost"


@pytest.mark.parametrize("name,value,accepted", [
    ("ENABLED", "maybe", "1/true/yes/on"),
    ("REQUIRED", "2", "0/false/no/off"),
    ("MANAGE_WORKER", "enabled", "1/true/yes/on"),
    ("TRANSPORT", "tcp", "http or unix"),
    ("BASE_URL", "https://127.0.0.1:9860", "http://host:port"),
    ("BASE_URL", "http://127.0.0.1:9860/api", "http://host:port"),
    ("SOCKET", "relative/sock", "absolute path"),
    ("START_TIMEOUT", "-1", "positive number of seconds"),
    ("HEALTH_TIMEOUT", "soon", "positive number of seconds"),
    ("CONTROL_TIMEOUT", "nan", "positive number of seconds"),
    ("COMMAND", "voice-sidecar 'serve", "shell quoting"),
])
def test_a_bad_value_names_the_variable_and_what_is_accepted(name: str, value: str, accepted: str) -> None:
    with pytest.raises(ConfigError) as err:
        ContractConfig.from_env({P + name: value})
    assert err.value.variable == P + name
    assert str(err.value).startswith(f"{P}{name}=") and accepted in str(err.value)


def test_unix_without_socket_is_an_error() -> None:
    with pytest.raises(ConfigError) as err:
        ContractConfig.from_env({P + "TRANSPORT": "unix"})
    assert err.value.variable == P + "SOCKET"
