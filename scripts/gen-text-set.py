#!/usr/bin/env python3
"""Generates the labelled Dutch test set for near-duplicate text matching (issue 14):
calls to disorder (invented), each with re-posts that a reporter might paste — typos, emoji,
reordered lines, added hashtags, @handles and links, other capitals — and hard negatives:
unrelated messages that share a town, a date or a time with a call.

    python3 scripts/gen-text-set.py > tests/data/text_match/labelled.tsv

Columns: group (texts of one group are copies of one message), kind (call / negative), text
(lines joined with ' | ').  Deterministic: the same file on every run."""
import random

rng = random.Random(2026)
towns = ["Ede", "Rotterdam", "Den Haag", "Utrecht", "Haren", "Tilburg", "Eindhoven", "Amsterdam",
         "Enschede", "Zwolle", "Breda", "Groningen", "Arnhem", "Nijmegen", "Almere", "Leiden"]
places = ["het station", "de markt", "het Stationsplein", "het winkelcentrum", "de Beijerlandselaan",
          "het Malieveld", "de Grote Markt", "het plein bij de moskee", "de McDonald's", "het politiebureau"]
days = ["zaterdag", "zondag", "vrijdagavond", "morgen", "vanavond", "maandag", "woensdag"]
times = ["20:00", "21:00", "19:30", "22:00", "20:30", "23:00", "18:00"]
actions = [
    "we gaan de politie terugpakken",
    "alles slopen wat we tegenkomen",
    "de ME laten zien wie de baas is",
    "de avondklok negeren en de boel in de fik zetten",
    "de winkels leeghalen",
    "stenen gooien naar de agenten",
    "de burgemeester laten voelen dat het genoeg is",
    "vuurwerk op de politiebusjes",
]
bring = ["neem stenen mee", "neem vuurwerk en bivakmutsen mee", "neem molotovs mee", "kom met zoveel mogelijk jongens",
         "deel dit in alle groepen", "niet praten met de politie", "draag zwart en geen telefoon"]
negatives = [
    "braderie op {place} in {town}, {day} vanaf {time}, gratis ijs voor de kinderen",
    "{day} om {time} demonstratie voor betaalbare woningen bij {place} in {town}, vreedzaam en met toestemming van de gemeente",
    "voetbalwedstrijd {day} {time} in {town}, kaartjes bij {place}",
    "wie helpt {day} om {time} met opruimen bij {place} in {town}? neem handschoenen mee",
    "concert op {place} in {town} {day} om {time}, toegang gratis",
    "de politie {town} zoekt getuigen van een inbraak bij {place}, {day} rond {time}",
    "koningsdag vrijmarkt bij {place} in {town}, {day} vanaf {time}",
    "herdenking {day} om {time} bij {place} in {town}, kom in stilte",
]
emoji = ["🔥", "💥", "😡", "👊", "🚨", "💣", "🤬", "‼️"]
tags = ["#avondklok", "#rellen", "#projectx", "#opstand", "#{town}", "#nietnormaal", "#genoeg"]


def typo(line):
    if len(line) < 8:
        return line
    i = rng.randrange(1, len(line) - 2)
    op = rng.choice(["swap", "drop", "double"])
    if op == "swap":
        return line[:i] + line[i + 1] + line[i] + line[i + 2:]
    if op == "drop":
        return line[:i] + line[i + 1:]
    return line[:i] + line[i] + line[i:]


def variant(lines, town):
    lines = list(lines)
    for _ in range(rng.randrange(0, 3)):
        k = rng.randrange(len(lines))
        lines[k] = typo(lines[k])
    if rng.random() < 0.5:
        rng.shuffle(lines)
    if rng.random() < 0.6:
        k = rng.randrange(len(lines))
        lines[k] = lines[k] + " " + "".join(rng.choice(emoji) for _ in range(rng.randrange(1, 4)))
    if rng.random() < 0.6:
        lines.append(" ".join(rng.choice(tags).replace("{town}", town.replace(" ", "").lower())
                              for _ in range(rng.randrange(1, 4))))
    if rng.random() < 0.3:
        lines.insert(0, "@" + rng.choice(["rellen_nl", "oproep010", "mokum_boos", "haagse_jongens"]) + " zegt:")
    if rng.random() < 0.3:
        lines.append("https://t.me/" + rng.choice(["oproep", "nl_opstand", "rellen"]) + "/" + str(rng.randrange(1000, 9999)))
    if rng.random() < 0.3:
        lines = [l.upper() if rng.random() < 0.5 else l for l in lines]
    return lines


rows = []
group = 0
for c in range(40):
    town, place, day, time = rng.choice(towns), rng.choice(places), rng.choice(days), rng.choice(times)
    base = [
        f"{day} {time} iedereen naar {place} in {town}",
        f"{rng.choice(actions)}, {rng.choice(bring)}",
        f"{rng.choice(bring)}. wie niet komt is een verrader",
    ]
    group += 1
    rows.append((group, "call", base))
    for _ in range(rng.randrange(3, 6)):
        rows.append((group, "call", variant(base, town)))
    # Hard negatives: another message with the same town, day and time.
    for template in rng.sample(negatives, 2):
        group += 1
        text = template.format(place=rng.choice(places), town=town, day=day, time=time)
        rows.append((group, "negative", [text]))

print("group\tkind\ttext")
for g, kind, lines in rows:
    print(f"{g}\t{kind}\t" + " | ".join(lines))
