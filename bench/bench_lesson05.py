"""Lesson 05's targets and sweeps: text transfer with a pretrained sentence encoder, offline.

Every sentence is embedded once with all-MiniLM-L6-v2 (cached in the data home); the heads
are L2-regularised logistic regressions, so most runs take well under a second.

- ``curve``: movie-snippet sentiment, TF-IDF vs a head on frozen MiniLM embeddings, with
  SIZES labels per class and seeds 0-2 (test: 1,000 balanced test snippets);
- ``fine_tune``: at FT_LABELS labels per class, the frozen head vs fine-tuning the whole
  encoder from it (LP-FT: FT_EPOCHS epochs, lr FT_LR, AdamW), seeds 0-2;
- ``domain_shift``: a movie-trained head on tweets, Amazon reviews and NYT editorials, and
  what adapts it: CORAL, self-training, TARGET_LABELS target labels per class (with and
  without the source), and a head trained on the target's own labelled pool (the ceiling);
- ``spam``: a filter trained on e-mail (SpamAssassin) used on SMS, then SMS labels alone,
  pooled with the e-mails, or multitask (shared + per-user weights), seeds 0-2; and zero-shot
  spam detection from label descriptions (one, or an ensemble of three per class), with
  MiniLM and with multilingual E5 when it is installed;
- ``cross_lingual``: a head trained on English polar words, tested on French ones, with
  MiniLM (English only) and multilingual E5.

    python bench/bench_lesson05.py            # about 10 minutes on a 2-core CPU (embedding first)
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from record import this_command, write_result
from tlwidgets.analysis import (
    coral_align,
    embed_descriptions,
    embed_texts,
    label_description_scores,
)
from tlwidgets.data import load_polarity_words, load_sentiment, load_spam
from tlwidgets.data.splits import sample_per_class
from tlwidgets.data.text import SENTIMENT_DOMAINS, SPAM_DESCRIPTIONS, LabelledTexts
from tlwidgets.models import available_text_encoders, load_text_encoder
from tlwidgets.train import (
    few_label_curve,
    fine_tune_text_classifier,
    fit_text_head,
    fit_tfidf,
    predict_proba_texts,
    self_train_head,
    two_user_spam_curve,
)

SEEDS = (0, 1, 2)
SIZES = (4, 8, 16, 32, 64, 128, 256)
POOL, TEST = 600, 500  # movie snippets per class: the labelled pool and the test set
FT_LABELS, FT_EPOCHS, FT_LR = 128, 3, 3e-5
TARGET_POOL, TARGET_TEST, TARGET_LABELS = 300, 300, 16  # per class, per target domain
EMAILS = 400  # e-mails per class (user A)
SPAM_SIZES = (4, 16, 64)


def curve(encoder, pool: LabelledTexts, x_pool, test: LabelledTexts, x_test) -> list[dict]:
    """TF-IDF vs the frozen encoder at every size and seed."""
    rows = few_label_curve(pool, x_pool, test, x_test, sizes=SIZES, seeds=SEEDS)
    return [{"experiment": "curve", **row} for row in rows]


def fine_tune(encoder, pool, x_pool, test, x_test) -> list[dict]:
    """Frozen head vs LP-FT at FT_LABELS per class."""
    rows = []
    for seed in SEEDS:
        chosen = sample_per_class(pool.labels, FT_LABELS, seed)
        labelled = pool.subset(chosen)
        head = fit_text_head(x_pool[chosen], labelled.labels)
        model, history = fine_tune_text_classifier(
            encoder, labelled, head=head.weights(), epochs=FT_EPOCHS, lr=FT_LR, seed=seed
        )
        tuned = predict_proba_texts(model, encoder, test.texts).argmax(1)
        for method, acc in (
            ("frozen encoder", head.accuracy(x_test, test.labels)),
            ("fine-tuned", float((tuned == test.labels).mean())),
        ):
            rows.append(
                {
                    "experiment": "fine_tune",
                    "labels_per_class": FT_LABELS,
                    "seed": seed,
                    "method": method,
                    "acc": acc,
                    "seconds": round(history.seconds, 1) if method == "fine-tuned" else None,
                }
            )
    return rows


def domain_shift(encoder, pool, x_pool) -> list[dict]:
    """A movie-trained head on three other domains, and four ways to adapt it."""
    source_head = fit_text_head(x_pool, pool.labels)
    source_tfidf = fit_tfidf(pool.texts, pool.labels)
    rows = []
    for domain in SENTIMENT_DOMAINS[1:]:
        test = load_sentiment(domain, "test").balanced(TARGET_TEST)
        target = load_sentiment(domain, "train").balanced(TARGET_POOL)
        x_test, x_target = embed_texts(encoder, test.texts), embed_texts(encoder, target.texts)
        coral = fit_text_head(coral_align(x_pool, x_target), pool.labels)
        self_trained, _ = self_train_head(x_pool, pool.labels, x_target)
        results: dict[str, Any] = {
            "TF-IDF (movies)": source_tfidf.accuracy(test.texts, test.labels),
            "frozen encoder (movies)": source_head.accuracy(x_test, test.labels),
            "CORAL": coral.accuracy(x_test, test.labels),
            "self-training": self_trained.accuracy(x_test, test.labels),
            "in-domain (all target labels)": fit_text_head(x_target, target.labels).accuracy(
                x_test, test.labels
            ),
        }
        for method, acc in results.items():
            rows.append(
                {"experiment": "domain_shift", "domain": domain, "method": method, "acc": acc}
            )
        for seed in SEEDS:
            chosen = sample_per_class(target.labels, TARGET_LABELS, seed)
            few_x, few_y = x_target[chosen], target.labels[chosen]
            both = fit_text_head(
                np.concatenate([x_pool, few_x]), np.concatenate([pool.labels, few_y])
            )
            for method, head in (
                (f"{TARGET_LABELS} target labels/class only", fit_text_head(few_x, few_y)),
                (f"movies + {TARGET_LABELS} target labels/class", both),
            ):
                rows.append(
                    {
                        "experiment": "domain_shift",
                        "domain": domain,
                        "method": method,
                        "seed": seed,
                        "acc": head.accuracy(x_test, test.labels),
                    }
                )
    return rows


def spam(encoder) -> list[dict]:
    """User A's (e-mail) filter on user B's SMS, then with B's labels; zero-shot spam."""
    email = load_spam("email", "train").balanced(EMAILS)
    sms_pool, sms_test = load_spam("sms", "train"), load_spam("sms", "test")
    x_email = embed_texts(encoder, email.texts)
    x_pool, x_test = embed_texts(encoder, sms_pool.texts), embed_texts(encoder, sms_test.texts)
    tfidf = fit_tfidf(email.texts, email.labels, balanced=True)
    rows = [
        {
            "experiment": "spam",
            "method": "TF-IDF, e-mail only",
            "labels_per_class": 0,
            "balanced_acc": tfidf.balanced_accuracy(sms_test.texts, sms_test.labels),
        }
    ]
    curve_rows = two_user_spam_curve(
        x_email, email.labels, sms_pool, x_pool, sms_test, x_test, sizes=SPAM_SIZES, seeds=SEEDS
    )
    rows += [{"experiment": "spam", **row} for row in curve_rows]
    majority = balanced_accuracy_score(sms_test.labels, np.zeros_like(sms_test.labels))
    rows.append({"experiment": "zero_shot", "method": "majority class", "balanced_acc": majority})
    for name in available_text_encoders():
        zs_encoder = encoder if name == encoder.name else load_text_encoder(name)
        x = x_test if name == encoder.name else embed_texts(zs_encoder, sms_test.texts)
        for variant, descriptions in (
            ("one description", [SPAM_DESCRIPTIONS[c][:1] for c in sms_test.classes]),
            ("three descriptions", [SPAM_DESCRIPTIONS[c] for c in sms_test.classes]),
        ):
            scores = label_description_scores(x, embed_descriptions(zs_encoder, descriptions))
            rows.append(
                {
                    "experiment": "zero_shot",
                    "encoder": name,
                    "method": variant,
                    "balanced_acc": balanced_accuracy_score(sms_test.labels, scores.argmax(1)),
                }
            )
    return rows


