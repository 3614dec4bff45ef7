import pytest

from bot.text import shorten


@pytest.mark.parametrize("text,limit,expected", [
    ("short enough", 40, "short enough"),
    ("  spread\n over   lines ", 40, "spread over lines"),
    ("my card never arrived, and support never answered", 24, "my card never arrived …"),
    ("unbreakable", 5, "unbre …"),  # one long word: cut, not lost
])
def test_shorten_cuts_at_a_word_and_drops_dangling_punctuation(text, limit, expected):
    assert shorten(text, limit) == expected
