"""News furniture: every pattern issue 10 saw on real pages is removed with a reason, and lines of
story that look a little like furniture are kept."""

from __future__ import annotations

import pytest

from service.text.article import find_title, prepare
from service.text.furniture import furniture_reason, is_date_line, remove_furniture

FURNITURE = [
    ("ko", "홍길동 기자 hong@example.co.kr", "byline"),
    ("ko", "김철수 기자(kim@example.com)", "byline"),
    ("ko", "워싱턴=오세영 특파원 oh@example.com", "byline"),
    ("ko", "영상취재 : 이영호, 영상편집 : 최지은", "byline"),
    ("ko", "입력", "date"),
    ("ko", "수정", "date"),
    ("ko", "입력 2026.01.15 08:12", "date"),
    ("ko", "기사입력 2026.01.13 14:05 | 최종수정 2026.01.13 15:20", "date"),
    ("ko", "송고시간2026-01-16 11:20", "date"),
    ("ko", "<앵커>", "broadcast"),
    ("ko", "<기자>", "broadcast"),
    ("ko", "[앵커]", "broadcast"),
    ("ko", "박민수 기자가 보도합니다.", "broadcast"),
    ("ko", "한빛방송 뉴스 김지훈입니다.", "broadcast"),
    ("ko", "한빛방송 최서연입니다.", "broadcast"),
    ("ko", "(영상취재 : 박준영)", "byline"),
    ("ko", "▲ 두 정상이 악수하고 있다.", "caption"),
    ("ko", "[연합뉴스 자료사진]", "credit"),
    ("ko", "사진=대통령실 제공", "credit"),
    ("ko", "17일 런던에서 열린 경기에서 골을 넣은 뒤 환호하는 박지훈. /News1", "caption"),
    ("ko", "큰사진보기 마을회관에 모인 주민들이 서명을 하고 있다. ⓒ 이정민 관련사진보기", "caption"),
    ("ko", "공유하기", "share"),
    ("ko", "이 콘텐츠를 공유하세요.", "share"),
    ("ko", "뒤로가기", "navigation"),
    ("ko", "본문 듣기", "navigation"),
    ("ko", "▶ 연합뉴스 유튜브 채널 구독하기", "link"),
    ("ko", "ⓒ 연합뉴스", "copyright"),
    ("ko", "<저작권자 ⓒ 한빛스포츠, 무단전재 및 재배포 금지>", "copyright"),
    ("ja", "1/13(火) 19:30配信", "date"),
    ("ja", "最終更新:1/13(火) 21:00", "date"),
    ("ja", "2026年1月22日 12:31（最終更新 14:05）", "date"),
    ("ja", "※本記事は機械翻訳されています", "notice"),
    ("ja", "釜山港のコンテナターミナル（写真＝聯合ニュース）", "caption"),
    ("ja", "聞き手・中村一郎", "byline"),
    ("ja", "無断転載・複製を禁じます", "copyright"),
    ("en", "By Jane Doe", "byline"),
    ("en", "By Kim Min-ji and John Smith", "byline"),
    ("en", "Published : Jan. 13, 2026 - 21:04", "date"),
    ("en", "Updated: Jan 21, 2026 4:12 PM KST", "date"),
    ("en", "Reporting by Jane Doe and Kim Min-ji; Editing by John Smith", "byline"),
    ("en", "ADVERTISEMENT - SCROLL TO CONTINUE", "advertisement"),
    ("en", "Sign up for our daily briefing", "subscribe"),
    ("en", "Market News", "section"),
    ("en", "0.25>#/li###", "markup"),
    ("en", "•", "markup"),
    ("en", "A worker inspects a truck at the plant in Ulsan. /Courtesy of Hyundai Motor", "caption"),
    ("en", "This photo shows a missile launch at an undisclosed location. (Yonhap)", "caption"),
    ("en", "© The Seoul Ledger. All rights reserved.", "copyright"),
    ("en", "Updated 3:45 PM GMT+9, February 6, 2026", "date"),
    ("en", "Associated Press writer Mari Yamaguchi in Tokyo contributed to this report.", "byline"),
    ("en", "Samsung's chip plant in Taylor, Texas. (Photo: Getty Images)", "caption"),
    ("en", "Get the latest tech news delivered to your inbox.", "subscribe"),
    ("ko", "*재판매 및 DB 금지", "copyright"),
    ("ko", "기사 입력 2026-02-07 08:30", "date"),
    ("ja", "気象予報士・田中ゆかり", "byline"),
    ("ja", "続きを読む", "navigation"),
    ("ja", "[PR]", "advertisement"),
    ("ko", "[광고]", "advertisement"),
]


@pytest.mark.parametrize(("language", "line", "reason"), FURNITURE)
def test_furniture_line_is_removed_with_its_reason(language, line, reason):
    assert furniture_reason(line, language) == reason


