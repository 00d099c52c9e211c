"""What the recogniser read, made into what is printed: letters read in a number cell as
the digits they stand for, punctuation look-alikes as the reports' punctuation.

    fix_text(text, confs) -> (text, confs)
"""

from __future__ import annotations

# Where the recogniser reads a letter in a number cell, the digit it stands for. A round
# letter (O, o) or a bar (l, I, |) can only be that digit there, so its confidence stands (a
# lone 0 cropped tight reads as "o" as often as not); a letter that two digits could be (S
# for 5 or 6, B for 8 or 3) gets a confidence of SUBSTITUTED_CONF, for the arithmetic to decide.
LETTER_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"})
SAME_SHAPE = "OoDlI|"
SUBSTITUTED_CONF = 0.5
# Punctuation the recogniser reads for its look-alike in the reports' labels.
PUNCT_FIX = str.maketrans({"丶": "、", "·": "."})


def fix_text(text: str, confs: list[float]) -> tuple[str, list[float]]:
    """Letters read in a number (O for 0, l for 1) as digits, with a capped confidence."""
    text = text.translate(PUNCT_FIX)
    core = text.replace(",", "").replace(".", "")
    if core and (len(core) <= 2 or any(c.isdigit() for c in core)) and core.translate(LETTER_DIGITS).isdigit() \
            and not core.isdigit():
        fixed = text.translate(LETTER_DIGITS)
        confs = [min(c, SUBSTITUTED_CONF) if a != b and a not in SAME_SHAPE else c
                 for a, b, c in zip(text, fixed, confs, strict=True)]
        text = fixed
    return text, confs
