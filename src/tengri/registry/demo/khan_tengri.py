"""Demo season: the Khan Tengri routes from both countries and two cross-border treks.

Facts from shared/domain/khan-tengri.md, with their sources. Where no source gives a position, it was
estimated from the GEBCO 2023 grid and the OSM border data (method in each `source`) and is flagged
`approximate`. Capacities (people a day, beds) have no published figure: they are demo estimates,
flagged as such, for administrators to correct in the admin.
"""

FACTS = "shared/domain/khan-tengri.md"
GRID_ESTIMATE = "position estimated from the GEBCO 2023 grid along the glacier/valley axis at the reported altitude"
SEASON_NOTE = (
    "Season of the agreement points: sources disagree (1 Jun–1 Oct in English texts, 1 Jul–1 Oct in the Kazakh "
    "text); the narrower window is used. atameken.kz/en/news/23188; kazpravda.kz; kaznu.kz 38940"
)
CAPACITY_NOTE = "Daily capacity: demo estimate, no published figure."

AUTHORITIES = [
    {
        "code": "KZ",
        "name_en": "Republic of Kazakhstan",
        "name_ru": "Республика Казахстан",
        "name_kk": "Қазақстан Республикасы",
        "name_ky": "Казакстан Республикасы",
        "timezone": "Asia/Almaty",
        "border_service": "Border Service of the National Security Committee (KNB)",
        "rescue_service": "Committee for Emergency Situations (Kazaviaspas Mi-171 at Karkara)",
        "lead_time_working_days": 7,
        "passport_valid_months_after_trip": 6,
        "source": f"{FACTS}: border zone — migration police, 7 working days; border strip — KNB Border Service",
    },
    {
        "code": "KG",
        "name_en": "Kyrgyz Republic",
        "name_ru": "Кыргызская Республика",
        "name_kk": "Қырғыз Республикасы",
        "name_ky": "Кыргыз Республикасы",
        "timezone": "Asia/Bishkek",
        "border_service": "Border Service of the State Committee for National Security (GKNB)",
        "rescue_service": "Ministry of Emergency Situations (with MoD helicopters)",
        "lead_time_working_days": 6,
        "passport_valid_months_after_trip": 6,
        "source": f"{FACTS}: border-zone permit, State Registration Service, 6 working days",
    },
]


def _place(code, kind, lat, lon, altitude, name_en, name_ru, *, approximate=False, source=FACTS, kk="", ky=""):
    return {
        "code": code, "kind": kind, "lat": lat, "lon": lon, "altitude_m": altitude, "name_en": name_en,
        "name_ru": name_ru, "name_kk": kk, "name_ky": ky, "approximate": approximate, "source": source,
    }


