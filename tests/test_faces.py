"""The face pipeline (papers 000 section 3.2, 001 section 3.1): Viola-Jones, the fallback rule, crops, extractors."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from builders import write_av_clip

from harness.data.corpus import Item
from harness.errors import HarnessError, MediaError
from harness.features.cache import FeatureCache
from harness.features.extraction import extract_features
from harness.plugins.features import _face_detect as fd
from harness.plugins.features.face_hog import FaceHOG
from harness.plugins.features.faces import FaceHOGMean, FaceHOGSequence, Faces
from harness.registry import default_registry

SKIN = (90, 150, 215)  # BGR: a warm skin tone, red > blue


def draw_face(image: np.ndarray, cx: int, cy: int, s: int, skin=SKIN) -> np.ndarray:
    """A cartoon frontal face (half-width ``s``) that OpenCV's frontal Haar cascade detects:
    a bright oval with dark brows, eyes and mouth and a shaded nose."""
    cv2.ellipse(image, (cx, cy), (s, int(s * 1.3)), 0, 0, 360, skin, -1)
    eye_y, eye_dx = cy - int(s * 0.25), int(s * 0.42)
    for side in (-1, 1):
        cv2.ellipse(image, (cx + side * eye_dx, eye_y - int(s * 0.28)), (int(s * 0.3), int(s * 0.07)),
                    0, 0, 360, (60, 60, 60), -1)
        cv2.ellipse(image, (cx + side * eye_dx, eye_y), (int(s * 0.22), int(s * 0.11)), 0, 0, 360, (40, 40, 40), -1)
    cv2.ellipse(image, (cx, cy + int(s * 0.25)), (int(s * 0.12), int(s * 0.08)), 0, 0, 360, (140, 140, 140), -1)
    cv2.ellipse(image, (cx, cy + int(s * 0.6)), (int(s * 0.35), int(s * 0.1)), 0, 0, 360, (70, 70, 70), -1)
    return image


def frame(faces=(), shape=(240, 320), background=90, seed=0) -> np.ndarray:
    """A BGR frame with the given faces ((cx, cy, s) each), slightly blurred and noisy."""
    image = np.full((*shape, 3), background, np.uint8)
    for cx, cy, s in faces:
        draw_face(image, cx, cy, s)
    image = cv2.GaussianBlur(image, (0, 0), 1.0)
    noise = np.random.default_rng(seed).normal(0, 3, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def centre(box) -> tuple[float, float]:
    x, y, w, h = box
    return x + w / 2, y + h / 2


def assert_box_on_face(box, cx, cy, s):
    bx, by = centre(box)
    assert abs(bx - cx) < 0.3 * s and abs(by - cy) < 0.4 * s, (box, cx, cy, s)
    assert 1.5 * s < box[2] < 3.5 * s, (box, s)


# -- the detector ------------------------------------------------------------------
def test_cascade_is_installed_and_part_of_the_identity():
    assert fd.cascade_path().name == "haarcascade_frontalface_default.xml"
    digest = fd.cascade_sha256()
    assert len(digest) == 64
    deps = Faces().identity()["dependencies"]
    assert deps["opencv"] == cv2.__version__ and digest in deps["cascade"]


@pytest.mark.parametrize("cx,cy,s", [(160, 120, 50), (90, 110, 35), (230, 140, 60), (160, 120, 80)])
def test_viola_jones_finds_a_drawn_face(cx, cy, s):
    boxes = fd.detect_faces(frame([(cx, cy, s)]))
    assert len(boxes) == 1
    assert_box_on_face(boxes[0], cx, cy, s)


def test_no_face_and_two_faces():
    assert fd.detect_faces(frame()) == []
    two = fd.detect_faces(frame([(80, 120, 40), (240, 120, 40)]))
    assert len(two) == 2
    assert_box_on_face(two[0], 80, 120, 40)
    assert_box_on_face(two[1], 240, 120, 40)


def test_detection_on_a_downscaled_frame_maps_back_to_full_resolution():
    big = frame([(600, 380, 150)], shape=(720, 960))
    small = fd.detect_faces(big, detect_width=320)
    full = fd.detect_faces(big, detect_width=0, min_size=90)
    assert len(small) == len(full) == 1
    assert_box_on_face(small[0], 600, 380, 150)
    assert_box_on_face(full[0], 600, 380, 150)


# -- the fallback rule, on fake detections ------------------------------------------
A, B, C, D = (10, 10, 50, 50), (100, 10, 40, 40), (12, 11, 50, 50), (200, 30, 60, 60)


def test_rule_reuses_the_previous_box_for_none_or_several():
    boxes, counts = fd.track_boxes([[A], [], [B, D], [C], [D, A, B], [D]])
    assert boxes == [A, A, A, C, C, D]
    assert counts == {"single": 3, "reused": 3, "leading": 0}


def test_rule_leading_frames_take_the_first_later_box():
    boxes, counts = fd.track_boxes([[], [A, B], [C], [], [D]])
    assert boxes == [C, C, C, C, D]
    assert counts == {"single": 2, "reused": 1, "leading": 2}


def test_rule_without_any_single_face():
    boxes, counts = fd.track_boxes([[], [A, B], []])
    assert boxes == [None, None, None] and counts["single"] == 0
    assert fd.track_boxes([]) == ([], {"single": 0, "reused": 0, "leading": 0})


def test_centre_box_and_crop_clipping():
    assert fd.centre_box((240, 320, 3)) == (40, 0, 240, 240)
    assert fd.centre_box((300, 200)) == (0, 50, 200, 200)
    image = np.zeros((100, 100, 3), np.uint8)
    image[:50, :50] = 255
    out = fd.crop(image, (-50, -50, 100, 100), 64)  # only the white quarter lies in the frame
    assert out.shape == (64, 64, 3) and out.min() == 255


# -- the pipeline on video ------------------------------------------------------------
FACE1, FACE2 = (130, 120, 45), (200, 115, 50)


def clip_frames() -> list[np.ndarray]:
    """Face, no face, two faces, face elsewhere: the middle two must reuse the first box."""
    return [frame([FACE1], seed=1), frame(seed=2), frame([(70, 120, 40), (250, 120, 40)], seed=3),
            frame([FACE2], seed=4)]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return write_av_clip(tmp_path_factory.mktemp("faces") / "clip.avi", frames=clip_frames())


@pytest.mark.parametrize("suffix", [".avi", ".mp4", ".flv"])
def test_video_fallback_reuses_the_previous_box(tmp_path, suffix):
    path = write_av_clip(tmp_path / f"clip{suffix}", frames=clip_frames())
    frames, boxes, notes = fd.face_track(path)
    assert len(frames) == 4 and frames[0].shape == (240, 320, 3)
    # the decoded middle frames really have no face / two faces
    assert [len(fd.detect_faces(f)) for f in frames] == [1, 0, 2, 1]
    assert_box_on_face(boxes[0], *FACE1)
    assert boxes[1] == boxes[0] and boxes[2] == boxes[0]
    assert_box_on_face(boxes[3], *FACE2)
    assert notes == [fd.NOTE_REUSED]


def test_faces_extractor_crops_shape_range_and_rgb_order(clip):
    extractor = Faces()
    out = extractor.extract(clip)
    assert out.shape == (4, 64, 64, 3) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0 and out.max() > 0.5
    frames, boxes, _ = fd.face_track(clip)
    expected = fd.crop(frames[0], boxes[0], 64)[..., ::-1].astype(np.float32) / 255
    np.testing.assert_allclose(out[0], expected, atol=1e-6)
    cheek = out[0, 40:48, 12:20]  # a patch of skin
    assert cheek[..., 0].mean() > cheek[..., 2].mean() + 0.2  # red above blue: RGB order
    assert extractor.notes == [fd.NOTE_REUSED]


def test_extraction_is_deterministic(clip):
    first = Faces().extract(clip)
    again = Faces().extract(clip)
    assert np.array_equal(first, again)
    assert np.array_equal(FaceHOGSequence().extract(clip), FaceHOGSequence().extract(clip))


def test_hog_sequence_and_pooled_vector(clip):
    seq = FaceHOGSequence().extract(clip)
    assert seq.shape == (4, 1764) and seq.dtype == np.float32 and np.isfinite(seq).all()
    crops, _ = fd.face_crops(clip)
    hog = cv2.HOGDescriptor((64, 64), (16, 16), (8, 8), (8, 8), 9)
    np.testing.assert_allclose(seq[3], hog.compute(cv2.cvtColor(crops[3], cv2.COLOR_BGR2GRAY)).reshape(-1))
    pooled = FaceHOGMean().extract(clip)
    assert pooled.shape == (3528,)
    np.testing.assert_allclose(pooled[:1764], seq.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pooled[1764:], seq.std(axis=0), rtol=1e-4, atol=1e-6)
    assert pooled[1764:].max() > 0.01  # the frames differ


def test_fps_subsampling_and_max_frames(tmp_path):
    frames = [frame([(140 + 4 * i, 120, 45)], seed=i) for i in range(10)]
    path = write_av_clip(tmp_path / "ten.avi", frames=frames, fps=25)
    assert len(Faces().extract(path)) == 10
    assert len(Faces(fps=50).extract(path)) == 10  # above the native rate: every frame
    sampled, notes = fd.read_frames(path, fps=5)  # every 5th frame: 0 and 5
    assert len(sampled) == 2 and notes == []
    full, _ = fd.read_frames(path)
    assert np.array_equal(sampled[1], full[5])
    extractor = Faces(max_frames=3)
    assert len(extractor.extract(path)) == 3
    assert fd.NOTE_TRUNCATED in extractor.notes


def test_pyav_reads_what_opencv_cannot(clip, monkeypatch):
    by_opencv, _ = fd.read_frames(clip)

    def refuse(path):
        raise MediaError("cannot open")

    monkeypatch.setattr(fd, "_opencv_frames", refuse)
    by_pyav, notes = fd.read_frames(clip, fps=12.5)  # every 2nd frame
    assert notes == [fd.NOTE_PYAV] and len(by_pyav) == 2
    for ours, theirs in zip(by_pyav, by_opencv[::2]):
        assert ours.shape == theirs.shape
        assert np.abs(ours.astype(int) - theirs).mean() < 2  # same decoder, colour conversion may round apart


def test_leading_frames_without_face_take_the_first_box(tmp_path):
    path = write_av_clip(tmp_path / "late.avi", frames=[frame(seed=0), frame([FACE2], seed=1)])
    _, boxes, notes = fd.face_track(path)
    assert boxes[0] == boxes[1] and notes == [fd.NOTE_LEADING]


# -- still images ------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tiff"])
def test_still_image_is_one_frame(tmp_path, suffix):
    path = tmp_path / f"face{suffix}"
    cv2.imwrite(str(path), frame([(160, 120, 60)]))
    extractor = Faces()
    out = extractor.extract(path)
    assert out.shape == (1, 64, 64, 3) and extractor.notes == []
    assert FaceHOGSequence().extract(path).shape == (1, 1764)
    pooled = FaceHOGMean().extract(path)
    assert pooled.shape == (3528,) and not pooled[1764:].any()  # one frame: zero spread


def test_no_face_anywhere_crops_the_centre_square_or_raises(tmp_path):
    image = np.zeros((100, 200, 3), np.uint8)
    image[:, 50:150] = (0, 0, 255)  # the centre square is red, the sides black
    path = tmp_path / "blank.png"
    cv2.imwrite(str(path), image)
    extractor = Faces()
    out = extractor.extract(path)
    assert extractor.notes == [fd.NOTE_NO_FACE]
    np.testing.assert_allclose(out[0], np.broadcast_to([1.0, 0.0, 0.0], (64, 64, 3)))
    with pytest.raises(MediaError, match="blank.png.*no single face"):
        Faces(no_face="error").extract(path)


def test_face_hog_seq_of_a_faceless_square_image_matches_face_hog(tmp_path):
    image = np.full((128, 128, 3), 40, np.uint8)  # shapes with strong gradients, no face
    cv2.rectangle(image, (10, 20), (70, 60), (200, 180, 160), -1)
    cv2.circle(image, (90, 90), 25, (120, 220, 90), -1)
    cv2.line(image, (0, 127), (127, 70), (250, 250, 250), 3)
    path = tmp_path / "shapes.png"
    cv2.imwrite(str(path), image)
    extractor = FaceHOGSequence()
    ours = extractor.extract(path)[0]
    assert extractor.notes == [fd.NOTE_NO_FACE]  # the whole (square) image is the crop
    reference = FaceHOG().extract(path)
    assert np.abs(ours - reference).max() < 0.05
    assert np.corrcoef(ours, reference)[0, 1] > 0.99


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["broken.avi", "broken.mp4", "broken.png", "broken.jpg"])
def test_unreadable_file_raises_media_error_naming_it(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"this is not a media file at all" * 10)
    with pytest.raises(MediaError, match=name):
        Faces().extract(path)


def test_missing_file_and_audio_only_video(tmp_path):
    with pytest.raises(MediaError, match="gone.avi"):
        Faces().extract(tmp_path / "gone.avi")
    audio_only = write_av_clip(tmp_path / "speech.avi", audio=np.zeros(8000, np.float32))
    with pytest.raises(MediaError, match="speech.avi.*video frames"):
        Faces().extract(audio_only)


@pytest.mark.parametrize("params,message", [
    ({"no_face": "skip"}, "no_face"), ({"fps": -1.0}, "fps"), ({"scale_factor": 1.0}, "scale_factor"),
    ({"size": 4}, "size"), ({"detect_width": 10}, "detect_width"), ({"colour": 1}, "no parameter"),
])
def test_bad_parameters_are_refused(params, message):
    with pytest.raises(HarnessError, match=message):
        Faces(**params)


def test_hog_needs_a_multiple_of_8():
    assert Faces(size=60).params["size"] == 60
    with pytest.raises(HarnessError, match="multiple of 8"):
        FaceHOGSequence(size=60)


# -- the harness around it ------------------------------------------------------------------------
def test_registered_with_their_kinds():
    registry = default_registry()
    features = {name: registry.feature(name) for name in ("faces", "face-hog-seq", "face-hog-mean")}
    plugins = {c.name: c.plugin for c in registry.components("features")}
    assert features["faces"] is Faces and plugins["face-hog-mean"] == "harness.plugins.features.faces"
    assert features["faces"].kind == "segments"
    assert features["face-hog-seq"].kind == "sequence"
    assert features["face-hog-mean"].kind == "vector"
    assert all(features[n].modality == "visual" for n in ("faces", "face-hog-seq", "face-hog-mean"))


def test_extraction_report_counts_the_notes(tmp_path, clip):
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), frame())
    items = [Item(id="clip", corpus="t", media={"visual": clip}), Item(id="blank", corpus="t", media={"visual": blank})]
    features, report = extract_features(items, FaceHOGMean(), FeatureCache(tmp_path / "cache"), progress=False)
    assert {k: v.shape for k, v in features.items()} == {"t/clip": (3528,), "t/blank": (3528,)}
    assert report.notes == {fd.NOTE_REUSED: 1, fd.NOTE_NO_FACE: 1}
    again, report2 = extract_features(items, FaceHOGMean(), FeatureCache(tmp_path / "cache"), progress=False)
    assert report2.cached == 2 and report2.notes == report.notes
    assert all(np.array_equal(features[k], again[k]) for k in features)


# -- face-hog: detection where the image is not a face crop (issue 14.7) ------------------------
def _item(path, crop=None):
    from harness.data.corpus import Item

    return Item(id=path.stem, corpus="c", media={"visual": path}, meta={"face_crop": crop} if crop else {})


def test_face_hog_detects_faces_in_images_that_are_not_crops_and_says_so(tmp_path, monkeypatch):
    import harness.plugins.features._face_detect as detect
    from harness.plugins.features.face_hog import NOTE_CROP, NOTE_DETECTED, NOTE_LARGEST, NOTE_NONE, FaceHOG

    big = tmp_path / "frame.png"
    image = np.full((240, 320), 128, np.uint8)
    image[40:140, 100:200] = 255  # the "face" region
    cv2.imwrite(str(big), image)
    calls = []

    def fake(grey, *args):
        calls.append(grey.shape)
        return fake.boxes

    monkeypatch.setattr(detect, "detect_faces", fake)
    ext = FaceHOG()
    for boxes, note in (([(100, 40, 100, 100)], NOTE_DETECTED), ([(0, 0, 20, 20), (100, 40, 100, 100)], NOTE_LARGEST),
                        ([], NOTE_NONE)):
        fake.boxes, ext.notes = boxes, []
        ext.extract_item(_item(big, "no"))
        assert ext.notes == [note]
    fake.boxes = [(100, 40, 100, 100)]
    face = ext.extract_item(_item(big, "no"))
    whole = FaceHOG(detect="never").extract_item(_item(big, "no"))
    assert not np.allclose(face, whole)  # the crop, not the whole picture, is described
    calls.clear()
    ext.notes = []
    ext.extract_item(_item(big, "yes"))
    assert not calls and ext.notes == [NOTE_CROP]  # a corpus of crops: no detection
    small = tmp_path / "crop.png"
    cv2.imwrite(str(small), image[:48, :48])
    ext.notes = []
    ext.extract_item(_item(small))  # the corpus says nothing: a 48-pixel image is taken as a crop
    assert not calls and ext.notes == [NOTE_CROP]
    ext.extract_item(_item(big))  # ... a 320-pixel one is searched
    assert calls == [(240, 320)]


def test_the_crop_decision_is_part_of_the_cache_key(tmp_path):
    from harness.plugins.features.face_hog import FaceHOG

    path = tmp_path / "x.png"
    cv2.imwrite(str(path), np.full((64, 64), 100, np.uint8))
    ext = FaceHOG()
    assert ext.item_digest(_item(path, "yes")) != ext.item_digest(_item(path, "no"))
    with pytest.raises(HarnessError, match="detect must be auto, always or never"):
        FaceHOG(detect="sometimes")


@pytest.mark.realdata
def test_viola_jones_finds_a_real_face_placed_in_a_larger_picture(data_root):
    """A real CK+48 face, enlarged and placed off-centre in a 320x240 picture, is found and cropped."""
    from harness.plugins.features._face_detect import detect_faces

    face = cv2.imread(str(next((data_root / "CK+48" / "happy").glob("*.png"))), cv2.IMREAD_GRAYSCALE)
    canvas = np.full((240, 320), 90, np.uint8)
    canvas[30:190, 150:310] = cv2.resize(face, (160, 160), interpolation=cv2.INTER_CUBIC)
    boxes = detect_faces(canvas)
    assert len(boxes) >= 1
    x, y, w, h = max(boxes, key=lambda b: b[2] * b[3])
    assert 130 <= x + w / 2 <= 330 and 10 <= y + h / 2 <= 210  # on the face, not the centre of the picture
