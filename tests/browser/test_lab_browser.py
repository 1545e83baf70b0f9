"""The widgets work in a real JupyterLab, in headless Chromium, driven by Playwright.

The test opens ``widgets_demo.ipynb`` on a throw-away JupyterLab server (see ``conftest.py``),
runs all cells from the Run menu, trains once in the FineTuneLab, changes the FeatureExplorer's
stage, moves a DomainShiftExplorer slider and adapts once, runs the TaskBalancer with equal and
then with slider-set weights, plays few-shot episodes in the EpisodePlayground and draws
symbols on its canvas (ipycanvas) for one-shot recognition, types a sentence into the
TextPlayground (from the keyboard: Tab to Analyse, Enter) and reads its neighbours, prediction
and zero-shot scores, and fails on any error the page logs. Elements are found inside each
widget's own root (by CSS class, or by role and accessible name), never by searching the whole
page: the code cells contain the same words as the widgets. A screenshot is saved to
``test-artifacts/`` whatever the outcome.
"""

from __future__ import annotations

import math
import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.screen_reader import check_screen_reader

DEMO = Path(__file__).with_name("widgets_demo.ipynb")
SCREENSHOT = "widgets_lab.png"
OPEN_TIMEOUT_MS = 60_000  # JupyterLab loads and the kernel starts
RUN_ALL_TIMEOUT_MS = 120_000  # a few seconds a cell in smoke mode; loading MiniLM ~5-15 s
TRAIN_TIMEOUT_MS = 120_000  # one smoke-budget run in FineTuneLab
VIEW_TIMEOUT_MS = 60_000  # the explorer recomputes its view
SHIFT_TIMEOUT_MS = 120_000  # the shift explorer trains its source model, or adapts (smoke)
BALANCE_TIMEOUT_MS = 120_000  # one smoke-budget run in the TaskBalancer
EPISODE_TIMEOUT_MS = 60_000  # the playground fits a few-shot method on episodes (under 1 s each)
ANALYSE_TIMEOUT_MS = 30_000  # the text playground embeds one sentence (milliseconds when idle)

KERNEL_READY = re.compile(r"^(?!No Kernel).* \| Idle$")  # the status bar's kernel item

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # conftest skips without Chromium

# True once every code cell shows an execution count: "[3]:", not "[*]:" (running) or "[ ]:".
ALL_CELLS_RAN = """() => {
    const prompts = [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")];
    return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
}"""

# The rows of an HTML table, each a {column header: cell text} object.
TABLE_ROWS = """table => {
    const heads = [...table.querySelectorAll("thead th")].map(th => th.textContent.trim());
    return [...table.querySelectorAll("tbody tr")].map(tr => Object.fromEntries(
        [...tr.cells].map((cell, i) => [heads[i] ?? String(i), cell.textContent.trim()])));
}"""

# True once an <img> shows a decoded picture from a blob: or data: address.
IMAGE_SHOWN = """img => img.complete && img.naturalWidth > 0
    && (img.src.startsWith("blob:") || img.src.startsWith("data:"))"""

# The SHA-256 of the bytes an <img> shows, to tell a new picture from a re-sent one.
IMAGE_DIGEST = """async img => {
    const bytes = await (await fetch(img.src)).arrayBuffer();
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, "0")).join("");
}"""


def image_in(root: Locator, css_class: str) -> Locator:
    """The ``<img>`` of the Image widget with ``css_class`` (the class sits on the img itself)."""
    return root.locator(f"img.{css_class}, .{css_class} img").first


def wait_until_shown(image: Locator, timeout_ms: float) -> None:
    """Wait until ``image`` is visible and shows a decoded, non-empty picture."""
    expect(image).to_be_visible(timeout=timeout_ms)
    image.page.wait_for_function(IMAGE_SHOWN, arg=image.element_handle(), timeout=timeout_ms)