PLACES = [
    # Staging bases and settlements
    _place("almaty", "settlement", 43.2389, 76.8897, 800, "Almaty", "Алматы", kk="Алматы", ky="Алматы",
           source=f"{FACTS} (altitude ~800)"),
    _place("kegen", "settlement", 43.0183, 79.2236, 1850, "Kegen", "Кеген", kk="Кеген", ky="Кеген", approximate=True,
           source=f"{FACTS}: 250 km by road from Almaty; approx coords, ~1850 m"),
    _place("karakol", "settlement", 42.49, 78.39, 1750, "Karakol", "Каракол", kk="Қаракөл", ky="Каракол",
           approximate=True, source=f"{FACTS}: approx coords, ~1750 m"),
    _place("karkara-kz", "helipad", 42.85, 78.95, 2200, "Karkara heli base (KZ bank)", "Каркара, вертобаза (берег КЗ)",
           approximate=True, source=f"{FACTS}: heli base late Jun–late Aug; 42.85 approx, 78.95 approx, ~2200"),
    _place("karkara-kg", "helipad", 42.7683, 79.0050, 2200, "Karkara heli base (KG bank)", "Каркыра, вертобаза (берег КР)",
           approximate=True, source=f"{FACTS}: behind the KG border post, coords not published; placed 1 km inside "
           "KG across the river from the KZ base, per the OSM border"),
    _place("karkara-bridge", "crossing_point", 42.7755, 79.0567, 2200, "Karkara river bridge", "Мост через Каркару",
           approximate=True, source=f"{FACTS}: ~2200 m; position: lowest point of the KZ–KG line (the river) near "
           "the Karkara bases, read off the OSM border and the GEBCO grid"),
    _place("kegen-karkyra-road", "crossing_point", 42.7851, 79.0899, None, "Kegen–Karkyra road checkpoint",
           "Пункт пропуска Кеген – Каркыра (автодорожный)", approximate=True,
           source=f"{FACTS}: a regular seasonal road crossing; position estimated where the road meets the border"),
    _place("maida-adyr", "helipad", 42.10, 79.25, 2600, "Maida-Adyr", "Майда-Адыр", approximate=True,
           source=f"{FACTS}: military post and helipad, 5 h drive from Karakol, ~2600 m approx; {GRID_ESTIMATE}"),
    # Base camps and climbing camps (estimates: no source gives coordinates)
    _place("south-inylchek-bc", "base_camp", 42.160, 80.080, 4000, "South Inylchek base camp",
           "Базовый лагерь Южный Иныльчек", ky="Түштүк Эңилчек базалык лагери", approximate=True,
           source=f"{FACTS}: junction of S. Inylchek and Zvezdochka glaciers, 42.160/80.080 approx (± 2–3 km), 4000 m"),
    _place("north-inylchek-bc", "base_camp", 42.240, 80.130, 4000, "North Inylchek base camp",
           "Базовый лагерь Северный Иныльчек", ky="Түндүк Эңилчек базалык лагери", approximate=True,
           source=f"{FACTS}: 42.240/80.130 approx, 3900–4000 m; Kyrgyz territory per the OSM border"),
    _place("kt-s-camp-1", "camp", 42.1750, 80.1240, 4200, "Camp 1 (South Inylchek)", "Лагерь 1 (Южный Иныльчек)",
           approximate=True, source=f"{FACTS}: 4200 m (sources 4100–4300); {GRID_ESTIMATE}"),
    _place("kt-s-camp-2", "camp", 42.2045, 80.1545, 5300, "Camp 2 (Semenovsky icefall)",
           "Лагерь 2 (ледопад Семёновского)", approximate=True,
           source=f"{FACTS}: 5300 m (5200–5300); serac fall 4500–5200 m; {GRID_ESTIMATE}"),
    _place("kt-s-camp-3", "camp", 42.2110, 80.1560, 5850, "Camp 3 (snow caves below the West Col)",
           "Лагерь 3 (пещеры под Западной седловиной)", approximate=True,
           source=f"{FACTS}: 5850 m (5800–5900); {GRID_ESTIMATE}"),
    _place("west-col", "col", 42.2155, 80.1570, 5900, "West Col (Chapaev – Khan Tengri saddle)",
           "Западная седловина (Чапаев – Хан-Тенгри)", approximate=True,
           source=f"{FACTS}: 5900 m (5800–6000); lowest point of the ridge between Chapaev and the summit on the grid"),
    _place("west-ridge-6400", "camp", 42.2120, 80.1700, 6400, "West Ridge bivouac 6400", "Ночёвка на западном гребне 6400",
           approximate=True, source=f"{FACTS}: West Ridge bivouacs 6200, 6400, 6700; position on the ridge line"),
    _place("khan-tengri", "summit", 42.2108, 80.1750, 7010, "Khan Tengri", "Хан-Тенгри", kk="Хан Тәңірі",
           ky="Хан-Теңири", source=f"{FACTS}: 7010 m (6995 rock); on the KZ–KG(–CN) border"),
    _place("kt-n-camp-1", "camp", 42.2265, 80.1355, 4500, "Camp 1 (North Inylchek)", "Лагерь 1 (Северный Иныльчек)",
           approximate=True, source=f"{FACTS} gives none: ~4500 m estimate; {GRID_ESTIMATE}"),
    _place("kt-n-camp-2", "camp", 42.2185, 80.1390, 5400, "Camp 2 (north route)", "Лагерь 2 (северный маршрут)",
           approximate=True, source=f"{FACTS}: 5400 m; {GRID_ESTIMATE}"),
    _place("chapaev-shoulder", "col", 42.2160, 80.1450, 6100, "Chapaev shoulder", "Плечо Чапаева", approximate=True,
           source=f"{FACTS}: shoulder 6100 on the north route; position on the Chapaev ridge read off the grid"),
    # Treks
    _place("kolsai-lower", "trailhead", 42.9925, 78.3230, 1818, "Lower Kolsai lake", "Нижнее Кольсайское озеро",
           kk="Төменгі Көлсай", approximate=True, source=f"{FACTS}: Kolsai lakes (KZ); lower lake ~1800 m"),
    _place("kolsai-middle", "camp", 42.9300, 78.3200, 2250, "Middle Kolsai lake", "Среднее Кольсайское озеро",
           kk="Ортаңғы Көлсай", approximate=True, source="~2250 m; position estimated on the grid up-valley"),
    _place("sary-bulak-pass", "crossing_point", 42.8552, 78.3413, 3270, "Sary-Bulak pass", "Перевал Сары-Булак",
           kk="Сарыбұлақ асуы", ky="Сары-Булак ашуусу", approximate=True,
           source=f"{FACTS}: 3270 m, pilot 26–28 Aug 2022; position: saddle of the KZ–KG line south of the Kolsai "
           "lakes at the reported altitude (grid 3203 m)"),
    _place("balbay", "settlement", 42.7500, 78.4500, None, "Balbay", "Балбай", ky="Балбай", approximate=True,
           source=f"{FACTS}: Balbay, Tyup district (KG); ~25–30 km from Kolsai; position estimated"),
    _place("big-almaty-lake", "trailhead", 43.0506, 76.9850, 2511, "Big Almaty Lake", "Большое Алматинское озеро",
           kk="Үлкен Алматы көлі", source=f"{FACTS}: 2511 m (grid 2516)"),
    _place("ozerny-pass", "crossing_point", 42.9637, 77.0142, 3520, "Ozerny pass", "Перевал Озёрный",
           kk="Озёрный асуы", ky="Озерный ашуусу", approximate=True,
           source=f"{FACTS}: 3520 m, pilot 25 Aug 2022; position: saddle of the KZ–KG line at 3519 m on the grid"),
    _place("chon-kemin-upper", "camp", 42.9060, 77.0700, None, "Upper Chon-Kemin valley", "Верховья Чон-Кемина",
           ky="Чоң-Кемин өрөөнү", approximate=True, source="valley floor below the Ozerny pass, read off the grid"),
    _place("aksu-severny-pass", "pass", 42.8100, 77.1000, 4055, "Aksu-Severny pass", "Перевал Аксу-Северный",
           approximate=True, source=f"{FACTS}: 4055 m; position: the Kungey Alatau crest south of the Chon-Kemin at the reported "
           "altitude on the grid (4044 m), uncertain by several km"),
    _place("chon-aksu", "camp", 42.7500, 77.3000, None, "Chon-Aksu valley", "Долина Чон-Аксу", ky="Чоң-Аксуу",
           approximate=True, source="valley floor, read off the grid"),
    _place("grigorievka", "settlement", 42.7170, 77.4670, 1750, "Grigorievka", "Григорьевка", ky="Григорьевка",
           approximate=True, source=f"{FACTS}: end of the Ozerny trek (KG); position approximate"),
]


