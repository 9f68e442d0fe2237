"""Writes the Tsuyama demo GTFS-JP feed (assets/transit/tsuyama_demo/): real place names of
Tsuyama with approximate coordinates, made-up lines and times, marked as a demo in its
agency name, feed_info and README. It makes the transit tile useful out of the box until the
city configures its real feeds (docs/transit-feeds.md).

Run: python scripts/make_tsuyama_demo_feed.py  (deterministic: the same files every time)
"""

from __future__ import annotations

import csv
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "assets" / "transit" / "tsuyama_demo"
AGENCY = "tsuyama-demo"

# id, name, reading, English, lat, lon, wheelchair_boarding, platform, parent, zone
STOPS: list[tuple[str, str, str, str, float, float, int, str, str, str]] = [
    ("tsuyama-st", "津山駅", "つやまえき", "Tsuyama Station", 35.05470, 134.00390, 1, "", "", ""),
    ("tsuyama-st-1", "津山駅", "つやまえき", "Tsuyama Station", 35.05485, 134.00372, 1, "1",
     "tsuyama-st", "Z1"),
    ("tsuyama-st-2", "津山駅", "つやまえき", "Tsuyama Station", 35.05462, 134.00410, 1, "2",
     "tsuyama-st", "Z1"),
    ("imazuyabashi", "今津屋橋", "いまづやばし", "Imazuyabashi", 35.05790, 134.00440, 1, "", "",
     "Z1"),
    ("otemachi", "大手町(アルネ津山前)", "おおてまち", "Otemachi (Arne Tsuyama)", 35.05988,
     134.00363, 1, "", "", "Z1"),
    ("sanka", "山下(津山城・鶴山公園)", "さんげ", "Sange (Tsuyama Castle)", 35.06172, 134.00409,
     1, "", "", "Z1"),
    ("city-hall", "津山市役所", "つやましやくしょ", "Tsuyama City Hall", 35.06960, 134.00430, 1,
     "", "", "Z1"),
    ("shurakuen", "衆楽園前", "しゅうらくえんまえ", "Shurakuen Garden", 35.07110, 134.00370, 1,
     "", "", "Z1"),
    ("joto", "城東(中之町)", "じょうとう", "Joto (Nakanocho)", 35.06150, 134.01309, 1, "", "",
     "Z1"),
    ("higashishinmachi", "東新町", "ひがししんまち", "Higashi-Shinmachi", 35.06337, 134.01872,
     0, "", "", "Z1"),
    ("higashi-tsuyama-st", "東津山駅", "ひがしつやまえき", "Higashi-Tsuyama Station", 35.06120,
     134.02620, 0, "", "", "Z1"),
    ("central-hospital", "津山中央病院", "つやまちゅうおうびょういん", "Tsuyama Central Hospital",
     35.05570, 134.03920, 1, "", "", "Z1"),
    ("yokoyama", "横山", "よこやま", "Yokoyama", 35.04809, 134.01062, 0, "", "", "Z1"),
    ("manabi", "まなびの鉄道館", "まなびのてつどうかん", "Railroad Educational Museum", 35.04840,
     133.99800, 1, "", "", "Z1"),
    ("teppocho", "鉄砲町", "てっぽうちょう", "Teppocho", 35.05733, 133.99379, 0, "", "", "Z1"),
    ("nishiteramachi", "西寺町", "にしてらまち", "Nishiteramachi", 35.05991, 133.99188, 0, "",
     "", "Z1"),
    ("josai", "城西(作州民芸館前)", "じょうさい", "Josai (Sakushu Folk Craft Museum)", 35.06042,
     133.99291, 1, "", "", "Z1"),
    ("odanaka", "小田中", "おだなか", "Odanaka", 35.06447, 133.98852, 0, "", "", "Z1"),
    ("innosho", "院庄", "いんのしょう", "Innosho", 35.07660, 133.95990, 0, "", "", "Z2"),
    ("shohoku", "勝北支所", "しょうぼくししょ", "Shohoku Branch Office", 35.11600, 134.02600, 0,
     "", "", "Z2"),
    ("kamo", "加茂支所", "かもししょ", "Kamo Branch Office", 35.16100, 134.07200, 0, "", "",
     "Z3"),
    ("aba", "阿波(あば村)", "あば", "Aba Village", 35.21400, 134.08800, 0, "", "", "Z4"),
]

