"""Reference data behind the attribute stage: interface languages, e-mail providers, day rhythm.

Every share here is rough and meant as such: an ordering of likelihoods, not a statistic. The
language shares are estimates of where a language's first-language speakers who are online
live (speaker populations times internet use, rounded to 5%; countries under a few per cent
dropped and the rest renormalised by the code). Update them when the operation's partner
countries change; the tests pin only the clear cases.
"""

from __future__ import annotations

# phpBB user_lang (base language, formality variants such as "de_x_sie" removed) ->
# (weight of the vote, country -> share). The weight says how much the choice narrows things:
# a language spoken in one country is worth a full vote; English, the board default that many
# never change, is worth little.
LANGUAGES: dict[str, tuple[float, dict[str, float]]] = {
    "en": (0.3, {"US": 40, "GB": 20, "IN": 10, "CA": 8, "AU": 8, "IE": 3, "NZ": 3, "ZA": 3}),
    "en_us": (0.8, {"US": 90, "CA": 10}),
    "en_gb": (0.6, {"GB": 80, "IE": 10, "AU": 5, "NZ": 5}),
    "de": (1.0, {"DE": 85, "AT": 9, "CH": 6}),
    "fr": (0.8, {"FR": 70, "CA": 12, "BE": 8, "CH": 5, "LU": 1}),
    "es": (0.6, {"MX": 30, "ES": 20, "CO": 14, "AR": 12, "PE": 8, "VE": 7, "CL": 5}),
    "pt": (0.8, {"PT": 80, "BR": 20}),  # phpBB's "pt" is European Portuguese
    "pt_br": (1.2, {"BR": 100}),
    "it": (1.0, {"IT": 95, "CH": 5}),
    "nl": (1.0, {"NL": 70, "BE": 30}),
    "sv": (1.0, {"SE": 95, "FI": 5}),
    "nb": (1.0, {"NO": 100}),
    "nn": (1.0, {"NO": 100}),
    "no": (1.0, {"NO": 100}),
    "da": (1.0, {"DK": 100}),
    "fi": (1.0, {"FI": 100}),
    "pl": (1.0, {"PL": 100}),
    "cs": (1.0, {"CZ": 100}),
    "sk": (1.0, {"SK": 100}),
    "hu": (1.0, {"HU": 100}),
    "ro": (1.0, {"RO": 85, "MD": 15}),
    "el": (1.0, {"GR": 85, "CY": 15}),
    "bg": (1.0, {"BG": 100}),
    "hr": (1.0, {"HR": 90, "BA": 10}),
    "sr": (1.0, {"RS": 85, "BA": 10, "ME": 5}),
    "sl": (1.0, {"SI": 100}),
    "lt": (1.0, {"LT": 100}),
    "lv": (1.0, {"LV": 100}),
    "et": (1.0, {"EE": 100}),
    "ru": (0.7, {"RU": 75, "UA": 10, "KZ": 10, "BY": 5}),
    "uk": (1.0, {"UA": 100}),
    "tr": (1.0, {"TR": 95, "CY": 5}),
    "he": (1.0, {"IL": 100}),
    "ar": (0.4, {"EG": 30, "SA": 20, "DZ": 15, "MA": 15, "IQ": 10, "AE": 10}),
    "fa": (1.0, {"IR": 90, "AF": 10}),
    "ja": (1.0, {"JP": 100}),
    "ko": (1.0, {"KR": 100}),
    "zh_cmn_hans": (1.0, {"CN": 100}),
    "zh_cmn_hant": (1.0, {"TW": 70, "HK": 30}),
    "vi": (1.0, {"VN": 100}),
    "th": (1.0, {"TH": 100}),
    "id": (1.0, {"ID": 100}),
    "ca": (0.8, {"ES": 95, "AD": 5}),  # Catalan, Galician, Basque: Spain's regional languages
    "gl": (0.8, {"ES": 100}),
    "eu": (0.8, {"ES": 100}),
}

# A language tagged with a region ("fr_ca", "en_au") names that country outright.
REGION_TAG_WEIGHT = 1.0