def _checkpoint(code, kind, place, name_en, name_ru, authorities, opens, closes, capacity, source, *, kk="", ky=""):
    return {
        "code": code, "kind": kind, "place": place, "name_en": name_en, "name_ru": name_ru, "name_kk": kk,
        "name_ky": ky, "authorities": authorities, "season_opens": opens, "season_closes": closes,
        "daily_capacity": capacity, "source": f"{source}. {CAPACITY_NOTE}",
    }


CHECKPOINTS = [
    _checkpoint("KRK", "agreement_crossing", "karkara-bridge", "Karkara river bridge – Char-Kuduk tract",
                "Мост через Каркару – урочище Чаар-Кудук", ["KZ", "KG"], "07-01", "10-01", 120,
                f"{FACTS}: the Khan Tengri gateway; seasonal 2013–2016 for organised groups. {SEASON_NOTE}",
                kk="Қарқара көпірі", ky="Каркыра көпүрөсү – Чаар-Кудук"),
    _checkpoint("KCJ", "agreement_crossing", None, "Kokzhar / Chon-Jalanash confluence",
                "Слияние Кокжар / Чон-Жаланаш", ["KZ", "KG"], "07-01", "10-01", 40,
                f"{FACTS}: coordinates not found. {SEASON_NOTE}"),
    _checkpoint("ASH", "agreement_crossing", None, "Ashutor pass", "Перевал Ашутор", ["KZ", "KG"], "07-01", "10-01",
                40, f"{FACTS}: 3648 m?, identity uncertain; coordinates not found. {SEASON_NOTE}"),
    _checkpoint("SRB", "agreement_crossing", "sary-bulak-pass", "Sary-Bulak pass", "Перевал Сары-Булак", ["KZ", "KG"],
                "07-01", "10-01", 60, f"{FACTS}: Kolsai lakes → Balbay; pilot 26–28 Aug 2022. {SEASON_NOTE}",
                kk="Сарыбұлақ асуы", ky="Сары-Булак ашуусу"),
    _checkpoint("OZR", "agreement_crossing", "ozerny-pass", "Ozerny pass", "Перевал Озёрный", ["KZ", "KG"],
                "07-01", "10-01", 60, f"{FACTS}: Big Almaty Lake → Grigorievka; pilot 25 Aug 2022. {SEASON_NOTE}",
                kk="Озёрный асуы", ky="Озерный ашуусу"),
    _checkpoint("KGR", "road", "kegen-karkyra-road", "Kegen – Karkyra road checkpoint",
                "Автодорожный пункт пропуска Кеген – Каркыра", ["KZ", "KG"], "05-01", "10-31", 500,
                f"{FACTS}: a regular seasonal road crossing; season dates approximate"),
    _checkpoint("KRK-HB-KZ", "heli_base", "karkara-kz", "Karkara heli base (KZ)", "Вертобаза Каркара (КЗ)", ["KZ"],
                "06-25", "08-25", 80, f"{FACTS}: Kazakh Karkara camp late Jun – late Aug; Mi-8/Mi-171 ~20 a flight, "
                "~4 flights a day"),
    _checkpoint("KRK-HB-KG", "heli_base", "karkara-kg", "Karkara heli base (KG)", "Вертобаза Каркыра (КР)", ["KG"],
                "06-25", "08-25", 80, f"{FACTS}: behind the KG border post; KG border-zone permit checked"),
    _checkpoint("MAD-HB", "heli_base", "maida-adyr", "Maida-Adyr heli base", "Вертобаза Майда-Адыр", ["KG"],
                "07-01", "09-10", 80, f"{FACTS}: military post with helipad; Maida-Adyr → South Inylchek ~20 min"),
    _checkpoint("SIB-HP", "base_camp_helipad", "south-inylchek-bc", "South Inylchek base camp helipad",
                "Вертолётная площадка БЛ Южный Иныльчек", ["KG"], "07-01", "09-10", 120,
                f"{FACTS}: South Inylchek BC season ~1 Jul – 10 Sep"),
    _checkpoint("NIB-HP", "base_camp_helipad", "north-inylchek-bc", "North Inylchek base camp helipad",
                "Вертолётная площадка БЛ Северный Иныльчек", ["KG"], "07-01", "09-10", 80,
                f"{FACTS}: Kyrgyz territory per the OSM border; logistics from Kazakh Karkara"),
]

