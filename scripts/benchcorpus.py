"""A synthetic corpus for the benchmark: the sample articles with names and numbers varied.

Each generated article is one of the five files of ``kg/data/sample`` (plain text with
front matter, Markdown with page chrome, Traditional Chinese with pinyin glyphs, English,
an HTML page), with its people, provinces, cities, policy titles and numbers replaced
by draws from the knowledge base and small word lists, and, for the Chinese ones, one to
three extra sentences of the kinds policy news is made of (a leader's inspection visit,
a conference, a plan issued). No two articles are the same text, so neither a cache nor
the incremental build can fake the work; the seed makes a run repeatable.

    python scripts/benchcorpus.py 1000 /tmp/corpus1k
"""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "kg" / "data" / "sample"
KB = ROOT / "kg" / "data" / "kb"

GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红文斌宇晨浩博鹏飞亮瑞凯欣怡海波")
PINYIN = ["Wei", "Fang", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang", "Yong", "Jie", "Tao",
          "Ming", "Chao", "Ping", "Gang", "Hua", "Jianguo", "Zhihong", "Bin", "Yu", "Chen", "Hao", "Peng"]
SURNAME_PY = {"王": "Wang", "李": "Li", "张": "Zhang", "刘": "Liu", "陈": "Chen", "杨": "Yang", "赵": "Zhao",
              "黄": "Huang", "周": "Zhou", "吴": "Wu", "徐": "Xu", "孙": "Sun", "胡": "Hu", "朱": "Zhu",
              "高": "Gao", "林": "Lin", "何": "He", "郭": "Guo", "马": "Ma", "罗": "Luo"}
TOPICS = ["新能源汽车", "人工智能", "生物医药", "低空经济", "集成电路", "工业互联网", "新型储能", "智能网联汽车",
          "先进材料", "绿色建材", "数字文旅", "智慧农业", "海洋装备", "氢能", "商业航天", "量子科技",
          "现代物流", "跨境电商", "数据要素", "算力基础设施"]
INDUSTRY = ["科技", "智能装备", "新材料", "精密机械", "电子", "生物", "数控", "能源"]
FIRM = list("华恒瑞昌盛博远宏达鑫泰晟科创锐领")
POSTS = [("省长", "province"), ("副省长", "province"), ("省委书记", "province"), ("市长", "city"),
         ("副市长", "city"), ("市委书记", "city")]
EXTRA = [
    "{post_body}{post}{person}近日在{city_short}调研{topic}产业发展情况，强调要深入实施“{topic}+”行动。",
    "{person}来到{company}，察看生产线，了解企业{topic}研发情况。",
    "{year}{topic}产业发展大会在{city_short}开幕，{prov}人民政府主办，{person}出席并致辞。",
    "{prov}人民政府办公厅印发《{prov_short}{topic}产业高质量发展行动计划（{year}—{year2}年）》，提出到{year2}年产业规模达到{num}亿元。",
    "{prov}工业和信息化厅表示，将推动“{topic}”专项行动，支持{num2}家企业开展智能化改造。",
]


def _places():
    provinces, cities = [], {}
    for line in (KB / "places.jsonl").read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        if e.get("category") == "province":
            provinces.append(e)
        elif e.get("category") in ("prefecture_city", "sub_provincial_city"):
            cities.setdefault(e.get("located_in"), []).append(e)
    return [(p, cities[p["id"]]) for p in provinces if cities.get(p["id"])]


def _surnames():
    names = [s.strip() for s in (ROOT / "kg/data/surnames.txt").read_text(encoding="utf-8").splitlines()]
    return [s for s in names if len(s) == 1][:120]


