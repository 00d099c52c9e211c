"""HTML pages as government portals publish the reports.

A full page (header, navigation, breadcrumb, article info line, footer, scripts and
styles) with the report in an article <div>. Tables carry rowspan/colspan and
&nbsp; in empty cells; about half the pages use Word-exported markup (MsoNormal
paragraphs inside cells, text split over <span>s the way Pingtan's page.html splits
'21' into '2' + '1'). Some pages are GBK with <meta charset=gbk> or the http-equiv form.
"""

from __future__ import annotations

import random
from html import escape

from . import params as P
from .layout import Block, Document, GTable

CSS = """body{margin:0;font-family:"Microsoft YaHei",SimSun,sans-serif;background:#f3f3f3}
.header{height:120px;background:#1b5fae url(/images/banner.jpg) no-repeat center}
.nav ul{list-style:none;margin:0;padding:0;background:#0d4a92}.nav li{display:inline-block;padding:0 18px;line-height:40px}
.nav a{color:#fff;text-decoration:none}.position{width:1100px;margin:10px auto;font-size:13px;color:#666}
.article{width:1100px;margin:0 auto;background:#fff;padding:30px 60px}.article h1{font-size:24px;text-align:center}
.info{text-align:center;color:#888;font-size:13px;border-bottom:1px dashed #ccc;padding-bottom:10px}
.TRS_Editor p{font-size:16px;line-height:2em}.footer{background:#0d4a92;color:#fff;text-align:center;padding:20px;font-size:13px}
table{margin:0 auto}"""

NAV = ("首页", "政务公开", "政务服务", "互动交流", "走进{district}", "专题专栏")


def _spans(rng: random.Random, text: str, split: bool, style: str) -> str:
    """Text as one or more <span>s; split=True cuts it at random points (Word export)."""
    if not text:
        return ""
    pieces = [text]
    if split and len(text) > 1 and rng.random() < 0.5:
        cut = rng.randrange(1, len(text))
        pieces = [text[:cut], text[cut:]]
    return "".join(f'<span style="{style}">{_esc(p)}</span>' if style else f"<span>{_esc(p)}</span>" for p in pieces)


def _esc(text: str) -> str:
    out = escape(text, quote=False).replace("\t", "&nbsp;&nbsp;&nbsp;&nbsp;")
    if out.startswith(" "):
        out = "&nbsp;" + out[1:]
    return out


def _cell_html(rng: random.Random, cell_text: str, word: bool, split: bool, para_breaks: bool) -> str:
    span_style = "font-family:宋体;font-size:10.5pt;" if word else ""
    if not cell_text.strip(" "):
        inner = "&nbsp;" if not cell_text else _esc(cell_text)
        return f'<p class="MsoNormal" align="center" style="text-align:center;">{inner}</p>' if word else inner
    lines = cell_text.split("\n")
    if word:
        if para_breaks and len(lines) > 1:
            return "".join(f'<p class="MsoNormal" align="center" style="text-align:center;">{_spans(rng, ln, split, span_style)}</p>'
                           for ln in lines)
        body = "<br/>".join(_spans(rng, ln, split, span_style) for ln in lines)
        return f'<p class="MsoNormal" align="center" style="text-align:center;">{body}</p>'
    return "<br>".join(_spans(rng, ln, split, "") if split else _esc(ln) for ln in lines)


