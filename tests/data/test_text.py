"""The committed text corpora: loaders, fixed splits, classes, and refusing changed files."""

import gzip
import json
import shutil

import numpy as np
import pytest

from tlwidgets.data import text
from tlwidgets.data.text import (
    LANGUAGES,
    SENTIMENT_DOMAINS,
    SPAM_SOURCES,
    LabelledTexts,
    TextCorpusError,
    _read_corpus,
    load_polarity_words,
    load_sentiment,
    load_spam,
    text_corpora_dir,
)

# Texts per split and class, as committed; a change means the corpus files changed.
SENTIMENT_COUNTS = {
    ("movies", "train"): (3553, 3497),
    ("movies", "test"): (1522, 1498),
    ("tweets", "train"): (761, 1641),
    ("tweets", "test"): (326, 704),
    ("amazon", "train"): (863, 1221),
    ("amazon", "test"): (370, 523),
    ("nyt", "train"): (1229, 823),
    ("nyt", "test"): (527, 352),
}
SPAM_COUNTS = {
    ("email", "train"): (2875, 1230),
    ("email", "test"): (1232, 527),
    ("sms", "train"): (2769, 390),
    ("sms", "test"): (1186, 167),
}
WORD_COUNTS = {
    ("en", "train"): (2196, 1687),
    ("en", "test"): (941, 723),
    ("fr", "train"): (160, 191),
    ("fr", "test"): (69, 82),
}


def _load(kind: str, which: str, split: str) -> LabelledTexts:
    loader = {"sentiment": load_sentiment, "spam": load_spam, "words": load_polarity_words}
    return loader[kind](which, split)


ALL_SPLITS = (
    [("sentiment", *key, counts) for key, counts in SENTIMENT_COUNTS.items()]
    + [("spam", *key, counts) for key, counts in SPAM_COUNTS.items()]
    + [("words", *key, counts) for key, counts in WORD_COUNTS.items()]
)


@pytest.fixture
def fresh_corpus_cache():
    """Forget the corpora read so far (``_read_corpus`` caches), before and after the test."""
    _read_corpus.cache_clear()
    yield
    _read_corpus.cache_clear()


@pytest.fixture
def corpora_copy(tmp_path, monkeypatch, fresh_corpus_cache):
    """A copy of ``datasets/text`` with only the (small) polar-words corpus, read instead."""
    folder = tmp_path / "text"
    folder.mkdir()
    for name in ("SHA256SUMS", "polarity_words.jsonl.gz"):
        shutil.copy(text_corpora_dir() / name, folder / name)
    monkeypatch.setattr(text, "text_corpora_dir", lambda: folder)
    return folder


def tiny_texts() -> LabelledTexts:
    """Seven texts of three classes, the last class with only one text."""
    labels = np.array([0, 1, 0, 1, 0, 1, 2])
    return LabelledTexts(
        tuple(f"text {i}" for i in range(7)), labels, ("no", "yes", "maybe"), "tiny/train"
    )


@pytest.mark.parametrize(("kind", "which", "split", "counts"), ALL_SPLITS)
def test_every_split_has_its_committed_size_and_class_balance(kind, which, split, counts):
    data = _load(kind, which, split)
    assert tuple(data.class_counts().values()) == counts
    assert len(data) == sum(counts)
    assert data.labels.dtype == np.int64
    assert all(isinstance(t, str) and t for t in data.texts)


def test_sentiment_and_words_are_negative_or_positive_and_spam_is_ham_or_spam():
    assert load_sentiment("tweets", "test").classes == ("negative", "positive")
    assert load_polarity_words("fr", "test").classes == ("negative", "positive")
    assert load_spam("sms", "test").classes == ("ham", "spam")


def test_names_say_where_the_texts_come_from():
    assert load_sentiment("movies", "train").name == "movies/train"
    assert load_spam("email", "test").name == "email spam/test"
    assert load_polarity_words("fr", "train").name == "fr words/train"


def test_defaults_are_movies_sms_and_english_training_sets():
    assert load_sentiment().name == "movies/train"
    assert load_spam().name == "sms spam/train"
    assert load_polarity_words().name == "en words/train"


@pytest.mark.parametrize(
    ("kind", "which"),
    [("sentiment", d) for d in SENTIMENT_DOMAINS]
    + [("spam", s) for s in SPAM_SOURCES]
    + [("words", "fr"), ("words", "en")],
)
def test_no_text_is_in_both_train_and_test(kind, which):
    train, test = _load(kind, which, "train"), _load(kind, which, "test")
    assert not set(train.texts) & set(test.texts)


def test_test_split_is_thirty_percent_of_every_class():
    for (domain, split), counts in SENTIMENT_COUNTS.items():
        if split == "test":
            train = SENTIMENT_COUNTS[(domain, "train")]
            for n_test, n_train in zip(counts, train, strict=True):
                assert n_test / (n_test + n_train) == pytest.approx(0.3, abs=0.005)


def test_sentiment_labels_follow_the_sign_of_the_human_rating_and_neutral_is_left_out():
    records = _read_corpus("sentiment")
    scores = np.array([r["score"] for r in records])
    labels = np.array([r["label"] for r in records])
    assert np.array_equal(labels, (scores > 0).astype(int))
    assert np.abs(scores).min() >= 0.5