def wait_for_new_picture(image: Locator, old_digest: str, timeout_ms: float) -> None:
    """Wait until ``image`` shows a decoded picture other than the one ``old_digest`` names."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        wait_until_shown(image, timeout_ms=timeout_ms)
        if image.evaluate(IMAGE_DIGEST) != old_digest:
            return
        assert time.monotonic() < deadline, "the picture did not change"
        image.page.wait_for_timeout(100)


def run_all_cells(page: Page, notebook: str) -> None:
    """Run > Run All Cells once the kernel is connected; wait until every code cell has run."""
    # The status bar says "No Kernel | Initializing", then "Python 3 (ipykernel) | Idle" once
    # the kernel is connected; Run All before that is silently ignored. (The toolbar's
    # execution indicator reads "idle" before the kernel starts, so it cannot tell.)
    kernel = page.locator("#jp-main-statusbar").get_by_title(f"Change kernel for {notebook}")
    expect(kernel).to_have_text(KERNEL_READY, timeout=OPEN_TIMEOUT_MS)
    page.locator("#jp-MainMenu").get_by_role("menuitem", name="Run", exact=True).click()
    run_all = page.get_by_role("menuitem", name="Run All Cells", exact=True)
    expect(run_all).to_be_enabled()
    run_all.click()
    page.wait_for_function(ALL_CELLS_RAN, timeout=RUN_ALL_TIMEOUT_MS)
    tracebacks = page.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
    )
    assert tracebacks.count() == 0, "a demo cell failed:\n" + "\n".join(
        tracebacks.all_inner_texts()
    )
    expect(kernel).to_have_text(KERNEL_READY, timeout=RUN_ALL_TIMEOUT_MS)


def check_finetune_lab(lab: Locator) -> None:
    """Train once; the status reports the finished run, the plots and the runs table show it."""
    plots = {name: image_in(lab, name) for name in ("tlw-live-plot", "tlw-compare-plot")}
    before = {}  # both plots show a placeholder before the first run: remember them
    for name, plot in plots.items():
        wait_until_shown(plot, timeout_ms=10_000)
        before[name] = plot.evaluate(IMAGE_DIGEST)

    # A screen reader finds each setting by its role and name (the description is its label).
    for role, name in (
        ("combobox", "Strategy"),
        ("combobox", "Labels per class"),
        ("spinbutton", "Seed"),
    ):
        expect(lab.get_by_role(role, name=name, exact=True)).to_be_visible()
    # The accessible name starts with the icon's glyph, so match the end of it.
    lab.get_by_role("button", name=re.compile(r"^\W*Train$")).click()

    status = lab.locator(".tlw-status")
    expect(status).to_contain_text(re.compile(r"Finished run 1|Error"), timeout=TRAIN_TIMEOUT_MS)
    text = status.inner_text()
    assert "Finished run 1" in text, f"FineTuneLab status after Train: {text!r}"
    assert re.search(r"\d+(\.\d+)?\s*%", text), f"no accuracy percentage in status {text!r}"

    for name, plot in plots.items():
        wait_until_shown(plot, timeout_ms=10_000)
        assert plot.evaluate(IMAGE_DIGEST) != before[name], f"{name} still shows its placeholder"

    table = lab.locator(".tlw-runs-table table")
    expect(table).to_be_visible()
    rows = table.evaluate(TABLE_ROWS)
    assert any(row.get("run") == "1" for row in rows), f"no row for run 1 in the runs table: {rows}"


def check_feature_explorer(explorer: Locator) -> None:
    """Choosing another stage draws a different picture and keeps the metrics shown."""
    plot = image_in(explorer, "tlw-explorer-plot")
    wait_until_shown(plot, timeout_ms=VIEW_TIMEOUT_MS)
    metrics = explorer.locator(".tlw-explorer-metrics")
    expect(metrics).not_to_be_empty(timeout=VIEW_TIMEOUT_MS)
    before_src = plot.get_attribute("src")
    before_digest = plot.evaluate(IMAGE_DIGEST)

    stage = explorer.get_by_label("Stage", exact=True)
    current = stage.input_value()
    options = stage.locator("option").evaluate_all("options => options.map(o => o.value)")
    other = next((value for value in options if value != current), None)
    assert other is not None, f"the Stage dropdown offers one choice only: {options}"
    stage.select_option(other)

    expect(plot).not_to_have_attribute("src", before_src or "", timeout=VIEW_TIMEOUT_MS)
    wait_until_shown(plot, timeout_ms=VIEW_TIMEOUT_MS)
    assert plot.evaluate(IMAGE_DIGEST) != before_digest, f"stage {other!r} drew the same picture"
    expect(metrics).not_to_be_empty()
    status = explorer.locator(".tlw-explorer-status")
    expect(status).not_to_contain_text("Error")


def check_domain_shift_explorer(explorer: Locator) -> None:
    """The source model gets ready, a slider shifts the target, Adapt adds a measured result."""
    status = explorer.locator(".tlw-shift-status")
    expect(status).to_contain_text(re.compile(r"model .* ready|Error"), timeout=SHIFT_TIMEOUT_MS)
    text = status.inner_text()
    assert "ready" in text, f"DomainShiftExplorer status before any change: {text!r}"
    samples = image_in(explorer, "tlw-shift-samples")
    wait_until_shown(samples, timeout_ms=10_000)
    before = samples.evaluate(IMAGE_DIGEST)

    # The rotation slider's handle takes the keyboard; End moves it to 90 degrees, and the
    # value is sent (and measured) once, as on letting go of the mouse.
    handle = explorer.locator(".tlw-shift-rotation .noUi-handle")
    handle.focus()
    handle.press("End")
    expect(status).to_contain_text(
        re.compile(r"^rotation 90°: source-only accuracy \d+(\.\d+)?%"), timeout=VIEW_TIMEOUT_MS
    )
    wait_until_shown(samples, timeout_ms=10_000)
    assert samples.evaluate(IMAGE_DIGEST) != before, "the samples were not shifted"

    explorer.get_by_role("button", name=re.compile(r"^\W*Adapt$")).click()
    expect(status).to_contain_text(
        re.compile(r"^(Adapted|Stopped) with|Error"), timeout=SHIFT_TIMEOUT_MS
    )
    text = status.inner_text()
    assert text.startswith("Adapted with DANN at rotation 90°"), f"status after Adapt: {text!r}"
    assert re.search(r"target accuracy \d+(\.\d+)?%", text), f"no accuracy in {text!r}"
    table = explorer.locator(".tlw-shift-metrics table")
    rows = table.evaluate(TABLE_ROWS)
    assert [row.get("model") for row in rows] == ["source only", "DANN"], rows


def check_task_balancer(balancer: Locator) -> None:
    """Run with equal weights, then with a weight slider moved: two trade-off points, two rows."""
    plots = {
        name: image_in(balancer, name)
        for name in ("tlw-balancer-live-plot", "tlw-balancer-pareto-plot")
    }
    before = {}  # both plots show a placeholder before the first run: remember them
    for name, plot in plots.items():
        wait_until_shown(plot, timeout_ms=10_000)
        before[name] = plot.evaluate(IMAGE_DIGEST)
    run = balancer.get_by_role("button", name=re.compile(r"^\W*Run$"))
    status = balancer.locator(".tlw-balancer-status")

    run.click()
    expect(status).to_contain_text(re.compile(r"Finished run 1|Error"), timeout=BALANCE_TIMEOUT_MS)
    text = status.inner_text()
    assert "Finished run 1 (equal weights)" in text, f"TaskBalancer status after Run: {text!r}"
    assert re.search(r"left acc \d+(\.\d+)?%", text), f"no task accuracy in status {text!r}"
    for plot, digest in zip(plots.values(), before.values(), strict=True):
        wait_for_new_picture(plot, digest, timeout_ms=10_000)  # the placeholder is replaced
    pareto = plots["tlw-balancer-pareto-plot"]
    one_point = pareto.evaluate(IMAGE_DIGEST)

    # The weight sliders are enabled by the "fixed" strategy only; End moves one to 100.
    balancer.get_by_label("Strategy", exact=True).select_option(label="fixed weights (sliders)")
    enabled = balancer.locator(".tlw-balancer-weight-right .noUi-target:not([disabled])")
    expect(enabled).to_be_visible(timeout=10_000)
    handle = enabled.locator(".noUi-handle")
    handle.focus()
    handle.press("End")
    run.click()
    expect(status).to_contain_text(re.compile(r"Finished run 2|Error"), timeout=BALANCE_TIMEOUT_MS)
    text = status.inner_text()
    assert "Finished run 2 (fixed weights (left 1, right 100))" in text, f"status: {text!r}"
    wait_for_new_picture(pareto, one_point, timeout_ms=10_000)  # the second point

    table = balancer.locator(".tlw-balancer-runs-table table")
    expect(table).to_be_visible()
    rows = table.evaluate(TABLE_ROWS)
    assert [(row.get("run"), row.get("strategy"), row.get("weights")) for row in rows] == [
        ("1", "equal weights", "1 each"),
        ("2", "fixed weights (sliders)", "left 1, right 100"),
    ], rows


def check_episode_playground(playground: Locator) -> None:
    """New episode shows marked queries and a running accuracy; Run 20 adds 20 episodes."""
    queries = image_in(playground, "tlw-episode-queries")
    wait_until_shown(queries, timeout_ms=10_000)
    placeholder = queries.evaluate(IMAGE_DIGEST)
    status = playground.locator(".tlw-episode-status")
    accuracy = playground.locator(".tlw-episode-accuracy")
    expect(accuracy).to_contain_text("no episode yet")

    playground.get_by_role("button", name=re.compile(r"^\W*New episode$")).click()
    expect(status).to_contain_text(re.compile(r"^(Episode 1|Error)"), timeout=EPISODE_TIMEOUT_MS)
    text = status.inner_text()
    assert text.startswith("Episode 1: 5-way 1-shot"), f"EpisodePlayground status: {text!r}"
    expect(playground.locator(".tlw-episode-query-title")).to_contain_text(
        re.compile(r"\d+ of 25 right")
    )
    wait_for_new_picture(queries, placeholder, timeout_ms=10_000)
    expect(accuracy).to_contain_text(re.compile(r"\d+(\.\d+)?% ± \d+(\.\d+)?%.* 1 episode;"))

    playground.get_by_role("button", name=re.compile(r"^\W*Run 20 episodes$")).click()
    expect(status).to_contain_text(
        re.compile(r"^(Episodes 2-21|Error)"), timeout=EPISODE_TIMEOUT_MS
    )
    assert status.inner_text().startswith("Episodes 2-21"), status.inner_text()
    expect(accuracy).to_contain_text("over 21 episodes")

    playground.get_by_label("Method", exact=True).select_option("Baseline")
    expect(accuracy).to_contain_text("no episode yet", timeout=10_000)  # a new tally


def draw(canvas: Locator, points: list[tuple[float, float]]) -> None:
    """Drag the mouse through ``points`` (fractions of the canvas' width and height)."""
    box = canvas.bounding_box()
    assert box is not None, "the canvas is not on the page"
    mouse = canvas.page.mouse
    for index, (u, v) in enumerate(points):
        x, y = box["x"] + u * box["width"], box["y"] + v * box["height"]
        if index == 0:
            mouse.move(x, y)
            mouse.down()
        else:
            mouse.move(x, y, steps=4)
    mouse.up()


VERTICAL = [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)]  # "|"
RING = [
    (0.5 + 0.35 * math.cos(a / 8 * math.tau), 0.5 + 0.35 * math.sin(a / 8 * math.tau))
    for a in range(9)
]  # "O"
CROSS_STROKES = ([(0.15, 0.15), (0.85, 0.85)], [(0.85, 0.15), (0.15, 0.85)])  # "X"


