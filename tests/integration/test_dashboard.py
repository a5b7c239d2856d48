"""The dashboard (GET /, web/) in a real browser: Debian's chromium + chromium-driver, headless,
driven by Selenium, against the daemon with the REAL worker on loopback TCP (a browser cannot
reach a Unix socket).

- the page loads with no console error (SEVERE entries of the browser log fail a test);
- the page's Start button starts the worker and the page shows `running`;
- a file recording started from the page (path field + button) shows partial text in place and
  then the final text, whose words are the spoken ones (WER-tolerant);
- the browser's microphone end to end: Chromium's fake capture device plays a speech WAV, "Talk"
  streams it over the /v1/audio/ws WebSocket, and the spoken words appear as a final;
- with a token configured the page asks for it (a wrong one is refused), then works, also after
  a reload (kept in sessionStorage), the WebSocket included;
- a daemon that goes away shows as "disconnected", and the page reconnects when it is back.

Speech is made at test time with espeak-ng and sox. Every wait has a deadline."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from harness import Daemon, base_config, speech_samples, write_wav
from test_audio_realworker import SENTENCES, real_worker_config, wer, words

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("VS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("VS_CHROMEDRIVER", "/usr/bin/chromedriver")

FILE_SENTENCE = SENTENCES[6]  # "Remember to water the plants and feed the cat while I am away."
MIC_SENTENCE = SENTENCES[2]   # "My grandmother grows tomatoes and green beans in her garden every summer."
MAX_WER = 0.3
TOKEN = "dashboard-test-token"


# ---- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tmp() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="vs-ui-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def speech(tmp: Path) -> dict:
    """The file to record (16 kHz mono) and the fake microphone's WAV (48 kHz mono s16, 1 s of
    silence before the words and 1.5 s after, so the utterance ends inside what is played)."""
    pcm, _ = speech_samples([FILE_SENTENCE], tmp, pause_s=0.0, lead_s=0.5, tail_s=1.0)
    file_wav = write_wav(tmp / "file-speech.wav", pcm)
    pcm, _ = speech_samples([MIC_SENTENCE], tmp, pause_s=0.0, lead_s=1.0, tail_s=1.5)
    mic_16k = write_wav(tmp / "mic-16k.wav", pcm)
    mic_wav = tmp / "mic-speech.wav"
    subprocess.run(["sox", str(mic_16k), "-r", "48000", "-c", "1", "-b", "16", "-e", "signed-integer",
                    str(mic_wav)], check=True)
    return {"file": file_wav, "mic": mic_wav, "mic_seconds": len(pcm) / 16000}


@pytest.fixture(scope="module")
def daemon(tmp: Path) -> Iterator[Daemon]:
    work = tmp / "daemon"
    work.mkdir()
    config = real_worker_config(work)
    config["audio"]["file_dirs"] = [str(tmp)]  # the speech files are made beside the daemon's own
    d = Daemon(config=config, workdir=work).start()
    yield d
    d.stop()


@pytest.fixture(scope="module")
def browser(speech: dict) -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--window-size=1280,1000", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--mute-audio",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={speech['mic']}%noloop"):
        options.add_argument(arg)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium's sandbox refuses to run as root
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


# ---- helpers ---------------------------------------------------------------------------------

def wait(driver: WebDriver, what: str, condition, timeout: float = 20.0):
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        lambda d: condition(d), message=f"timed out after {timeout} s waiting for {what}")


def text_of(driver: WebDriver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def severe(driver: WebDriver) -> list[dict]:
    """The browser log's SEVERE entries since the last call (reading drains it)."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def open_dashboard(driver: WebDriver, d: Daemon) -> None:
    driver.get(d.base_url + "/")
    wait(driver, "the first status", lambda dr: text_of(dr, "worker-state") not in ("", "—"))
    wait(driver, "the event stream", lambda dr: text_of(dr, "conn") == "connected")


def ensure_running(driver: WebDriver, d: Daemon) -> None:
    if driver.current_url.rstrip("/") != d.base_url:
        open_dashboard(driver, d)
    if text_of(driver, "worker-state") not in ("running", "starting"):
        wait(driver, "the Start button", lambda dr: dr.find_element(By.ID, "btn-start").is_enabled())
        driver.find_element(By.ID, "btn-start").click()
    # The model loads in a few seconds; a busy machine may take longer.
    wait(driver, "the worker to show running", lambda dr: text_of(dr, "worker-state") == "running", 90)


