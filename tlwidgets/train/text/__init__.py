"""Training for text: heads on frozen sentence embeddings, TF-IDF, fine-tuning, self-training."""

from .finetune import fine_tune_text_classifier, predict_proba_texts
from .heads import TextHead, TfidfClassifier, fit_text_head, fit_tfidf
from .self_training import self_train_head

__all__ = [
    "TextHead",
    "TfidfClassifier",
    "fine_tune_text_classifier",
    "fit_text_head",
    "fit_tfidf",
    "predict_proba_texts",
    "self_train_head",
]