def check_draw_your_own(playground: Locator) -> None:
    """Mouse strokes on the real ipycanvas become examples; a new "|" is recognised as A."""
    playground.get_by_role("tab", name="Draw your own").click()
    canvas = playground.locator("canvas").first
    expect(canvas).to_be_visible(timeout=10_000)
    status = playground.locator(".tlw-draw-status")
    expect(status).to_contain_text("Examples so far: A: 0, B: 0, C: 0.")
    check_screen_reader(playground, status_lines=3)  # the tab's buttons are named too

    def add_as(symbol: str, strokes: list[list[tuple[float, float]]], count: str) -> None:
        for stroke in strokes:
            draw(canvas, stroke)
        playground.get_by_role("button", name=f"Add as {symbol}").click()
        expect(status).to_contain_text(count, timeout=EPISODE_TIMEOUT_MS)

    add_as("A", [VERTICAL], "A: 1, B: 0, C: 0")
    add_as("B", [RING], "A: 1, B: 1, C: 0")
    add_as("C", list(CROSS_STROKES), "A: 1, B: 1, C: 1")
    draw(canvas, [(0.45, 0.2), (0.47, 0.5), (0.5, 0.8)])  # a slightly slanted "|"
    playground.get_by_role("button", name=re.compile(r"^\W*Recognise$")).click()
    expect(status).to_contain_text("That looks like A", timeout=EPISODE_TIMEOUT_MS)
    examples = image_in(playground, "tlw-draw-examples")
    wait_until_shown(examples, timeout_ms=10_000)
    shown, natural = examples.evaluate("img => [img.clientWidth, img.naturalWidth]")
    assert shown <= natural, f"the examples picture is stretched: {shown} px for {natural} px"


