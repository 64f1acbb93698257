"""Screenshots of the main dashboard pages, from the demo data, for the README.

Starts `annotrace serve --demo` on a fresh data directory, signs in as a demo reviewer
with headless Chromium and writes PNGs to docs/screenshots/.

    python scripts/screenshots.py [--chromium /usr/bin/chromium] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_demo(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ANNOTRACE_DATA_DIR": str(workdir), "ANNOTRACE_LOG_LEVEL": "warning"}
    env.pop("ANNOTRACE_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "annotrace", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the demo server did not start")


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("annotrace-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/traces*")


def shoot(page: Page, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def tour(page: Page, out: Path) -> None:
    page.goto("/login")
    shoot(page, out, "sign-in")
    sign_in(page, "ana@demo.annotrace.local")
    shoot(page, out, "traces")
    page.locator(".trace-row", has_text="support_agent").first.locator(".open-trace").click()
    drawer = page.get_by_role("dialog")
    expect(drawer).to_be_visible()
    drawer.locator(".span-link", has_text="ChatCompletion").first.click()
    expect(page.locator(".span-head h3")).to_contain_text("ChatCompletion")
    shoot(page, out, "trace-drawer")
    page.get_by_role("tab", name="Evaluation").click()
    drawer.locator(".span-link", has_text="support_agent").first.click()
    expect(page.locator(".annotation").first).to_be_visible()
    shoot(page, out, "evaluation-tab")
    page.get_by_role("link", name="Add annotation").click()
    page.get_by_label("Name").fill("Response Quality")
    page.get_by_label("Label").select_option("good")
    page.get_by_label("Score").fill("0.85")
    page.get_by_label("Reason").fill("Accurate and polite; cites the right policy.")
    shoot(page, out, "add-annotation")
    correction(page, out)
    page.goto("/labels")
    shoot(page, out, "labels")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "demo@annotrace.local")
    page.goto("/labels")
    shoot(page, out, "labels-admin")
    page.goto("/keys")
    shoot(page, out, "keys")
    filter_bar(page, out)
    golden_set(page, out)
    queues(page, out)
    page.set_viewport_size({"width": 420, "height": 860})
    page.goto("/traces")
    shoot(page, out, "traces-narrow")


def filter_bar(page: Page, out: Path) -> None:
    """The Spans view of "Response Quality = good and score at least 0.8"."""
    page.goto("/traces")
    support = page.locator("#f-project option", has_text="support-bot").get_attribute("value")
    page.goto(f"/traces?project={support}&view=spans")
    first = page.locator("#bar-rows .bar-row").nth(0)
    first.get_by_label("Condition", exact=True).select_option("annotation")
    first.get_by_label("Annotation", exact=True).fill("Response Quality")
    first.get_by_label("Value", exact=True).select_option("good")
    page.get_by_role("button", name="Add condition").click()
    second = page.locator("#bar-rows .bar-row").nth(1)
    second.get_by_label("Condition", exact=True).select_option("annotation")
    second.get_by_label("Annotation", exact=True).fill("Response Quality")
    second.get_by_label("at least", exact=True).fill("0.8")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#trace-list .span-row").first).to_be_visible()
    shoot(page, out, "filter-bar")


def correction(page: Page, out: Path) -> None:
    """A reviewer's corrected output beside the model's, as a word diff."""
    drawer = page.get_by_role("dialog")
    drawer.locator(".span-link", has_text="ChatCompletion").last.click()
    page.get_by_role("tab", name="Evaluation").click()
    field = page.get_by_label("Corrected output")
    original = field.input_value()
    first_sentence = original.split(". ")[0]
    field.fill(f"{first_sentence}. If anything is still unclear, reply here and I will help.")
    page.get_by_role("button", name="Record correction").click()
    expect(page.locator("#correction ins").first).to_be_visible()
    page.locator("#correction").scroll_into_view_if_needed()
    shoot(page, out, "correction")


def golden_set(page: Page, out: Path) -> None:
    """The filter bar's spans saved as a dataset."""
    page.get_by_role("link", name="Export or save as dataset").click()
    page.get_by_label("Name").fill("good-and-confident")
    page.get_by_label("Description").fill(
        "Answers reviewers rated good with a score of 0.8 or more."
    )
    page.get_by_role("button", name="Save dataset").click()
    expect(page.get_by_role("status")).to_contain_text("Saved good-and-confident")
    shoot(page, out, "datasets")


def queues(page: Page, out: Path) -> None:
    """The demo queue: its agreement, an item under review, the disagreements."""
    page.goto("/queues")
    page.get_by_label("Project", exact=True).select_option(label="support-bot")
    page.get_by_role("link", name="Support answers: second opinion").click()
    expect(page.locator("table.agreement")).to_be_visible()
    page.locator("#h-progress").scroll_into_view_if_needed()
    shoot(page, out, "queue")
    page.get_by_role("link", name="Start reviewing").click()
    expect(page.locator(".review-form")).to_be_visible()
    page.keyboard.press("1")
    shoot(page, out, "queue-review")
    page.goto(page.url.replace("/review", "/adjudicate"))
    expect(page.locator("article.disagreement").first).to_be_visible()
    shoot(page, out, "queue-adjudicate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        server = start_demo(Path(workdir), port)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=ARGS)
                context = browser.new_context(
                    base_url=f"http://127.0.0.1:{port}", viewport={"width": 1440, "height": 900}
                )
                tour(context.new_page(), args.out)
                browser.close()
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
