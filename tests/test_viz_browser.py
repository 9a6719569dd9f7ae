"""kedro-viz in a real browser: the flowchart renders every node in its layer band.

Starts ``kedro viz run`` on a free loopback port, opens it in headless Debian
Chromium driven through the DevTools protocol (over a pipe: no port, no extra
package), waits until the flowchart has drawn, checks the layer bands and the
number of nodes against the project's ``__default__`` pipeline, opens a dataset's
card, and saves screenshots under ``build/screenshots/``.

Skipped only when no Chromium binary is installed (``make install`` installs
Debian's ``chromium``; ``CHROMIUM_BINARY`` may name another one). Set
``MOTORS_MEETUP_VIZ_WAREHOUSE`` (and ``MOTORS_MEETUP_USER``) to a built warehouse
to see its rows in the card; without it the card says the table is not built.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import random
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kedro.framework.startup import bootstrap_project

from motors_meetup.contracts import contract_for
from motors_meetup.pipeline_registry import register_pipelines

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"
LAYERS_IN_ORDER = ["raw", "staging", "intermediate", "marts", "pbi"]
CARD_DATASET = "marts.fact_rsvps"
SERVER_TIMEOUT_S = 300
RENDER_TIMEOUT_S = 180
WINDOW = (1600, 1000)


def chromium_binary() -> str | None:
    """The Chromium to drive: $CHROMIUM_BINARY, else Debian's ``chromium``."""
    named = os.environ.get("CHROMIUM_BINARY")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


pytestmark = pytest.mark.skipif(
    chromium_binary() is None,
    reason="no Chromium binary installed (Debian package `chromium`, installed by "
    "`make install`; or set CHROMIUM_BINARY): cannot check kedro-viz in a browser",
)


# ---- the kedro-viz server -------------------------------------------------------