BASE_CAMPS = [
    {"place": "south-inylchek-bc", "beds": 300, "season_opens": "07-01", "season_closes": "09-10", "approximate": True,
     "source": f"{FACTS}: season ~1 Jul – 10 Sep; beds: demo estimate (2000 festival: 280 summit attempts)"},
    {"place": "north-inylchek-bc", "beds": 120, "season_opens": "07-01", "season_closes": "08-31", "approximate": True,
     "source": f"{FACTS}: beds and season end: demo estimate"},
]

HELI_NOTE = f"{FACTS}: Mi-8/Mi-171, ~20 people plus cargo a flight, ~4 flights a day in summer"
HELICOPTER_LEGS = [
    {"origin": "karkara-kz", "destination": "south-inylchek-bc", "seats_per_flight": 20, "flights_per_day": 4,
     "flight_minutes": 40, "approximate": True, "source": f"{HELI_NOTE}; Karkara → BC 35–40 min"},
    {"origin": "karkara-kz", "destination": "north-inylchek-bc", "seats_per_flight": 20, "flights_per_day": 4,
     "flight_minutes": 40, "approximate": True, "source": f"{HELI_NOTE}; Karkara → BC 35–40 min"},
    {"origin": "maida-adyr", "destination": "south-inylchek-bc", "seats_per_flight": 20, "flights_per_day": 4,
     "flight_minutes": 20, "approximate": True, "source": f"{HELI_NOTE}; Maida-Adyr → South Inylchek ~20 min"},
]