def test_spam_is_the_minority_class_as_documented():
    sms, email = load_spam("sms", "train"), load_spam("email", "train")
    assert 0.10 < sms.labels.mean() < 0.15
    assert 0.28 < email.labels.mean() < 0.32


def test_polar_words_are_single_words():
    for language in LANGUAGES:
        words = load_polarity_words(language, "train").texts
        assert all(" " not in word for word in words)
    assert "adorable" in load_polarity_words("fr", "train").texts


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: load_sentiment("books"),
            "unknown sentiment domain 'books'; choose one of movies, tweets, amazon, nyt",
        ),
        (lambda: load_sentiment("movies", "val"), "unknown split 'val'; choose one of train, test"),
        (lambda: load_spam("fax"), "unknown spam source 'fax'; choose one of email, sms"),
        (lambda: load_spam("sms", "valid"), "unknown split 'valid'"),
        (lambda: load_polarity_words("de"), "unknown language 'de'; choose one of en, fr"),
    ],
)
def test_unknown_names_raise_and_list_the_choices(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_tampered_corpus_is_refused_with_how_to_restore_it(corpora_copy):
    path = corpora_copy / "polarity_words.jsonl.gz"
    payload = bytearray(path.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    path.write_bytes(bytes(payload))
    with pytest.raises(TextCorpusError, match="does not match its sha256") as error:
        load_polarity_words("fr", "train")
    assert f"git checkout -- {path}" in str(error.value)


def test_a_validly_compressed_but_edited_corpus_is_refused_too(corpora_copy):
    path = corpora_copy / "polarity_words.jsonl.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    record = json.loads(lines[0])
    record["label"] = 1 - record["label"]  # one flipped label, nothing else
    lines[0] = json.dumps(record, ensure_ascii=False, sort_keys=True)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    with pytest.raises(TextCorpusError, match="changed or damaged"):
        load_polarity_words("en", "train")


def test_the_untouched_copy_loads_like_the_original(corpora_copy):
    copied = load_polarity_words("fr", "test")
    assert tuple(copied.class_counts().values()) == WORD_COUNTS[("fr", "test")]


def test_a_missing_corpus_is_named_with_how_to_restore_it(corpora_copy):
    # SHA256SUMS lists sentiment.jsonl.gz, but the copy does not have it
    with pytest.raises(TextCorpusError, match=r"sentiment\.jsonl\.gz is missing; restore it with"):
        load_sentiment("movies", "train")


def test_an_installed_copy_without_the_checkout_says_where_the_corpora_are(
    monkeypatch, fresh_corpus_cache
):
    monkeypatch.setattr(text, "source_root", lambda: None)
    with pytest.raises(TextCorpusError, match="course checkout's datasets/text/"):
        load_sentiment("movies", "train")


def test_labelled_texts_refuse_texts_and_labels_of_different_lengths():
    with pytest.raises(ValueError, match="2 texts but 3 labels"):
        LabelledTexts(("a", "b"), np.array([0, 1, 0]), ("no", "yes"), "bad")


def test_subset_keeps_the_order_asked_for_and_can_rename():
    data = tiny_texts()
    part = data.subset([3, 0, 6])
    assert part.texts == ("text 3", "text 0", "text 6")
    assert part.labels.tolist() == [1, 0, 2]
    assert part.classes == data.classes and part.name == "tiny/train"
    assert data.subset(np.array([1]), name="one").name == "one"
    assert len(data.subset([])) == 0


def test_per_class_takes_k_of_every_class_reproducibly():
    data = LabelledTexts(
        tuple(f"t{i}" for i in range(30)), np.arange(30) % 3, ("a", "b", "c"), "toy"
    )
    few = data.per_class(4, seed=1)
    assert few.class_counts() == {"a": 4, "b": 4, "c": 4}
    assert few.name == "toy (4/class)"
    assert few.texts == data.per_class(4, seed=1).texts
    assert few.texts != data.per_class(4, seed=2).texts
    with pytest.raises(ValueError, match="choose 1 to 10"):
        data.per_class(11, seed=0)


def test_balanced_takes_at_most_per_class_of_each_and_shuffles_the_classes():
    data = tiny_texts()
    assert data.balanced(2, seed=0).class_counts() == {"no": 2, "yes": 2, "maybe": 1}
    assert data.balanced(10, seed=0).class_counts() == data.class_counts()
    movies = load_sentiment("movies", "test").balanced(50, seed=3)
    assert movies.class_counts() == {"negative": 50, "positive": 50}
    assert 0 < movies.labels[:50].sum() < 50  # classes interleaved, not one block then the other
    assert movies.texts == load_sentiment("movies", "test").balanced(50, seed=3).texts
    assert set(movies.texts) <= set(load_sentiment("movies", "test").texts)


def test_class_counts_name_every_class_even_an_empty_one():
    data = tiny_texts().subset([0, 1])
    assert data.class_counts() == {"no": 1, "yes": 1, "maybe": 0}


def test_verify_text_corpora_vouches_for_the_committed_files(fresh_corpus_cache):
    assert text.verify_text_corpora() == dict.fromkeys(text.CORPORA)


def test_verify_text_corpora_names_a_tampered_or_missing_file(corpora_copy):
    path = corpora_copy / "polarity_words.jsonl.gz"
    path.write_bytes(path.read_bytes()[:-1])
    problems = text.verify_text_corpora()
    assert "does not match its sha256" in problems["polarity_words"]
    assert "is missing" in problems["sentiment"]  # the copy holds only the polar words
