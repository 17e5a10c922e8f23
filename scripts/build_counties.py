#!/usr/bin/env python3
"""Write kg/data/kb/counties.jsonl: China's county-level divisions (districts, counties,
county-level cities, banners), each located in its prefecture city or province.

    pip download cpca==0.5.5 --no-deps -d /tmp/cpca && unzip -o /tmp/cpca/cpca-*.whl -d /tmp/cpca
    pip download pypinyin==0.55.0 --no-deps -d /tmp/pyp && unzip -o /tmp/pyp/pypinyin-*.whl -d /tmp/pyp
    PYTHONPATH=/tmp/pyp python scripts/build_counties.py --adcodes /tmp/cpca/cpca/resources/adcodes.csv

The source is the administrative-division table (GB/T 2260 codes) shipped in the MIT-licensed
cpca package; it is read once here and the result versioned with the project, so nothing
is fetched at run time. Its vintage predates some mergers (杭州 临平区/钱塘区 of 2021 are
missing, 临安 is still a 市): RENAMED below brings the best-known ones up to date.
Divisions whose name and parent are already in kg/data/kb (the districts of the
municipalities) are left to the hand-written entries.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: (adcode, name as in the table) -> current name, for changes after the table was made
RENAMED = {("330185", "临安市"): "临安区"}
#: divisions created after the table was made: (adcode, name, parent adcode)
ADDED = [("330113", "临平区", "3301"), ("330114", "钱塘区", "3301")]
#: short forms that jieba's dictionary files as names but that news text uses as everyday
#: words or parts of other names (惠民利企, 古城保护, 城西科创大走廊, 长安汽车)
EVERYDAY_SHORTS = set("""惠民 古城 城西 城东 城南 城北 城中 城关 江南 江北 河东 河西 新城 高新 东湖 西湖 新田 长安
和平 向阳 红旗 胜利 解放 新华 人民 光明 前进 复兴 振兴 合作 资源 会同 中方 双城 清水 永和 安定 太平 平安 团结
友好 建设 文化 民主 先锋 新兴 兴业 开发 矿区 郊区 城区 市中 市南 市北 港口 海港 永安 长宁 宁安 安化 和田
大安 长城 龙华 华容 新民 东方 西安 南京 北京""".split())
SUFFIXES = ("自治县", "自治旗", "林区", "特区", "区", "县", "市", "旗")


def category(name: str) -> str:
    if name.endswith("区"):
        return "district"
    if name.endswith("市"):
        return "county_city"
    if name.endswith("旗"):
        return "banner"
    return "county"


def _common_word(word: str) -> bool:
    """True when jieba's dictionary holds ``word`` as something other than a place name
    (合作, 资源, 振兴: the short forms of 合作市, 资源县, 振兴区 are everyday words)."""
    import jieba.posseg

    pairs = jieba.posseg.lcut(word, HMM=False)
    return len(pairs) == 1 and pairs[0].flag not in ("ns", "nr", "nrt", "nt", "nz")


def short_form(name: str) -> str | None:
    """萧山区 -> 萧山; 2-character results only, never for 自治 names (their short form is
    the place name before the ethnic words, which varies) nor when it is an everyday word."""
    if "自治" in name:
        return None
    for sfx in SUFFIXES:
        if name.endswith(sfx) and len(name) - len(sfx) >= 2:
            short = name[: -len(sfx)]
            return None if short in EVERYDAY_SHORTS or _common_word(short) else short
    return None


def english_name(name: str) -> str:
    """昆山市 -> Kunshan: the Hanyu Pinyin of a county-level city without 市, as English news
    writes it (syllables joined, an apostrophe before a vowel: Xi'an). A district, county or
    banner keeps its kind as a word (新吴区 -> Xinwu District, 德清县 -> Deqing County); an
    autonomous county has none here (its English name spells out the peoples: left to the KB)."""
    from pypinyin import lazy_pinyin

    kind = {"district": " District", "county": " County", "banner": " Banner"}.get(category(name), "")
    if kind and "自治" in name:
        return ""
    syllables = lazy_pinyin(name[:-1])
    word = syllables[0] + "".join(("'" + s if s[0] in "aeo" else s) for s in syllables[1:])
    return word[:1].upper() + word[1:] + kind


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adcodes", type=Path, required=True, help="cpca's resources/adcodes.csv")
    ap.add_argument("--out", type=Path, default=ROOT / "kg" / "data" / "kb" / "counties.jsonl")
    args = ap.parse_args(argv)

    import opencc

    from kg.kb import alias_key, load_kb

    to_trad = opencc.OpenCC("s2t")
    kb = load_kb()
    # the divisions a previous run wrote are not "listed already"
    places = [e for e in kb.entries.values() if e.type == "Place" and not e.id.startswith("place:cn_")]
    by_name = {}
    for e in places:
        for n in [e.name, *e.aliases]:
            by_name.setdefault(n, e)
    rows = list(csv.DictReader(args.adcodes.open(encoding="utf-8")))
    names = {r["adcode"][:6]: r["name"] for r in rows}
    parent_of = {}                          # adcode prefix -> KB id of the province or city
    for code, name in names.items():
        if code.endswith("0000") or code.endswith("00"):
            e = by_name.get(name)
            if e is not None:
                parent_of[code[:4] if not code.endswith("0000") else code[:2]] = e.id
    existing = {(e.name, e.located_in) for e in places}
    counties = [(code, RENAMED.get((code, name), name), code[:4]) for code, name in names.items()
                if not code.endswith("00") and name not in ("市辖区", "县", "省直辖县级行政区划")]
    counties += ADDED
    # English names (Kunshan, Yiwu; Xinwu District, Deqing County): only where the name is no
    # other place's English name and no other division's (eight 新华区 share Xinhua District)
    taken_en = {alias_key(n) for e in kb.entries.values() if not e.id.startswith("place:cn_")
                for n in [e.en, *e.en_aliases] if n}
    pinyin = Counter(english_name(n) for _, n, _ in counties)
    out, skipped = [], 0
    for code, name, city_code in sorted(counties):
        parent = parent_of.get(city_code) or parent_of.get(code[:2])
        # 和县 in 各地市和县（市、区）: a two-character name that opens with a conjunction or
        # preposition is read far more often as that word and a 县 than as the county
        if len(name) == 2 and (_common_word(name) or name[0] in "和与及或在对为从向"):
            skipped += 1
            continue
        if parent is None or (name, parent) in existing:
            skipped += 1
            continue
        aliases = [t for t in {to_trad.convert(name)} if t != name]
        short = short_form(name)
        entry = {"id": f"place:cn_{code}", "type": "Place", "name": name, "aliases": aliases}
        if short:
            entry["weak_aliases"] = sorted({short, to_trad.convert(short)})
        en = english_name(name)
        if en and (pinyin[en] > 1 or alias_key(en) in taken_en):
            en = ""
        city = category(name) == "county_city"
        entry.update({"en": en, "en_aliases": [f"{en} City"] if en and city else [], "category": category(name),
                      "located_in": parent, "adcode": code})
        out.append(json.dumps(entry, ensure_ascii=False))
    args.out.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(out)} county-level divisions written to {args.out} ({skipped} skipped: listed already or no parent)")


if __name__ == "__main__":
    main()
