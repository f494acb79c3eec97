"""An STS-style set built offline (no STS data ships in any installed package here).

Sentences come from templates with four slots (who, does what, to what, where); a pair's
gold similarity is the number of slots the two sentences share (0-4), so the grades are
known by construction. Each template family has its own vocabulary, and some pairs mix
families (grade 0). A second part pairs hand-written paraphrases (grade 5) with their
sources and with sentences on other topics.
"""

from __future__ import annotations

import random

FAMILIES = [
    (
        "The {0} {1} the {2} in the {3}.",
        ["teacher", "student", "chemist", "child", "farmer"],
        ["explains", "paints", "studies", "repairs", "sells"],
        ["engine", "poem", "molecule", "fence", "violin"],
        ["library", "garden", "kitchen", "harbor", "laboratory"],
    ),
    (
        "A {0} {1} a {2} near the {3}.",
        ["dog", "robot", "nurse", "pilot", "painter"],
        ["finds", "carries", "draws", "loses", "cleans"],
        ["key", "map", "bottle", "ladder", "camera"],
        ["river", "station", "castle", "market", "bridge"],
    ),
    (
        "Yesterday the {0} {1} about {2} at the {3}.",
        ["mayor", "professor", "doctor", "journalist", "coach"],
        ["spoke", "wrote", "argued", "joked", "learned"],
        ["taxes", "vaccines", "football", "climate change", "quantum computing"],
        ["conference", "stadium", "hospital", "town hall", "university"],
    ),
]

PARAPHRASES = [
    (
        "Spaced repetition helps you remember facts for longer.",
        "Reviewing material at growing intervals improves long-term memory.",
    ),
    ("The capital of France is Paris.", "Paris is France's capital city."),
    (
        "Plants turn sunlight into chemical energy.",
        "Photosynthesis converts light into energy stored in sugars.",
    ),
    ("The stock market fell sharply today.", "Share prices dropped steeply in today's trading."),
    ("She is playing the piano.", "A woman plays the piano."),
    ("Water boils at one hundred degrees Celsius.", "At 100 °C water starts to boil."),
    ("The train to Berlin is delayed.", "Our Berlin train is running late."),
    ("Electrons carry a negative charge.", "An electron is negatively charged."),
    ("He forgot his umbrella at home.", "He left his umbrella at his house."),
    ("The cat is sleeping on the sofa.", "A cat naps on the couch."),
    ("Exercise lowers the risk of heart disease.", "Physical activity reduces cardiovascular risk."),
    ("The meeting was moved to Friday.", "We rescheduled the meeting for Friday."),
]


def sts_pairs(n_template_pairs: int = 400, seed: int = 6) -> list[tuple[str, str, float]]:
    rng = random.Random(seed)
    pairs: list[tuple[str, str, float]] = []
    for _ in range(n_template_pairs):
        fam = rng.randrange(len(FAMILIES))
        template, *slots = FAMILIES[fam]
        a = [rng.randrange(len(s)) for s in slots]
        shared = rng.randrange(5)
        keep = set(rng.sample(range(4), shared))
        b = [
            a[i] if i in keep else rng.choice([j for j in range(len(slots[i])) if j != a[i]])
            for i in range(4)
        ]
        first = template.format(*(slots[i][a[i]] for i in range(4)))
        if shared == 0 and rng.random() < 0.5:  # grade 0 across families
            t2, *s2 = FAMILIES[(fam + 1) % len(FAMILIES)]
            second = t2.format(*(rng.choice(s) for s in s2))
        else:
            second = template.format(*(slots[i][b[i]] for i in range(4)))
        pairs.append((first, second, float(shared)))
    for i, (a, b) in enumerate(PARAPHRASES):
        pairs.append((a, b, 5.0))
        other = PARAPHRASES[(i + 5) % len(PARAPHRASES)][1]
        pairs.append((a, other, 0.0))
    return pairs
