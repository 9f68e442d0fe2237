"""A small valid GTFS-JP feed to break in tests, and helpers to write, zip and read feeds."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from backend.tiles.transit.gtfs.errors import FeedError, FeedRejected
from backend.tiles.transit.gtfs.feed import Feed
from backend.tiles.transit.gtfs.reader import read_feed

# The real feeds sit beside the checkout: <root>/main (this repository) and <root>/shared.
GTFS_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "gtfs"
REAL_FEEDS = (
    "okayama_okaden_bus_2025",
    "okayama_ryobi_bus_2025",
    "okayama_unobus_2019",
    "kyotosangyou_shuttle_cc0",
    "mlit_sample_rinkobus_kawasaki",
)

# Line numbers below count the header as line 1.
SMALL_FEED: dict[str, str] = {
    "agency.txt": (
        "agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
        "A1,津山バス,https://bus.example.jp/,Asia/Tokyo,ja\n"
    ),
    "stops.txt": (
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding,"
        "zone_id,platform_code\n"
        "ST,津山駅,35.0584,134.0053,1,,1,,\n"  # line 2
        "S1,津山駅,35.0585,134.0054,0,ST,,Z1,1\n"  # line 3
        "S2,市役所前,35.0690,134.0040,0,,2,Z2,\n"  # line 4
        "S3,津山城,35.0650,134.0010,,,,Z3,\n"  # line 5
    ),
    "routes.txt": (
        "route_id,agency_id,route_short_name,route_long_name,route_type,route_color\n"
        "R1,A1,1,ごんごバス,3,FF0000\n"  # line 2
        "R2,A1,2,城東線,3,\n"  # line 3
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20250401,20260331\n"  # line 2
        "HD,0,0,0,0,0,1,1,20250401,20260331\n"  # line 3
    ),
    "calendar_dates.txt": (
        "service_id,date,exception_type\n"
        "WD,20250505,2\n"  # line 2
        "HD,20250505,1\n"  # line 3
    ),
    "trips.txt": (
        "route_id,service_id,trip_id,trip_headsign,direction_id,wheelchair_accessible\n"
        "R1,WD,T1,市役所前,0,1\n"  # line 2
        "R1,WD,T2,津山駅,1,\n"  # line 3
        "R2,HD,T3,津山城,,2\n"  # line 4
    ),
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n"
        "T1,08:00:00,08:00:00,S1,1,0,1\n"  # line 2
        "T1,08:10:00,08:11:00,S2,2,,\n"  # line 3
        "T1,08:20:00,08:20:00,S3,3,1,0\n"  # line 4
        "T2,09:00:00,09:00:00,S3,1,,\n"  # line 5
        "T2,09:15:00,09:15:00,S1,2,,\n"  # line 6
        "T3,23:50:00,23:50:00,S1,1,,\n"  # line 7
        "T3,24:05:00,24:05:00,S3,2,,\n"  # line 8
    ),
    "frequencies.txt": (
        "trip_id,start_time,end_time,headway_secs\n"
        "T2,10:00:00,12:00:00,1800\n"  # line 2
    ),
    "fare_attributes.txt": (
        "fare_id,price,currency_type,payment_method,transfers\n"
        "F1,230,JPY,0,0\n"  # line 2
        "F2,170,JPY,1,\n"  # line 3
    ),
    "fare_rules.txt": (
        "fare_id,route_id,origin_id,destination_id\n"
        "F1,R1,,\n"  # line 2
        "F2,R2,Z1,Z3\n"  # line 3
    ),
}


def write_feed(
    folder: Path,
    files: dict[str, str] | None = None,
    *,
    bom: bool = False,
    crlf: bool = False,
    **replace: str | None,
) -> Path:
    """Write `files` (the small feed by default) into `folder`; `stops="..."` replaces the
    text of stops.txt (None leaves the file out)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = dict(SMALL_FEED if files is None else files)
    for stem, text in replace.items():
        if text is None:
            texts.pop(f"{stem}.txt", None)
        else:
            texts[f"{stem}.txt"] = text
    for name, text in texts.items():
        if crlf:
            text = text.replace("\n", "\r\n")
        (folder / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return folder


def zip_feed(folder: Path, target: Path, inside: str = "") -> Path:
    """Zip the .txt files of `folder` at the top level, or in the folder `inside`."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(folder.glob("*.txt")):
            archive.write(path, f"{inside}/{path.name}" if inside else path.name)
    return target


def rejection(source: Path) -> list[FeedError]:
    """The errors `read_feed` refuses `source` with (fails the test when it accepts it)."""
    with pytest.raises(FeedRejected) as caught:
        read_feed(source)
    return caught.value.errors


def where(errors: list[FeedError]) -> list[tuple[str, int | None, str | None]]:
    return [(e.file, e.line, e.field) for e in errors]


def read_small(tmp_path: Path, **replace: str | None) -> Feed:
    return read_feed(write_feed(tmp_path / "feed", **replace))