STORY = [
    ("ko", "입력 데이터가 2026.01.13 기준으로 두 배 늘었다."),
    ("ko", "수정안은 15일 국회 본회의를 통과했다."),
    ("ko", '기자회견에서 그는 "사진을 공개하겠다"고 말했다.'),
    ("ko", '한 증권사 연구원은 "당분간 변동성이 커질 수 있다"며 "분할 매수로 대응하라"고 말했다.'),
    ("ko", "2024년 | 9,860원 | 2.5%"),
    ("ko", "- 하루 네 번 이상 버스 운행"),
    ("ko", "Q. 공급 목표는요?"),
    ("ko", "오늘은 월요일입니다."),
    ("ko", "저는 김철수입니다."),
    ("ja", "会談後の共同記者発表で、山田首相は「未来志向の関係をさらに深めたい。」と述べた。"),
    ("ja", "・日経平均：3万8,120円08銭（－512円45銭）"),
    ("ja", "【主な指標】"),
    ("en", "By the end of the year, prices had risen 3.5%."),
    ("en", "Published figures show exports rose in December."),
    ("en", "The festival runs until Feb. 2."),
    ("en", "On Jan. 13, the ministry said it would act."),
    ("en", "Share prices fell 2.1% on Tuesday."),
    ("en", "2025 | 2.1% | 3.5%"),
    ("en", "Q: How did you start?"),
    ("en", "By Tuesday, the fund had lost 3%."),
    ("en", "Editing genes is now cheaper, researchers said."),
    ("en", "Copyright law changes were approved by parliament on Tuesday."),
    ("ko", "국회는 기사 무단 전재를 막는 법안을 통과시켰다."),
    ("ko", "경찰은 시민들의 제보를 받아 용의자를 검거했다."),
    ("en", "Readers can follow the results at the commission's website."),
    ("en", "He contributed to the report's first draft in 2019, officials said."),
]


@pytest.mark.parametrize(("language", "line"), STORY)
def test_story_lines_are_kept(language, line):
    assert furniture_reason(line, language) is None


def test_copyright_rule_works_on_the_text_as_written():
    # NFKC used to turn "ⓒ" into "c" before the rule ran, so it never matched.
    prepared = prepare("증시 급락\n코스피가 3% 내렸다.\nⓒ 연합뉴스\nⒸ 한빛방송", "ko")
    assert [r.reason for r in prepared.removed] == ["copyright", "copyright"]


def test_photo_block_between_markers_is_one_caption():
    lines = [
        "큰사진보기",
        "마을 어귀의 버스 정류장. 하루 두 번 다니던 버스가 끊겼다.",
        "ⓒ 이정민",
        "관련사진보기",
        "본문이다.",
    ]
    kept, removed = remove_furniture(lines, "ko")
    assert kept == ["본문이다."]
    assert [r.reason for r in removed] == ["caption"] * 4


def test_related_links_end_at_the_next_sentence():
    lines = ["Related Articles", "Battery makers slow U.S. expansion", "The plant opens in May."]
    kept, removed = remove_furniture(lines, "en")
    assert kept == ["The plant opens in May."]
    assert [r.text for r in removed] == lines[:2]


def test_date_lines():
    assert is_date_line("January 16, 2026 at 9:30 a.m.")
    assert is_date_line("2026.01.21 (20:15)")
    assert not is_date_line("The festival runs until Feb. 2.")
    assert not is_date_line("2025 | 2.1% | 3.5%")


def test_keep_all_removes_nothing_and_takes_no_headline():
    text = "증시 3% 급락…외국인 매도세\n홍길동 기자 hong@example.co.kr\n코스피가 내렸다."
    kept = prepare(text, "ko", clean=False)
    assert kept.removed == [] and kept.title is None
    assert kept.sentences == [
        "증시 3% 급락…외국인 매도세",
        "홍길동 기자 hong@example.co.kr",
        "코스피가 내렸다.",
    ]
    cleaned = prepare(text, "ko")
    assert cleaned.title == "증시 3% 급락…외국인 매도세"
    assert cleaned.sentences == ["코스피가 내렸다."]
    assert [(r.text, r.reason) for r in cleaned.removed] == [("홍길동 기자 hong@example.co.kr", "byline")]


@pytest.mark.parametrize(
    ("lines", "index"),
    [
        (["증시 3% 급락…외국인 매도세", "코스피가 내렸다."], 0),
        (['시골 버스 끊긴 마을…"병원 가려면 하루가 걸려요"', "본문."], 0),
        (["日韓首脳会談　奈良で開催", "本文だ。"], 0),
        (["코스피가 내렸다.", "외국인이 팔았다."], None),  # wire copy: no headline
        (["Is this the end?", "Body."], None),
        (["Only one line"], None),
        (["The ministry said on Tuesday that it", "would raise taxes."], None),  # wrapped, not a headline
        (["Seoul raises taxes", "", "The ministry said on Tuesday that it", "would raise taxes."], 0),
        (["The ministry said on Tuesday that it", "would raise taxes.", "", "Second paragraph."], None),
    ],
)
def test_headline_detection(lines, index):
    assert find_title(lines) == index


def test_no_sentence_of_the_translation_and_summary_sets_is_furniture():
    """586 news sentences and paragraphs written for the evaluation sets: none may look like furniture."""
    import json
    from pathlib import Path

    from service.text.segment import split_paragraphs, split_sentences

    data = Path(__file__).resolve().parents[2] / "evaluation" / "data"
    flagged, checked = [], 0
    for name, source, target in [
        ("en-ko", "en", "ko"),
        ("en-ja", "en", "ja"),
        ("ko-en", "ko", "en"),
        ("ja-en", "ja", "en"),
        ("summarise-en", "en", "en"),
    ]:
        for line in (data / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if "source" not in item:
                continue
            lines = [(p, source) for p in split_paragraphs(item["source"])]
            lines += [(s, source) for p, _ in lines for s in split_sentences(p, source)]
            lines.append((item["reference"], target))
            checked += len(lines)
            flagged += [(text, reason) for text, lang in lines if (reason := furniture_reason(text, lang))]
    assert checked > 500
    assert flagged == []
