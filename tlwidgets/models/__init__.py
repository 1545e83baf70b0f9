"""Models: backbones with one shared interface, and the pretrained zoo."""

from .backbone import Backbone
from .modes import eval_mode
from .multitask import MultiHeadModel, SoftSharingModel, count_parameters
from .predict import predict
from .registry import create_backbone, list_backbones, register_backbone
from .resnet import ResNet
from .small_cnn import SmallCNN
from .text_encoder import (
    TEXT_ENCODERS,
    TextClassifier,
    TextEncoderError,
    available_text_encoders,
    load_text_encoder,
)
from .zoo import PretrainedWeightsError, list_pretrained, load_pretrained, pretrained_info

__all__ = [
    "TEXT_ENCODERS",
    "Backbone",
    "MultiHeadModel",
    "PretrainedWeightsError",
    "ResNet",
    "SmallCNN",
    "SoftSharingModel",
    "TextClassifier",
    "TextEncoderError",
    "available_text_encoders",
    "count_parameters",
    "create_backbone",
    "eval_mode",
    "list_backbones",
    "list_pretrained",
    "load_pretrained",
    "load_text_encoder",
    "predict",
    "pretrained_info",
    "register_backbone",
]
