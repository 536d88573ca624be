"""Regenerate the binary and byte-exact ingestion samples in this directory.

    .venv/bin/python tests/data/ingest/make_samples.py

The feeds written by hand (rss_sample.xml, atom_sample.xml and the hostile XML files) are
not generated. Everything here is deterministic: fixed zip timestamps, fixed content, so a
rerun rewrites identical bytes. The tests import the row and zip helpers from this file.
"""

import io
import re
import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAMP = (2024, 9, 11, 12, 0, 0)  # every zip member's timestamp, for reproducible bytes
EXPORT_NAME = "20240911120000.export.CSV"

# --- GDELT ------------------------------------------------------------------------------

GDELT_COLUMNS = 61
_INDEX = {
    "GLOBALEVENTID": 0,
    "SQLDATE": 1,
    "MonthYear": 2,
    "Year": 3,
    "FractionDate": 4,
    "Actor1Code": 5,
    "Actor1Name": 6,
    "Actor1CountryCode": 7,
    "Actor1Type1Code": 12,
    "Actor2Code": 15,
    "Actor2Name": 16,
    "Actor2CountryCode": 17,
    "Actor2Type1Code": 22,
    "IsRootEvent": 25,
    "EventCode": 26,
    "EventBaseCode": 27,
    "EventRootCode": 28,
    "QuadClass": 29,
    "GoldsteinScale": 30,
    "NumMentions": 31,
    "NumSources": 32,
    "NumArticles": 33,
    "AvgTone": 34,
    "Actor1Geo_Type": 35,
    "Actor1Geo_FullName": 36,
    "Actor1Geo_CountryCode": 37,
    "Actor1Geo_Lat": 40,
    "Actor1Geo_Long": 41,
    "ActionGeo_Type": 51,
    "ActionGeo_FullName": 52,
    "ActionGeo_CountryCode": 53,
    "ActionGeo_Lat": 56,
    "ActionGeo_Long": 57,
    "ActionGeo_FeatureID": 58,
    "DATEADDED": 59,
    "SOURCEURL": 60,
}
_PLACES = {
    "RUS": ("4", "Moscow, Moskva, Russia", "RS", "55.7522", "37.6156", "-2960561"),
    "IRN": ("4", "Tehran, Tehran, Iran", "IR", "35.75", "51.5148", "10074674"),
    "USA": ("1", "United States", "US", "39.828175", "-98.5795", "US"),
    "UKR": ("1", "Ukraine", "UP", "49", "32", "UP"),
    "ISR": ("1", "Israel", "IS", "31.5", "34.75", "IS"),
}


def gdelt_row(
    event_id,
    day,
    actor1,
    actor2,
    code,
    goldstein,
    mentions,
    sources,
    added,
    url,
    *,
    country1=None,
    country2=None,
    name1="",
    name2="",
):
    """One 61-column GDELT 2.0 event row (a list of strings), plausible in every column."""
    row = [""] * GDELT_COLUMNS
    year, month = day[:4], day[4:6]
    place = _PLACES.get((country1 if country1 is not None else actor1[:3]), _PLACES["RUS"])
    quad = "1" if code[:2] in {"01", "02", "03", "04", "05"} else "2" if code[:2] < "10" else "3"
    values = {
        "GLOBALEVENTID": str(event_id),
        "SQLDATE": day,
        "MonthYear": year + month,
        "Year": year,
        "FractionDate": f"{int(year) + (int(month) - 0.5) / 12:.4f}",
        "Actor1Code": actor1,
        "Actor1Name": name1,
        "Actor1CountryCode": actor1[:3] if country1 is None else country1,
        "Actor1Type1Code": actor1[3:6],
        "Actor2Code": actor2,
        "Actor2Name": name2,
        "Actor2CountryCode": actor2[:3] if country2 is None else country2,
        "Actor2Type1Code": actor2[3:6],
        "IsRootEvent": "1",
        "EventCode": code,
        "EventBaseCode": code[:3],
        "EventRootCode": code[:2],
        "QuadClass": quad,
        "GoldsteinScale": str(goldstein),
        "NumMentions": str(mentions),
        "NumSources": str(sources),
        "NumArticles": str(mentions),
        "AvgTone": "-1.84501845018450",
        "Actor1Geo_Type": place[0],
        "Actor1Geo_FullName": place[1],
        "Actor1Geo_CountryCode": place[2],
        "Actor1Geo_Lat": place[3],
        "Actor1Geo_Long": place[4],
        "ActionGeo_Type": place[0],
        "ActionGeo_FullName": place[1],
        "ActionGeo_CountryCode": place[2],
        "ActionGeo_Lat": place[3],
        "ActionGeo_Long": place[4],
        "ActionGeo_FeatureID": place[5],
        "DATEADDED": added,
        "SOURCEURL": url,
    }
    for name, value in values.items():
        row[_INDEX[name]] = value
    return row


