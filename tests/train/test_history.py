import pytest

from tlwidgets.train import History


def test_series_and_last():
    history = History(steps=[{"loss": 2.0}, {"loss": 1.0}], epochs=[{"val_acc": 0.5}])
    assert history.series("loss") == [2.0, 1.0]
    assert history.last("val_acc") == 0.5
    assert history.num_steps == 2
    with pytest.raises(KeyError, match="recorded keys"):
        history.last("target_acc")
    with pytest.raises(ValueError, match="per must be"):
        history.series("loss", per="batch")
