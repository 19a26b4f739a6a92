"""The quality guard must stay silent on good outputs and name the right problem on bad ones."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from service.text.quality import QualityFlag, check_output, find_loop, guess_language, tokens

DATA = Path(__file__).resolve().parents[2] / "evaluation" / "data"

ARTICLE = (
    "The regional government of Eastholm announced on Monday that it will open three new public "
    "hospitals by 2030, in an effort to cut waiting times that have doubled over the past decade. "
    "The plan will cost about 2.4 billion dollars and includes training 1,200 additional nurses. "
    "Health minister Clara Duval said patients in rural areas currently wait an average of 14 weeks "
    "for routine surgery. Opposition parties welcomed the investment but questioned whether enough "
    "doctors could be recruited, noting that many graduates leave for better-paid jobs abroad. "
    "Construction of the first hospital, in the northern town of Velde, is due to begin next year."
)

# (source, output, target_language, task): good outputs written for these tests.
GOOD = [
    (
        "The central bank raised its key interest rate by a quarter of a percentage point on Wednesday.",
        "중앙은행은 수요일 기준금리를 0.25%포인트 인상했다.",
        "ko",
        "translate",
    ),
    (
        "Samsung said it would spend 10 billion dollars on a new chip plant in Texas, creating 2,000 jobs.",
        "삼성은 텍사스에 100억 달러를 들여 새 반도체 공장을 짓고 일자리 2,000개를 만들겠다고 밝혔다.",
        "ko",
        "translate",
    ),
    (
        "Apple unveiled the iPhone 16 Pro and the Apple Watch Series 10 at its annual event in California.",
        "애플은 캘리포니아에서 열린 연례 행사에서 iPhone 16 Pro와 Apple Watch Series 10을 공개했다.",
        "ko",
        "translate",
    ),
    (
        "Heavy rain is expected across western Japan through Thursday, and officials warned of landslides.",
        "西日本では木曜日にかけて大雨が予想され、当局は土砂災害への警戒を呼びかけた。",
        "ja",
        "translate",
    ),
    (
        "OpenAI and Microsoft announced a new partnership to build data centers in Japan.",
        "OpenAIとMicrosoftは、日本でデータセンターを建設する新たな提携を発表した。",
        "ja",
        "translate",
    ),
    (
        "서울시는 내년부터 65세 이상 시민에게 지하철 요금을 전액 지원하는 방안을 검토하고 있다.",
        "The Seoul city government is considering covering the full subway fare for citizens aged 65 and "
        "older starting next year.",
        "en",
        "translate",
    ),
    (
        '김 장관은 기자회견에서 "물가 안정이 최우선 과제"라고 강조했다.',
        'At a press conference, Minister Kim stressed that "stabilizing prices is the top priority."',
        "en",
        "translate",
    ),
    (
        "東京都は、来年4月から高校の授業料を所得制限なしで無償化すると発表した。",
        "The Tokyo Metropolitan Government announced that it will make high school tuition free from "
        "next April, with no income limit.",
        "en",
        "translate",
    ),
    (
        "台風10号は勢力を保ったまま九州に上陸し、各地で停電が相次いだ。",
        "Typhoon No. 10 made landfall in Kyushu without losing strength, causing power outages in many areas.",
        "en",
        "translate",
    ),
    (
        "정부는 올해 하반기 경제정책방향을 발표했다.",
        "政府は今年下半期の経済政策方向を発表した。",
        "ja",
        "translate",
    ),
    (
        # A multi-sentence paragraph, long enough for the distinct-n-gram test to run.
        "Exports rose for the sixth month in a row in May, helped by strong demand for memory chips. "
        "Car shipments to the United States also grew, while sales to China fell slightly. Economists said "
        "the trade surplus could widen further in the second half if oil prices stay low.",
        "5월 수출은 메모리 반도체 수요 호조에 힘입어 6개월 연속 증가했다. 미국으로의 자동차 수출도 늘었지만 "
        "중국 수출은 소폭 감소했다. 경제학자들은 유가가 낮은 수준을 유지하면 하반기 무역흑자가 더 확대될 수 "
        "있다고 전망했다.",
        "ko",
        "translate",
    ),
    (
        ARTICLE,
        "Eastholm's government will open three public hospitals by 2030 at a cost of about 2.4 billion "
        "dollars to cut waiting times that have doubled in a decade. The opposition backs the plan but "
        "doubts enough doctors can be recruited.",
        "en",
        "summarise",
    ),
    (
        ARTICLE,
        "Eastholm plans three new hospitals by 2030 to cut waiting times.",
        "en",
        "summarise",
    ),
    # Short headline-like inputs: length checks are skipped, kanji-only headlines are fine.
    ("Stocks fall", "株価下落", "ja", "translate"),
    ("Tokyo stocks close at record high as yen weakens", "円安で東京株が最高値更新", "ja", "translate"),
    ("Very, very close", "아주 아주 근소한 차이", "ko", "translate"),
]


@pytest.mark.parametrize(("source", "output", "target", "task"), GOOD)
def test_good_outputs_are_not_flagged(source: str, output: str, target: str, task: str) -> None:
    assert check_output(source, output, target_language=target, task=task, field="x") == []


def _shipped_pairs() -> list[tuple[str, dict]]:
    rows = []
    for path in sorted(DATA.glob("*.jsonl")):
        rows += [(path.stem, json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]
    return rows


def test_shipped_references_are_not_flagged() -> None:
    """Every hand-written reference in evaluation/data is a good output; the guard must agree."""
    flagged = []
    for name, row in _shipped_pairs():
        task = "summarise" if name.startswith("summarise") else "translate"
        target = "en" if task == "summarise" else name.split("-")[1]
        for length in ("short", "medium") if task == "summarise" else (None,):
            flags = check_output(
                row["source"],
                row["reference"],
                target_language=target,
                task=task,
                field=row["id"],
                requested_length=length,
            )
            flagged += flags
    assert flagged == []
    assert len(_shipped_pairs()) >= 130


SOURCE_EN = (
    "The Bank of Korea kept its benchmark interest rate unchanged at 3.5 percent on Thursday, "
    "citing uncertainty over household debt."
)
GOOD_KO = "한국은행은 목요일 가계부채를 둘러싼 불확실성을 이유로 기준금리를 연 3.5%로 동결했다."

# (source, output, target_language, task, expected kind)
BAD = [
    (SOURCE_EN, "", "ko", "translate", "empty"),
    (SOURCE_EN, "   \n ", "ja", "translate", "empty"),
    (SOURCE_EN, "。。。 …", "ja", "translate", "empty"),
    (
        SOURCE_EN,
        "한국은행은 한국은행은 한국은행은 한국은행은 기준금리를 동결했다.",
        "ko",
        "translate",
        "repetition",
    ),
    (SOURCE_EN, "日本銀行はははははは金利を据え置いた。", "ja", "translate", "repetition"),
    (
        GOOD_KO,
        "The the the the Bank of Korea kept rates unchanged on Thursday.",
        "en",
        "translate",
        "repetition",
    ),
    (
        GOOD_KO,
        "The bank said rates would stay. The bank said rates would stay. The bank said rates would stay.",
        "en",
        "translate",
        "repetition",
    ),
    (SOURCE_EN, (GOOD_KO + " ") * 4, "ko", "translate", "repetition"),
    (SOURCE_EN, "한국은행은 목요일", "ko", "translate", "too_short"),
    (
        SOURCE_EN,
        GOOD_KO
        + " 이날 회의에는 위원 7명이 모두 참석했으며, 일부 위원은 부동산 시장 과열 가능성을 언급했다. "
        "시장에서는 연말까지 추가 인하가 어렵다는 관측이 나온다. 정부는 다음 주 가계부채 관리 방안을 "
        "발표할 예정이며, 금융당국은 은행권 대출 증가세를 면밀히 점검하겠다고 밝혔다.",
        "ko",
        "translate",
        "too_long",
    ),
    (SOURCE_EN, SOURCE_EN, "ko", "translate", "untranslated"),
    (SOURCE_EN, SOURCE_EN, "ja", "translate", "untranslated"),
    (GOOD_KO, GOOD_KO, "en", "translate", "untranslated"),
    (
        SOURCE_EN,
        "韩国银行周四以家庭债务的不确定性为由，将基准利率维持在3.5%不变，这符合市场普遍预期。",
        "ja",
        "translate",
        "untranslated",
    ),
    (ARTICLE, "Hospitals.", "en", "summarise", "too_short"),
    (
        "Three new hospitals will open in Eastholm by 2030, the government said.",
        ARTICLE,
        "en",
        "summarise",
        "too_long",
    ),
]


@pytest.mark.parametrize(("source", "output", "target", "task", "kind"), BAD)
def test_bad_outputs_get_the_right_flag(source: str, output: str, target: str, task: str, kind: str) -> None:
    flags = check_output(source, output, target_language=target, task=task, field="translations.x")
    assert kind in [f.kind for f in flags], flags
    flag = next(f for f in flags if f.kind == kind)
    assert flag.field == "translations.x"
    assert flag.message.endswith(".") and flag.message[0].isupper()


def test_empty_output_gets_only_the_empty_flag() -> None:
    flags = check_output(SOURCE_EN, "", target_language="ko", task="translate", field="translations.ko")
    assert [f.kind for f in flags] == ["empty"]
    assert flags[0].message == "The Korean translation is empty."


def test_summary_too_short_uses_requested_length() -> None:
    summary = "Eastholm plans new hospitals."  # 4 words: fine for "short", absurd for "long"
    kwargs = {"target_language": "en", "task": "summarise", "field": "summary"}
    assert check_output(ARTICLE, summary, requested_length="short", **kwargs) == []
    flags = check_output(ARTICLE, summary, requested_length="long", **kwargs)
    assert [f.kind for f in flags] == ["too_short"]
    assert "long summary" in flags[0].message


def test_loop_already_in_source_is_not_flagged() -> None:
    source = "Fans chanted 'Go, go, go, go!' as the team scored in the final minute of the match."
    output = "팬들은 경기 종료 직전 팀이 득점하자 '가자, 가자, 가자, 가자!'라고 외쳤다."
    assert check_output(source, output, target_language="ko", task="translate", field="x") == []


def test_flag_to_dict() -> None:
    flag = QualityFlag("segments[3].ja", "empty", "The Japanese translation is empty.")
    assert flag.to_dict() == {
        "field": "segments[3].ja",
        "kind": "empty",
        "message": "The Japanese translation is empty.",
    }


def test_tokens_split_cjk_by_character_and_keep_numbers_whole() -> None:
    assert tokens("The deal was worth $1,000,000,000,000.") == [
        "the",
        "deal",
        "was",
        "worth",
        "1,000,000,000,000",
    ]
    assert tokens("삼성은 AI 칩을") == ["삼", "성", "은", "ai", "칩", "을"]
    assert tokens("人々は3.5%") == ["人", "々", "は", "3.5"]


def test_find_loop_thresholds() -> None:
    assert find_loop("very very good".split()) is None
    assert find_loop("no no no".split()) is None  # three short repeats happen in real quotes
    loop = find_loop("he said no no no no to it".split())
    assert loop is not None and loop.block == ("no",) and loop.repeats == 4
    sentence = "the minister said the plan would go ahead".split()
    loop = find_loop(sentence * 3)
    assert loop is not None and loop.repeats == 3 and len(loop.block) == len(sentence)


def test_guess_language() -> None:
    assert guess_language("The economy grew.") == "en"
    assert guess_language("경제가 성장했다.") == "ko"
    assert guess_language("経済が成長した。") == "ja"
    assert guess_language("12345 !!") is None


def test_rejects_unknown_language_and_task() -> None:
    with pytest.raises(ValueError, match="target_language"):
        check_output("a", "b", target_language="fr", task="translate", field="x")
    with pytest.raises(ValueError, match="task"):
        check_output("a", "b", target_language="en", task="paraphrase", field="x")


def test_long_outputs_are_checked_quickly() -> None:
    text = " ".join(row["reference"] for name, row in _shipped_pairs() if name == "en-ko") * 5
    start = time.perf_counter()
    check_output(SOURCE_EN * 40, text, target_language="ko", task="translate", field="x")
    assert time.perf_counter() - start < 1.0