def cross_lingual() -> list[dict]:
    """English polar words -> French polar words, for every installed encoder."""
    english = load_polarity_words("en", "train")
    english_test = load_polarity_words("en", "test")
    french = [load_polarity_words("fr", split) for split in ("train", "test")]
    french_texts = french[0].texts + french[1].texts
    french_labels = np.concatenate([part.labels for part in french])
    rows = []
    for name in available_text_encoders():
        encoder = load_text_encoder(name)
        head = fit_text_head(embed_texts(encoder, english.texts), english.labels)
        for language, texts, labels in (
            ("en", english_test.texts, english_test.labels),
            ("fr", french_texts, french_labels),
        ):
            rows.append(
                {
                    "experiment": "cross_lingual",
                    "encoder": name,
                    "test_language": language,
                    "acc": head.accuracy(embed_texts(encoder, texts), labels),
                }
            )
    return rows


def mean_of(rows: list[dict], key: str = "acc", **match: Any) -> float:
    """Mean of ``key`` over the rows that match."""
    values = [row[key] for row in rows if all(row.get(k) == v for k, v in match.items())]
    return round(statistics.mean(values), 4)


def main() -> None:
    """Run every part and record every row and the headline figures."""
    encoder = load_text_encoder("minilm")
    pool = load_sentiment("movies", "train").balanced(POOL)
    test = load_sentiment("movies", "test").balanced(TEST)
    x_pool, x_test = embed_texts(encoder, pool.texts), embed_texts(encoder, test.texts)
    rows = curve(encoder, pool, x_pool, test, x_test)
    rows += fine_tune(encoder, pool, x_pool, test, x_test)
    rows += domain_shift(encoder, pool, x_pool)
    rows += spam(encoder)
    rows += cross_lingual()

    frozen = mean_of(rows, experiment="curve", labels_per_class=32, method="frozen encoder")
    tfidf = mean_of(rows, experiment="curve", labels_per_class=32, method="TF-IDF")
    best_zero = max(
        (row for row in rows if row["experiment"] == "zero_shot" and "encoder" in row),
        key=lambda row: row["balanced_acc"],
    )
    minilm_ensemble = mean_of(
        rows, "balanced_acc", experiment="zero_shot", encoder="minilm", method="three descriptions"
    )
    majority = mean_of(rows, "balanced_acc", experiment="zero_shot", method="majority class")
    figures = [
        {
            "name": "movie sentiment, 32 labels/class: frozen MiniLM minus TF-IDF",
            "value": round(frozen - tfidf, 4),
            "unit": "acc points",
            "target": ">= 0.10",
            "note": f"frozen {frozen:.1%} vs TF-IDF {tfidf:.1%}, mean of seeds {list(SEEDS)}",
        },
        {
            "name": f"movie sentiment, {FT_LABELS} labels/class: fine-tuned MiniLM",
            "value": mean_of(rows, experiment="fine_tune", method="fine-tuned"),
            "unit": "acc",
            "note": "frozen head "
            + f"{mean_of(rows, experiment='fine_tune', method='frozen encoder'):.1%}; "
            + f"{FT_EPOCHS} epochs on a CPU, about "
            + f"{mean_of(rows, 'seconds', experiment='fine_tune', method='fine-tuned'):.0f} s each",
        },
        {
            "name": "zero-shot SMS spam, MiniLM, three descriptions per class: balanced accuracy",
            "value": minilm_ensemble,
            "unit": "balanced acc",
            "target": f">= {majority + 0.2:.2f}",
            "note": f"majority class {majority:.0%}; best: {best_zero['encoder']}, "
            + f"{best_zero['method']} {best_zero['balanced_acc']:.1%}",
        },
    ]
    for domain in SENTIMENT_DOMAINS[1:]:
        shifted = {"experiment": "domain_shift", "domain": domain}
        ceiling = mean_of(rows, **shifted, method="in-domain (all target labels)")
        figures.append(
            {
                "name": f"movies -> {domain}: frozen MiniLM head",
                "value": mean_of(rows, **shifted, method="frozen encoder (movies)"),
                "unit": "acc",
                "note": f"in-domain ceiling {ceiling:.1%}",
            }
        )
    path = write_result(Path(__file__).stem, figures, this_command(), runs=rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
