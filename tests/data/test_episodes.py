"""Few-shot episodes: shapes, labels, balance, determinism and the held-out glyph classes."""

import pytest
import torch

from tlwidgets.data import Episode, EpisodeSampler, LabelledImages, build_datasets, load_glyphs


@pytest.fixture(scope="module")
def glyph_evaluation() -> LabelledImages:
    build_datasets(["glyphs"])
    return load_glyphs("evaluation", "all")


def make_images(counts: list[int]) -> LabelledImages:
    """Class c has counts[c] images; every image is filled with its own index, to trace it."""
    labels = torch.cat([torch.full((n,), c) for c, n in enumerate(counts)])
    index = torch.arange(len(labels), dtype=torch.float32)
    images = index.view(-1, 1, 1, 1).expand(-1, 3, 32, 32).clone()
    classes = [f"class{c}" for c in range(len(counts))]
    return LabelledImages(images, labels, classes, name="toy", split="train")


def image_ids(images: torch.Tensor) -> list[int]:
    return images[:, 0, 0, 0].long().tolist()


def test_episode_shapes_and_labels_are_grouped_by_class(glyph_evaluation):
    episode = EpisodeSampler(glyph_evaluation, n_way=5, k_shot=2, n_query=3).sample(0)
    assert isinstance(episode, Episode)
    assert episode.support_images.shape == (10, 3, 32, 32)
    assert episode.query_images.shape == (15, 3, 32, 32)
    assert episode.support_labels.dtype == episode.query_labels.dtype == torch.int64
    assert episode.support_labels.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert episode.query_labels.tolist() == [i for i in range(5) for _ in range(3)]
    assert (episode.n_way, episode.k_shot, episode.n_query) == (5, 2, 3)
    assert episode.class_ids.shape == (5,) and len(set(episode.class_ids.tolist())) == 5
    assert episode.classes == tuple(glyph_evaluation.classes[i] for i in episode.class_ids)


def test_episode_images_come_from_their_class_and_never_repeat():
    data = make_images([10] * 8)
    sampler = EpisodeSampler(data, n_way=4, k_shot=3, n_query=5, seed=3)
    for episode in sampler.episodes(20):
        support, query = image_ids(episode.support_images), image_ids(episode.query_images)
        assert not set(support) & set(query)
        assert len(set(support)) == len(support) and len(set(query)) == len(query)
        for ids, labels in ((support, episode.support_labels), (query, episode.query_labels)):
            dataset_labels = data.labels[ids]
            assert torch.equal(dataset_labels, episode.class_ids[labels])
            assert torch.bincount(labels, minlength=4).tolist() == [len(ids) // 4] * 4


def test_episodes_are_deterministic_and_independent_of_call_order():
    data = make_images([10] * 8)
    first = EpisodeSampler(data, 3, 2, 4, seed=1)
    again = EpisodeSampler(data, 3, 2, 4, seed=1)
    forward = [image_ids(e.support_images) + image_ids(e.query_images) for e in first.episodes(5)]
    backward = [
        image_ids(again.sample(i).support_images) + image_ids(again.sample(i).query_images)
        for i in reversed(range(5))
    ][::-1]
    assert forward == backward
    assert [e.classes for e in first.episodes(2, start=3)] == [
        first.sample(3).classes,
        first.sample(4).classes,
    ]
    assert len({tuple(ids) for ids in forward}) == 5  # episodes differ from one another
    other_seed = EpisodeSampler(data, 3, 2, 4, seed=2).sample(0)
    assert image_ids(other_seed.query_images) != forward[0][6:]


def test_glyph_evaluation_episodes_never_use_background_characters(glyph_evaluation):
    background = set(load_glyphs("background", "all").classes)
    assert not background & set(glyph_evaluation.classes)
    sampler = EpisodeSampler(glyph_evaluation, n_way=20, k_shot=1, n_query=5)
    seen = {name for episode in sampler.episodes(30) for name in episode.classes}
    assert seen and not seen & background


def test_classes_too_small_for_an_episode_are_never_drawn():
    data = make_images([3, 10, 10, 2, 10])
    sampler = EpisodeSampler(data, n_way=3, k_shot=2, n_query=3)
    assert len(sampler) == 3
    assert sampler.class_ids.tolist() == [1, 2, 4]
    drawn = {c for episode in sampler.episodes(20) for c in episode.class_ids.tolist()}
    assert drawn == {1, 2, 4}


@pytest.mark.parametrize(
    ("n_way", "k_shot", "n_query", "message"),
    [
        (1, 1, 1, "n_way must be at least 2"),
        (2, 0, 1, "k_shot must be at least 1"),
        (2, 1, 0, "n_query must be at least 1"),
        (4, 5, 5, "lower n_way, k_shot or n_query"),
        (3, 10, 1, "3 classes with at least 11 images"),
    ],
)
def test_impossible_episodes_raise_a_clear_error(n_way, k_shot, n_query, message):
    with pytest.raises(ValueError, match=message):
        EpisodeSampler(make_images([10, 10, 10]), n_way, k_shot, n_query)


def test_negative_index_and_seed_are_refused():
    data = make_images([5, 5])
    with pytest.raises(ValueError, match="seed"):
        EpisodeSampler(data, 2, 1, 1, seed=-1)
    with pytest.raises(ValueError, match="index"):
        EpisodeSampler(data, 2, 1, 1).sample(-1)
