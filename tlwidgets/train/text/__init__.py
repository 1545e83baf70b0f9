"""Training for text: heads on frozen sentence embeddings, TF-IDF, fine-tuning, self-training."""

from .finetune import fine_tune_text_classifier, predict_proba_texts
from .heads import TextHead, TfidfClassifier, fit_text_head, fit_tfidf
from .self_training import self_train_head
from .sweeps import few_label_curve, shared_and_private_features, two_user_spam_curve

__all__ = [
    "TextHead",
    "TfidfClassifier",
    "few_label_curve",
    "fine_tune_text_classifier",
    "fit_text_head",
    "fit_tfidf",
    "predict_proba_texts",
    "self_train_head",
    "shared_and_private_features",
    "two_user_spam_curve",
]
