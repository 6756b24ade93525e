"""Short candidate lists in the encodings spreadsheets save CSV in: which detector reads them right?

    python -m benchmarks.encodings                  # candidates in their language's country
    python -m benchmarks.encodings --no-countries   # every row says SK: only the letters tell

Every list is generated here from known names (a few rows, as HR lists are), encoded, then
read back by charset-normalizer alone, chardet alone (when installed) and batch-enrol's
loader (charset-normalizer's candidates, ranked by how well the header maps and whether each
name reads as one language's letters). A list counts as right when every name comes back
exactly; batch-enrol's misses say "(refused)" when it named no encoding rather than guess. The
test suite uses the same corpus.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict

HEADER = "Name;Email;Country;CV;Position;Location;Position country;Language"

#: language → names as their owners write them (several per list, as in a real export).
NAMES: dict[str, list[str]] = {
    "cs": ["Jiří Čermák", "Zdeněk Růžička", "Kateřina Dvořáková", "Ondřej Šťastný"],
    "sk": ["Ľubomír Šťastný", "Mária Kováčová", "Ján Dúbravský", "Ľudmila Hrušková"],
    "pl": ["Łukasz Wąż", "Małgorzata Żółć", "Grzegorz Brzęczyszczykiewicz", "Agnieszka Ślusarczyk"],
    "hu": ["Szőke Ödön", "Győri Ágnes", "Kőműves Éva", "Bánóczi Zsófia"],
    "hr": ["Željko Šimić", "Đurđica Marić", "Ivana Kovačević", "Mislav Čović"],
    "ro": ["Ștefan Mureșan", "Ioana Țîrlea", "Mihai Bălănescu", "Ana Dumitrașcu"],
    "de": ["Jürgen Müller", "Bärbel Schröder", "Uwe Weiß", "Käthe Groß"],
    "fr": ["François Lefèvre", "Hélène Gaumont", "Jérôme Bérégovoy", "Noël Cœurdacier"],
    "es": ["José Núñez", "María Peña", "Íñigo Ibáñez", "Begoña Muñoz"],
    "da": ["Søren Kierkegård", "Åse Jørgensen", "Bjørn Ærø", "Mette Lærke"],
    "tr": ["Çağrı Öztürk", "Şule Yıldız", "Gökhan Ağaoğlu", "İlknur Şahin"],
    "lt": ["Jūratė Žemaitytė", "Gintaras Čiurlionis", "Rūta Šimkūnaitė", "Dovydas Ąžuolas"],
    "lv": ["Jānis Bērziņš", "Līga Ozoliņa", "Kārlis Ķēniņš", "Ģirts Šķēle"],
    "ru": ["Дмитрий Смирнов", "Екатерина Иванова", "Сергей Кузнецов", "Юлия Соколова"],
    "uk": ["Олексій Ковальчук", "Ірина Шевченко", "Юрій Ґудзь", "Євгенія Їжакевич"],
    "bg": ["Стоян Петров", "Цветелина Йорданова", "Ивайло Стоянов", "Гергана Димитрова"],
    "el": ["Γιώργος Παπαδόπουλος", "Ελένη Κωνσταντίνου", "Δημήτρης Οικονόμου", "Σοφία Αθανασίου"],
    "he": ["דוד כהן", "שרה לוי", "משה מזרחי", "רחל פרץ"],
    "ar": ["محمد العلي", "فاطمة الزهراء", "أحمد حسن", "ليلى منصور"],
    "ja": ["山田太郎", "佐藤花子", "鈴木一郎", "高橋さくら"],
    "zh": ["王伟", "李娜", "张敏", "刘洋"],
    "zh_tw": ["陳怡君", "林志明", "黃淑芬", "張家豪"],
    "ko": ["김민준", "이서연", "박지훈", "최수아"],
    # One- and two-row lists a fresh tester found read wrongly (each wrong reading looks clean letter by letter).
    "pl_1": ["Łukasz Nowak"],
    "de_tr_2": ["Jürgen Weiß", "Ömer Öztürk"],
    "fr_1": ["Zoë Blanc"],
    "tr_1": ["Ömer Şahin"],
    "eo_1": ["Ŝtefan Ĝuro"],
    "he_2": ["דוד כהן", "שרה לוי"],
    # Lists two encodings read into Latin letters alike: the rows' own countries settle them.
    "de_1": ["Jürgen Müller"],  # Mac Roman, or windows-1250 "Jźrgen Mźller"
    "de_2": ["Jürgen Müller", "Günter Süß"],
    "lt_1": ["Jūratė Kazlauskienė"],  # windows-1257, or windows-1252 "Jûratë Kazlauskienë"
    "fr_2": ["Hélène Dupont"],  # windows-1252, or windows-1250 "Hélčne Dupont"
}
#: The candidate's country each list gives (its language's); any other list says SK.
COUNTRIES = {
    "cs": "CZ", "sk": "SK", "pl": "PL", "hu": "HU", "hr": "HR", "ro": "RO", "de": "DE", "fr": "FR", "es": "ES",
    "da": "DK", "tr": "TR", "lt": "LT", "lv": "LV", "ru": "RU", "uk": "UA", "bg": "BG", "el": "GR", "he": "IL",
    "ar": "EG", "ja": "JP", "zh": "CN", "zh_tw": "TW", "ko": "KR",
}  # fmt: skip

#: (encoding, languages whose names it can hold): what Excel and LibreOffice save CSVs in.
ENCODINGS: list[tuple[str, tuple[str, ...]]] = [
    ("utf-8", ("cs", "ru", "el", "ja", "de")),
    ("utf-8-sig", ("pl", "zh", "fr")),
    ("utf-16", ("hu", "ko", "uk")),
    ("cp1250", ("cs", "sk", "pl", "hu", "hr", "pl_1")),
    ("iso-8859-2", ("pl", "cs", "hu")),
    ("cp1251", ("ru", "uk", "bg")),
    ("koi8-r", ("ru",)),
    ("koi8-u", ("uk",)),
    ("iso-8859-5", ("ru", "bg")),
    ("cp1252", ("de", "fr", "es", "da", "fr_2")),
    ("iso-8859-15", ("fr", "de")),
    ("mac_roman", ("fr", "de", "es", "de_tr_2", "fr_1", "de_1", "de_2")),
    ("cp1253", ("el",)),
    ("iso-8859-7", ("el",)),
    ("cp1254", ("tr", "tr_1")),
    ("cp1255", ("he", "he_2")),
    ("iso-8859-8", ("he_2",)),
    ("iso-8859-3", ("eo_1",)),
    ("cp1256", ("ar",)),
    ("cp1257", ("lt", "lv", "lt_1")),
    ("iso-8859-16", ("ro",)),
    ("shift_jis", ("ja",)),
    ("euc_jp", ("ja",)),
    ("gb18030", ("zh",)),
    ("big5", ("zh_tw",)),
    ("euc_kr", ("ko",)),
]


REFUSED = "(refused: no encoding named)"


def country_of(language: str | None) -> str:
    """The candidate country a list in ``language`` (a ``NAMES`` key) gives: its language's, else SK."""
    if language is None:
        return "SK"
    return COUNTRIES.get(language) or COUNTRIES.get(language.split("_")[0], "SK")