# Russia–Iran both ways round, unrelated dyads, three days. Expected tone (mean Goldstein
# weighted by mentions): 2024-09-09 +6.0; 2024-09-10 (7.4*12 + 1.9*6 + 8*20) / 38 = +6.847;
# 2024-09-11 (-2*3 + 0*5) / 8 = -0.75.
GDELT_ROWS = [
    gdelt_row(1198765401, "20240910", "RUSGOV", "IRNMIL", "062", 7.4, 12, 4,
              "20240910083000", "https://www.example-news.com/2024/09/10/russia-iran-military",
              name1="RUSSIA", name2="IRAN"),
    gdelt_row(1198765402, "20240910", "IRNGOV", "RUSGOV", "042", 1.9, 6, 2,
              "20240910091500", "https://www.example-wire.net/iran-minister-moscow",
              name1="TEHRAN", name2="MOSCOW"),
    gdelt_row(1198765403, "20240910", "USAGOV", "CHNGOV", "111", -2.0, 30, 9,
              "20240910091500", "https://www.example-news.com/us-china"),
    # The country column empty: the actor code's first letters give it.
    gdelt_row(1198765404, "20240910", "RUSGOV", "IRNGOV", "057", 8.0, 20, 8,
              "20240910120000", "https://www.example-wire.net/treaty-signed",
              country1="", country2="", name1="KREMLIN", name2="IRAN"),
    gdelt_row(1198765405, "20240911", "IRNGOV", "RUSBUS", "112", -2.0, 3, 1,
              "20240911060000", "https://www.example-news.com/iran-accuses-russian-firm"),
    # Not a URL: GDELT names some sources instead of linking them.
    gdelt_row(1198765406, "20240911", "IRN", "RUS", "010", 0.0, 5, 3,
              "20240911064500", "BBC Monitoring"),
    gdelt_row(1198765407, "20240911", "RUSMIL", "UKRMIL", "190", -10.0, 80, 20,
              "20240911064500", "https://www.example-news.com/front"),
    gdelt_row(1198765408, "20240911", "RUSGOV", "RUSOPP", "173", -5.0, 4, 2,
              "20240911070000", "https://www.example-news.com/arrest"),
    gdelt_row(1198765409, "20240911", "IRNMIL", "ISRMIL", "138", -7.0, 50, 15,
              "20240911070000", "https://www.example-news.com/iran-israel"),
    gdelt_row(1198765410, "20240909", "RUSMIL", "IRNMIL", "0312", 6.0, 2, 1,
              "20240911071500", "https://www.example-wire.net/intent-military"),
]  # fmt: skip


def export_text(rows):
    """The tab-separated text of a GDELT export."""
    return "".join("\t".join(row) + "\n" for row in rows)