def _table_html(rng: random.Random, t: GTable, word: bool, split: bool, para_breaks: bool) -> str:
    total = sum(t.widths)
    px = 600
    if word:
        out = [f'<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" width="{px}" '
               f'style="border-collapse:collapse;width:{px * 0.75:.2f}pt;mso-table-layout-alt:fixed;border:none;">', "<tbody>"]
    else:
        out = ['<table border="1" cellspacing="0" cellpadding="4" style="width:100%;border-collapse:collapse;">', "<tbody>"]
    for row in t.row_tcs():
        out.append('<tr style="height:20.50pt;">' if word else "<tr>")
        for cell, starts in row:
            if not starts:
                continue  # covered by a rowspan above
            attrs = []
            if cell.colspan > 1:
                attrs.append(f'colspan="{cell.colspan}"')
            if cell.rowspan > 1:
                attrs.append(f'rowspan="{cell.rowspan}"')
            w = int(px * sum(t.widths[cell.c:cell.c + cell.colspan]) / total)
            if word:
                attrs.append(f'width="{w}" valign="center" style="width:{w * 0.75:.2f}pt;padding:0.00pt 5.40pt;'
                             f'border:1.00pt solid windowtext;"')
            elif cell.role == "value":
                attrs.append('style="text-align:center"')
            inner = _cell_html(rng, cell.text, word, split, para_breaks)
            out.append(f"<td {' '.join(attrs)}>{inner}</td>" if attrs else f"<td>{inner}</td>")
        out.append("</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _block_html(rng: random.Random, b: Block, word: bool, split: bool, para_breaks: bool) -> str:
    if b.kind == "table":
        return _table_html(rng, b.table, word, split, para_breaks)
    text = _esc(b.text)
    if b.kind == "title":
        return f'<p align="center" style="text-align:center;"><strong><span style="font-size:22pt;font-family:方正小标宋简体;">{text}</span></strong></p>'
    if b.kind == "heading":
        return f'<p style="text-indent:2em;"><strong>{text}</strong></p>' if word else f"<p><b>{text}</b></p>"
    if b.kind == "sign":
        return f'<p align="right" style="text-align:right;">{text}</p>'
    if word:
        return f'<p class="MsoNormal" style="text-indent:32.00pt;line-height:28.00pt;"><span style="font-family:仿宋_GB2312;font-size:16pt;">{text}</span></p>'
    return f'<p style="text-indent:2em;">{text}</p>'


def _box_html(doc: Document, title: str) -> str:
    """The page's 政府信息公开目录 metadata box in the masthead's style ("" without one)."""
    m = doc.masthead
    if m is None or not m.box_style:
        return ""
    pub = m.page_date.isoformat()
    fields = [("索引号", m.index_number), ("主题分类", "综合政务"), ("发布机构", m.box_agency), ("发文日期", pub),
              ("名称", title), ("文号", ""), ("主题词", "年度报告")]
    if m.box_style == "list":
        items = "".join(f"<li><b>{k}：</b><span>{escape(v)}</span></li>" for k, v in fields)
        return f'<div class="xxgk-info"><ul>{items}</ul></div>'
    rows = []
    for i in range(0, len(fields), 2):
        pair = fields[i:i + 2]
        if m.box_style == "pairs_table":
            tds = "".join(f'<td class="t">{k}：</td><td class="c"{" colspan=3" if len(pair) == 1 else ""}>'
                          f"{escape(v)}</td>" for k, v in pair)
        else:
            tds = "".join(f'<td{" colspan=2" if len(pair) == 1 else ""}>{k}：{escape(v)}</td>' for k, v in pair)
        rows.append(f"<tr>{tds}</tr>")
    return f'<table class="xxgk-table" width="100%" border="0">{"".join(rows)}</table>'


def render_html(doc: Document, rng: random.Random, charset: str) -> str:
    r, a = doc.report, doc.agency
    pert = r.perturbations
    word = rng.random() < P.P_HTML_WORD_EXPORT
    split = word and rng.random() < P.P_HTML_SPLIT_SPANS
    para_breaks = word and rng.random() < 0.5
    pert.append("html:word_export" if word else "html:cms_table")
    if split:
        pert.append("html:split_spans")
    titles = [b.text for b in doc.blocks if b.kind == "title"]
    page_title = "".join(titles)
    if charset == "utf-8":
        meta = '<meta charset="utf-8">'
    elif rng.random() < 0.5:
        meta = f'<meta charset="{charset}">'
        pert.append("html:meta_charset")
    else:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        pert.append("html:meta_http_equiv")
    date = f"{r.year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}"
    m = doc.masthead
    if m is not None:
        date = m.page_date.isoformat()
        if m.box_style:
            pert.append(f"html:page_box_{m.box_style}")
    source = a.name if rng.random() < 0.7 else a.site
    nav = "".join(f'<li><a href="/col/col{1000 + i}/index.html">{escape(n.format(district=a.district))}</a></li>'
                  for i, n in enumerate(NAV))
    body_blocks = "\n".join(_block_html(rng, b, word, split, para_breaks) for b in doc.blocks)
    site_id = f"{rng.randint(1100, 6599)}{rng.randint(100000, 999999)}"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{meta}
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="SiteName" content="{escape(a.site)}">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{escape(page_title)}">
<meta name="PubDate" content="{date} 09:{rng.randint(10, 59)}">
<meta name="ContentSource" content="{escape(source)}">
<title>{escape(page_title)}_{escape(a.site)}</title>
<link rel="stylesheet" href="/images/common.css">
<style type="text/css">
{CSS}
</style>
<script type="text/javascript" src="/js/jquery-1.12.4.min.js"></script>
<script type="text/javascript">
var siteCode = "{site_id}";
function changeSize(size) {{ document.getElementById("zoom").style.fontSize = size + "px"; }}
</script>
</head>
<body>
<div class="header"><div class="logo"><a href="/"><img src="/images/logo.png" alt="{escape(a.site)}"></a></div>
<div class="search"><form action="/jsearch/search.do" method="get"><input type="text" name="q" placeholder="请输入关键字"><button type="submit">搜索</button></form></div></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/col/col1001/index.html">政务公开</a> &gt; <a href="/col/col1088/index.html">政府信息公开年报</a></div>
{_chrome_line(doc)}<div class="article">
{_box_html(doc, page_title)}
<h1>{escape(page_title)}</h1>
<div class="info">发布时间：{date}&nbsp;&nbsp;来源：{escape(source)}&nbsp;&nbsp;浏览次数：<span id="hits"><script>document.write(Math.floor(Math.random()*1000));</script></span>&nbsp;&nbsp;【字体：<a href="javascript:changeSize(20)">大</a> <a href="javascript:changeSize(16)">中</a> <a href="javascript:changeSize(14)">小</a>】</div>
<div class="TRS_Editor" id="zoom">
{body_blocks}
</div>
<div class="pager"><p>上一篇：<a href="/art/1.html">关于公布{r.year}年度部门预算的公告</a></p><p>下一篇：<a href="/art/2.html">{escape(a.district)}政务公开工作动态</a></p></div>
<div class="share">分享到：<a href="javascript:void(0)" class="wx">微信</a> <a href="javascript:void(0)" class="wb">微博</a> <a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
</div>
<div class="footer">
<p>主办：{escape(a.site)}办公室&nbsp;&nbsp;承办：{escape(a.district)}大数据中心</p>
<p>网站标识码：{site_id}&nbsp;&nbsp;ICP备案号：{rng.choice("鲁苏吉鄂陕闽浙川皖豫湘辽桂赣")}ICP备{rng.randint(10000000, 99999999)}号&nbsp;&nbsp;<img src="/images/jiucuo.png" alt="政府网站找错"></p>
</div>
<script type="text/javascript">
(function() {{ var hm = document.createElement("script"); hm.src = "/js/stat.js?id=" + siteCode; document.body.appendChild(hm); }})();
</script>
</body>
</html>
"""


def _chrome_line(doc: Document) -> str:
    """A short line of site chrome above the article (the 'home' link with the site's name)."""
    m = doc.masthead
    if m is None or not m.chrome_line:
        return ""
    return f'<div class="top-links"><a href="/">首页</a>{escape(doc.agency.district)}门户</div>\n'


def write_html(doc: Document, rng: random.Random) -> bytes:
    pert = doc.report.perturbations
    charset = rng.choices(list(P.HTML_ENCODINGS), weights=list(P.HTML_ENCODINGS.values()))[0]
    page = render_html(doc, rng, charset)
    if charset == "utf-8":
        pert.append("encoding:utf-8")
        return page.encode("utf-8")
    try:
        data = page.encode("gbk")
        pert.append("encoding:gbk")
    except UnicodeEncodeError:
        page = page.replace("charset=gbk", "charset=gb18030").replace('charset="gbk"', 'charset="gb18030"')
        data = page.encode("gb18030")
        pert.append("encoding:gb18030")
    return data

