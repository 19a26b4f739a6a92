"""News furniture: the lines of a page that are not the story (bylines, dates, captions, share
buttons, copyright, broadcast markers, ads), found by rule tables per language.

Nothing is removed silently: `remove_furniture` returns every removed line with the reason, and the
result shows them to the reader. Rules match whole lines only, and each is anchored on a marker a
story sentence does not carry (an e-mail address, `ⓒ`, `▲`, `<앵커>`, a date with nothing else, a
credit such as `/News1` or `(Yonhap)` at the end of a line). On the project's news-page corpus
(`python -m service textcheck`) they remove all 160 furniture lines and no story sentence. On pages
written afterwards they removed 32 of 36 lines (pages like the corpus) and 15 of 29 (new site
styles) on the first run, and never a story line: precision is what the rules are built for (a
missed credit is a blemish, a removed sentence is lost news), recall needs rules per site style.
The figures are in `evaluation/README.md`.

Two rules need context, and those are the only stateful ones: the lines between `큰사진보기` and
`관련사진보기` (a photo block whose caption reads like a sentence), and the headline-like lines
under a "related articles" heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

#: Language-independent building blocks.
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
#: Tokens a date line is made of, and nothing else: dates, times, weekdays, labels.
_DATE_TOKENS = re.compile(
    r"""
    \d{4}\s*[.\-/年]\s*\d{1,2}\s*[.\-/月]\s*\d{1,2}\s*[.日]?     # 2026.01.13, 2026年1月13日
    | \d{1,2}\s*[/月]\s*\d{1,2}\s*日?                          # 1/13, 1月13日
    | \d{1,2}\s*[:時]\s*\d{2}(?:\s*[:分]\s*\d{2})?\s*[秒分]?     # 14:05, 19時30分
    | [(（]\s*[月火水木金土日]\s*[)）]                          # (火)
    | """
    + _MONTH
    + r"""\s*\d{1,2}\s*,?\s*\d{0,4}                            # Jan. 13, 2026
    | \b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b\.?
    | \b(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::\d{2})?                # GMT+9, before the bare zone names
    | \b[ap]\.?m\.?(?=\W|$) | \b(?:AM|PM|KST|JST|ET|EST|EDT|GMT|UTC)\b
    | \b(?:published|updated|posted|modified|last\s+updated|at|on|date)\b
    | (?:기사\s*)?(?:입력|수정|등록|승인|송고|업데이트|최종\s*수정|발행)(?:시간|일시|일)?
    | 最終更新|更新|配信|公開|掲載|投稿|日時
    | \d+
    """,
    re.VERBOSE | re.IGNORECASE,
)
_DATE_EVIDENCE = re.compile(
    r"\d{4}\s*[.\-/年]\s*\d{1,2}|\d{1,2}\s*[:時]\s*\d{2}|\d{1,2}/\d{1,2}|"
    + _MONTH
    + r"\s*\d{1,2}|^\s*(?:기사)?(?:입력|수정|등록|송고|最終更新)\s*[:：]?\s*$",
    re.IGNORECASE,
)
#: What may remain of a date line once its tokens are gone: separators and brackets.
_DATE_REST = re.compile(r"^[\s:：|ㅣ·・,\-–—/()（）\[\]]*$")


@dataclass(frozen=True)
class Removed:
    """One line taken out of the article, and why."""

    text: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Rule:
    reason: str
    pattern: re.Pattern[str]

    def matches(self, line: str) -> bool:
        return self.pattern.search(line) is not None


def _rules(reason: str, *patterns: str, flags: int = 0) -> tuple[Rule, ...]:
    return tuple(Rule(reason, re.compile(p, flags)) for p in patterns)


_I = re.IGNORECASE
_SHARE_WORDS = (
    "share|share this( article| story)?|facebook|twitter|x|linkedin|email|e-mail|print|copy link|"
    "copy url|share on (facebook|x|twitter|linkedin|whatsapp)|tweet|whatsapp|comments?|save"
)

#: Rules for every language (pages mix them: English copyright lines on Korean sites and so on).
COMMON: tuple[Rule, ...] = (
    *_rules("byline", rf"^[(\[<]?{EMAIL}[)\]>]?$"),
    *_rules(
        "copyright",
        r"^[<(\[]?\s*(저작권자\s*)?(copyright\s*)?(\d{4}\s*)?[ⓒ©Ⓒ]",
        r"^[<(\[]?\s*copyright\s*([ⓒ©Ⓒ]|\(c\)|\d{4}\b)",
        r"^.{0,100}all rights reserved\.?\s*[>)\]]?$",
        r"^(?!.*(다|요)\.$).{0,60}(무단\s*전재|재배포\s*금지|무단전재|재판매|DB\s*금지|無断転載|無断複製|転載禁止)"
        r".{0,40}$",
        flags=_I,
    ),
    *_rules(
        "markup",
        r"^[\w.\-]*[<>#\\]+[\w#/<>.\-]*$",
        r"^</?[a-z][a-z0-9]*\s*/?>$",
        r"^[•·∙◦▪■□●○◆◇►▶▷\-–—*#=_~|]+$",
        flags=_I,
    ),
    *_rules(
        "advertisement", r"^[\[【(（]?\s*(PR|AD|広告|광고|スポンサーリンク|Sponsored)\s*[\]】)）]?$", flags=_I
    ),
    *_rules(
        "caption",
        # credits that close a caption: "… /News1", "… 2026.1.21/뉴스1", "… /Courtesy of X", "(Yonhap)"
        r"(^|\s|\d)/\s*(News1|뉴스1|뉴시스|Newsis|연합뉴스|Yonhap|AFP|AP|Reuters|EPA)(\s*[©ⓒ].{1,30})?$",
        r"/\s*Courtesy of\b.{1,60}$",
        r"\s\((Yonhap|AP|AFP|Reuters|EPA|Xinhua|Kyodo|Jiji|Bloomberg)( Photo| News)?\)$",
        r"\s\((Photo|Photograph|Image|Pictured)\s*(:|by)\s*[^()]{1,40}\)$",
        r"\s\((Getty Images|AFP via Getty Images|Shutterstock|EPA-EFE)\)$",
        r"\s\|\s*(KYODO|JIJI|REUTERS|AFP|AP|BLOOMBERG|GETTY IMAGES)$",
        r"^(사진|写真|Photo)\s*[:=＝]",
        flags=_I,
    ),
)

KOREAN: tuple[Rule, ...] = (
    *_rules(
        "byline",
        # 홍길동 기자 hong@… / 김철수 기자(kim@…) / 세종=한지수 기자 / 스포츠부 윤성민 기자
        rf"^([가-힣A-Za-z]+\s*=\s*|[가-힣]+부\s+)?[가-힣]{{2,4}}\s*(기자|특파원|선임기자|객원기자|인턴기자|"
        rf"통신원|논설위원|전문기자)(\s*[(\[<]?\s*{EMAIL}\s*[)\]>]?)?$",
        # 영상취재 : 이영호, 영상편집 : 최지은 / 촬영기자:강민호 / 영상편집:서은지
        r"^[(\[]?((영상|촬영|사진)?(취재|편집|촬영|그래픽|기자|디자인|구성)\s*[:：]\s*[가-힣]{2,4}\s*[,/·]?\s*)+[)\]]?$",
    ),
    *_rules(
        "broadcast",
        r"^[<\[〈【]\s*(앵커|기자|리포트|앵커\s*멘트|기자\s*멘트|인터뷰|녹취|현장음|클로징)\s*[>\]〉】]$",
        r"^[가-힣]{2,4}\s*기자가\s*보도합니다\.?$",
        r"^[가-힣A-Za-z]{0,12}\s*뉴스\s*[가-힣]{2,4}입니다\.?$",
        # sign-off with the broadcaster's name: "한빛방송 최서연입니다.", "KBS 김지훈입니다."
        r"^([가-힣A-Za-z]{0,10}(방송|뉴스|TV|티브이)|[A-Z]{2,5})\s+[가-힣]{2,4}입니다\.?$",
        r"^지금까지\s*\S{0,10}\s*(날씨|뉴스|소식)\S{0,4}(였|이었)습니다\.?$",
    ),
    *_rules(
        "caption",
        r"^[▲△]",
        r"^큰사진보기.*관련사진보기$",
        r"\(([가-힣A-Za-z ]{1,15}\s)?제공\)\s*\d{4}\.\d{1,2}\.\d{1,2}\.?\s*/\s*\S{2,6}$",
    ),
    *_rules(
        "credit",
        r"^\[?(사진|그래픽|자료|영상|일러스트)\s*[=:]\s*[^\]]{1,40}\]?$",
        r"^\[[^\]]{0,20}(자료사진|제공|사진|그래픽)\]$",
    ),
    *_rules(
        "share",
        r"^(공유하기|기사\s*공유|이 콘텐츠를 공유하세요\.?|카카오톡\s*공유|페이스북\s*공유|트위터\s*공유|"
        r"URL\s*복사|링크\s*복사|스크랩|인쇄|인쇄하기|좋아요|댓글|댓글\s*\d*|카카오톡|페이스북|네이버\s*블로그)$",
    ),
    *_rules(
        "navigation",
        r"^(뒤로가기|본문\s*듣기|기사\s*듣기|음성으로\s*듣기|듣기\s*중지|글자\s*크기(\s*설정)?|글자크기\s*설정|"
        r"본문\s*글씨\s*(키우기|줄이기)|이전\s*기사|다음\s*기사|맨\s*위로|목록|홈으로|닫기|번역하기|"
        r"기사\s*저장|가|가가)$",
    ),
    *_rules("link", r"^[▶►☞▷]\s*.{1,80}$"),
    *_rules("notice", r"^.{0,40}(제보를?\s*기다립니다|제보\s*(하기|전화|메일|창구))"),
)

JAPANESE: tuple[Rule, ...] = (
    *_rules(
        "byline",
        r"^(聞き手|文|写真|取材|構成|撮影|執筆)\s*[・=＝:：]\s*\S{2,12}$",
        r"^\S{0,10}(士|記者|委員|特派員|ライター|アナリスト|研究員)\s*[・=＝:：]\s*\S{2,10}$",
        r"^[（(][^（）()]{1,15}(取材班|記者|特派員|支局|総局)[）)]$",
        r"^(経済|政治|社会|国際|外信|文化|運動|スポーツ|科学)部[\s　]+\S{2,8}$",
        r"^\S{1,20}編集部$",
        r"^(共同通信|時事通信|ロイター|聯合ニュース|AFP時事|NHK)$",
    ),
    *_rules(
        "caption",
        r"^[【〔\[]写真(特集|ギャラリー)?[】〕\]]",
        r"[（(]写真\s*[=＝:：]\s*[^（）()]{1,20}[）)]$",
        r"[（(][^（）()]{1,20}提供[）)]$",
        r"^[^。！？]{2,60}[（(]\d{1,2}日[^（）()。]{0,30}[）)]$",
    ),
    *_rules(
        "notice",
        r"^※.{0,80}(翻訳|転載|記事|写真|配信|掲載|訂正|修正)",
        r"^この記事は(有料(記事|会員限定)?|会員限定)",
        r"残り[\d,，]+文字",
        r"^記事に関する報告$",
    ),
    *_rules(
        "share",
        r"^(この記事をシェアする|この記事をシェア|記事を共有|シェア|ツイート|ブックマーク|Xでポスト|LINEで送る|はてなブックマーク|"
        r"印刷|保存|コメント|いいね)$",
    ),
    *_rules(
        "navigation",
        r"^(前の記事|次の記事|ログインする|ログイン|会員登録|トップへ戻る|一覧へ|続きを読む|全文を読む|もっと見る)$",
    ),
    *_rules("link", r"^[▶►▷☞]\ufe0f?\s*.{1,80}$"),
)

ENGLISH: tuple[Rule, ...] = (
    *_rules(
        "byline",
        r"^By\s+[A-Z][\w.'\-]*(\s+[A-Z][\w.'\-]*){0,3}((,|,? and)\s+[A-Z][\w.'\-]*(\s+[A-Z][\w.'\-]*){0,3})*"
        r"(\s*[,|]\s*[^.!?]{1,40})?$",
        r"^(Reporting|Writing|Editing|Additional reporting|Compiled|Edited) by\b.{1,200}$",
        r"^(KYODO|JIJI|Kyodo News|Jiji Press|Yonhap|Reuters|AP|AFP|Bloomberg)$",
        r"^.{0,80}\bcontributed( reporting)? to this (report|story|article)\.?$",
    ),
    *_rules(
        "notice",
        r"^\((END|LEAD|URGENT)\)$",
        r"^Our Standards:.{0,80}$",
        r"^This (interview|article|story|report) (has been|was|is) "
        r"(edited|condensed|available|updated|produced|translated|generated)\b.{0,120}$",
        flags=_I,
    ),
    *_rules(
        "advertisement",
        r"^(advertisement|advertisement\s*-\s*scroll to continue|story continues below( this)? advertisement|"
        r"sponsored( content)?|ad)$",
        flags=_I,
    ),
    *_rules("share", rf"^({_SHARE_WORDS})$", flags=_I),
    *_rules(
        "navigation",
        r"^(back to top|skip to (main )?content|menu|home|next article|previous article)$",
        flags=_I,
    ),
    *_rules(
        "subscribe",
        r"^(sign up|subscribe|get our|join our|download our)\b.{0,60}(newsletters?|app|alerts?|updates?|"
        r"channel|briefing|digest|emails?|podcast)\.?$",
        r"^.{0,60}\b(to|in) your inbox\.?$",
        flags=_I,
    ),
    *_rules(
        "related",
        r"^(read more|see also|related|more from [\w ]+)\s*:\s*.{1,120}$",
        r"^(follow|read|see|watch|listen to|more)\b.{0,100}https?://\S+$",
        flags=_I,
    ),
    *_rules(
        "section",
        r"^(Market News|World News|Business News|Top News|Breaking News|Asia Pacific|Technology News|"
        r"Opinion|Politics|Economy|Business|Sports|World|National|North Korea|Tech)$",
    ),
)

RULES: dict[str, tuple[Rule, ...]] = {
    "ko": KOREAN + COMMON,
    "ja": JAPANESE + COMMON,
    "en": ENGLISH + COMMON,
}

#: Headings that open a list of links to other articles, in any of the three languages.
RELATED_HEADING = re.compile(
    r"^[【\[]?(관련\s*(기사|뉴스)|함께\s*보면\s*좋은\s*기사|(이\s*시각\s*)?(많이\s*본\s*뉴스|핫\s*뉴스)|주요\s*뉴스|"
    r"関連記事|関連ニュース|"
    r"related( articles| stories| news| content)?|more (stories|news)|you may also like|recommended)[】\]]?$",
    re.IGNORECASE,
)
#: A line that ends like a sentence of running text (so a related-links list has ended).
SENTENCE_END = re.compile(r"([.!?。！？]|다\.?|요\.?)[\"'”’」』)）]*$")


def is_date_line(line: str) -> bool:
    """A line of dates, times and their labels and nothing else (`입력 2026.01.13 14:05 | 수정 …`)."""
    if not _DATE_EVIDENCE.search(line):
        return False
    return _DATE_REST.match(_DATE_TOKENS.sub(" ", line)) is not None


def furniture_reason(line: str, language: str) -> str | None:
    """Why this one line (stripped) is furniture, or None when it belongs to the story."""
    line = line.strip()
    if not line:
        return None
    if is_date_line(line):
        return "date"
    for rule in RULES.get(language, COMMON):
        if rule.matches(line):
            return rule.reason
    return None


def remove_furniture(lines: Sequence[str], language: str) -> tuple[list[str], list[Removed]]:
    """The story's lines (blank lines kept, for paragraph breaks) and the removed lines, in order."""
    kept: list[str] = []
    removed: list[Removed] = []
    in_photo = False
    in_related = False
    for raw in lines:
        line = raw.strip()
        if not line:
            kept.append("")
            continue
        reason = None
        if in_photo or (line.startswith("큰사진보기") and not line.endswith("관련사진보기")):
            reason = "caption"
            in_photo = not line.endswith("관련사진보기")
        elif RELATED_HEADING.match(line):
            reason, in_related = "related", True
        elif in_related and not SENTENCE_END.search(line):
            reason = "related"
        else:
            in_related = False
            reason = furniture_reason(line, language)
        if reason:
            removed.append(Removed(line, reason))
        else:
            kept.append(line)
    return kept, removed


def removed_dicts(removed: Iterable[Removed]) -> list[dict[str, str]]:
    return [r.to_dict() for r in removed]
