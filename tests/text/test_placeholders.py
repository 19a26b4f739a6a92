"""Protecting glossary terms with placeholders and putting the target form back."""

from __future__ import annotations

from service.text.glossary import parse_glossary
from service.text.placeholders import protect, restore, translate_with_glossary

GLOSSARY = parse_glossary(
    "en,ko,ja\nLee Jae-myung,이재명,李在明\nLee,이,李\nTakaichi Sanae,다카이치 사나에,高市早苗\nSamsung,=,=\n"
)


def test_protect_prefers_the_longest_form_and_respects_word_edges():
    p = protect("Lee Jae-myung met Lee in Leeds; Lee Jae-myung's aide agreed.", GLOSSARY, "en", "ko")
    assert p.text == "[T1] met [T2] in Leeds; [T1]'s aide agreed."
    assert [t.name for t in p.terms] == ["Lee Jae-myung", "Lee"] and p.counts == (2, 1)


def test_korean_particles_follow_a_protected_name():
    p = protect("이재명은 다카이치 사나에와 만났다.", GLOSSARY, "ko", "en")
    assert p.text == "[T1]은 [T2]와 만났다."


def test_restore_puts_the_target_form_back_and_tolerates_spacing():
    p = protect("Lee Jae-myung met Takaichi Sanae.", GLOSSARY, "en", "ja")
    assert restore("[ T1 ]は[T2 ]と会った。", p, "ja") == "李在明は高市早苗と会った。"


def test_restore_refuses_a_lost_duplicated_or_unknown_placeholder():
    p = protect("Lee Jae-myung met Takaichi Sanae.", GLOSSARY, "en", "ko")
    assert restore("[T1]은 만났다.", p, "ko") is None
    assert restore("[T1] [T1] [T2]", p, "ko") is None
    assert restore("[T1] [T2] [T3]", p, "ko") is None


def test_a_sentence_that_already_holds_a_placeholder_is_left_alone():
    p = protect("See note [T1] on Lee Jae-myung.", GLOSSARY, "en", "ko")
    assert p.text == p.original and not p.terms


def test_translate_with_glossary_retranslates_only_the_broken_sentence():
    sentences = ["Lee Jae-myung spoke.", "Takaichi Sanae replied.", "Nothing to protect."]
    calls: list[list[str]] = []

    def model(texts: list[str]) -> list[str]:
        calls.append(list(texts))
        # drops the placeholder of the second sentence, copies everything else
        return [t.replace("[T1] replied", "she replied") for t in texts]

    out = translate_with_glossary(sentences, GLOSSARY, "en", "ja", model)
    assert [o.text for o in out] == ["李在明 spoke.", "Takaichi Sanae replied.", "Nothing to protect."]
    assert [t.name for t in out[0].applied] == ["Lee Jae-myung"] and not out[0].dropped
    assert [t.name for t in out[1].dropped] == ["Takaichi Sanae"] and not out[1].applied
    assert calls == [["[T1] spoke.", "[T1] replied.", "Nothing to protect."], ["Takaichi Sanae replied."]]


def test_keep_as_is_terms_stay_unchanged():
    out = translate_with_glossary(
        ["Samsung rose."], GLOSSARY, "en", "ko", lambda ts: [f"번역 {t}" for t in ts]
    )
    assert out[0].text == "번역 Samsung rose."


def test_korean_particles_agree_with_the_restored_name():
    glossary = parse_glossary("en,ko\nLee Jae-myung,이재명\nSeoul,서울\nTakaichi,다카이치\nSamsung,=\n")
    p = protect(
        "Lee Jae-myung, Takaichi, Seoul, Samsung, Lee Jae-myung, Takaichi, Seoul, Lee Jae-myung.",
        glossary,
        "en",
        "ko",
    )
    assert p.text == "[T1], [T2], [T3], [T4], [T1], [T2], [T3], [T1]."
    output = "[T1]는 [T2]은 [T3]으로 갔고 [T4]를 [T1]와 [T2]과 [T3]이다 [T1]이번"
    assert (
        restore(output, p, "ko")
        == "이재명은 다카이치는 서울로 갔고 Samsung를 이재명과 다카이치와 서울이다 이재명이번"
    )
