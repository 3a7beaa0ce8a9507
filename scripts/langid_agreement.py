#!/usr/bin/env python3
"""Agreement of our language identifier with py3langid on the sample `tumbler corpus` writes.

Usage: pip install py3langid && python3 scripts/langid_agreement.py [.cache/corpus/langid_sample.jsonl]
Prints agreement on the English/not-English decision (the one the pipeline makes) and on the
language label where both identifiers can name it.
"""
import json
import sys
from collections import Counter

import py3langid as langid

OURS = {"en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sv", "ru", "el", "ar", "he", "zh", "ja", "ko", "hi", "th"}
# Our script rule names Cyrillic "ru"; py3langid may say uk/bg/sr/mk for the same script.
CYRILLIC = {"ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn"}

path = sys.argv[1] if len(sys.argv) > 1 else ".cache/corpus/langid_sample.jsonl"
rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
binary = label = label_n = 0
confusion = Counter()
for r in rows:
    theirs, _ = langid.classify(r["text"])
    ours = r["ours"]
    binary += (ours == "en") == (theirs == "en")
    if theirs in OURS or theirs in CYRILLIC:
        label_n += 1
        same = ours == theirs or (ours == "ru" and theirs in CYRILLIC)
        label += same
        if not same:
            confusion[(ours, theirs)] += 1
n = len(rows)
print(json.dumps({
    "documents": n,
    "english_decision_agreement": round(binary / n, 4),
    "label_agreement_where_comparable": round(label / max(label_n, 1), 4),
    "label_comparable_documents": label_n,
    "top_disagreements_ours_theirs": [[a, b, c] for (a, b), c in confusion.most_common(10)],
}, indent=2))
