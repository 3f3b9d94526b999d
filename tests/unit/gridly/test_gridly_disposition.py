from __future__ import annotations

from tenantgrid.apis.gridly.disposition import content_disposition


def test_ascii_name_is_plain() -> None:
    assert content_disposition("pizza.jpg") == 'attachment; filename="pizza.jpg"'


def test_quotes_and_non_ascii_get_a_fallback_and_filename_star() -> None:
    assert content_disposition('a "b"\\c.txt') == (
        "attachment; filename=\"a _b__c.txt\"; filename*=UTF-8''a%20%22b%22%5Cc.txt"
    )
    assert content_disposition("été.csv", "inline") == (
        "inline; filename=\"_t_.csv\"; filename*=UTF-8''%C3%A9t%C3%A9.csv"
    )
    assert content_disposition("") == 'attachment; filename="file"'
