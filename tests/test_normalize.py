"""Normalize: glyph repair, width folding, length-preserving t2s, language, sentences."""
from __future__ import annotations

import time

import pytest

from kg import normalize
from kg.normalize import (detect_language, fold_width, normalize_article, repair_pinyin_glyphs,
                          split_paragraphs, split_sentences, to_simplified)
from kg.records import Article


# --------------------------------------------------------------------------------------
# pinyin glyphs
# --------------------------------------------------------------------------------------

def test_pinyin_glyphs_are_repaired():
    assert repair_pinyin_glyphs("互聯(lián)網(wǎng)發(fā)展") == "互聯網發展"
    assert repair_pinyin_glyphs("推動(dòng)產(chǎn)業(yè)升級") == "推動產業升級"
    # a toneless syllable goes too in a text that has tone-marked ones
    assert repair_pinyin_glyphs("聯(lián)合他們(men)") == "聯合他們"


@pytest.mark.parametrize("text", [
    "规划(2021)发布",                 # digits
    "见附件(see note)",               # not pinyin
    "人工智能(AI)应用",               # capitals
    "大模型(llm)技术",                # not a syllable
    "人工智能(ai)应用",               # toneless syllable in a text without pinyin glyphs
    "version(lián) 1",               # after a Latin letter
    "2024(nián)",                    # after a digit
])
def test_other_parentheses_are_untouched(text):
    assert repair_pinyin_glyphs(text) == text


# --------------------------------------------------------------------------------------
# width
# --------------------------------------------------------------------------------------

def test_fold_width_letters_digits_space_only():
    src = "５Ｇ网络覆盖ＡＩ　应用（２０２４年），“数字化”。"
    out = fold_width(src)
    assert out == "5G网络覆盖AI 应用（2024年），“数字化”。"
    assert len(out) == len(src)
    assert fold_width("plain ASCII") == "plain ASCII"


# --------------------------------------------------------------------------------------
# Simplified
# --------------------------------------------------------------------------------------

def test_to_simplified_keeps_length_and_converts():
    src = "國務院總理李強著力推動製造業發展。\n著眼於長遠。"
    out = to_simplified(src)
    assert len(out) == len(src)
    assert out.startswith("国务院总理李强著力推动制造业发展。")
    assert "著眼" in out
    assert to_simplified("") == ""


def test_to_simplified_falls_back_per_character(monkeypatch):
    class Shrinking:
        """A converter whose phrase rules change the length of 'AB' lines."""

        def convert(self, s):
            if len(s) > 1:
                return s.replace("國務", "国")        # a 2 -> 1 phrase mapping
            return {"國": "国", "務": "务"}.get(s, s)

    monkeypatch.setattr(normalize, "_converter", Shrinking())
    src = "國務院\n國務"
    out = to_simplified(src)
    assert out == "国务院\n国务"
    assert len(out) == len(src)


# --------------------------------------------------------------------------------------
# language
# --------------------------------------------------------------------------------------

def test_detect_language():
    assert detect_language("国务院印发推动大规模设备更新的行动方案。") == "zh-Hans"
    assert detect_language("國務院印發推動大規模設備更新的行動方案。") == "zh-Hant"
    assert detect_language("The State Council of 中国 released an action plan.") == "en"
    assert detect_language("著力推动5G应用") == "zh-Hans"
    assert detect_language("12345") == ""


# --------------------------------------------------------------------------------------
# normalize_article
# --------------------------------------------------------------------------------------

def test_normalize_article_returns_a_copy():
    a = Article(file_name="x.txt", text="國務(wù)院推動ＡＩ與製造業融合。", title="互聯(lián)網")
    n = normalize_article(a)
    assert a.text == "國務(wù)院推動ＡＩ與製造業融合。" and a.simplified == ""
    assert n.text == "國務院推動AI與製造業融合。"
    assert n.simplified == "国务院推动AI与制造业融合。"
    assert len(n.simplified) == len(n.text)
    assert n.title == "互聯網"
    assert n.language == "zh-Hant"
    assert normalize_article(Article(file_name="y", text="abc", language="en")).language == "en"


# --------------------------------------------------------------------------------------
# sentences
# --------------------------------------------------------------------------------------

def check_offsets(text, sentences):
    for s in sentences:
        assert text[s.start:s.end] == s.text
        assert s.text == s.text.strip() and s.text


def test_chinese_sentences_keep_closing_quotes():
    text = "他说：“要加快发展。”随后参观了工厂！这是为什么？  第二行；还有\n新的一行"
    sents = split_sentences(text)
    check_offsets(text, sents)
    assert [s.text for s in sents] == ["他说：“要加快发展。”", "随后参观了工厂！", "这是为什么？",
                                       "第二行；", "还有", "新的一行"]


def test_chinese_with_ascii_marks():
    text = "真的吗?当然!我们继续;好的"
    assert [s.text for s in split_sentences(text)] == ["真的吗?", "当然!", "我们继续;", "好的"]


def test_english_sentences_and_abbreviations():
    text = ("Mr. Li met U.S. officials in Room No. 5 on Tuesday. He said growth was 5.2 percent. "
            "\"We will act,\" he said. Is it done? Yes! in 2024. 中国经济持续恢复。")
    sents = split_sentences(text)
    check_offsets(text, sents)
    assert [s.text for s in sents] == [
        "Mr. Li met U.S. officials in Room No. 5 on Tuesday.",
        "He said growth was 5.2 percent.",
        "\"We will act,\" he said.",
        "Is it done?",
        "Yes! in 2024.",
        "中国经济持续恢复。",
    ]


def test_paragraphs():
    text = "  第一段。 \n\n第二段\u3000\n\t\nlast"
    spans = split_paragraphs(text)
    assert [text[a:b] for a, b in spans] == ["第一段。", "第二段", "last"]


def test_normalize_is_fast():
    unit = ("國務(wù)院總理李強在江蘇蘇州調研，強調要加快推動製造業數字化轉型。"
            "Premier Li Qiang urged faster digital transformation of manufacturing.\n")
    text = unit * (200_000 // len(unit))
    article = Article(file_name="big.txt", text=text)
    started = time.perf_counter()
    n = normalize_article(article)
    split_sentences(n.text)
    elapsed = time.perf_counter() - started
    assert len(n.simplified) == len(n.text)
    assert elapsed < 2.0, f"{len(text) / elapsed:,.0f} chars/s"
