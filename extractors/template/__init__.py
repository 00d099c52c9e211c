"""The templates' rules in one place: loaded from `schemas/template-rules.yaml`, checked
against the canonical schema, and turned into what each stage needs.

* `rules()`: the loaded rules (templates, identities, alternative layouts, layouts);
* `detect_template`, `heading_section`, `header_table`: which template a report follows
  and which table a heading or header row opens;
* `Identity.equations`, `leaf_rows`, `row_sum_positions`, `one_row_layout`,
  `expected_cells`: the arithmetic as the checker, the digit-run solver and the
  assembler use it.

No other module names a template or a row of an identity: adding a template is a schema
change plus tests.
"""

from extractors.template.detect import (
    detect_template,
    header_table,
    heading_section,
    is_caption,
    is_earlier_format,
)
from extractors.template.rules import (
    Alternative,
    Equation,
    Identity,
    TemplateInfo,
    TemplateRules,
    expected_cells,
    layout_rows,
    leaf_rows,
    one_row_layout,
    row_allowed,
    row_sum_positions,
    rules,
)

__all__ = [
    "Alternative", "Equation", "Identity", "TemplateInfo", "TemplateRules", "detect_template",
    "expected_cells", "header_table", "heading_section", "is_caption", "is_earlier_format", "layout_rows", "leaf_rows",
    "one_row_layout", "row_allowed", "row_sum_positions", "rules",
]
