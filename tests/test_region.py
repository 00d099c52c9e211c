"""Who reported: region, level, kind and agency_id from the agency's name and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.synth.names import CITY_CODES, DISTRICT_CODES, REGIONS, region_gold
from extractors.pipeline import process_path
from extractors.region import refine_with_url, who_reported
from extractors.region.gazetteer import gazetteer

ROOT = Path(__file__).resolve().parents[1]

# The real reports' regions, checked by hand against the official code table.
REAL = {
    "hongze-2024.pdf": ("江苏省", "淮安市", "洪泽区", "320813", "county", "government"),
    "kewei-2024.txt": ("上海市", None, None, "310000", "provincial", "department"),
    "pingtan-2020.txt": ("福建省", "福州市", "平潭县", "350128", "county", "government"),
    "pingtan-2022.txt": ("福建省", "福州市", "平潭县", "350128", "county", "government"),
    "pingtan-2024.txt": ("福建省", "福州市", "平潭县", "350128", "county", "government"),
}
SEEDS = {  # data/raw: the five seed reports
    "000_67aac09db402278c.txt": ("山东省", "淄博市", "临淄区", "370305", "county", "other"),
    "001_c70ffb9ddb659733.txt": ("山东省", "淄博市", "张店区", "370303", "county", "department"),
    "002_fd629941e7a907e0.txt": ("山东省", "淄博市", "临淄区", "370305", "county", "department"),
    "003_ac1d9afdc6b90a14.txt": ("吉林省", "长春市", "绿园区", "220106", "county", "department"),
    "004_36850fe6bf2de14a.txt": ("山东省", "淄博市", "临淄区", "370305", "county", "other"),
}
FIELDS = ("province", "prefecture", "county", "adcode", "admin_level", "agency_kind")


def _who(name: str, text: str = "", year: int | None = 2022, **extra) -> tuple[dict, list[dict]]:
    report = {"report_id": "r", "agency": name, "year": year, **extra}
    return report, who_reported(report, text)


@pytest.mark.parametrize("folder,expected", [(ROOT / "tests/fixtures/real", REAL), (ROOT / "data/raw", SEEDS)],
                         ids=["real", "seeds"])
def test_real_reports_regions(folder, expected):
    ids = {}
    for name, want in expected.items():
        r = process_path(folder / name, folder).report
        assert tuple(r[k] for k in FIELDS) == want, name
        assert r["gazetteer_version"] == gazetteer().version
        ids.setdefault(want[3] + r["agency"], set()).add(r["agency_id"])
    assert all(len(v) == 1 for v in ids.values())  # the three Pingtan years are one agency


def test_generator_codes_agree_with_the_gazetteer():
    g = gazetteer()
    for city, district in REGIONS:
        province, city_code = CITY_CODES[city]
        d = g.by_code[DISTRICT_CODES[district]]
        chain = g.chain(d)
        assert (chain["province"].name, chain["prefecture"].code, d.name) == (province, city_code, district)


def test_region_gold_of_a_generated_name():
    gold = region_gold("淮陰區人民政府辦公室", "gov", "淮安市淮阴区")
    assert gold["region"]["adcode"] == "320804" and gold["region"]["agency_kind"] == "office"
    assert gold["agency_key"] == "320804|人民政府办公室"


def test_shared_name_is_null_with_candidates_unless_evidence_names_one():
    r, findings = _who("鼓楼区财政局")
    assert r["province"] is None and r["adcode"] is None and r["county"] is None
    assert r["admin_level"] == "county" and r["agency_kind"] == "department"  # every 鼓楼区 is a county
    detail = json.loads(findings[0]["detail"])
    assert findings[0]["check"] == "region_ambiguous"
    assert {"350102", "320106"} <= {c["code"] for c in detail["candidates"]}
    r, findings = _who("鼓楼区财政局", "本报告电子版可在福州市鼓楼区人民政府门户网站查阅")
    assert (r["adcode"], r["prefecture"], r["region_source"], findings) == ("350102", "福州市", "text", [])
    r, _ = _who("鼓楼区财政局", "鼓楼区财政局 福州市")  # the city alone elsewhere is no evidence
    assert r["adcode"] is None


def test_source_url_province_settles_a_shared_name():
    r, findings = _who("西湖区人民政府", source_url="https://www.hangzhou.zj.gov.cn/art/1.html")
    assert r["adcode"] is None
    refine_with_url(r, findings)
    assert (r["adcode"], r["province"], r["region_source"], findings) == ("330106", "浙江省", "url", [])
    r, findings = _who("西湖区人民政府", source_url="https://www.sd.gov.cn/a.html")  # names neither
    refine_with_url(r, findings)
    assert r["adcode"] is None and len(findings) == 1


def test_renamed_county_and_reused_code():
    old, _ = _who("洪泽县人民政府", year=2015)
    new, _ = _who("淮安市洪泽区人民政府", year=2021)
    assert (old["county"], old["adcode"], new["adcode"]) == ("洪泽县", "320829", "320813")
    assert old["agency_id"] == new["agency_id"]
    # 洛龙区's old code 410307 was given to 偃师区 later: the name resolves to the code in force
    r, _ = _who("洛阳市洛龙区教育局")
    assert r["adcode"] == "410311"


def test_a_place_abolished_before_the_year_is_no_candidate():
    r, findings = _who("南关区民政局", year=2022)  # 开封's 南关区 ended in 2005: 长春's
    assert (r["adcode"], findings) == ("220102", [])


def test_levels_and_kinds():
    cases = {
        "上海市科学技术委员会": ("上海市", "provincial", "department", "上海市人民政府"),
        "山东省人民政府办公厅": ("山东省", "provincial", "office", "山东省人民政府"),
        "山东省人民政府": ("山东省", "provincial", "government", "国务院"),
        "淄博市人民政府": ("山东省", "prefecture", "government", "山东省人民政府"),
        "教育部": (None, "national", "department", "国务院"),
        "徐州市沛县金山镇人民政府": ("江苏省", "township", "township", "徐州市沛县人民政府"),
        "张店区中小企业发展中心": ("山东省", "county", "other", "淄博市张店区人民政府"),
    }
    for name, want in cases.items():
        r, _ = _who(name)
        assert (r["province"], r["admin_level"], r["agency_kind"], r["parent_government"]) == want, name


def test_agency_id_across_name_variants():
    ids = {_who(n)[0]["agency_id"] for n in ("临淄区工信局", "淄博市临淄区工业和信息化局", "临淄区工业和信息化局")}
    assert len(ids) == 1
    others = {_who(n)[0]["agency_id"] for n in ("临淄区财政局", "张店区工业和信息化局", "临淄区人民政府",
                                                 "临淄区人民政府办公室", "临淄区凤凰镇人民政府")}
    assert len(others) == 5 and not ids & others
    r, _ = _who(None)
    assert r["agency_id"] is None and r["admin_level"] is None


def test_words_that_merely_look_like_places_are_not_regions():
    for name in ("城乡建设局", "新华街道办事处", "金山街道办事处", "东湖镇人民政府", "宣传部"):
        r, findings = _who(name)
        assert r["adcode"] is None and r["province"] is None and not findings, name
        assert r["admin_level"] != "national", name


def test_traditional_characters_are_the_same_agency():
    simp, _ = _who("淄博市臨淄區工業和信息化局")
    assert simp["adcode"] == "370305" and simp["agency_id"] == _who("临淄区工业和信息化局")[0]["agency_id"]