def zip_bytes(members, *, compression=zipfile.ZIP_DEFLATED):
    """A zip of {name: bytes}, byte-for-byte reproducible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = compression
            archive.writestr(info, data, compresslevel=9 if compression else None)
    return buffer.getvalue()


def export_zip(rows):
    return zip_bytes({EXPORT_NAME: export_text(rows).encode("utf-8")})


def zip_bomb(size=200 * 2**20):
    """One member of `size` zero bytes: about 200 KB of zip for 200 MB unpacked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        info = zipfile.ZipInfo(EXPORT_NAME, date_time=STAMP)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as member:
            block = bytes(2**20)
            for _ in range(size // len(block)):
                member.write(block)
    return buffer.getvalue()


def lying_zip(declared=100, actual=2**20):
    """A zip whose headers claim `declared` bytes for a member of `actual` bytes."""
    data = bytearray(zip_bytes({EXPORT_NAME: bytes(actual)}))
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, declared)
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def bad_crc_zip(rows):
    """A stored (uncompressed) export with one digit changed after the CRC was taken."""
    data = bytearray(zip_bytes({EXPORT_NAME: export_text(rows).encode()}, compression=0))
    spot = data.find(b"1198765401")
    data[spot + 9] = ord("9")  # still a valid row, now with the wrong checksum
    return bytes(data)