# Mail providers whose customers live in one country although the domain does not say so, or
# whose ccTLD is reinforced by being an ISP or national service (an ISP mailbox comes with a
# home connection). Maintained by hand; add providers as cases show them.
NATIONAL_PROVIDERS: dict[str, str] = {
    # Germany, Austria, Switzerland
    "web.de": "DE",
    "gmx.de": "DE",
    "gmx.net": "DE",
    "t-online.de": "DE",
    "freenet.de": "DE",
    "arcor.de": "DE",
    "posteo.de": "DE",
    "gmx.at": "AT",
    "aon.at": "AT",
    "bluewin.ch": "CH",
    "gmx.ch": "CH",
    # France, Belgium, Netherlands
    "orange.fr": "FR",
    "wanadoo.fr": "FR",
    "free.fr": "FR",
    "sfr.fr": "FR",
    "laposte.net": "FR",
    "skynet.be": "BE",
    "telenet.be": "BE",
    "ziggo.nl": "NL",
    "kpnmail.nl": "NL",
    "hetnet.nl": "NL",
    # Southern and Eastern Europe
    "libero.it": "IT",
    "virgilio.it": "IT",
    "alice.it": "IT",
    "tiscali.it": "IT",
    "terra.es": "ES",
    "sapo.pt": "PT",
    "wp.pl": "PL",
    "o2.pl": "PL",
    "onet.pl": "PL",
    "interia.pl": "PL",
    "seznam.cz": "CZ",
    "centrum.cz": "CZ",
    "freemail.hu": "HU",
    "abv.bg": "BG",
    "yandex.ru": "RU",
    "mail.ru": "RU",
    "ukr.net": "UA",
    # Nordics
    "telia.com": "SE",
    "online.no": "NO",
    # British Isles
    "btinternet.com": "GB",
    "sky.com": "GB",
    "virginmedia.com": "GB",
    "ntlworld.com": "GB",
    "talktalk.net": "GB",
    "eircom.net": "IE",
    # Americas
    "comcast.net": "US",
    "verizon.net": "US",
    "att.net": "US",
    "sbcglobal.net": "US",
    "bellsouth.net": "US",
    "cox.net": "US",
    "charter.net": "US",
    "earthlink.net": "US",
    "rogers.com": "CA",
    "shaw.ca": "CA",
    "sympatico.ca": "CA",
    "uol.com.br": "BR",
    "bol.com.br": "BR",
    "terra.com.br": "BR",
    # Asia-Pacific
    "bigpond.com": "AU",
    "optusnet.com.au": "AU",
    "xtra.co.nz": "NZ",
    "qq.com": "CN",
    "163.com": "CN",
    "126.com": "CN",
    "naver.com": "KR",
    "rediffmail.com": "IN",
}

# Two-letter TLDs sold worldwide as "domain hacks" (.io, .me, .tv...): their owners live anywhere.
GENERIC_CCTLDS = frozenset({"io", "me", "co", "tv", "cc", "ws", "to", "ai", "fm", "ly", "gg", "so"})

# ccTLDs that differ from the ISO 3166 code of their country.
CCTLD_ALIASES = {"uk": "GB"}

# A person's day as the posting rhythm sees it (``attribute_signals.estimate_offset``): a main
# session around a peak hour of their own, plus occasional posts through their waking hours,
# plus almost nothing while asleep. Diurnal studies of online activity (e.g. Golder & Macy,
# Science 2011, on Twitter across cultures) agree on the deep trough around 02:00-05:00 local
# time and on evenings being the busiest; the numbers below are judgement, not fitted.
SESSION_SPREAD_HOURS = 2.0  # standard deviation of the main session around its peak
BACKGROUND_SHARE = 0.15  # posts outside the main session, spread over waking hours
ASLEEP_FLOOR = 0.005  # share of posts at any hour at all: night shifts, insomnia, travel
WAKING_BY_LOCAL_HOUR: tuple[float, ...] = (
    0.5, 0.15, 0.03, 0.02, 0.02, 0.05, 0.3, 0.7,  # 00-07
    1, 1, 1, 1, 1, 1, 1, 1,  # 08-15
    1, 1, 1, 1, 1, 1, 1, 1,  # 16-23
)  # fmt: skip
# Prior over the local hour of the main session: evenings most, never in the dead of night.
PEAK_PRIOR_BY_LOCAL_HOUR: tuple[float, ...] = (
    0.5, 0.2, 0, 0, 0, 0, 0.1, 0.3,  # 00-07
    0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,  # 08-15
    0.6, 0.6, 1, 1, 1, 1, 1, 1,  # 16-23
)  # fmt: skip
