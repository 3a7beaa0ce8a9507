#!/usr/bin/env python3
"""Writes tiktoken_vectors.json: OpenAI's reference ids for a few hundred strings.

The reference is the `tiktoken` package from PyPI (`pip install tiktoken`). It cannot download
here, so it is given the rank files in public/tokenizers/ with the patterns and special tokens of
tiktoken_ext/openai_public.py, which the script checks against the installed package.

    python3 model/tests/vectors/make_vectors.py

The Rust test model/tests/tokenizer.rs and the browser tests read the JSON this writes:
{"tiktoken": version, "cases": [{"text", "<encoding>": ids, "special": {"<encoding>": ids}}]}
where "special" (present when the text holds special-token text) is encode(allowed_special="all").
"""

import hashlib
import json
import random
from pathlib import Path

import tiktoken
import tiktoken.load
from tiktoken_ext import openai_public

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).resolve().parent / "tiktoken_vectors.json"
SHA256 = {
    "r50k_base": "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}


def encoding(name):
    path = ROOT / "public" / "tokenizers" / f"{name}.tiktoken"
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SHA256[name], f"{path} is not OpenAI's file"
    # Take pattern and special tokens from the installed package, with the download swapped out.
    real_load = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = lambda url, expected_hash=None: tiktoken.load.load_tiktoken_bpe(str(path))
    try:
        spec = getattr(openai_public, name)()
    finally:
        openai_public.load_tiktoken_bpe = real_load
    return tiktoken.Encoding(
        name,
        pat_str=spec["pat_str"],
        mergeable_ranks=spec["mergeable_ranks"],
        special_tokens=spec["special_tokens"],
    )


HAND = [
    "", " ", "  ", "\n", "\n\n", "\r\n", " \n ", "\t", "\t\t\n", "   \n\n   x", "x   ", "x\n",
    "Hello world", "Hello, world!", "Hi", "Token", "ization", "12345", "ubiquitous", " ubiquitous",
    "strawberry", " strawberry", "Strawberry", "STRAWBERRY", "How many r's are in strawberry?",
    "The cat sat on the mat.", "The quick brown fox jumps over the lazy dog.",
    "I'm", "I'M", "i'm", "I'LL", "I'll", "i'll", "DON'T", "don't", "Don't", "WE'VE", "we've",
    "THEY'RE", "they're", "he'd", "HE'D", "it's", "IT'S", "It'S", "'s", "'S", "'ll", "'LL", "'Ll",
    "'re", "'RE", "'ve", "'VE", "'d", "'D", "'m", "'M", "'t", "'T", "rock 'n' roll", "''", "'''",
    "0", "7", "42", "123", "1234", "123456789", "3.14159", "1,000,000", "-17", "1e10", "0x1F",
    "2024-05-01", "12:30:45", "$19.99", "100%", "3847 × 291 = 1,119,477", "17 × 24 − 156 ÷ 3",
    "def f(x):\n    return x + 1\n", "fn main() {\n\tprintln!(\"hi\");\n}\n",
    "for (int i = 0; i < n; ++i) { a[i] = b[i] * 2; }", "<div class=\"x\">&nbsp;</div>",
    "SELECT * FROM users WHERE id = 1;", "    indented", "\t\tdouble tab", "a  b   c    d",
    "trailing spaces   ", "x \n\n\n y", "line1\nline2\r\nline3\rline4", "emoji at end 👍",
    "naïve café résumé", "Ångström", "São Paulo", "Zürich", "façade", "jalapeño", "œuvre",
    "Ελληνικά γράμματα", "ΑΛΦΑ", "Привет, мир!", "ЗДРАВСТВУЙТЕ", "Україна", "日本語のテキスト",
    "中文分词测试", "한국어 문장", "العربية لغة جميلة", "مرحبا بالعالم", "हिन्दी भाषा", "नमस्ते दुनिया",
    "עברית", "ภาษาไทย", "Tiếng Việt", "ქართული", "Հայերեն", "አማርኛ",
    "👍", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷🇩🇪🇯🇵", "👋🏽", "❤️", "🤖🧠💡", "e\u0301", "a\u0308o\u0308u\u0308",
    "n\u0303", "Z\u0351\u036b\u0343a\u0310\u0334l\u0325g\u030co", "\u200b", "\ufeffBOM", "\u00a0nbsp",
    "<|endoftext|>", "a<|endoftext|>b", "<|endofprompt|>", "<|fim_prefix|>x<|fim_suffix|>y<|fim_middle|>",
    "<|endoftext", "endoftext|>", "<|im_start|>user", "<|endoftext|><|endoftext|>",
    "URL: https://example.com/path?q=1&r=2#frag", "email: someone@example.org",
    "!!!???...", "---", "===", "***bold***", "__init__", "snake_case_name", "camelCaseName",
    "PascalCaseName", "HTTPServerError", "iPhone", "McDonald's", "O'Neill", "Mr. Smith",
    "\\n literal", "C:\\Users\\x", "~/.config", "a/b/c", "//comment", "/* block */",
    "tabs\tand\tspaces", "   leading", "\u3000ideographic space", "\u2028", "mixed 日本 and English",
    "ﬁ ligature", "Ⅻ", "½ ¼", "①②③", "١٢٣ arabic digits", "१२३ devanagari digits", "٣.١٤",
    # Pieces longer than the encoder's heap-merge threshold.
    "a" * 300, " " * 300 + "x", "x" + " " * 300, "\n" * 200, "ab" * 200, "Ω" * 150,
    "supercalifragilisticexpialidocious" * 6, "!?" * 100, "1" * 301,
]

POOLS = [
    "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " ", "  \t", "\n\r",
    ".,;:!?'\"()[]{}<>-_/\\|@#$%^&*+=~`", "'sdmtlvre", "éèêëàâîïôöùûüçñ", "αβγδεζηθΑΒΓΔ",
    "абвгдеёжзАБВГД", "日本語中文字", "가나다라", "مرحبا", "नमस्ते", "😀👍🏽❤️🇫🇷\u200d",
    "\u0301\u0308\u0303",
]


def random_cases(n, seed=20261129):
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 12)):
            pool = rng.choice(POOLS)
            parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 6))))
        cases.append("".join(parts))
    return cases


PARAGRAPH = (
    "In the beginning the tokenizer knew nothing but bytes. It counted which two came together "
    "most often, joined them into one, and counted again — a hundred thousand times over — until "
    "common words were single tokens and rare ones were a handful of pieces. That is why a model "
    "that reads \"strawberry\" as two or three chunks cannot simply count its letters, why 12345 "
    "becomes 123 and 45, and why \" the\" with its leading space is a different token from "
    "\"The\" at the start of a sentence.\n\n    Code keeps its indentation;\n\ttabs too.\n"
) * 8


def main():
    names = ["cl100k_base", "o200k_base", "r50k_base"]
    encs = {n: encoding(n) for n in names}
    texts = HAND + random_cases(300) + [PARAGRAPH]
    cases = []
    for text in texts:
        case = {"text": text}
        for n, enc in encs.items():
            case[n] = enc.encode_ordinary(text)
            assert enc.decode(case[n]) == text
        if "<|" in text:
            case["special"] = {n: enc.encode(text, allowed_special="all") for n, enc in encs.items()}
        cases.append(case)
    # One case per line keeps diffs readable.
    lines = ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
    head = json.dumps(tiktoken.__version__)
    OUT.write_text(f'{{"tiktoken": {head}, "cases": [\n{lines}\n]}}\n', encoding="utf-8")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