def check_text_playground(playground: Locator) -> None:
    """Analyse a typed sentence; switch classifier; rewrite a label description."""
    status = playground.locator(".tlw-text-status")
    summary = playground.locator(".tlw-text-summary")
    expect(status).to_contain_text("Type a sentence")
    sentence = playground.get_by_role("textbox", name="Sentence", exact=True)
    sentence.fill("a wonderful, moving film")
    # Keyboard only: Tab leaves the sentence box for the Analyse button, Enter presses it.
    sentence.press("Tab")
    expect(playground.get_by_role("button", name=re.compile(r"^\W*Analyse$"))).to_be_focused()
    playground.page.keyboard.press("Enter")
    expect(status).to_contain_text(re.compile(r"^(Analysed|Error)"), timeout=ANALYSE_TIMEOUT_MS)
    text = status.inner_text()
    assert text.startswith("Analysed in") and "wonderful" in text, f"status: {text!r}"

    rows = playground.locator(".tlw-text-neighbours table").evaluate(TABLE_ROWS)
    assert [row.get("#") for row in rows] == ["1", "2", "3", "4", "5"], rows
    assert all(row.get("label") in ("negative", "positive") and row.get("sentence") for row in rows)
    cosines = [float(row["cosine"]) for row in rows]
    assert cosines == sorted(cosines, reverse=True) and 0 < cosines[-1] <= 1, cosines

    def shown_probabilities(css_class: str) -> dict[str, float]:
        table = playground.locator(f".{css_class} table")
        expect(table).to_be_visible()
        bars = {r["class"]: float(r["probability"].rstrip("%")) for r in table.evaluate(TABLE_ROWS)}
        assert set(bars) == {"negative", "positive"}, bars
        assert math.isclose(sum(bars.values()), 100, abs_tol=0.2), bars
        return bars

    assert shown_probabilities("tlw-text-prediction")["positive"] > 50
    zero_shot = shown_probabilities("tlw-text-zero-shot")
    assert zero_shot["positive"] > 50, zero_shot
    expect(summary).to_contain_text(re.compile(r"^head on MiniLM: positive \(\d+\.\d%\)"))

    playground.get_by_label("Classifier", exact=True).select_option("TF-IDF")
    expect(summary).to_contain_text(re.compile(r"^TF-IDF: \w+ \(\d+\.\d%\)"), timeout=10_000)

    # A description is sent on Enter; the same sentence is scored against the new one.
    description = playground.get_by_label("positive", exact=True)
    description.fill("a recipe for soup")
    description.press("Enter")
    expect(status).to_contain_text("Rescored with the label descriptions", timeout=10_000)
    assert shown_probabilities("tlw-text-zero-shot")["positive"] != zero_shot["positive"]