def csv_text(names: list[str], delimiter: str = ";", *, language: str | None = None) -> str:
    """A short candidate list, one row per name (the Excel look: CRLF line ends), for a position
    in SK; the candidates' country is their language's (``country_of``), SK without one."""
    rows = [HEADER.replace(";", delimiter)]
    country = country_of(language)
    for i, name in enumerate(names):
        rows.append(delimiter.join([name, f"person{i}@example.org", country, f"CV of {i}: five years of work", "Agent", "Bratislava", "SK", "en"]))
    return "\r\n".join(rows) + "\r\n"


def corpus() -> list[tuple[str, str, list[str]]]:
    """(encoding, language, names): one list per language an encoding can hold."""
    return [(encoding, language, NAMES[language]) for encoding, languages in ENCODINGS for language in languages]


def _guesses(data: bytes) -> dict[str, str | None]:
    from charset_normalizer import from_bytes

    from batch_enrol.encodings import detect
    from batch_enrol.errors import InputFileError

    out: dict[str, str | None] = {}
    best = from_bytes(data).best()
    out["charset-normalizer"] = str(best) if best else None
    try:
        import chardet
    except ImportError:
        pass
    else:
        found = chardet.detect(data)["encoding"]
        try:
            out["chardet"] = data.decode(found) if found else None
        except (LookupError, UnicodeDecodeError):
            out["chardet"] = None
    try:
        out["batch-enrol"] = data.decode(detect(data, "list.csv").codec)
    except InputFileError:
        out["batch-enrol"] = REFUSED
    except Exception:
        out["batch-enrol"] = None
    return out


def main() -> None:
    """``--no-countries``: every list says SK, so only the letters (and line endings) can tell."""
    countries = "--no-countries" not in sys.argv[1:]
    right: dict[str, int] = defaultdict(int)
    wrong: dict[str, list[str]] = defaultdict(list)
    lists = corpus()
    started = time.perf_counter()
    for encoding, language, names in lists:
        text = csv_text(names, language=language if countries else None)
        data = text.encode(encoding)
        for tool, decoded in _guesses(data).items():
            if decoded is not None and decoded.lstrip("\ufeff") == text:
                right[tool] += 1
            else:
                wrong[tool].append(f"{encoding}/{language}" + (" (refused)" if decoded == REFUSED else ""))
    where = "candidates in their language's country" if countries else "every candidate in SK"
    print(f"{len(lists)} lists in {len(ENCODINGS)} encodings, {where} ({time.perf_counter() - started:.1f} s)\n")
    print("| detector | lists read right | wrong |")
    print("|---|---:|---|")
    for tool in sorted(right.keys() | wrong.keys()):
        print(f"| {tool} | {right[tool]} / {len(lists)} | {', '.join(wrong[tool]) or '-'} |")


if __name__ == "__main__":
    main()
