"""Agency names with region prefixes, as reports name themselves in their titles.

Shapes seen in the seeds and gold: 临淄区工业和信息化局, 张店区投资促进局,
临淄区中小企业发展中心, 绿园区工信局, 淮安市洪泽区人民政府, 平潭综合实验区.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (city, district) pairs: real place names, combined freely with departments.
REGIONS = (
    ("淄博市", "临淄区"), ("淄博市", "张店区"), ("淄博市", "周村区"), ("淄博市", "博山区"),
    ("淮安市", "洪泽区"), ("淮安市", "清江浦区"), ("淮安市", "淮阴区"), ("长春市", "绿园区"),
    ("长春市", "二道区"), ("长春市", "南关区"), ("武汉市", "汉阳区"), ("武汉市", "江岸区"),
    ("咸阳市", "杨陵区"), ("福州市", "鼓楼区"), ("福州市", "仓山区"), ("济南市", "历下区"),
    ("济南市", "章丘区"), ("青岛市", "黄岛区"), ("苏州市", "吴中区"), ("杭州市", "西湖区"),
    ("成都市", "武侯区"), ("合肥市", "蜀山区"), ("郑州市", "金水区"), ("南京市", "江宁区"),
    ("宁波市", "鄞州区"), ("株洲市", "天元区"), ("泉州市", "晋江市"), ("潍坊市", "寿光市"),
    ("徐州市", "沛县"), ("赣州市", "瑞金市"), ("洛阳市", "洛龙区"), ("湖州市", "德清县"),
    ("宜昌市", "夷陵区"), ("绵阳市", "涪城区"), ("桂林市", "临桂区"), ("大连市", "金州区"),
)

# Departments of a district government: (full name, short name used by some titles).
DEPARTMENTS = (
    ("工业和信息化局", "工信局"), ("投资促进局", "投促局"), ("住房和城乡建设局", "住建局"),
    ("市场监督管理局", "市场监管局"), ("自然资源局", "自然资源局"), ("教育和体育局", "教体局"),
    ("卫生健康局", "卫健局"), ("交通运输局", "交通运输局"), ("财政局", "财政局"), ("民政局", "民政局"),
    ("农业农村局", "农业农村局"), ("城市管理局", "城管局"), ("司法局", "司法局"),
    ("人力资源和社会保障局", "人社局"), ("退役军人事务局", "退役军人事务局"), ("应急管理局", "应急局"),
    ("医疗保障局", "医保局"), ("统计局", "统计局"), ("审计局", "审计局"), ("文化和旅游局", "文旅局"),
    ("水利局", "水利局"), ("商务局", "商务局"), ("发展和改革局", "发改局"), ("行政审批服务局", "审批局"),
)
CENTERS = ("中小企业发展中心", "城建中心", "政务服务中心", "融媒体中心", "综合行政执法大队", "不动产登记中心",
           "公共资源交易中心", "社会保险事业中心")
TOWNS = ("凤凰", "金山", "朱台", "皇城", "敬仲", "新华", "湖滨", "城关", "东湖", "龙泉", "石桥", "永安")

# How the report refers to itself in running text, by agency kind.
SELF_REFERENCE = {
    "gov": ("本机关", "区政府", "我区"),
    "bureau": ("我局", "本机关", "我单位"),
    "town": ("我街道", "本机关", "我镇"),
    "center": ("我中心", "我单位", "本单位"),
}


@dataclass(frozen=True)
class Agency:
    name: str  # as in the title
    kind: str
    city: str
    district: str
    self_ref: str  # running-text self reference (我局 …)

    @property
    def region(self) -> str:
        return self.city + self.district

    @property
    def site(self) -> str:
        return f"{self.city}{self.district}人民政府"


def make_agency(rng: random.Random, kind: str) -> Agency:
    city, district = rng.choice(REGIONS)
    with_city = rng.random() < 0.35  # 淮安市洪泽区… vs 临淄区… (seeds: 4 of 5 omit the city)
    prefix = city + district if with_city else district
    if kind == "gov":
        name = prefix + rng.choice(["人民政府", "人民政府", "人民政府办公室"])
    elif kind == "bureau":
        full, short = rng.choice(DEPARTMENTS)
        name = prefix + (short if rng.random() < 0.15 else full)
    elif kind == "town":
        town = rng.choice(TOWNS)
        name = prefix + (f"{town}街道办事处" if rng.random() < 0.5 else f"{town}镇人民政府")
        if town == "城关" and name.endswith("街道办事处"):
            name = prefix + "城关镇人民政府"
    else:
        name = prefix + rng.choice(CENTERS)
    self_ref = rng.choice(SELF_REFERENCE[kind])
    if kind == "center" and "大队" in name:
        self_ref = "我大队"
    return Agency(name, kind, city, district, self_ref)


# ---- who reported: ground truth for region, level and kind (issue #15) -------------------
# Each city's province and prefecture code, and each district's GB/T 2260 code, written from
# the published code table (own knowledge; tests/test_region.py checks them against the
# bundled gazetteer, which comes from other sources).
CITY_CODES = {
    "淄博市": ("山东省", "370300"), "淮安市": ("江苏省", "320800"), "长春市": ("吉林省", "220100"),
    "武汉市": ("湖北省", "420100"), "咸阳市": ("陕西省", "610400"), "福州市": ("福建省", "350100"),
    "济南市": ("山东省", "370100"), "青岛市": ("山东省", "370200"), "苏州市": ("江苏省", "320500"),
    "杭州市": ("浙江省", "330100"), "成都市": ("四川省", "510100"), "合肥市": ("安徽省", "340100"),
    "郑州市": ("河南省", "410100"), "南京市": ("江苏省", "320100"), "宁波市": ("浙江省", "330200"),
    "株洲市": ("湖南省", "430200"), "泉州市": ("福建省", "350500"), "潍坊市": ("山东省", "370700"),
    "徐州市": ("江苏省", "320300"), "赣州市": ("江西省", "360700"), "洛阳市": ("河南省", "410300"),
    "湖州市": ("浙江省", "330500"), "宜昌市": ("湖北省", "420500"), "绵阳市": ("四川省", "510700"),
    "桂林市": ("广西壮族自治区", "450300"), "大连市": ("辽宁省", "210200"),
}
DISTRICT_CODES = {
    "临淄区": "370305", "张店区": "370303", "周村区": "370306", "博山区": "370304", "洪泽区": "320813",
    "清江浦区": "320812", "淮阴区": "320804", "绿园区": "220106", "二道区": "220105", "南关区": "220102",
    "汉阳区": "420105", "江岸区": "420102", "杨陵区": "610403", "鼓楼区": "350102", "仓山区": "350104",
    "历下区": "370102", "章丘区": "370114", "黄岛区": "370211", "吴中区": "320506", "西湖区": "330106",
    "武侯区": "510107", "蜀山区": "340104", "金水区": "410105", "江宁区": "320115", "鄞州区": "330212",
    "天元区": "430211", "晋江市": "350582", "寿光市": "370783", "沛县": "320322", "瑞金市": "360781",
    "洛龙区": "410311", "德清县": "330521", "夷陵区": "420506", "涪城区": "510703", "临桂区": "450312",
    "金州区": "210213",
}
# The generator's agency kinds as the dataset's agency_kind (a 人民政府办公室 is the office).
KIND_GOLD = {"gov": "government", "bureau": "department", "town": "township", "center": "other"}


def region_gold(name: str, kind: str, region: str) -> dict:
    """The gold `region` of a generated report (`region` = city + district) and its
    `agency_key`: one key per agency, whatever form of its name a report prints."""
    import opencc  # the generated name may be printed in traditional characters

    name = opencc.OpenCC("t2s").convert(name)
    city, district = next((c, d) for c, d in REGIONS if c + d == region)
    province, _ = CITY_CODES[city]
    rest = name[len(region):] if name.startswith(region) else name[len(district):]
    township = None
    if kind == "town":
        end = max(rest.find("街道"), -1)
        township = rest[: end + 2] if end > 0 else rest[: rest.find("镇") + 1]
    agency_kind = "office" if kind == "gov" and rest.endswith("办公室") else KIND_GOLD[kind]
    full = dict(DEPARTMENTS)
    short = {s: f for f, s in DEPARTMENTS}
    unit = short.get(rest, rest) if rest not in full else rest
    return {"region": {"province": province, "prefecture": city, "county": district, "township": township,
                       "adcode": DISTRICT_CODES[district], "admin_level": "township" if kind == "town" else "county",
                       "agency_kind": agency_kind},
            "agency_key": f"{DISTRICT_CODES[district]}|{unit}"}
