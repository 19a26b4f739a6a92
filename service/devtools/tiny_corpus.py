"""Multilingual text (English, Korean, Japanese) written for this project.

Tiny test models need tokenizers that know all three scripts; training one takes well under a
second on these few thousand lines, so no tokenizer files are ever committed or downloaded.
"""

import random

EN = """The government announced a new economic policy on Monday.
Stock markets rose sharply after the central bank cut interest rates.
Scientists discovered a new species of frog in the rainforest.
The president met with foreign leaders to discuss climate change.
Heavy rain caused flooding in several cities across the region.
The company reported record profits for the third quarter.
Police arrested two suspects in connection with the robbery.
The football team won the championship for the first time in decades.
A new study shows that regular exercise improves mental health.
The city council approved the budget for public transportation.
Researchers are developing a vaccine against the new virus.
Thousands of people gathered in the square to protest.
The museum opened an exhibition of modern Korean art.
Electric car sales doubled compared with last year.
The minister resigned after the scandal was reported in the newspaper.
Tourism in Japan reached a new high this summer.
Engineers tested the rocket successfully on Friday morning.
The weather will be sunny and warm throughout the weekend.
Farmers are worried about the drought and rising prices.
The court ruled that the law was unconstitutional.
Students returned to school after the long holiday.
The technology firm launched a smartphone with a foldable screen.
Officials said the fire was caused by an electrical fault.
Negotiations between the two countries will continue next week.
The population of the capital has grown steadily for ten years.""".splitlines()

KO = """정부는 월요일에 새로운 경제 정책을 발표했다.
중앙은행이 금리를 인하한 후 주식 시장이 급등했다.
과학자들은 열대우림에서 새로운 종의 개구리를 발견했다.
대통령은 기후 변화를 논의하기 위해 외국 정상들과 만났다.
폭우로 인해 지역 내 여러 도시에서 홍수가 발생했다.
회사는 3분기에 사상 최대 이익을 기록했다고 밝혔다.
경찰은 강도 사건과 관련해 용의자 두 명을 체포했다.
축구팀은 수십 년 만에 처음으로 우승을 차지했다.
새로운 연구에 따르면 규칙적인 운동은 정신 건강을 개선한다.
시의회는 대중교통 예산을 승인했다.
연구원들은 새로운 바이러스에 대한 백신을 개발하고 있다.
수천 명의 사람들이 광장에 모여 시위를 벌였다.
박물관은 한국 현대 미술 전시회를 열었다.
전기차 판매량이 작년에 비해 두 배로 늘었다.
장관은 신문에 스캔들이 보도된 후 사임했다.
올여름 일본 관광이 사상 최고치를 기록했다.
기술자들은 금요일 아침에 로켓 시험에 성공했다.
주말 내내 날씨는 맑고 따뜻할 것이다.
농부들은 가뭄과 물가 상승을 걱정하고 있다.
법원은 그 법이 위헌이라고 판결했다.""".splitlines()

JA = """政府は月曜日に新しい経済政策を発表した。
中央銀行が金利を引き下げた後、株式市場は急騰した。
科学者たちは熱帯雨林で新種のカエルを発見した。
大統領は気候変動について話し合うため外国の首脳と会談した。
大雨により地域のいくつかの都市で洪水が発生した。
同社は第3四半期に過去最高の利益を記録したと発表した。
警察は強盗事件に関連して容疑者二人を逮捕した。
サッカーチームは数十年ぶりに初めて優勝した。
新しい研究によると、定期的な運動は心の健康を改善する。
市議会は公共交通機関の予算を承認した。
研究者たちは新しいウイルスに対するワクチンを開発している。
数千人の人々が広場に集まり抗議した。
博物館は韓国現代美術の展覧会を開いた。
電気自動車の販売台数は昨年と比べて倍増した。
大臣は新聞でスキャンダルが報じられた後に辞任した。
この夏、日本の観光客数は過去最高に達した。
技術者たちは金曜日の朝、ロケットの試験に成功した。
週末はずっと晴れて暖かいでしょう。
農家は干ばつと物価の上昇を心配している。
裁判所はその法律が違憲であると判断した。
ひらがなとカタカナと漢字を使って文章を書きます。""".splitlines()


def corpus(n_lines: int = 3000, seed: int = 0) -> list[str]:
    """The sentences plus seeded recombinations of them, so tokenizer training sees variety."""
    rng = random.Random(seed)
    out = EN + KO + JA
    pools = [EN, KO, JA]
    while len(out) < n_lines:
        pool = rng.choice(pools)
        a, b = rng.sample(pool, 2)
        if pool is EN:
            wa, wb = a.split(), b.split()
            out.append(" ".join(wa[: rng.randint(2, len(wa))] + wb[rng.randint(0, len(wb) - 1) :]))
        else:
            out.append(a[: rng.randint(3, len(a))] + b[rng.randint(0, len(b) - 3) :])
    return out
