from __future__ import annotations

import pytest

from subscribers.csv_io import CsvFormatError, csv_lines, read_subscriber_csv


def test_reads_email_and_name_and_reports_bad_rows_with_line_numbers() -> None:
    data = (
        "Namn;E-post\n"
        "Anna;anna@example.se\n"
        "Bo;inte en adress\n"
        "\n"
        "Cilla;CILLA@Example.se\n"
        "Anna igen;anna@EXAMPLE.se\n"
        "Dan;\n"
    ).encode("utf-8-sig")
    content = read_subscriber_csv(data)
    assert [(r.line, r.email, r.name) for r in content.rows] == [
        (2, "anna@example.se", "Anna"),
        (5, "CILLA@example.se", "Cilla"),
    ]
    assert [r.line for r in content.rejected] == [3, 6, 7]
    assert "rad 2" in content.rejected[1].reason


def test_windows_1252_and_comma() -> None:
    content = read_subscriber_csv("email,name\nasa@example.se,Åsa Öberg\n".encode("cp1252"))
    assert content.rows[0].name == "Åsa Öberg"


@pytest.mark.parametrize("data", [b"", b"name\nAnna\n", b"\x00\x01binary"])
def test_unusable_files_raise(data: bytes) -> None:
    with pytest.raises(CsvFormatError):
        read_subscriber_csv(data)


def test_garbage_rows_do_not_crash() -> None:
    data = b'email\n"unterminated\n\xff\xfe\n' + b"x" * 10000 + b"\n"
    content = read_subscriber_csv(data)
    assert not content.rows


def test_csv_lines_stream() -> None:
    assert list(csv_lines(["email", "name"], iter([["a@b.se", 'Anna "A", Sr']]))) == [
        "email,name\n",
        'a@b.se,"Anna ""A"", Sr"\n',
    ]
