from qa.overlap import drop_overlapping, overlaps
from qa.tuning import Tuning

LIMIT = Tuning().overlap_limit


def test_more_than_half_of_the_shorter_is_an_overlap():
    assert overlaps(("a.md", 0, 100), ("a.md", 40, 140), LIMIT)  # 60 of 100 shared
    assert not overlaps(("a.md", 0, 100), ("a.md", 50, 150), LIMIT)  # exactly half
    assert overlaps(("a.md", 0, 700), ("a.md", 100, 200), LIMIT)  # contained


def test_different_files_never_overlap():
    assert not overlaps(("a.md", 0, 100), ("b.md", 0, 100), LIMIT)


def test_later_passages_that_repeat_earlier_ones_are_dropped():
    spans = [("a.md", 0, 100), ("a.md", 10, 110), ("b.md", 0, 100), ("a.md", 90, 190), ("a.md", 0, 100)]
    assert drop_overlapping(spans, LIMIT) == [0, 2, 3]
