"""Countries and interview languages as people write them, in many languages."""

from __future__ import annotations

import pytest

from batch_enrol.fields import Bad, normalise

#: The local names of every EU country (each in its own language or languages).
EU_LOCAL = {
    "Österreich": "AT", "België": "BE", "Belgique": "BE", "Belgien": "BE", "България": "BG", "Hrvatska": "HR",
    "Κύπρος": "CY", "Kıbrıs": "CY", "Česko": "CZ", "Česká republika": "CZ", "Danmark": "DK", "Eesti": "EE",
    "Suomi": "FI", "Finland": "FI", "France": "FR", "Deutschland": "DE", "Ελλάδα": "GR", "Magyarország": "HU",
    "Éire": "IE", "Ireland": "IE", "Italia": "IT", "Latvija": "LV", "Lietuva": "LT", "Lëtzebuerg": "LU",
    "Luxembourg": "LU", "Malta": "MT", "Nederland": "NL", "Polska": "PL", "Portugal": "PT", "România": "RO",
    "Slovensko": "SK", "Slovenija": "SI", "España": "ES", "Sverige": "SE",
}  # fmt: skip
#: Other countries' names in English, German, French, Spanish, Czech, Slovak, Polish and Hungarian.
IN_EIGHT_LANGUAGES = {
    "Germany": "DE", "Switzerland": "CH", "Hungary": "HU",  # English
    "Frankreich": "FR", "Schweiz": "CH", "Tschechien": "CZ", "Vereinigtes Königreich": "GB", "Türkei": "TR",  # German
    "Allemagne": "DE", "Suisse": "CH", "Royaume-Uni": "GB", "États-Unis": "US", "Pays-Bas": "NL",  # French
    "Alemania": "DE", "Suiza": "CH", "Reino Unido": "GB", "Estados Unidos": "US", "Países Bajos": "NL",  # Spanish
    "Německo": "DE", "Rakousko": "AT", "Spojené státy": "US", "Maďarsko": "HU", "Slovinsko": "SI",  # Czech
    "Nemecko": "DE", "Rakúsko": "AT", "Maďarsko ": "HU", "Poľsko": "PL", "Spojené kráľovstvo": "GB",  # Slovak
    "Niemcy": "DE", "Austria": "AT", "Węgry": "HU", "Czechy": "CZ", "Słowacja": "SK", "Wielka Brytania": "GB",  # Polish
    "Németország": "DE", "Ausztria": "AT", "Szlovákia": "SK", "Csehország": "CZ", "Lengyelország": "PL",  # Hungarian
}  # fmt: skip
ALIASES = {
    "UK": "GB", "U.K.": "GB", "Great Britain": "GB", "U.S.A.": "US", "USA": "US", "Holland": "NL",
    "Ivory Coast": "CI", "Burma": "MM", "Swaziland": "SZ", "Czech Rep.": "CZ", "UAE": "AE", "Turkey": "TR",
    "Russia": "RU", "Cape Verde": "CV", "The Netherlands": "NL", "Republic of Korea": "KR", "South Korea": "KR",
    "  slovakia ": "SK", "SVK": "SK", "sk": "SK", "ESPANA": "ES", "cesko": "CZ",
}  # fmt: skip


@pytest.mark.parametrize("value, code", [*EU_LOCAL.items(), *IN_EIGHT_LANGUAGES.items(), *ALIASES.items()])
def test_countries_as_people_write_them(value, code):
    assert normalise("candidate_country_code", value) == code
    assert normalise("position_country_code", value) == code


@pytest.mark.parametrize("value, suggestions", [
    ("Korea", ["South Korea (KR)", "North Korea (KP)"]),
    ("Congo", ["(CG)", "(CD)"]),
    ("Slovakai", ["Slovakia (SK)"]),
])  # fmt: skip
def test_ambiguous_and_misspelt_countries_stay_invalid_with_suggestions(value, suggestions):
    with pytest.raises(Bad) as info:
        normalise("candidate_country_code", value)
    message = str(info.value)
    assert "did you mean" in message and all(s in message for s in suggestions) and len(message) <= 200


