"""No input makes the API fail: a fixed-seed barrage of hostile parameters.

hypothesis is not installed; a seeded generator over nasty values gives the same
coverage every run, and a failure prints the exact call to replay.
"""

from __future__ import annotations

import json
import random
from urllib.parse import quote

import pytest
from defusedxml.ElementTree import fromstring

from tests.open311.api import BASE
from townhall.servicedesk.models import ServiceRequest

SEED = 311
ROUNDS = 250

NASTY = [
    "",
    " ",
    "\t",
    "0",
    "-0",
    "1",
    "-1",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "Infinity",
    "inf",
    "9" * 400,
    "0x1F",
    "1_000",
    "40.01",
    "-75.13",
    "1,2,3",
    ",,,",
    "open,closed,",
    "OPEN",
    "true",
    "false",
    "null",
    "None",
    "[]",
    "{}",
    "[1,2]",
    '{"a":1}',
    "<x/>",
    "<![CDATA[x]]>",
    "&amp;",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "%ff%fe",
    "\u202e\u0644\u0645",
    "\U0001f4a9",
    "Ω≈ç√∫",
    "ﬀ",
    "\u0000",
    "\x01\x02\x1f",
    "\ufeff",
    "\uffff",
    "2026-01-01",
    "2026-01-01T00:00:00",
    "2026-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2026-01-01T00:00:00+99:99",
    "SR-2026-000001",
    "SR-9999-999999999999",
    "POTHOLE",
    "HOMELESS_OUTREACH",
    "riverton.example",
    "x" * 5000,
]
PARAMS = [
    "jurisdiction_id",
    "service_code",
    "service_request_id",
    "status",
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "page",
    "page_size",
    "extensions",
    "api_key",
    "lat",
    "long",
    "address_string",
    "address_id",
    "zipcode",
    "email",
    "first_name",
    "last_name",
    "phone",
    "device_id",
    "account_id",
    "description",
    "media_url",
    "attribute[SIZE]",
    "attribute[LANES][]",
    "attribute[DEPTH_CM]",
    "attribute[FIRST_SEEN]",
    "attribute[",
    "attribute[]",
    "attribute[SIZE][x]",
    "attribute[NOPE]",
    "media",
    "a[b]",
]
GET_PATHS = [
    "services",
    "services/{x}",
    "requests",
    "requests/{x}",
    "tokens/{x}",
    "servicerequestupdates",
    "{x}",
]
ALLOWED = {200, 400, 403, 404, 405}


def encode(value: str) -> str:
    # Some values are already percent-escapes meant to reach Django as raw bytes.
    return value if value.startswith("%") else quote(value, safe="")


def query(rng: random.Random, api_key: str) -> str:
    pairs = []
    for _ in range(rng.randint(0, 6)):
        name = rng.choice(PARAMS)
        value = api_key if name == "api_key" and rng.random() < 0.5 else rng.choice(NASTY)
        pairs.append(f"{encode(name)}={encode(value)}")
    return "&".join(pairs)


def check(response, fmt: str, call: str) -> None:
    assert response.status_code in ALLOWED, f"{response.status_code} for {call}"
    if fmt == "xml" and response["Content-Type"].startswith("text/xml"):
        fromstring(response.content)
    else:
        json.loads(response.content)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(SEED)


def test_hostile_reads_never_fail(client, api_key, rng):
    for _ in range(ROUNDS):
        fmt = rng.choice(["json", "xml", "json", "xml", "XML", "txt"])
        path = rng.choice(GET_PATHS).format(x=encode(rng.choice(NASTY)) or "x")
        qs = query(rng, api_key)
        call = f"GET {BASE}/{path}.{fmt}?{qs}"
        response = client.get(f"{BASE}/{path}.{fmt}", QUERY_STRING=qs)
        check(response, fmt.lower(), call)


def test_hostile_posts_never_fail_nor_half_write(client, api_key, rng):
    for _ in range(ROUNDS):
        fmt = rng.choice(["json", "xml"])
        body = query(rng, api_key)
        if rng.random() < 0.7:
            body += f"&api_key={api_key}&service_code={rng.choice(['POTHOLE', 'STREETLIGHT'])}"
        content_type = rng.choice(
            [
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=latin-1",
                "application/x-www-form-urlencoded; charset=nonsense",
                "application/json",
                "multipart/form-data; boundary=xyz",
                "",
                "text/plain",
            ]
        )
        before = ServiceRequest.objects.count()
        response = client.generic(
            "POST",
            f"{BASE}/requests.{fmt}",
            body.encode("latin-1", "replace"),
            content_type=content_type,
        )
        call = f"POST {fmt} [{content_type}] {body[:300]}"
        check(response, fmt, call)
        after = ServiceRequest.objects.count()
        assert after == before + (1 if response.status_code == 200 else 0), call