def recordings_shown(driver: WebDriver) -> int:
    """How many recordings the transcript has a divider for (one per recording_started)."""
    return len(driver.find_elements(By.CSS_SELECTOR, "#finals > li.divider"))


def finals_of_ended_recording(driver: WebDriver) -> str:
    """The finals of the newest recording in the transcript, once its recording_stopped arrived
    (the page marks its heading then); "" before."""
    return driver.execute_script("""
        const items = [...document.querySelectorAll('#finals > li')];
        let i = items.length - 1;
        while (i >= 0 && !items[i].classList.contains('divider')) i--;
        if (i < 0 || !items[i].dataset.stopped) return '';
        return items.slice(i + 1).map(li => li.querySelector('.text').textContent).join(' ');
    """)


def talk_seconds(driver: WebDriver) -> float:
    """Seconds of audio the page has sent on the WebSocket; fails at once if Talk ended early."""
    button = driver.find_element(By.ID, "btn-talk")
    if button.get_attribute("data-state") == "idle":
        notice = driver.find_element(By.ID, "notice")
        raise AssertionError("Talk ended by itself: " + (notice.text if notice.is_displayed() else text_of(driver, "talk-status")))
    return float(driver.find_element(By.ID, "talk-status").get_attribute("data-seconds") or 0)


def assert_words(heard: str, sentence: str) -> None:
    err = wer(words(sentence), words(heard))
    assert err <= MAX_WER, f"WER {err:.2f} > {MAX_WER}: heard {heard!r} for {sentence!r}"


# ---- the tests -------------------------------------------------------------------------------

@pytest.mark.real_model
def test_page_loads_with_no_console_error(browser: WebDriver, daemon: Daemon) -> None:
    open_dashboard(browser, daemon)
    assert browser.title == "voice-sidecar"
    assert browser.find_element(By.ID, "login").is_displayed() is False
    for element_id in ("btn-start", "btn-stop", "btn-restart", "file-path", "btn-file", "btn-mic",
                       "btn-talk", "btn-rec-stop", "transcript", "log"):
        assert browser.find_element(By.ID, element_id).is_displayed(), element_id
    assert text_of(browser, "gate-state") == "open"
    assert severe(browser) == []


@pytest.mark.real_model
def test_start_button_shows_the_worker_running(browser: WebDriver, daemon: Daemon) -> None:
    open_dashboard(browser, daemon)
    assert text_of(browser, "worker-state") == "stopped"
    ensure_running(browser, daemon)
    worker = daemon.worker()
    assert worker["state"] == "running"
    wait(browser, "the pid", lambda dr: text_of(dr, "w-pid") == str(worker["pid"]))
    assert "running" in browser.find_element(By.ID, "log").text  # the worker_state event, logged
    assert severe(browser) == []


@pytest.mark.real_model
def test_file_recording_shows_partial_then_final_text(browser: WebDriver, daemon: Daemon, speech: dict) -> None:
    ensure_running(browser, daemon)
    path_field = browser.find_element(By.ID, "file-path")
    path_field.clear()
    path_field.send_keys(str(speech["file"]))
    assert browser.find_element(By.ID, "file-realtime").is_selected()
    before = recordings_shown(browser)
    browser.find_element(By.ID, "btn-file").click()
    wait(browser, "the recording to start", lambda dr: recordings_shown(dr) > before)

    partials: list[str] = []

    def final_heard(dr: WebDriver):
        partial = text_of(dr, "partial")
        if partial:
            partials.append(partial)
        return finals_of_ended_recording(dr)

    heard = wait(browser, "the file's final text", final_heard, 60)
    assert partials, "no partial text was shown while the file played"
    assert_words(heard, FILE_SENTENCE)
    assert text_of(browser, "partial") == ""  # the final replaced it
    assert text_of(browser, "f-lost") == "0"
    assert int(text_of(browser, "f-acked").replace(",", "")) > 0
    assert severe(browser) == []