@pytest.mark.timeout(300)
def test_widgets_train_and_explore_in_jupyterlab(lab_server, chromium_page, artifacts_dir):
    page, errors = chromium_page
    shutil.copy(DEMO, lab_server.root / DEMO.name)  # served copy: autosave never touches DEMO

    try:
        page.goto(lab_server.notebook_url(DEMO.name))
        expect(page.locator(".jp-Notebook")).to_be_visible(timeout=OPEN_TIMEOUT_MS)
        run_all_cells(page, DEMO.name)

        lab = page.locator(".tlw-finetune-lab")
        explorer = page.locator(".tlw-feature-explorer")
        shift_explorer = page.locator(".tlw-shift-explorer")
        balancer = page.locator(".tlw-task-balancer")
        playground = page.locator(".tlw-episode-playground")
        text_playground = page.locator(".tlw-text-playground")
        expect(lab).to_be_visible()
        expect(explorer).to_be_visible()
        expect(shift_explorer).to_be_visible()
        expect(balancer).to_be_visible()
        expect(playground).to_be_visible()
        expect(text_playground).to_be_visible()
        # Screen readers: every control named, status lines read aloud (the episode
        # playground's three include its Draw-your-own tab's, the text playground's its summary).
        for panel, status_lines in (
            (lab, 1),
            (explorer, 1),
            (shift_explorer, 1),
            (balancer, 1),
            (playground, 3),
            (text_playground, 2),
        ):
            check_screen_reader(panel, status_lines)

        check_finetune_lab(lab)
        check_feature_explorer(explorer)
        check_domain_shift_explorer(shift_explorer)
        check_task_balancer(balancer)
        check_episode_playground(playground)
        check_draw_your_own(playground)
        check_text_playground(text_playground)
    except Exception:
        # Shown under "Captured stdout" with the failure: what the page and server said.
        print("browser errors:\n" + (errors.report() or "  (none)"))
        print("JupyterLab log (end):\n" + lab_server.log()[-4000:])
        raise
    finally:
        page.screenshot(path=artifacts_dir / SCREENSHOT, full_page=True)

    assert not errors.messages, "the browser logged errors:\n" + errors.report()
