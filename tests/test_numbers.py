import pytest

from ingest.numbers import NumberFormatError, parse_number, rescale_half_up


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("95,00", 95.0),
        ("4,48", 4.48),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("76, 21", 76.21),
        ("4.08", 4.08),
        ("375,5", 375.5),
        (" 90 ", 90.0),
        ("1.234.567", 1234567.0),
        (97.8, 97.8),
        (3, 3.0),
        ("", None),
        (None, None),
    ],
)
def test_reads_numbers_as_indonesian_and_english_documents_write_them(written, value):
    assert parse_number(written) == value


@pytest.mark.parametrize("written", ["1.234", "3.125", "12.345.6"])
def test_refuses_a_dot_that_may_be_a_thousands_separator(written):
    with pytest.raises(NumberFormatError, match="'" + written.replace(".", r"\.") + "'"):
        parse_number(written)


@pytest.mark.parametrize("written", ["abc", "1,2,3", "12.3.4", "7 persen"])
def test_refuses_text_that_is_not_a_number(written):
    with pytest.raises(NumberFormatError, match="not a number"):
        parse_number(written)


@pytest.mark.parametrize(
    ("native", "score"),
    [
        (90.10, 4.51),  # 4,505: half up, band A (docs/indices.md)
        (70.30, 3.52),  # 70.3 / 20 is 3.5149999... as a float
        (30.10, 1.51),
        (89.90, 4.5),  # 4,495
        (97.8, 4.89),
        (90.0, 4.5),
    ],
)
def test_ipp_0_100_to_0_5_rounds_half_up_on_the_decimal_value(native, score):
    assert rescale_half_up(native, 5, 100) == score