@pytest.mark.real_model
def test_talk_streams_the_browser_microphone(browser: WebDriver, daemon: Daemon, speech: dict) -> None:
    ensure_running(browser, daemon)
    talk = browser.find_element(By.ID, "btn-talk")
    before = recordings_shown(browser)
    talk.click()
    wait(browser, "Talk to go live", lambda dr: dr.find_element(By.ID, "btn-talk").get_attribute("aria-pressed") == "true")
    # The fake device plays the WAV once; the page counts what it has sent.
    wait(browser, "the speech to be played and sent", lambda dr: talk_seconds(dr) >= speech["mic_seconds"], 60)
    assert recordings_shown(browser) == before + 1  # the daemon started a recording for the socket
    talk.click()
    wait(browser, "the recording to end", lambda dr: dr.find_element(By.ID, "btn-talk").get_attribute("data-state") == "idle", 30)
    status = text_of(browser, "talk-status")
    assert status.startswith("done:") and "0 frames lost" in status, status
    assert not browser.find_element(By.ID, "notice").is_displayed(), text_of(browser, "notice")
    heard = wait(browser, "the spoken words as a final", lambda dr: finals_of_ended_recording(dr), 20)
    assert_words(heard, MIC_SENTENCE)
    assert "stream" in browser.find_element(By.ID, "finals").text  # the recording's divider
    assert severe(browser) == []


def test_with_a_token_the_page_asks_for_it_then_works(browser: WebDriver, tmp: Path) -> None:
    work = tmp / "token-daemon"
    work.mkdir()
    config = base_config(work, "tcp")
    config["auth"] = {"token": TOKEN}
    d = Daemon(config=config, workdir=work).start()
    try:
        browser.get(d.base_url + "/")
        wait(browser, "the token form", lambda dr: dr.find_element(By.ID, "login").is_displayed())
        assert not browser.find_element(By.ID, "dashboard").is_displayed()
        field = browser.find_element(By.ID, "token-input")
        assert browser.switch_to.active_element == field  # focused, ready to type

        field.send_keys("not-the-token")
        browser.find_element(By.ID, "token-submit").click()
        wait(browser, "the refusal", lambda dr: "refused" in text_of(dr, "login-error"))

        browser.find_element(By.ID, "token-input").send_keys(TOKEN)
        browser.find_element(By.ID, "token-submit").click()
        wait(browser, "the dashboard", lambda dr: dr.find_element(By.ID, "dashboard").is_displayed())
        wait(browser, "the status", lambda dr: text_of(dr, "worker-state") == "stopped")
        wait(browser, "the event stream", lambda dr: text_of(dr, "conn") == "connected")
        browser.find_element(By.ID, "btn-start").click()  # a POST with the bearer token
        wait(browser, "the worker to show running", lambda dr: text_of(dr, "worker-state") == "running")

        # Asked once: a reload keeps the token (this tab's sessionStorage), never in the URL.
        browser.refresh()
        wait(browser, "the status after a reload", lambda dr: text_of(dr, "worker-state") == "running")
        assert not browser.find_element(By.ID, "login").is_displayed()
        assert TOKEN not in browser.current_url

        # The WebSocket carries the token in its subprotocols.
        browser.find_element(By.ID, "btn-talk").click()
        wait(browser, "Talk to send audio", lambda dr: talk_seconds(dr) > 0.5)
        browser.find_element(By.ID, "btn-talk").click()
        wait(browser, "Talk to end", lambda dr: dr.find_element(By.ID, "btn-talk").get_attribute("data-state") == "idle", 30)
        assert text_of(browser, "talk-status").startswith("done:"), text_of(browser, "notice")

        # The only console errors are the 401s that made the page ask.
        errors = [e["message"] for e in severe(browser) if "401" not in e["message"]]
        assert errors == []
    finally:
        browser.execute_script("sessionStorage.clear()")
        d.stop()


def test_a_lost_connection_shows_and_reconnects(browser: WebDriver, tmp: Path) -> None:
    work = tmp / "restarted-daemon"
    work.mkdir()
    d = Daemon(config=base_config(work, "tcp"), workdir=work).start()
    try:
        open_dashboard(browser, d)
        d.stop()
        wait(browser, "the page to say it is disconnected", lambda dr: text_of(dr, "conn").startswith("disconnected"))
        d.start()  # the same address
        browser.find_element(By.ID, "btn-start").click()  # also works once the daemon is back
        wait(browser, "the event stream to come back", lambda dr: text_of(dr, "conn") == "connected")
        wait(browser, "the worker to show running", lambda dr: text_of(dr, "worker-state") == "running")
        assert "event stream lost" in text_of(browser, "log")
    finally:
        d.stop()