class Generator:
    """Draws varied articles from the sample templates; ``article(i)`` -> (file name, bytes)."""

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.places = _places()
        self.surnames = _surnames()
        self.templates = sorted(p for p in SAMPLE.iterdir() if p.suffix in (".txt", ".md", ".html")
                                and p.name[0].isdigit())
        self.raw = {p: p.read_text(encoding="utf-8") for p in self.templates}
        try:
            import opencc

            self.s2t = opencc.OpenCC("s2t").convert
        except Exception:  # noqa: BLE001 - Traditional replacements then stay Simplified
            self.s2t = lambda s: s

    def person(self):
        r = self.rng
        s = r.choice(self.surnames)
        return s + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2, 2))))

    def person_en(self):
        r = self.rng
        s = r.choice(sorted(SURNAME_PY))
        return s, f"{SURNAME_PY[s]} {r.choice(PINYIN)}{r.choice(PINYIN).lower()}"

    def _numbers(self, text):
        r = self.rng

        def repl(m):
            d = m.group()
            if len(d) == 4 and d.startswith("20"):
                return str(r.randint(2015, 2030))
            if len(d) <= 2:   # months, days, hours, percentages: still a valid date or time
                return str(r.randint(1, 12)).zfill(len(d))
            return str(r.randint(10 ** (len(d) - 1), 10 ** len(d) - 1))
        return re.sub(r"(?<![#\w-])\d+", repl, text)

    def article(self, i: int) -> tuple[str, bytes]:
        r = self.rng
        tpl = self.templates[i % len(self.templates)]
        text = self.raw[tpl]
        prov, cities = r.choice(self.places)
        city = r.choice(cities)
        prov_short = prov["aliases"][0] if prov["aliases"] else prov["name"]
        city_short = city["aliases"][0] if city["aliases"] else city["name"]
        topic = r.choice(TOPICS)
        person = self.person()
        hant = "hant" in tpl.name
        conv = self.s2t if hant else (lambda s: s)
        # people
        text = text.replace("李强", conv(person)).replace("金壮龙", conv(self.person()))
        s, en = self.person_en()
        text = text.replace("Li Qiang", en).replace("Jin Zhuanglong", self.person_en()[1])
        # places
        for old, new in (("广东省", prov["name"]), ("廣東省", conv(prov["name"])), ("广州", city_short),
                         ("廣州", conv(city_short)), ("Beijing", prov.get("en", "Beijing").replace(" Province", "")),
                         ("BEIJING", city.get("en", "Beijing").upper())):
            text = text.replace(old, new)
        # policy titles: a topic in every 《…》 (the same title gets the same topic throughout)
        titles = {}

        def book(m):
            inner = m.group(1)
            if inner not in titles:
                titles[inner] = conv(r.choice(TOPICS)) + inner
            return f"《{titles[inner]}》"
        text = re.sub(r"《([^《》]+)》", book, text)
        text = text.replace("equipment renewal", f"{r.choice(['equipment', 'industrial', 'digital'])} renewal")
        if not hant and "_en" not in tpl.name:
            extra = []
            for _ in range(r.randint(1, 3)):
                post, level = r.choice(POSTS)
                year = r.randint(2018, 2028)
                extra.append(r.choice(EXTRA).format(
                    post_body=prov["name"] if level == "province" else city["name"], post=post,
                    person=self.person(), city_short=city_short, topic=r.choice(TOPICS),
                    company=f"{city_short}{''.join(r.sample(FIRM, 2))}{r.choice(INDUSTRY)}有限公司",
                    year=year, year2=year + r.randint(2, 5), prov=prov["name"], prov_short=prov_short,
                    num=r.randint(100, 9000), num2=r.randint(10, 900)))
            para = "".join(extra)
            if tpl.suffix == ".html":
                text = text.replace("</article>", f"<p>{para}</p>\n</article>")
            elif "\n分享" in text:
                text = text.replace("\n分享", f"\n{para}\n\n分享", 1)
            else:
                text = text.rstrip("\n") + f"\n\n{para}\n"
        text = self._numbers(text)
        name = f"{i:06d}_{tpl.stem[3:]}{tpl.suffix}"
        return name, text.encode("utf-8")


def generate(n: int, out_dir, seed: int = 0) -> Path:
    """Write ``n`` generated articles into ``out_dir`` (created) and return it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    for i in range(n):
        name, data = gen.article(i)
        (out / name).write_bytes(data)
    return out


if __name__ == "__main__":
    generate(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
