"""`fetch_model` asks the Hub once when it is down, not once per model and request."""

from __future__ import annotations

import huggingface_hub
import pytest

from service.models import fetch

LISTING = ["config.json", "source.spm", "target.spm", "vocab.json", "pytorch_model.bin", "README.md"]


@pytest.fixture
def hub(monkeypatch):
    """A fake Hub: `state["up"]` decides whether it answers; `state["asked"]` counts the requests."""
    state = {"up": False, "asked": 0}

    def list_repo_files(model, revision=None):
        state["asked"] += 1
        if not state["up"]:
            raise ConnectionError("[Errno 111] Connection refused")
        return LISTING

    monkeypatch.setattr(huggingface_hub, "list_repo_files", list_repo_files)
    monkeypatch.setattr(
        huggingface_hub, "snapshot_download", lambda model, revision=None, **kw: f"/cache/{model}"
    )
    monkeypatch.setattr(fetch, "_hub_down", None)
    return state


def test_a_hub_that_did_not_answer_is_not_asked_again_for_a_while(hub, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    with pytest.raises(ConnectionError, match="refused"):
        fetch.fetch_model("Helsinki-NLP/opus-mt-ko-en")
    for model in ("Helsinki-NLP/opus-mt-ja-en", "staka/fugumt-en-ja"):
        with pytest.raises(fetch.HubUnreachable, match="not retried yet") as caught:
            fetch.fetch_model(model)
        assert str(caught.value) == (
            "the Hub did not answer 0 s ago, when 'Helsinki-NLP/opus-mt-ko-en' was fetched "
            "([Errno 111] Connection refused); not retried yet"
        )
    assert hub["asked"] == 1
    assert fetch.NO_NETWORK in fetch.explain_failure(
        "staka/fugumt-en-ja", fetch.HubUnreachable("connection failed")
    )


def test_the_memory_does_not_quote_another_model_s_address(hub, monkeypatch):
    """huggingface_hub's offline error starts with the URL it could not reach: for the next model
    that would name the first model's address as if it were its own."""

    def offline(model, revision=None):
        raise ConnectionError(
            f"Cannot reach https://huggingface.co/api/models/{model}/tree/main?recursive=true: "
            "offline mode is enabled. To disable it, please unset the `HF_HUB_OFFLINE` environment variable."
        )

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "list_repo_files", offline)
    with pytest.raises(ConnectionError):
        fetch.fetch_model("sshleifer/distilbart-cnn-12-6")
    with pytest.raises(fetch.HubUnreachable) as caught:
        fetch.fetch_model("Helsinki-NLP/opus-mt-tc-big-en-ko")
    message = str(caught.value)
    assert "https://" not in message and "'sshleifer/distilbart-cnn-12-6' was fetched" in message
    assert "(offline mode is enabled. To disable it, please unset the `HF_HUB_OFFLINE`" in message


def test_background_retries_ask_anyway_and_a_success_clears_the_memory(hub):
    with pytest.raises(ConnectionError):
        fetch.fetch_model("Helsinki-NLP/opus-mt-ko-en")
    hub["up"] = True
    assert (
        fetch.fetch_model("Helsinki-NLP/opus-mt-ko-en", ask_hub=True) == "/cache/Helsinki-NLP/opus-mt-ko-en"
    )
    assert fetch.fetch_model("staka/fugumt-en-ja") == "/cache/staka/fugumt-en-ja"
    assert hub["asked"] == 3


def test_the_memory_expires(hub, monkeypatch):
    with pytest.raises(ConnectionError):
        fetch.fetch_model("Helsinki-NLP/opus-mt-ko-en")
    monkeypatch.setattr(fetch, "HUB_RETRY_AFTER_S", 0.0)
    hub["up"] = True
    assert fetch.fetch_model("Helsinki-NLP/opus-mt-ko-en")
    assert hub["asked"] == 2


def test_other_failures_are_not_taken_for_a_hub_outage(hub, monkeypatch):
    monkeypatch.setattr(huggingface_hub, "list_repo_files", lambda model, revision=None: ["README.md"])
    with pytest.raises(FileNotFoundError):
        fetch.fetch_model("someone/not-a-model")
    assert fetch._hub_down is None