SOUTH_CLIMB = [
    ("kt-s-camp-1", "foot"), ("kt-s-camp-2", "foot"), ("kt-s-camp-3", "foot"), ("west-col", "foot"),
    ("west-ridge-6400", "foot"), ("khan-tengri", "foot"),
]
KT_SOURCE = f"{FACTS}: both routes Russian grade 5A; 13 Nov 2025 Intergovernmental Council (rus.baq.kz, tsargrad.tv)"


def _route(code, grade, access, opens, closes, names, waypoints, description, source):
    name_en, name_ru, name_kk, name_ky = names
    return {
        "code": code, "grade": grade, "access_country": access, "season_opens": opens, "season_closes": closes,
        "status": "open", "closed_reason": "", "name_en": name_en, "name_ru": name_ru, "name_kk": name_kk,
        "name_ky": name_ky, "waypoints": waypoints, "description": description, "source": source,
    }


ROUTES = [
    _route(
        "KT-S-KG", "5A", "KG", "07-01", "09-10",
        ("Khan Tengri, West Col / West Ridge from South Inylchek (access from Kyrgyzstan)",
         "Хан-Тенгри, Западная седловина / западный гребень с Южного Иныльчека (подход из Кыргызстана)",
         "Хан Тәңірі, Батыс ершік / батыс жотасы, Оңтүстік Іңілшектен (Қырғызстан арқылы)",
         "Хан-Теңири, Батыш ээр / батыш кыркасы, Түштүк Эңилчектен (Кыргызстан аркылуу)"),
        [("karakol", "foot"), ("maida-adyr", "vehicle"), ("south-inylchek-bc", "helicopter"), *SOUTH_CLIMB],
        "Karakol → Maida-Adyr by road (5 h) → helicopter to South Inylchek BC (~20 min) → the classic route over "
        "the Semenovsky icefall, the West Col and the West Ridge. Serac fall in the Semenovsky couloir 4500–5200 m.",
        KT_SOURCE,
    ),
    _route(
        "KT-S-KZ", "5A", "KZ", "07-01", "08-25",
        ("Khan Tengri, West Col / West Ridge from South Inylchek (access from Kazakhstan)",
         "Хан-Тенгри, Западная седловина / западный гребень с Южного Иныльчека (подход из Казахстана)",
         "Хан Тәңірі, Батыс ершік / батыс жотасы, Оңтүстік Іңілшектен (Қазақстан арқылы)",
         "Хан-Теңири, Батыш ээр / батыш кыркасы, Түштүк Эңилчектен (Казакстан аркылуу)"),
        [("almaty", "foot"), ("kegen", "vehicle"), ("karkara-kz", "vehicle"), ("south-inylchek-bc", "helicopter"),
         *SOUTH_CLIMB],
        "Almaty → Kegen → Karkara heli base (KZ bank) by road → helicopter across the border to South Inylchek BC "
        "(35–40 min) → the classic route. Season limited by the Kazakh Karkara camp (late Jun – late Aug).",
        KT_SOURCE,
    ),
    _route(
        "KT-N-KZ", "5A", "KZ", "07-01", "08-25",
        ("Khan Tengri, north route via the Chapaev shoulder from North Inylchek (access from Kazakhstan)",
         "Хан-Тенгри, северный маршрут через плечо Чапаева с Северного Иныльчека (подход из Казахстана)",
         "Хан Тәңірі, солтүстік маршрут, Чапаев иығы арқылы (Қазақстан арқылы)",
         "Хан-Теңири, түндүк маршрут, Чапаев ийни аркылуу (Казакстан аркылуу)"),
        [("almaty", "foot"), ("kegen", "vehicle"), ("karkara-kz", "vehicle"), ("north-inylchek-bc", "helicopter"),
         ("kt-n-camp-1", "foot"), ("kt-n-camp-2", "foot"), ("chapaev-shoulder", "foot"), ("west-ridge-6400", "foot"),
         ("khan-tengri", "foot")],
        "Almaty → Kegen → Karkara (KZ) → helicopter to North Inylchek BC → Camp 2 (5400) → Chapaev shoulder (6100) "
        "→ West Ridge. Less avalanche-exposed than the south route, technically harder, fixed-roped. The base camp "
        "lies in Kyrgyzstan per the border data although logistics run from Kazakhstan.",
        KT_SOURCE,
    ),
    _route(
        "SRB-TREK", "1B", "KZ", "07-01", "10-01",
        ("Kolsai lakes – Sary-Bulak pass – Balbay trek", "Треккинг Кольсайские озёра – перевал Сары-Булак – Балбай",
         "Көлсай көлдері – Сарыбұлақ асуы – Балбай треккингі", "Көлсай көлдөрү – Сары-Булак ашуусу – Балбай треккинги"),
        [("kolsai-lower", "foot"), ("kolsai-middle", "foot"), ("sary-bulak-pass", "foot"), ("balbay", "foot")],
        "Kolsai lakes (KZ) over the Sary-Bulak pass (3270 m) to Balbay, Tyup district (KG): ~25–30 km, 3 days. "
        "Pilot crossing 26–28 Aug 2022.",
        f"{FACTS}; atameken.kz/en/news/23188. Grade: demo estimate for a non-technical pass.",
    ),
    _route(
        "OZR-TREK", "1B", "KZ", "07-01", "10-01",
        ("Big Almaty Lake – Ozerny pass – Grigorievka trek", "Треккинг Большое Алматинское озеро – перевал Озёрный – Григорьевка",
         "Үлкен Алматы көлі – Озёрный асуы – Григорьевка треккингі", "Чоң Алматы көлү – Озерный ашуусу – Григорьевка треккинги"),
        [("big-almaty-lake", "foot"), ("ozerny-pass", "foot"), ("chon-kemin-upper", "foot"),
         ("aksu-severny-pass", "foot"), ("chon-aksu", "foot"), ("grigorievka", "foot")],
        "Big Almaty Lake (KZ) over the Ozerny pass (3520 m) into the Chon-Kemin valley, over Aksu-Severny (4055 m) "
        "and down the Chon-Aksu to Grigorievka (KG): 80 km, 4 days. Pilot crossing 25 Aug 2022.",
        f"{FACTS}; atameken.kz/en/news/23188. Grade: demo estimate.",
    ),
]