def gdelt_samples(*, bomb=True):
    """Every GDELT sample; `bomb=False` leaves out the one that takes a second to make."""
    rows = GDELT_ROWS
    good = export_zip(rows)
    short_row = [list(row) for row in rows]
    short_row[4] = short_row[4][:60]
    latin1 = export_text(rows).replace("TEHRAN", "TEHRÁN").encode("latin-1")
    bad_date = [list(row) for row in rows]
    bad_date[0][1] = "20241332"
    bad_number = [list(row) for row in rows]
    bad_number[1][30] = "high"
    made = {
        "gdelt_export.zip": good,
        "gdelt_truncated.zip": good[: len(good) // 2],
        "gdelt_two_members.zip": zip_bytes(
            {EXPORT_NAME: export_text(rows).encode(), "README.txt": b"extra member\n"}
        ),
        "gdelt_no_members.zip": zip_bytes({}),
        "gdelt_lying_size.zip": lying_zip(),
        "gdelt_bad_crc.zip": bad_crc_zip(rows),
        "gdelt_60_columns.zip": export_zip(short_row),
        "gdelt_not_utf8.zip": zip_bytes({EXPORT_NAME: latin1}),
        "gdelt_bad_date.zip": export_zip(bad_date),
        "gdelt_bad_number.zip": export_zip(bad_number),
    }
    if bomb:
        made["gdelt_bomb.zip"] = zip_bomb()
    return made


# --- OFAC SDN ---------------------------------------------------------------------------

# Invented entries in the real file's shape: "-0-" for empty fields (padded to "-0- " on
# writing), programs joined by "] [", CRLF line ends, Windows-1252 and a final SUB line.
SDN_ROWS = """\
36,"AEROCARIBBEAN AIRLINES",-0-,"CUBA",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-
50001,"VOLGA AERO COMPONENTS LLC",-0-,"RUSSIA-EO14024] [IFSR",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"Address Kazan, Tatarstan, Russia; Organization Established Date 2019."
50002,"TEHRAN PRECISION MOTORS CO.",-0-,"NPWMD] [IFSR",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"Address Tehran, Iran; Additional Sanctions Information - Subject to Secondary Sanctions."
50003,"PETROV, Ivan Sergeyevich","individual","RUSSIA-EO14024","Deputy Director General",-0-,-0-,-0-,-0-,-0-,-0-,"DOB 12 Mar 1971; nationality Russia; Gender Male."
50004,"KAVEH SHIPPING LINES",-0-,"IRAN] [IRAN-EO13846",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"Address Bandar Abbas, Iran."
50005,"CASPIAN BRIDGE LOGISTICS LLC",-0-,"NPWMD",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"Address Astrakhan, Russia; shipped Iranian-origin UAV components across the Caspian Sea."
50006,"ARYA STAR","vessel","IRAN-EO13902] [RUSSIA-EO14024",-0-,"EPBC7","General Cargo",-0-,"4,520","Iran",-0-,"Vessel Registration Identification IMO 9100007; MMSI 422000700."
50007,"SHAHID AVIATION INDUSTRIES RESEARCH CENTRE",-0-,"NPWMD] [IRGC] [IFSR] [RUSSIA-EO14024",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"a.k.a. ""SAIRC""; Address Tehran, Iran."
50008,"MOHAMMADI, Reza","individual","IRAN-HR",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"DOB 1965; POB Tehran, Iran; nationality Iran."
50009,"HAVANA CARIBBEAN TRADING",-0-,"CUBA",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"Havana, Cuba."
50010,"SEVERNAYA VERF TRADING OAO",-0-,"UKRAINE-EO13662] [IFSR",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"Address St Petersburg, Russia."
50011,"CRIMEA PORT SERVICES",-0-,"UKRAINE-EO13685",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"Address Sevastopol, Crimea; trades with Iran."
50012,"KIM, Chol","individual","DPRK3] [RUSSIA-EO14024",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"DOB 1968; nationality Korea, North."
50013,"ZÖLLNER, Jürgen","individual","RUSSIA-EO14024] [IRAN-CON-ARMS-EO",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"DOB 02 Feb 1970; nationality Germany; Gender Male."
50014,"ALBORZ DRONE (ADT) COMPANY",-0-,"RUSSIA-EO14024] [IRGC",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-
50015,"KESHAVARZ TRADING FZE",-0-,"RUSSIA-EO14024",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"Address Tehran, Iran; supplied electronics to the Russian military, OFAC said."
50016,"NORDIC TIMBER AB",-0-,"RUSSIA-EO14024",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"Address Stockholm, Sweden."
"""  # noqa: E501 (one row a line, as in the real file)


def sdn_bytes(rows_text=SDN_ROWS):
    """The rows as OFAC writes them: "-0- " padded, CRLF, Windows-1252, a final SUB line."""
    padded = re.sub(r"-0-(?=,|$)", "-0- ", rows_text, flags=re.MULTILINE)
    return padded.replace("\n", "\r\n").encode("cp1252") + b"\x1a"


def sdn_samples():
    lines = SDN_ROWS.splitlines(keepends=True)
    wrong = (
        "".join(lines[:3]) + '50099,"SHORT ROW LTD",-0- ,"RUSSIA-EO14024"\n' + "".join(lines[3:])
    )
    return {
        "sdn.csv": sdn_bytes(),
        "sdn_wrong_columns.csv": sdn_bytes(wrong),
        # 0x81 is undefined in Windows-1252 and cannot start a UTF-8 character.
        "sdn_undecodable.csv": sdn_bytes().replace(b"VOLGA", b"VOL\x81A"),
    }


# --- Feeds whose exact bytes matter -----------------------------------------------------

_FEED = """<?xml version="1.0" encoding="{declared}"?>
<rss version="2.0"><channel><title>{title}</title><link>https://feed.example.com/</link>
<description>Encoding sample</description>
<item><title>{item}</title><link>https://feed.example.com/1</link><guid>enc-1</guid>
<pubDate>Wed, 11 Sep 2024 10:00:00 GMT</pubDate><description>{item}</description></item>
</channel></rss>
"""


def feed_samples():
    return {
        # Says UTF-8, is Latin-1: "é" is the lone byte 0xE9, which UTF-8 cannot decode.
        "latin1_declared_utf8.xml": _FEED.format(
            declared="UTF-8", title="Revue", item="Téhéran et Moscou"
        ).encode("latin-1"),
        # Says ISO-8859-1, is UTF-8: every byte is Latin-1 too, so it decodes (as mojibake).
        "utf8_declared_latin1.xml": _FEED.format(
            declared="ISO-8859-1", title="Revue", item="Téhéran et Moscou"
        ).encode("utf-8"),
        # Declared correctly in a legacy encoding expat does not know by itself.
        "windows1251.xml": _FEED.format(
            declared="windows-1251", title="Обзор", item="Иран и Россия: поставки дронов"
        ).encode("cp1251"),
    }


def main():
    samples = gdelt_samples() | sdn_samples() | feed_samples()
    for name, data in samples.items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")


if __name__ == "__main__":
    main()
