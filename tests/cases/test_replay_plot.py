"""The replay chart: its title fits the figure, and every event is numbered, the numbers
apart from each other, and listed by number, date and title under the chart."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from forewarn.cases.replay import Replay, base_years, replay
from forewarn.cases.timeline import list_cases, load_case
from forewarn.config import Settings
from forewarn.framework.catalogue import load_framework
from forewarn.outlook import provider
from forewarn.plots import fit_title, replay_figure
from forewarn.response.ladder import load_ladder
from forewarn.warning.rules import load_rules


def _replay(settings: Settings, case_id: str) -> Replay:
    case = load_case(case_id)
    forecasts = provider(settings, base_years=base_years(case))
    return replay(case, forecasts, load_rules(), load_framework(), load_ladder(settings))


def _inside(fig: Figure, artist: object) -> bool:
    box = artist.get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]
    return bool(box.x0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height)


def test_a_long_title_is_wrapped_to_the_figure() -> None:
    fig = plt.figure(figsize=(6, 3))
    title = "Bosnia and Herzegovina: fall of the Srebrenica safe area and genocide, " * 3
    fit_title(fig, title.strip(), 11)
    fig.canvas.draw()
    shown = fig.get_suptitle()
    assert shown.replace("\n", " ") == title.strip() and shown.count("\n") >= 2
    assert _inside(fig, fig._suptitle)  # type: ignore[attr-defined]
    plt.close(fig)


@pytest.mark.slow
@pytest.mark.parametrize("case_id", list_cases())
def test_the_replay_chart_fits_and_labels_every_event(settings: Settings, case_id: str) -> None:
    result = _replay(settings, case_id)
    fig = replay_figure(result)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    assert _inside(fig, fig._suptitle)  # type: ignore[attr-defined]
    assert result.case.title in fig.get_suptitle().replace("\n", " ")
    history = fig.axes[1]
    numbers = [a for a in history.texts if isinstance(a, Annotation)]
    events = sorted(result.case.events, key=lambda e: e.date)
    assert [a.get_text() for a in numbers] == [str(n) for n in range(1, len(events) + 1)]
    boxes = [a.get_window_extent(renderer) for a in numbers]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert not first.overlaps(second), (numbers[i].get_text(), first, second)
    legend = history.get_legend()
    assert legend is not None
    kinds = {t.get_text() for t in legend.get_texts()}
    assert {e.kind for e in events} <= kinds
    key = "\n".join(t.get_text() for t in fig.axes[2].texts)
    for n, e in enumerate(events, 1):
        assert f"{n:>3}  {e.date.isoformat()}  {e.kind}" in key
    plt.close(fig)
