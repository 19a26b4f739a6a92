"""Summary sentences linked to the article sentences that support them."""

from __future__ import annotations

from service.text.sources import link_sources

ARTICLE = [
    ["City council approves new tram line"],
    [
        "The city council approved on Tuesday a plan to build a new tram line to the eastern districts.",
        "The project will cost about 1.2 billion dollars and is expected to be finished by 2030.",
    ],
    [
        "Mayor Kim said the line would cut travel times by half for more than 200,000 residents.",
        "Critics argued that the money should be spent on buses, which can be introduced more quickly.",
        "The council also voted to extend night bus services during the winter months.",
    ],
]


def test_an_extractive_sentence_links_exactly_to_itself():
    sources = link_sources(
        [
            ARTICLE[2][1],
            "  the PROJECT will cost about 1.2 billion dollars and is expected to be finished by 2030. ",
        ],
        ARTICLE,
    )
    assert [(s.paragraph, s.sentence, s.score) for s in sources[0]] == [(2, 1, 1.0)]
    assert [(s.paragraph, s.sentence, s.score) for s in sources[1]] == [(1, 1, 1.0)]


def test_paraphrases_and_fusions_rank_their_sources_first():
    summary = [
        "Kim, the mayor, expects travel times for 200,000 residents to halve.",
        "The tram line, costing 1.2 billion dollars, should be done by 2030.",
        "Night buses will run longer in winter, the council decided.",
    ]
    sources = link_sources(summary, ARTICLE)
    assert (sources[0][0].paragraph, sources[0][0].sentence) == (2, 0)
    assert (sources[1][0].paragraph, sources[1][0].sentence) == (1, 1)
    assert (sources[2][0].paragraph, sources[2][0].sentence) == (2, 2)
    for found in sources:
        assert len(found) <= 3 and all(0 < s.score <= 1 for s in found)
        assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_an_unrelated_sentence_has_no_sources_and_own_text_and_offset_are_used():
    own = [[f"ko {p}.{s}" for s in range(len(par))] for p, par in enumerate(ARTICLE)]
    sources = link_sources(
        ["Completely unrelated weather report.", ARTICLE[1][0]], ARTICLE, own, first_paragraph=1
    )
    assert sources[0] == []
    assert (sources[1][0].paragraph, sources[1][0].sentence, sources[1][0].text) == (2, 0, "ko 1.0")


def test_an_extractive_sentence_does_not_also_link_to_its_near_twin():
    """A repeated quote with one word more scores close to 1.0 too; the exact sentence alone is the source."""
    article = [
        ["Kim said the line would open in 2028 as planned."],
        ["Kim said the line would open in 2028 as planned, officials confirmed."],
    ]
    sources = link_sources([article[1][0]], article)
    assert [(s.paragraph, s.sentence, s.score) for s in sources[0]] == [(1, 0, 1.0)]
