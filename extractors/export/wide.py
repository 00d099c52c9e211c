"""The wide table (one row per report, one column per canonical cell) and the crosswalk of
what compares across gb2019 and gb2021.

Only numbers enter the wide table's cells: a blank, '/', unreadable or unprinted cell is
null there (its kind stays in values.parquet). The crosswalk is data (`CROSSWALK`):
each comparable measure with the gb2019 and gb2021 cells it is made of and how.
"""

from __future__ import annotations

import pandas as pd

from extractors.export.labels import label_rows, variable

# Report columns the wide table starts with, in this order.
REPORT_COLUMNS = ("report_id", "agency_id", "agency", "year", "template", "status", "province", "prefecture",
                  "county", "township", "adcode", "admin_level", "agency_kind", "parent_government",
                  "published_on", "source_path", "source_url", "cells_expected", "cells_found",
                  "checks_passed", "checks_failed")
APP_COLUMNS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
               "legal_service_org", "other_org", "total")
GB2021_OTHER = ("results.other.overdue_correction", "results.other.unpaid_fee", "results.other.other")


def _crosswalk() -> list[dict]:
    """The comparable measures. Tables 3 and 4 print the same cells in both templates except
    （六）其他处理: one row in gb2019, three in gb2021 (their sum compares). Table 2's columns
    differ: only the 处理决定数量 of 许可/处罚/强制 keep their meaning; gb2019's 本年新制作数量
    of 规章 and 规范性文件 is close to gb2021's 本年制发件数 (`similar`); the rest is one
    template's own (对外公开总数量 is not 现行有效件数; gb2019 fees count items, gb2021's are 万元)."""
    both = [r for r in label_rows() if set(r["templates"]) == {"gb2019", "gb2021"}]
    out = [{"measure": r["variable"], "table": r["table"], "how": "same", "gb2019": [r["variable"]],
            "gb2021": [r["variable"]], "unit": r["unit"], "note": "printed by both templates with the same label"}
           for r in both]
    for col in APP_COLUMNS:
        out.append({"measure": variable("applications", "results.other", col), "table": "applications", "how": "sum",
                    "gb2019": [variable("applications", "results.other", col)],
                    "gb2021": [variable("applications", r, col) for r in GB2021_OTHER], "unit": "件",
                    "note": "gb2019's one （六）其他处理 row equals the sum of gb2021's three sub-rows"})
    for row in ("rules", "normative_documents"):
        out.append({"measure": f"disclosure_{row}_made_this_year", "table": "active_disclosure", "how": "similar",
                    "gb2019": [variable("active_disclosure", row, "new_made")],
                    "gb2021": [variable("active_disclosure", row, "issued")], "unit": "件",
                    "note": "本年新制作数量 (gb2019) vs 本年制发件数 (gb2021): the same idea, worded differently; "
                            "compare with care"})
    for row in ("licensing", "punishment", "coercion"):
        out.append({"measure": f"disclosure_{row}_decisions", "table": "active_disclosure", "how": "same",
                    "gb2019": [variable("active_disclosure", row, "decisions")],
                    "gb2021": [variable("active_disclosure", row, "decisions")], "unit": None,
                    "note": "处理决定数量 (gb2019) and 本年处理决定数量 (gb2021)"})
    return out


CROSSWALK = tuple(_crosswalk())
# Cells of one template with no counterpart in the other (documented in the crosswalk file).
NOT_COMPARABLE = (
    "gb2019 对外公开总数量 (total_published) vs gb2021 现行有效件数 (in_force): published in total vs in force",
    "gb2019 行政事业性收费 counts items (上一年项目数量, 本年增/减); gb2021 prints the amount collected in 万元",
    "gb2019 only: 其他对外管理服务事项, 政府集中采购, the 上一年项目数量/本年增/减 columns",
)


def wide_table(reports: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """One row per report (those with a template), report columns then one column per cell."""
    reps = reports[reports["template"].notna()].copy()
    nums = values[(values["value_kind"] == "number") & values["row"].notna() & values["column"].notna()
                  & values["report_id"].isin(reps["report_id"])]
    nums = nums[nums["table"].isin(("active_disclosure", "applications", "review_litigation"))]
    nums = nums.assign(variable=[variable(t, r, c) for t, r, c in nums[["table", "row", "column"]].itertuples(index=False)])
    # a duplicated cell keeps its first printing (the duplicate has row null in the dataset anyway)
    cells = nums.drop_duplicates(["report_id", "variable"]).pivot(index="report_id", columns="variable", values="value")
    order = [r["variable"] for r in label_rows()]
    cells = cells.reindex(columns=order)
    base = reps[[c for c in REPORT_COLUMNS if c in reps.columns]].set_index("report_id")
    wide = base.join(cells, how="left").reset_index()
    return wide.sort_values(["agency_id", "year", "report_id"], na_position="last").reset_index(drop=True)


def comparable(wide: pd.DataFrame) -> pd.DataFrame:
    """The crosswalk's measures per report (long: report_id, measure, how, value): a `same`
    measure is its cell, a `sum` the sum of the template's cells (null unless all printed)."""
    rows = []
    for m in CROSSWALK:
        for template in ("gb2019", "gb2021"):
            part = wide[wide["template"] == template]
            cols = [c for c in m[template] if c in part.columns]
            if len(part) == 0 or len(cols) != len(m[template]):
                continue
            vals = part[cols].sum(axis=1, min_count=len(cols))
            rows.append(pd.DataFrame({"report_id": part["report_id"], "template": template, "measure": m["measure"],
                                      "how": m["how"], "value": vals}))
    if not rows:
        return pd.DataFrame(columns=["report_id", "template", "measure", "how", "value"])
    return pd.concat(rows, ignore_index=True).dropna(subset=["value"])


def crosswalk_frame() -> pd.DataFrame:
    return pd.DataFrame([{**m, "gb2019": " + ".join(m["gb2019"]), "gb2021": " + ".join(m["gb2021"])} for m in CROSSWALK])
