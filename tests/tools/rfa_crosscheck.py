#!/usr/bin/env python3
"""Independent count of the example watch-list's hits in the RFA feeds.

Cross-check for tests/unit/watch/rfa_feeds_test.cc: plain regular expressions
over each item's title and content (HTML removed), no folding beyond case,
entries and hits per concept. Run: python3 tests/tools/rfa_crosscheck.py
(reads ../shared from the repository root).
"""
import html
import os
import re

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                    "corpora", "multilingual", "rss")
W = r"(?<![\w\u064B-\u065F])"  # a word start in Arabic script


def items(name):
    with open(os.path.join(ROOT, name + ".xml"), encoding="utf-8") as f:
        s = f.read()
    out = []
    for it in re.findall(r"<item[ >].*?</item>", s, re.S):
        t = re.search(r"<title>(.*?)</title>", it, re.S)
        c = (re.search(r"<content:encoded[^>]*>(.*?)</content:encoded>", it, re.S)
             or re.search(r"<description>(.*?)</description>", it, re.S))
        body = html.unescape(c.group(1)) if c else ""
        body = html.unescape(re.sub(r"<[^>]+>", " ", body))
        out.append((html.unescape(t.group(1)) if t else "", body))
    return out


def count(name, patterns, exclude=()):
    entries = hits = 0
    for title, body in items(name):
        n = 0
        for text in (title, body):
            spans = [m.span() for e in exclude for m in re.finditer(W + e, text)]
            for p in patterns:
                for m in re.finditer(p, text):
                    if not any(a <= m.start() and m.end() <= b for a, b in spans):
                        n += 1
        if n:
            entries += 1
            hits += n
    return entries, hits


CHECKS = [
    ("english", "uyghur", [r"(?i)\b(uyghur|uighur|uygur)s?\b"], ()),
    ("english", "xinjiang", [r"(?i)\bxinjiang\b"], ()),
    ("english", "detention-camp",
     [r"(?i)\b(detention|internment|re-?education|concentration) camps?\b"], ()),
    ("english", "deportation", [r"(?i)\bdeport(s|ed|ing|ation|ations)?\b"], ()),
    ("english", "ice", [r"\bICE\b"], ()),
    ("mandarin", "xinjiang", ["新疆"], ()),
    ("mandarin", "uyghur", ["维吾尔", "維吾爾", "维族", "維族"], ()),
    ("mandarin", "guan-heng", ["关恒", "關恆", "關恒"], ()),
    ("mandarin", "deportation", ["遣返", "遣送", "驱逐", "驅逐"], ("驱逐舰", "驅逐艦")),
    ("uyghur", "uyghur", [W + "ئۇيغۇر"], ()),
    ("uyghur", "xinjiang", [W + "شىنجاڭ"], ()),
    ("uyghur", "east-turkistan", [W + "شەرقىي تۈركىستان"], ()),
    ("uyghur", "detention-camp", [W + "لاگېر"],
     ("ياز لاگېر", "مەشىق لاگېر", "تەنھەرىكەت لاگېر", "تەنتەربىيە لاگېر")),
    ("uyghur", "asylum", [W + "پاناھل"], ()),
]

if __name__ == "__main__":
    for feed, concept, patterns, exclude in CHECKS:
        e, h = count("rfa-%s-nuus" % feed, patterns, exclude)
        print("%-9s %-16s entries %3d  hits %4d" % (feed, concept, e, h))
