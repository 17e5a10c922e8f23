"""Ingest: files of every supported kind and encoding become clean Articles; bad ones Skipped.

Every text here is written for these tests.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import iter_articles, parse_date, read_article
from kg.records import Article, Skipped

SAMPLE = Path(__file__).resolve().parents[1] / "kg" / "data" / "sample"

BODY_ZH = "国务院总理李强在江苏苏州调研，了解企业推进智能制造的情况。"
BODY_HANT = "國務院總理李強在江蘇蘇州調研，了解企業推進智慧製造的情況。"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def only(items) -> Article:
    items = list(items)
    assert len(items) == 1, items
    assert isinstance(items[0], Article), items[0]
    return items[0]


# --------------------------------------------------------------------------------------
# front matter and metadata
# --------------------------------------------------------------------------------------

def test_front_matter_fills_metadata(tmp_path):
    f = write(tmp_path / "a.txt", (
        "---\n"
        'title: "工信部推动中小企业数字化转型"\n'
        "date: 2024-07-04T01:08:52.000Z\n"
        "author: 示例日报\n"
        "from: https://example.org/news/1\n"
        "tags: [ 产业 ]\n"
        "---\n"
        "工业和信息化部表示，将推动更多中小企业开展数字化转型。\n"))
    a = read_article(f)
    assert a.title == "工信部推动中小企业数字化转型"
    assert a.date.startswith("2024-07-04T01:08:52")
    assert a.source == "示例日报"
    assert a.url == "https://example.org/news/1"
    assert a.file_name == "a.txt" and a.path == str(f)
    assert a.text.splitlines()[0] == a.title                    # title is the first line
    assert "tags" not in a.text and "---" not in a.text
    assert a.language == "zh-Hans"


def test_broken_front_matter_keeps_the_article(tmp_path):
    f = write(tmp_path / "b.md", "---\ntitle: [unclosed\ndate: 2023-05-06\n---\n" + BODY_ZH + "\n")
    a = read_article(f)
    assert BODY_ZH in a.text
    assert a.date == "2023-05-06"                               # read line by line instead
    assert "unclosed" not in a.text.split("\n", 1)[1]


def test_title_date_and_source_from_the_top_lines(tmp_path):
    f = write(tmp_path / "c.txt", (
        "分享\n"
        "江苏发布制造业新举措\n"
        "2024-08-28 09:30    来源：示例新闻网    阅读量：1024\n\n"
        f"{BODY_ZH}\n"))
    a = read_article(f)
    assert a.title == "江苏发布制造业新举措"
    assert a.date == "2024-08-28T09:30"
    assert a.source == "示例新闻网"
    assert a.text == f"江苏发布制造业新举措\n\n{BODY_ZH}"


def test_english_byline(tmp_path):
    f = write(tmp_path / "e.txt", (
        "App\n"
        "Premier stresses support for small firms\n"
        "Updated: July 3, 2024 22:55 Xinhua\n\n"
        "Premier Li Qiang visited two technology companies in Suzhou on Tuesday. "
        "He said local governments should give more help to small and medium-sized firms.\n"))
    a = read_article(f)
    assert a.title == "Premier stresses support for small firms"
    assert a.date == "2024-07-03T22:55"
    assert a.source == "Xinhua"
    assert a.language == "en"
    assert not a.text.startswith("App")


def test_parse_date_forms():
    assert parse_date("发布时间：2021-11-01 13:42:07") == "2021-11-01T13:42:07"
    assert parse_date("2024年3月13日，国务院") == "2024-03-13"
    assert parse_date("Updated: July 3, 2024") == "2024-07-03"
    assert parse_date("3 July 2024") == "2024-07-03"
    assert parse_date("2024-13-45") == ""


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------
PAGE = """<!DOCTYPE html><html><head><title>广东推进产业合作 - 示例网</title>
<meta property="article:published_time" content="2024-05-20T08:00:00+08:00">
<style>p { color: red }</style><script>var tracker = "分享";</script></head>
<body>
<nav><a href="/">首页</a> &gt; 新闻</nav>
<div class="bdsharebuttonbox"><a>微信</a><a>微博</a></div>
<div class="content">
<h1>广东推进产业合作</h1>
<p>广东省人民政府与工业和信息化部签署合作协议，
共同推动先进制造业发展。</p>
<div id="dfp-ad-1">特价广告位</div>
<figure><img src="x.jpg"><figcaption>图为签约现场</figcaption></figure>
<p>双方将在<b>智能制造</b>等领域加强合作。<br>协议自签署之日起生效。</p>
<div class="comment-list"><p>网友评论：很好</p></div>
</div>
<footer>Copyright © 2024 示例网 版权所有</footer>
</body></html>"""


def test_html_page_is_stripped_with_a_real_parser(tmp_path):
    a = read_article(write(tmp_path / "page.html", PAGE))
    lines = a.text.splitlines()
    assert a.title == "广东推进产业合作"
    assert lines[0] == "广东推进产业合作"
    assert a.date == "2024-05-20T08:00:00+08:00"
    # the wrapped line inside <p> is joined without a space between Han characters
    assert "广东省人民政府与工业和信息化部签署合作协议，共同推动先进制造业发展。" in lines
    assert "双方将在智能制造等领域加强合作。" in lines                 # <br> ends a line
    assert "协议自签署之日起生效。" in lines
    assert "图为签约现场" in lines
    for gone in ("tracker", "color", "首页", "微信", "特价广告位", "网友评论", "版权所有", "示例网 -"):
        assert gone not in a.text, gone
    assert lines.count("广东推进产业合作") == 1


def test_html_inside_a_txt_body_and_markdown_links(tmp_path):
    f = write(tmp_path / "mixed.txt", (
        "---\ntitle: 示例标题\n---\n<!--123-->\n"
        "[示例标题](https://example.org/a)\n------\n\n"
        '<div><div class="figure-media"><img src="a.jpg"></div>'
        "<figcaption>会议现场</figcaption><p>第一段内容在这里。</p>"
        '<section id="imu"><div id="dfp-ad-imu1"></div></section>'
        "<p>第二段有一个[链接文字](https://example.org/b)。</p>"
        '<div class="cx_paywall_placeholder">订阅后阅读全文</div></div>\n'))
    a = read_article(f)
    assert [x for x in a.text.splitlines() if x] == ["示例标题", "会议现场", "第一段内容在这里。", "第二段有一个链接文字。"]
    assert "\n\n\n" not in a.text


# --------------------------------------------------------------------------------------
# plain-text boilerplate
# --------------------------------------------------------------------------------------

def test_page_boilerplate_lines_are_dropped_and_content_kept(tmp_path):
    long_line = ("本报记者了解到，这家企业十分重视版权保护，专门设立知识产权团队，" * 5).rstrip("，") + "。"
    assert len(long_line) > 120
    text = "\n".join([
        "会员登录 登录 |",
        "当前位置：首页 > 新闻中心 > 正文",
        "示例网 > 产业 > 企业 > 一家企业的创新之路",
        "扫描二维码，分享此文章",
        "一家企业的创新之路",
        "",
        "这家企业主要研发工业机器人，产品已出口多个国家。",
        long_line,
        "声明：本内容仅代表作者个人观点，与本站无关。",
        "版权所有：示例产业联盟 未经授权请勿转载",
        "客服邮箱：service@example.org",
        "服务电话",
        "010-12345678",
        "（周一至周五9:00-17:00）",
        "示例服务助手",
        "扫一扫关注我们",
        "京ICP备00000000号-1",
        "分享",
        "微信",
        "QQ",
        "收藏",
        "Copyright© www.example.org | About us | Contact us",
    ])
    a = read_article(write(tmp_path / "bp.txt", text))
    assert a.text.splitlines() == ["一家企业的创新之路", "", "这家企业主要研发工业机器人，产品已出口多个国家。",
                                   long_line]


def test_traditional_boilerplate_with_pinyin_glyphs_is_dropped(tmp_path):
    text = (f"{BODY_HANT}\n"
            "示例聲明:本內(nèi)容為作者獨立觀點。未經(jīng)允許不得轉(zhuǎn)載。\n")
    a = read_article(write(tmp_path / "t.txt", text))
    assert "聲明" not in a.text
    assert a.language == "zh-Hant"


# --------------------------------------------------------------------------------------
# JSONL
# --------------------------------------------------------------------------------------

def test_jsonl_broken_line_is_skipped_and_the_others_load(tmp_path):
    good1 = {"text": BODY_ZH, "title": "李强在苏州调研", "date": "2024-07-03", "url": "https://example.org/1",
             "source": "示例社"}
    good3 = {"text": "The State Council adopted a plan on equipment renewal.", "language": "en"}
    f = tmp_path / "batch.jsonl"
    f.write_text(json.dumps(good1, ensure_ascii=False) + "\n{\"text\": \"broken\n\n"
                 + json.dumps(good3) + "\n[1, 2]\n{\"title\": \"no text\"}\n", encoding="utf-8")
    items = list(iter_articles([f]))
    articles = [x for x in items if isinstance(x, Article)]
    skipped = [x for x in items if isinstance(x, Skipped)]
    assert [a.file_name for a in articles] == ["batch.jsonl#1", "batch.jsonl#4"]
    assert [a.line for a in articles] == [1, 4]
    a1 = articles[0]
    assert (a1.title, a1.date, a1.url, a1.source) == ("李强在苏州调研", "2024-07-03", "https://example.org/1", "示例社")
    assert a1.text.splitlines()[0] == "李强在苏州调研"
    assert articles[1].language == "en"
    assert [s.line for s in skipped] == [2, 5, 6]
    assert all(s.path == str(f) for s in skipped)
    assert "line 2" in skipped[0].reason and "JSON" in skipped[0].reason
    assert "text" in skipped[2].reason


# --------------------------------------------------------------------------------------
# encodings and bad files
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding,text", [
    ("gb18030", BODY_ZH),
    ("big5", BODY_HANT),
    ("utf-16", BODY_ZH),              # Python writes a BOM for "utf-16"
    ("utf-8-sig", BODY_ZH),
])
def test_encodings_decode(tmp_path, encoding, text):
    f = write(tmp_path / f"enc-{encoding}.txt", text + "\n" + text + "\n", encoding)
    a = only(iter_articles([f]))
    assert text in a.text
    assert not a.text.startswith("\ufeff")


def test_big5_is_not_mistaken_for_gb18030_in_short_texts(tmp_path):
    for i, text in enumerate(["香港特區政府歡迎有關措施。", "國務院印發行動方案。"]):
        f = write(tmp_path / f"short{i}.txt", text, "big5")
        assert only(iter_articles([f])).text == text


@pytest.mark.parametrize("name,data,word", [
    ("bad.txt", b"abc \xff\xfe\xfa\xff more text \x80\xff", "decode"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ("nul.md", b"text\x00with\x00nul\x00bytes", "binary"),
    ("empty.txt", b"", "empty"),
    ("blank.html", b"  \n\n\t ", "empty"),
])
def test_bad_files_are_skipped_with_a_reason(tmp_path, name, data, word):
    f = tmp_path / name
    f.write_bytes(data)
    (s,) = list(iter_articles([f]))
    assert isinstance(s, Skipped)
    assert s.path == str(f)
    assert word in s.reason.lower()
    with pytest.raises(InputError) as err:
        read_article(f)
    assert name in str(err.value)


def test_only_boilerplate_is_skipped(tmp_path):
    f = write(tmp_path / "nav.txt", "分享\n微信\n版权所有 © 示例网\n")
    (s,) = list(iter_articles([f]))
    assert isinstance(s, Skipped) and "boilerplate" in s.reason


def test_read_article_errors_name_the_path(tmp_path):
    with pytest.raises(InputError, match="missing.txt"):
        read_article(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="JSONL"):
        read_article(write(tmp_path / "x.jsonl", "{}\n"))


# --------------------------------------------------------------------------------------
# walking folders
# --------------------------------------------------------------------------------------

def test_folder_walk(tmp_path):
    write(tmp_path / "b" / "2.txt", BODY_ZH)
    write(tmp_path / "b" / "1.md", BODY_ZH)
    write(tmp_path / "a.htm", f"<p>{BODY_ZH}</p>")
    write(tmp_path / "notes.pdf", "%PDF-1.4")
    write(tmp_path / "data.csv", "a,b\n")
    write(tmp_path / ".hidden.txt", BODY_ZH)
    write(tmp_path / ".git" / "x.txt", BODY_ZH)
    write(tmp_path / "README.md", "# About this folder")
    items = list(iter_articles([tmp_path]))
    assert all(isinstance(x, Article) for x in items), items
    assert [Path(x.path).relative_to(tmp_path).as_posix() for x in items] == ["a.htm", "b/1.md", "b/2.txt"]


def test_explicit_unsupported_or_missing_file_is_reported(tmp_path):
    pdf = write(tmp_path / "notes.pdf", "%PDF-1.4")
    items = list(iter_articles([pdf, tmp_path / "nowhere.txt"]))
    assert all(isinstance(x, Skipped) for x in items)
    assert "unsupported" in items[0].reason and ".pdf" in items[0].reason
    assert "no such" in items[1].reason


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_symlink_loop_is_walked_once(tmp_path):
    write(tmp_path / "d" / "one.txt", BODY_ZH)
    try:
        os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    except OSError:
        pytest.skip("cannot create symbolic links")
    items = list(iter_articles([tmp_path]))
    assert [x.file_name for x in items] == ["one.txt"]


def test_language_detection_on_ingest(tmp_path):
    langs = {}
    for name, text in [("s.txt", BODY_ZH), ("t.txt", BODY_HANT),
                       ("e.txt", "The ministry said it would help small firms adopt smart manufacturing.")]:
        langs[name] = read_article(write(tmp_path / name, text)).language
    assert langs == {"s.txt": "zh-Hans", "t.txt": "zh-Hant", "e.txt": "en"}


# --------------------------------------------------------------------------------------
# the sample corpus
# --------------------------------------------------------------------------------------

def test_each_sample_article_ingests():
    items = list(iter_articles([SAMPLE]))
    assert not [x for x in items if isinstance(x, Skipped)]
    assert len(items) == 5
    by_lang = sorted(a.language for a in items)
    assert by_lang == ["en", "zh-Hans", "zh-Hans", "zh-Hans", "zh-Hant"]
    for a in items:
        assert a.title and a.date, a.file_name
        assert a.text.splitlines()[0] == a.title
        assert 150 <= len(a.text) <= 500, (a.file_name, len(a.text))
        for junk in ("分享", "版权所有", "Copyright", "ICP", "阅读量", "广告", "首页", "Share"):
            assert junk not in a.text, (a.file_name, junk)
    html = next(a for a in items if a.file_name.endswith(".html"))
    assert html.url.startswith("https://") and html.source
    hant = next(a for a in items if a.language == "zh-Hant")
    assert "(lián)" in hant.text                              # repaired later, by normalize


def test_a_box_of_the_story_s_own_paragraphs_is_kept_whatever_its_class(tmp_path):
    prose = "在市人代会召开前，各区人代会已陆续召开。虎丘区第十二届人民代表大会第四次会议在科技会堂开幕，区人大常委会主任主持会议，代区长代表区人民政府作政府工作报告，提出全年经济增长目标和十项重点任务。"
    page = f"""<html><body><div class="art-body"><p>苏州市第十七届人民代表大会第四次会议12日下午开幕。</p>
    <div class="box-related-text"><p>{prose}</p></div></div>
    <div class="related-news"><ul><li><a href="/a">代表热议政府工作报告</a></li><li><a href="/b">一图读懂民生实事</a></li></ul></div>
    </body></html>"""
    a = read_article(write(tmp_path / "page.html", page))
    assert "虎丘区第十二届人民代表大会第四次会议" in a.text
    assert "代表热议政府工作报告" not in a.text         # a list of links beside the story is still dropped
