"""Reference solutions of lesson 05's exercises (shown by ``show_solution(n)``).

Exercises 1 to 4 return the function the learner writes; its check calls it on cases of its
own. Exercise 5 returns the answer itself, the descriptions that ``check_5`` scores.
"""

from __future__ import annotations

from typing import Any


def exercise_1() -> Any:
    """The k rows of a bank most cosine-similar to a query, most similar first."""
    import numpy as np

    def most_similar(query, bank, k):
        query = query / np.linalg.norm(query)  # (D,) unit length
        bank = bank / np.linalg.norm(bank, axis=1, keepdims=True)  # (N, D), each ROW unit length
        similarities = bank @ query  # (N,) cosines: long rows no longer win
        return np.argsort(-similarities)[:k]  # the k largest, largest first

    return most_similar


def exercise_2() -> Any:
    """Balanced accuracy: the mean over the true classes of the share of each found."""
    import numpy as np

    def balanced_accuracy(labels, predictions):
        recalls = [
            np.mean(predictions[labels == c] == c)  # of the texts truly in c, the share found
            for c in np.unique(labels)  # every true class, predicted or not
        ]
        return float(np.mean(recalls))

    return balanced_accuracy


def exercise_3() -> Any:
    """Zero-shot labels: each text gets the class whose description it points towards."""
    import numpy as np

    def zero_shot_predict(text_embeddings, description_embeddings):
        t = text_embeddings / np.linalg.norm(text_embeddings, axis=1, keepdims=True)  # (N, D)
        d = description_embeddings / np.linalg.norm(
            description_embeddings, axis=1, keepdims=True
        )  # (K, D)
        return (t @ d.T).argmax(axis=1)  # (N, K) cosines -> (N,) the most similar class

    return zero_shot_predict


def exercise_4() -> Any:
    """Move source features onto the target's mean, keeping their own spread."""

    def centre_on_target(source, target):
        # mean over the rows (axis 0): the mean feature vector (D,) of each domain
        return source - source.mean(axis=0) + target.mean(axis=0)

    return centre_on_target


def exercise_5() -> dict[str, list[str]]:
    """Descriptions of ham and spam for zero-shot spam detection (a few phrasings each)."""
    return {
        "ham": [
            "a casual text from a friend or family member",
            "see you at home tonight, love you",  # written like the messages themselves
        ],
        "spam": [
            "you have won a cash prize or a free gift",
            "call this number or text back to claim your reward",
            "a marketing message from a company",
        ],
    }