def test_an_unknown_country_says_what_to_write():
    with pytest.raises(Bad, match="is not a country: use an ISO code"):
        normalise("candidate_country_code", "Atlantis")


LANGUAGES = {
    "Greek": "el", "Malay": "ms", "English (UK)": "en", "en-US": "en", "de-DE": "de", "en_GB": "en",
    "zh-Hans": "zh", "zh_Hant_TW": "zh", "pt-BR": "br", "pt_BR": "br", "pt-PT": "pt", "Brazilian Portuguese": "br",
    "Deutsch": "de", "Français": "fr", "Español": "es", "Čeština": "cs", "Slovenčina": "sk", "Polski": "pl",
    "Magyar": "hu", "Englisch": "en", "anglais": "en", "inglés": "en", "angličtina": "en",
    "angielski": "en", "angol": "en", "Niederländisch": "nl", "néerlandais": "nl", "Ελληνικά": "el",
    "Русский": "ru", "Українська": "uk", "日本語": "ja", "한국어": "ko", "Norwegian Bokmål": "no", "nb-NO": "no",
    "Filipino": "fil", "Tagalog": "fil", "EN": "en", "br": "br", "castellano": "es", "Castilian": "es",
    "anglický": "en", "anglicky": "en", "Slovenský": "sk", "slovensky": "sk", "Německy": "de", "nemecký": "de",
    "česky": "cs", "polská": "pl", "španielsky": "es", "Bahasa Indonesia": "id", "Bahasa Melayu": "ms",
}  # fmt: skip


@pytest.mark.parametrize("value, code", LANGUAGES.items())
def test_languages_as_people_write_them(value, code):
    assert normalise("mojito_language_code", value) == code


@pytest.mark.parametrize("value", ["Breton", "Klingon", "Latin", "Maltese", "Slovenščina"])
def test_languages_the_platform_does_not_offer_are_refused_as_such(value):
    with pytest.raises(Bad, match="is not one of the interview languages: ar, bg, ") as refused:
        normalise("mojito_language_code", value)
    assert "did you mean" not in str(refused.value) and "Portuguese" not in str(refused.value)


def test_a_word_that_is_no_language_gets_suggestions():
    with pytest.raises(Bad, match="is not a supported interview language: did you mean English"):
        normalise("mojito_language_code", "Englsh")


def test_bahasa_is_malay_or_indonesian_never_a_guess():
    with pytest.raises(Bad, match=r"'Bahasa' is more than one language: did you mean Indonesian \(id\) or Malay \(ms\)\?"):
        normalise("mojito_language_code", "Bahasa")


@pytest.mark.parametrize("value, code", [("eng", "en"), ("deu", "de"), ("fra", "fr"), ("cs_CZ.UTF-8", "cs"), ("ENG", "en")])
def test_iso_639_2_codes_and_locale_names_read_as_languages(value, code):
    assert normalise("mojito_language_code", value) == code


def test_a_language_the_platform_does_not_offer_says_so_in_one_short_line():
    with pytest.raises(Bad) as refused:
        normalise("mojito_language_code", "Farsi")
    assert "'Farsi' (Persian) is not one of the interview languages" in str(refused.value)
    assert "Input should be" not in str(refused.value) and len(str(refused.value)) <= 200


@pytest.mark.parametrize("value, code", [
    ("DRC", "CD"), ("DR Congo", "CD"), ("Zaire", "CD"), ("Persia", "IR"), ("Bosnia", "BA"), ("Palestine", "PS"),
    ("Byelorussia", "BY"), ("Holy See", "VA"), ("D.R.C.", "CD"), ("U. S. A.", "US"), ("Tanzania", "TZ"), ("Micronesia", "FM"),
])  # fmt: skip
def test_other_names_of_countries(value, code):
    assert normalise("candidate_country_code", value) == code


@pytest.mark.parametrize("value, wrong", [("Catalan", "Italian"), ("Persian", "Russia")])
def test_far_names_are_not_suggested(value, wrong):
    with pytest.raises(Bad) as refused:
        normalise("mojito_language_code", value)
    assert wrong not in str(refused.value)