def free_port() -> int:
    """A free loopback port below 49152 (kedro-viz refuses the ephemeral range)."""
    for port in random.sample(range(20000, 49000), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 49000")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def viz_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kedro viz run`` on a free loopback port; its process group is ended after."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("viz") / "kedro-viz.log"
    env = {
        **os.environ,
        "KEDRO_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "1",
        "MOTORS_MEETUP_USER": os.environ.get("MOTORS_MEETUP_USER", "viz"),
    }
    command = [
        "kedro",
        "viz",
        "run",
        "--no-browser",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    warehouse = os.environ.get("MOTORS_MEETUP_VIZ_WAREHOUSE")
    if warehouse:
        command += ["--params", f"warehouse_dir={warehouse}"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one group: the server's spawned child too
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_TIMEOUT_S
        while not answers(url + "api/main"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"kedro viz run did not answer on {url}:\n"
                    + log_path.read_text(errors="replace")[-3000:]
                )
            time.sleep(1)
        yield url
    finally:
        stop_group(server)


def stop_group(process: subprocess.Popen) -> None:
    """End the process group this test started (the server and its child)."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 30)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def expected_counts() -> dict[str, int]:
    """Nodes kedro-viz draws for ``__default__``: tasks, datasets, parameters."""
    bootstrap_project(PROJECT_ROOT)
    pipeline = register_pipelines()["__default__"]
    names = pipeline.datasets()
    parameters = {n for n in names if n.startswith("params:") or n == "parameters"}
    return {
        "task": len(pipeline.nodes),
        "data": len(names - parameters),
        "parameters": len(parameters),
    }


# ---- a minimal DevTools-protocol client over --remote-debugging-pipe -----------------


class Browser:
    """Headless Chromium reading commands on fd 3 and answering on fd 4."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Parked above 10 so that putting them on 3 and 4 in the child cannot
        # overwrite one with the other.
        child_in = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        child_out = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def to_fds_3_and_4() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self._process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=to_fds_3_and_4,  # noqa: PLW1509 - only dup2 in the child
        )
        os.close(child_in)
        os.close(child_out)
        self._next_id = 0
        self._buffer = b""
        self.session: str | None = None

    def send(self, method: str, timeout: float = 60, **params: Any) -> dict:
        """Send a command (to the attached page, once attached); its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method}
        message["params"] = params
        if self.session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_browser], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str) -> None:
        """A new page at ``url``, attached: later commands go to it."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send(
            "Target.attachToTarget", targetId=target, flatten=True
        )["sessionId"]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WINDOW[0],
            height=WINDOW[1],
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.enable")
        # A fresh profile gets kedro-viz's feature tour; switch it off up front.
        self.send(
            "Page.addScriptToEvaluateOnNewDocument",
            source="localStorage.setItem('KedroViz', "
            "JSON.stringify({showFeatureHints: false}));",
        )
        self.send("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page."""
        result = self.send(
            "Runtime.evaluate",
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float, settle: int = 3) -> Any:
        """Poll ``expression`` until it is truthy and unchanged ``settle`` times."""
        deadline = time.monotonic() + timeout
        last, same = None, 0
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            same = same + 1 if value and value == last else 0
            if same >= settle:
                return value
            last = value
            time.sleep(1)
        raise TimeoutError(f"not settled after {timeout}s: {expression} -> {last}")

    def screenshot(self, path: Path) -> Path:
        """Save the page as a PNG."""
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium with a throw-away profile."""
    binary = chromium_binary()
    assert binary is not None
    with tempfile.TemporaryDirectory(prefix="viz-chromium-") as profile:
        session = Browser(binary, Path(profile))
        try:
            yield session
        finally:
            session.close()


# What the flowchart shows, read from the page: node counts by kind (the class
# kedro-viz gives each node group) and the layer labels top to bottom.
FLOWCHART_STATE = """(() => {
  const nodes = [...document.querySelectorAll('g.pipeline-node')];
  const kinds = {task: 0, data: 0, parameters: 0};
  for (const node of nodes) {
    for (const kind of Object.keys(kinds)) {
      if (node.classList.contains('pipeline-node--' + kind)) kinds[kind] += 1;
    }
  }
  const layers = [...document.querySelectorAll('.pipeline-layer-name')]
    .map(label => [label.textContent.trim(), label.getBoundingClientRect().top])
    .sort((a, b) => a[1] - b[1])
    .map(pair => pair[0]);
  return JSON.stringify({nodes: nodes.length, kinds, layers,
                         bands: document.querySelectorAll('.pipeline-layer').length});
})()"""


# The "new release" banner has a Dismiss button; feature hints a close button.
DISMISS_BANNERS = """(() => {
  const buttons = [...document.querySelectorAll('button')]
    .filter(b => ['Dismiss'].includes(b.textContent.trim()));
  buttons.forEach(b => b.click());
  return buttons.length;
})()"""


def test_flowchart_draws_every_node_in_layer_bands_in_order(
    viz_url: str, browser: Browser, expected_counts: dict[str, int]
) -> None:
    browser.open(viz_url)
    state = json.loads(
        browser.wait_for(
            f"(() => {{ const s = {FLOWCHART_STATE}; "
            "return JSON.parse(s).nodes > 0 && JSON.parse(s).layers.length > 0 "
            "? s : null; })()",
            RENDER_TIMEOUT_S,
        )
    )
    browser.evaluate(DISMISS_BANNERS)
    time.sleep(1)
    shot = browser.screenshot(SCREENSHOTS / "kedro-viz-flowchart.png")

    drawn = [layer for layer in state["layers"] if layer in LAYERS_IN_ORDER]
    assert drawn == LAYERS_IN_ORDER, state["layers"]
    assert state["layers"][0] == "sources", state["layers"]
    assert state["bands"] == len(state["layers"])
    # Parameters are drawn unless hidden by kedro-viz's default filter: compare the
    # node kinds kedro-viz shows with the pipeline's.
    shown = {kind: count for kind, count in state["kinds"].items() if count}
    expected = {kind: expected_counts[kind] for kind in shown}
    assert shown == expected, (state, expected_counts)
    assert shown["task"] == expected_counts["task"]
    assert shown["data"] == expected_counts["data"]
    assert state["nodes"] == sum(shown.values())
    assert shot.stat().st_size > 20_000  # a drawn flowchart, not a blank page


def test_a_dataset_card_shows_its_contract_description(
    viz_url: str, browser: Browser
) -> None:
    description = contract_for(CARD_DATASET).Config.description
    clicked = browser.evaluate(
        f"""(() => {{
  const node = [...document.querySelectorAll('g.pipeline-node--data')]
    .find(n => n.textContent.trim() === {json.dumps(CARD_DATASET)});
  if (!node) return false;
  node.dispatchEvent(new MouseEvent('click', {{bubbles: true}}));
  return true;
}})()"""
    )
    assert clicked, f"no node {CARD_DATASET} in the flowchart"
    card = browser.wait_for(
        "(() => { const c = document.querySelector('.motors-meetup-card');"
        " return c ? c.innerText : null; })()",
        RENDER_TIMEOUT_S,
        settle=2,
    )
    browser.screenshot(SCREENSHOTS / "kedro-viz-dataset-card.png")
    # The words exactly as the contract has them: no Markdown mangling of `_`.
    assert description in card
    assert "rsvp_timing_category" in card  # the column docs
    assert "event_sk → marts.dim_events.event_sk" in card  # a relationship

    expanded = browser.evaluate(
        """(() => {
  const button = [...document.querySelectorAll('button')]
    .find(b => b.textContent.trim() === 'Expand preview');
  if (!button) return false;
  button.click();
  return true;
})()"""
    )
    assert expanded, "no 'Expand preview' button for the card"
    # The expanded card: a second card, or the one in the preview modal.
    expanded_card = browser.wait_for(
        "(() => { const cards = document.querySelectorAll('.motors-meetup-card');"
        " const modal = document.querySelector("
        "'.pipeline-metadata-modal .motors-meetup-card');"
        " const c = modal || (cards.length > 1 ? cards[cards.length - 1] : null);"
        " return c ? c.innerText : null; })()",
        RENDER_TIMEOUT_S,
        settle=2,
    )
    browser.screenshot(SCREENSHOTS / "kedro-viz-dataset-card-expanded.png")
    assert description in expanded_card
    assert "rsvp_timing_category" in expanded_card