EAST_LOOP = ["tsuyama-st-1", "imazuyabashi", "otemachi", "sanka", "city-hall", "shurakuen",
             "joto", "higashishinmachi", "higashi-tsuyama-st", "central-hospital", "yokoyama",
             "tsuyama-st-2"]
WEST_LOOP = ["tsuyama-st-2", "manabi", "teppocho", "nishiteramachi", "josai", "odanaka",
             "innosho", "odanaka", "sanka", "otemachi", "tsuyama-st-1"]
ABA_LINE = ["tsuyama-st-1", "otemachi", "city-hall", "shohoku", "kamo", "aba"]
# Minutes from the first stop.
EAST_MINUTES = [0, 3, 5, 7, 10, 12, 16, 18, 22, 27, 33, 38]
WEST_MINUTES = [0, 4, 7, 9, 10, 12, 20, 28, 31, 33, 36]
ABA_MINUTES = [0, 4, 8, 25, 40, 55]


def _time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _write(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (OUT / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    _write("agency.txt", ["agency_id", "agency_name", "agency_url", "agency_timezone",
                          "agency_lang", "agency_phone"],
           [[AGENCY, "津山市 デモ時刻表(実在の路線・時刻ではありません)",
             "https://www.city.tsuyama.lg.jp/", "Asia/Tokyo", "ja", ""]])
    _write("agency_jp.txt", ["agency_id", "agency_official_name", "agency_zip_number",
                             "agency_address", "agency_president_pos",
                             "agency_president_name"],
           [[AGENCY, "津山市(デモ)", "7088501", "岡山県津山市山北520", "", ""]])
    _write("feed_info.txt", ["feed_publisher_name", "feed_publisher_url", "feed_lang",
                             "feed_start_date", "feed_end_date", "feed_version"],
           [["つやまポータル デモデータ", "https://www.city.tsuyama.lg.jp/", "ja", "20260401",
             "20280331", "demo-1"]])
    _write("stops.txt", ["stop_id", "stop_code", "stop_name", "stop_lat", "stop_lon",
                         "zone_id", "location_type", "parent_station", "wheelchair_boarding",
                         "platform_code"],
           [[s[0], "", s[1], f"{s[4]:.5f}", f"{s[5]:.5f}", s[9],
             1 if s[0] == "tsuyama-st" else 0, s[8], s[6], s[7]] for s in STOPS])
    routes = [["east-loop", AGENCY, "東循環", "津山駅〜城東〜津山中央病院 循環", 3, "2E7D32",
               "FFFFFF"],
              ["west-loop", AGENCY, "西循環", "津山駅〜城西〜院庄 循環", 3, "1565C0", "FFFFFF"],
              ["aba-line", AGENCY, "阿波線", "津山駅〜勝北〜加茂〜阿波", 3, "EF6C00", "FFFFFF"]]
    _write("routes.txt", ["route_id", "agency_id", "route_short_name", "route_long_name",
                          "route_type", "route_color", "route_text_color"], routes)
    _write("calendar.txt", ["service_id", "monday", "tuesday", "wednesday", "thursday",
                            "friday", "saturday", "sunday", "start_date", "end_date"],
           [["weekday", 1, 1, 1, 1, 1, 0, 0, "20260401", "20280331"],
            ["weekend", 0, 0, 0, 0, 0, 1, 1, "20260401", "20280331"]])
    exceptions: list[list[object]] = []
    for year in (2026, 2027):
        for day in ("1229", "1230", "1231"):  # year-end: weekend timetable
            exceptions += [["weekday", f"{year}{day}", 2], ["weekend", f"{year}{day}", 1]]
    for day in ("20270101", "20270102", "20270103", "20270111", "20280101", "20280102",
                "20280103", "20280110"):
        exceptions += [["weekday", day, 2], ["weekend", day, 1]]
    _write("calendar_dates.txt", ["service_id", "date", "exception_type"],
           sorted(exceptions, key=lambda r: (str(r[1]), str(r[0]))))

    trips: list[list[object]] = []
    stop_times: list[list[object]] = []
    frequencies: list[list[object]] = []

    def add_trip(trip_id: str, route: str, service: str, headsign: str, stops: list[str],
                 minutes: list[int], start: int, accessible: int) -> None:
        trips.append([route, service, trip_id, headsign, accessible])
        for seq, (stop, minute) in enumerate(zip(stops, minutes, strict=True), start=1):
            at = _time(start + minute * 60)
            first, last = seq == 1, seq == len(stops)
            stop_times.append([trip_id, at, at, stop, seq, 1 if last else 0,
                               1 if first else 0])

    for hour in range(7, 20):  # weekdays every 30 minutes, 7:00 to 19:30
        for minute in (0, 30):
            add_trip(f"east-wd-{hour:02d}{minute:02d}", "east-loop", "weekday", "津山駅",
                     EAST_LOOP, EAST_MINUTES, hour * 3600 + minute * 60, 1)
    # Weekends: a frequency-based trip, hourly 8:00 to 18:00.
    add_trip("east-we", "east-loop", "weekend", "津山駅", EAST_LOOP, EAST_MINUTES,
             8 * 3600, 1)
    frequencies.append(["east-we", _time(8 * 3600), _time(18 * 3600 + 1), 3600, 1])
    for hour in range(7, 20):
        for service in ("weekday", "weekend"):
            if service == "weekend" and hour % 2:
                continue
            code = "wd" if service == "weekday" else "we"
            add_trip(f"west-{code}-{hour:02d}15", "west-loop", service, "津山駅",
                     WEST_LOOP, WEST_MINUTES, hour * 3600 + 15 * 60, 1)
    for label, start in (("0650", 6 * 3600 + 50 * 60), ("0930", 9 * 3600 + 30 * 60),
                         ("1300", 13 * 3600), ("1630", 16 * 3600 + 30 * 60),
                         ("1830", 18 * 3600 + 30 * 60)):
        add_trip(f"aba-out-{label}", "aba-line", "weekday", "阿波", ABA_LINE, ABA_MINUTES,
                 start, 0)
        back = start + 65 * 60
        add_trip(f"aba-in-{label}", "aba-line", "weekday", "津山駅", list(reversed(ABA_LINE)),
                 [55 - m for m in reversed(ABA_MINUTES)], back, 0)
    # A late bus back from the station after midnight on Fridays' service day.
    add_trip("east-wd-late", "east-loop", "weekday", "津山駅", EAST_LOOP, EAST_MINUTES,
             24 * 3600 + 10 * 60, 1)

    _write("trips.txt", ["route_id", "service_id", "trip_id", "trip_headsign",
                         "wheelchair_accessible"], trips)
    _write("stop_times.txt", ["trip_id", "arrival_time", "departure_time", "stop_id",
                              "stop_sequence", "pickup_type", "drop_off_type"], stop_times)
    _write("frequencies.txt", ["trip_id", "start_time", "end_time", "headway_secs",
                               "exact_times"], frequencies)
    fares = [["flat-170", 170, "JPY", 0, ""], ["zone-2", 300, "JPY", 0, ""],
             ["zone-3", 450, "JPY", 0, ""], ["zone-4", 600, "JPY", 0, ""]]
    _write("fare_attributes.txt", ["fare_id", "price", "currency_type", "payment_method",
                                   "transfers"], fares)
    rules: list[list[object]] = [["flat-170", "east-loop", "", "", ""],
                                 ["flat-170", "west-loop", "Z1", "Z1", ""],
                                 ["zone-2", "west-loop", "Z1", "Z2", ""],
                                 ["zone-2", "west-loop", "Z2", "Z1", ""],
                                 ["flat-170", "west-loop", "Z2", "Z2", ""]]
    zones = ["Z1", "Z2", "Z3", "Z4"]
    for i, a in enumerate(zones):
        for j, b in enumerate(zones):
            steps = abs(i - j)
            fare = "flat-170" if steps == 0 else f"zone-{steps + 1}"
            rules.append([fare, "aba-line", a, b, ""])
    _write("fare_rules.txt", ["fare_id", "route_id", "origin_id", "destination_id",
                              "contains_id"], rules)
    translations: list[list[object]] = []
    for s in STOPS:
        translations.append(["stops", "stop_name", "ja-Hrkt", s[2], s[0], "", ""])
        translations.append(["stops", "stop_name", "en", s[3], s[0], "", ""])
    for route_id, en in (("east-loop", "East Loop"), ("west-loop", "West Loop"),
                         ("aba-line", "Aba Line")):
        translations.append(["routes", "route_short_name", "en", en, route_id, "", ""])
    for value, en in (("阿波", "Aba"), ("津山駅", "Tsuyama Station")):
        translations.append(["trips", "trip_headsign", "en", en, "", "", value])
    _write("translations.txt", ["table_name", "field_name", "language", "translation",
                                "record_id", "record_sub_id", "field_value"], translations)


if __name__ == "__main__":
    main()
